"""Route decorators: a signed-in user of one of these roles, or the refusal page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask_login import current_user, login_required

from app.auth.policy import ensure_role
from app.models import Role


def roles_required(*roles: Role) -> Callable:
    """Signed in, and one of these roles (403 otherwise)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            ensure_role(current_user, *roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator
