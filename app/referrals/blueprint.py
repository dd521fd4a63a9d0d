"""The referral pages' blueprint, shared by the list/detail views and the send form."""

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/referrals")
