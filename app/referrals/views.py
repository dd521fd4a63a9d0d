"""Referral pages: send, inbox and outbox, the referral page and its actions."""

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/referrals")


@bp.route("/<int:referral_id>")
def detail(referral_id: int):
    return "", 404
