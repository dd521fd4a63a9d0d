"""Who calls the FHIR endpoints (a bearer token, or a signed-in session) and what it may
see: the same rules as the app (app/referrals/access.py visibility, the directory of the
caller's networks as app/auth/policy.py visible_members)."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user
from sqlalchemy import ColumnElement

from app.auth.acting import Acting
from app.extensions import db
from app.fhir.export import Scope
from app.fhir.outcome import FhirError
from app.models import Role, User
from app.referrals.access import visibility
from app.tokens.service import acting_for_token


def authenticate() -> None:
    """before_request of /fhir: sets g.fhir_acting or refuses with 401."""
    if request.endpoint == "fhir.metadata":
        return
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise FhirError(401, "Send the token as Authorization: Bearer <token>.")
        found = acting_for_token(secret.strip())
        if found is None:
            db.session.rollback()
            raise FhirError(401, "The token is unknown, revoked, or its user is inactive.")
        acting, noted = found
        if noted:
            db.session.commit()
        g.fhir_acting = acting
        return
    if not current_user.is_authenticated or not current_user.is_active:
        raise FhirError(401, "Send a valid API token as Authorization: Bearer <token>.")
    g.fhir_acting = current_user._get_current_object()


def acting() -> Acting | User:
    return g.fhir_acting


def referral_visibility(user: Acting | User) -> ColumnElement[bool] | None:
    return visibility(user)


def directory_networks(user: Acting | User) -> list[int] | None:
    """The networks whose members the caller may find; None for all (admins)."""
    return None if user.role == Role.ADMIN else user.network_ids


def scope_of(user: Acting | User, since=None) -> Scope:
    """What an export for this caller covers: what the caller may see in the app."""
    return Scope(since=since, referrals=visibility(user), network_ids=directory_networks(user))
