"""Multi-factor sign-in: TOTP (pyotp) with one-time recovery codes.

One path for every front door: enrolling, checking a code at sign-in, regenerating the
recovery codes, turning the second factor off, an admin's reset, and a network's rule that
its staff must use it. Wrong codes are throttled like wrong passwords (app/auth/throttle.py,
counters of their own) and everything is audited. API tokens are not concerned: a token is
made by a signed-in user and stands on its own (docs/mfa.md).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.audit.service import record
from app.auth.mfa_secrets import SecretUnreadable, seal, unseal
from app.auth.passwords import verify_password
from app.auth.policy import ensure_manages_network, ensure_role
from app.auth.recovery_codes import (
    new_recovery_codes,
    remaining_recovery_codes,
    use_recovery_code,
)
from app.auth.sessions import end_sessions_of
from app.auth.throttle import mfa_throttle
from app.extensions import db
from app.mail.outbox import queue_email
from app.models import MfaEnrolment, Network, RecoveryCode, Role, User, UserSession, utcnow
from app.models.user import user_network
from app.refusals import Forbidden, Invalid, NotFound

STEP_SECONDS = 30
DIGITS = 6
# A code of the step before or after is accepted too: phone clocks drift.
DRIFT_STEPS = 1

WRONG_CODE = "That code is not right. Enter the current code from your app, or a recovery code."
THROTTLED = "Too many wrong codes. Wait a few minutes before trying again."
SLOWED = "Too many wrong codes for this account. Wait a minute and try again."
UNREADABLE = (
    "Your second factor cannot be checked (the server's key changed). Ask an admin to reset "
    "your multi-factor sign-in."
)


class CodeRefused(Invalid):
    """A wrong, replayed or malformed code (401 on the sign-in page)."""

    def __init__(self, message: str = WRONG_CODE) -> None:
        super().__init__(message, {"code": message})


class CodeThrottled(CodeRefused):
    status = 429


@dataclass(frozen=True)
class Provisioning:
    """What an authenticator app needs, shown only until the enrolment is confirmed."""

    secret: str
    uri: str
    qr_svg: str

    @property
    def grouped_secret(self) -> str:
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


# Who must use it


def enrolment_of(user: User) -> MfaEnrolment | None:
    return db.session.get(MfaEnrolment, user.id)


def is_enrolled(user: User) -> bool:
    enrolment = enrolment_of(user)
    return enrolment is not None and enrolment.confirmed


def mfa_required(user: User) -> bool:
    """Admins when any network requires it of its staff; coordinators when one of theirs
    does; practitioners choose for themselves."""
    if user.role == Role.PRACTITIONER:
        return False
    stmt = select(Network.id).where(Network.mfa_required_for_staff.is_(True))
    if user.role == Role.COORDINATOR:
        stmt = stmt.where(Network.id.in_(user.coordinated_network_ids or [-1]))
    return db.session.scalar(stmt.limit(1)) is not None


def sign_in_step(user: User) -> str | None:
    """What the password alone does not settle: "code", "enrol" (required, not yet
    enrolled), or None (signed in by the password)."""
    if is_enrolled(user):
        return "code"
    if mfa_required(user):
        return "enrol"
    return None


# Enrolment


def start_enrolment(user: User) -> MfaEnrolment:
    """A new secret, not in force until confirmed by a code. Any earlier unconfirmed one is
    replaced: a secret seen once on a screen, and never confirmed, is not reused later."""
    enrolment = enrolment_of(user)
    if enrolment is not None and enrolment.confirmed:
        raise Invalid("Multi-factor sign-in is already on for this account.")
    secret = seal(pyotp.random_base32())
    if enrolment is not None:
        enrolment.secret_encrypted, enrolment.last_timestep = secret, None
        enrolment.created_at = utcnow()
        db.session.flush()
        return enrolment
    try:
        with db.session.begin_nested():  # two pages opened at once: one row wins
            enrolment = MfaEnrolment(user_id=user.id, secret_encrypted=secret)
            db.session.add(enrolment)
    except IntegrityError:
        return start_enrolment(user)
    return enrolment


def provisioning(user: User, enrolment: MfaEnrolment) -> Provisioning:
    """The secret, its otpauth:// URI and a QR code of it (inline SVG); never once confirmed."""
    if enrolment.confirmed:
        raise Forbidden("The secret of a confirmed enrolment is never shown again.")
    secret = _secret_of(enrolment)
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=current_app.config["MFA_ISSUER"]
    )
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, light="#fff", title="QR code for your authenticator app"
    )
    svg = svg.replace("<svg ", '<svg role="img" aria-label="QR code to scan" ', 1)
    return Provisioning(secret=secret, uri=uri, qr_svg=svg)


