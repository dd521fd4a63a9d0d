"""JSON API v1: the same services as the pages, with session or bearer-token access."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
