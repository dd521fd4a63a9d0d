"""Personal API tokens: create and revoke on a page."""

from flask import Blueprint

bp = Blueprint("tokens", __name__, url_prefix="/tokens")