def confirm_enrolment(user: User, code: str, address: str) -> list[str]:
    """Turn the pending enrolment on with a first right code; returns the new recovery
    codes, to be shown once."""
    enrolment = enrolment_of(user)
    if enrolment is None or enrolment.confirmed:
        raise NotFound("There is no enrolment waiting to be confirmed. Start again.")
    _check(user, address, code, lambda normal: _accept_totp(enrolment, normal))
    enrolment.confirmed_at = utcnow()
    codes = new_recovery_codes(user)
    record("mfa-enrol", "user", user.id, user=user)
    return codes


# Checking a code


def verify_second_factor(user: User, code: str, address: str) -> str:
    """Check a sign-in code: a current TOTP code or an unused recovery code. Returns
    "totp" or "recovery"; CodeRefused (or CodeThrottled) otherwise, audited either way."""
    enrolment = enrolment_of(user)
    if enrolment is None or not enrolment.confirmed:
        raise NotFound("Multi-factor sign-in is not on for this account.")

    def either(normal: str) -> str | None:
        if _accept_totp(enrolment, normal):
            return "totp"
        return "recovery" if use_recovery_code(user, normal) else None

    used = _check(user, address, code, either)
    if used == "recovery":
        left = remaining_recovery_codes(user)
        record("mfa-recovery-code-used", "user", user.id, user=user, detail=f"left={left}")
    record("mfa-sign-in", "user", user.id, user=user, detail=used)
    return used


def _check(user: User, address: str, code: str, attempt):
    """Run `attempt` on the normalised code under the throttle; audit and count failures.
    Returns what `attempt` returned when it was truthy."""
    throttle = mfa_throttle()
    refusal = throttle.refusal(user.email, address)
    if refusal is not None:
        raise CodeThrottled(SLOWED if refusal == "slowed" else THROTTLED)
    normal = normalise(code)
    try:
        result = attempt(normal) if normal else None
    except SecretUnreadable as exc:
        raise CodeRefused(UNREADABLE) from exc
    if not result:
        if throttle.failed(user.email, address):
            _tell_owner(user)
        record("mfa-failed", "user", user.id, user=user)
        raise CodeRefused()
    throttle.succeeded(user.email, address)
    return result


def normalise(code: str | None) -> str:
    """Digits or a recovery code, without the spaces and dashes people type."""
    return re.sub(r"[\s-]+", "", code or "").lower()[:32]


def _secret_of(enrolment: MfaEnrolment) -> str:
    return unseal(enrolment.secret_encrypted)


