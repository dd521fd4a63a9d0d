"""JSON API v1: the same services as the pages, with session or bearer-token access."""

from flask import Blueprint, Response

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Form CSRF tokens do not apply to JSON; app.api.auth explains what protects sessions instead.
csrf.exempt(bp)


@bp.after_request
def _no_store(response: Response) -> Response:
    # Referrals carry client data: never keep them in a shared cache.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


from app.api import (  # noqa: E402, F401 - routes register on bp
    advice,
    directory,
    links,
    members,
    messages,
    openapi,
    referrals,
    reports,
    rewards,
)
from app.api.auth import authenticate  # noqa: E402
from app.api.errors import init_error_handlers  # noqa: E402

bp.before_request(authenticate)
init_error_handlers(bp)