def _accept_totp(enrolment: MfaEnrolment, code: str, now: datetime | None = None) -> bool:
    """A right code of a time step later than the last accepted one; that step is then
    stored, in one UPDATE that only one of two racing requests can make."""
    if not (len(code) == DIGITS and code.isascii() and code.isdigit()):
        return False
    totp = pyotp.TOTP(_secret_of(enrolment), digits=DIGITS, interval=STEP_SECONDS)
    current = int((now or utcnow()).timestamp()) // STEP_SECONDS
    steps = [current + d for d in range(-DRIFT_STEPS, DRIFT_STEPS + 1)]
    matched = [s for s in steps if hmac.compare_digest(totp.generate_otp(s), code)]
    if not matched:
        return False
    step = max(matched)
    accepted = db.session.execute(
        update(MfaEnrolment)
        .where(
            MfaEnrolment.user_id == enrolment.user_id,
            or_(MfaEnrolment.last_timestep.is_(None), MfaEnrolment.last_timestep < step),
        )
        .values(last_timestep=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(enrolment, ["last_timestep"])
    return accepted == 1


# Recovery codes


def regenerate_recovery_codes(user: User, code: str, address: str) -> list[str]:
    """New recovery codes (the old ones stop working), on a current code from the app."""
    enrolment = enrolment_of(user)
    if enrolment is None or not enrolment.confirmed:
        raise NotFound("Multi-factor sign-in is not on for this account.")
    _check(user, address, code, lambda normal: _accept_totp(enrolment, normal))
    codes = new_recovery_codes(user)
    record("mfa-recovery-codes-renewed", "user", user.id, user=user)
    return codes


# Turning it off


def disable_mfa(user: User, password: str, code: str, address: str) -> None:
    """The owner turns the second factor off: their password and a current code (or a
    recovery code); refused while their network requires it."""
    enrolment = enrolment_of(user)
    if enrolment is None or not enrolment.confirmed:
        raise NotFound("Multi-factor sign-in is not on for this account.")
    if mfa_required(user):
        raise Forbidden("Your network requires multi-factor sign-in: it cannot be turned off.")
    if not verify_password(user.password_hash, password or ""):
        record("mfa-failed", "user", user.id, user=user, detail="disable: wrong password")
        raise Invalid("That is not your password.", {"password": "That is not your password."})
    _check(
        user,
        address,
        code,
        lambda normal: _accept_totp(enrolment, normal) or use_recovery_code(user, normal),
    )
    _remove(user)
    record("mfa-disable", "user", user.id, user=user)


def reset_mfa(actor: User | None, user: User) -> bool:
    """An admin (or the operator) removes a user's second factor, e.g. a lost phone; the
    user's sessions end and they enrol again at the next sign-in if required."""
    ensure_role(actor, Role.ADMIN)
    had = enrolment_of(user) is not None
    _remove(user)
    end_sessions_of(user)
    record("mfa-reset", "user", user.id, user=actor, detail=f"of {user.email}")
    return had


def _remove(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(MfaEnrolment).where(MfaEnrolment.user_id == user.id))
    db.session.expire_all()


# The network's rule


def require_mfa_for_staff(actor: User | None, network_id: int, required: bool) -> int:
    """Admins set whether a network's staff (its coordinators, and every admin) must use a
    second factor. Turned on, the sessions of those not yet enrolled end (but the actor's
    own), so they enrol at their next sign-in. Returns how many sessions ended."""
    ensure_role(actor, Role.ADMIN)
    ensure_manages_network(actor, network_id)
    network = db.session.get(Network, network_id)
    if network is None:
        raise NotFound("There is no such network.")
    before = network.mfa_required_for_staff
    network.mfa_required_for_staff = bool(required)
    ended = 0
    if required and not before:
        enrolled = select(MfaEnrolment.user_id).where(MfaEnrolment.confirmed_at.is_not(None))
        coordinators = select(user_network.c.user_id).where(user_network.c.network_id == network_id)
        staff = select(User.id).where(
            or_(User.role == Role.ADMIN, User.id.in_(coordinators)),
            User.role != Role.PRACTITIONER,
            User.id.not_in(enrolled),
        )
        if actor is not None:
            staff = staff.where(User.id != actor.id)
        ended = (
            db.session.execute(
                delete(UserSession)
                .where(UserSession.user_id.in_(staff))
                .execution_options(synchronize_session=False)
            ).rowcount
            or 0
        )
    record(
        "update-mfa-rule",
        "network",
        network.id,
        user=actor,
        detail=f"mfa_required_for_staff: {before} -> {bool(required)}; sessions ended: {ended}",
    )
    return ended


def _tell_owner(user: User) -> None:
    queue_email(
        user.email,
        "refnet: many wrong sign-in codes on your account",
        f"Hello {user.name},\n\nThere have been many wrong second-factor codes entered while "
        "signing in to your refnet account. Whoever entered them knew your password. refnet "
        "now slows further attempts down.\n\nIf it was not you, set a new password (ask "
        "your coordinator) and sign out your other sessions from the Sessions page.\n",
    )
