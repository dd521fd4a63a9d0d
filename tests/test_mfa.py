"""Issue 14 item 6, the service: TOTP enrolment, codes under a frozen clock, no replay,
recovery codes that work once, throttled wrong codes, who must use it, an admin's reset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from app.auth.mfa import (
    CodeRefused,
    CodeThrottled,
    confirm_enrolment,
    disable_mfa,
    enrolment_of,
    is_enrolled,
    mfa_required,
    provisioning,
    regenerate_recovery_codes,
    remaining_recovery_codes,
    require_mfa_for_staff,
    reset_mfa,
    sign_in_step,
    start_enrolment,
    verify_second_factor,
)
from app.auth.mfa_secrets import SecretUnreadable, unseal
from app.models import AuditLog, MfaEnrolment, RecoveryCode, Role, UserSession
from app.refusals import Forbidden
from tests.conftest import PASSWORD

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
HERE = "10.0.0.1"


def code_at(secret: str, moment: datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


def enrol(db, user, at: datetime = T0) -> tuple[str, list[str]]:
    """Enrol `user` through the service at `at`; returns the secret and the recovery codes."""
    with time_machine.travel(at, tick=False):
        secret = provisioning(user, start_enrolment(user)).secret
        codes = confirm_enrolment(user, code_at(secret, at), HERE)
        db.session.commit()
    return secret, codes


def actions(db, user) -> list[str]:
    rows = db.session.scalars(
        select(AuditLog.action).where(AuditLog.entity_id == user.id).order_by(AuditLog.id)
    )
    return list(rows)


def test_enrolment_needs_a_right_code_and_then_hides_the_secret(make, db):
    user = make.practitioner()
    with time_machine.travel(T0, tick=False):
        enrolment = start_enrolment(user)
        setup = provisioning(user, enrolment)
        assert setup.uri.startswith("otpauth://totp/refnet:")
        assert f"secret={setup.secret}" in setup.uri
        assert setup.qr_svg.startswith("<svg") and 'role="img"' in setup.qr_svg
        # Stored encrypted: the database alone does not give the secret.
        assert setup.secret not in enrolment.secret_encrypted
        assert unseal(enrolment.secret_encrypted) == setup.secret
        right = code_at(setup.secret, T0)
        with pytest.raises(CodeRefused):
            confirm_enrolment(user, f"{(int(right) + 1) % 1_000_000:06d}", HERE)
        assert not is_enrolled(user)
        codes = confirm_enrolment(user, right, HERE)
        db.session.commit()
    assert is_enrolled(user)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and all(h.startswith("$argon2id$") for h in stored)
    assert not any(c.replace("-", "") in h for c in codes for h in stored)
    with pytest.raises(Forbidden):
        provisioning(user, enrolment_of(user))  # never shown again
    assert "mfa-enrol" in actions(db, user)


def test_a_code_is_accepted_once_within_its_window(make, db):
    user = make.practitioner()
    secret, _ = enrol(db, user)  # the enrolment spent T0's step
    later = T0 + timedelta(seconds=60)
    with time_machine.travel(later, tick=False):
        code = code_at(secret, later)
        assert verify_second_factor(user, code, HERE) == "totp"
        db.session.commit()
        with pytest.raises(CodeRefused):
            verify_second_factor(user, code, HERE)  # replayed in the same 30 s
        db.session.commit()
        # The previous step's code is within the drift window, but older than one used.
        with pytest.raises(CodeRefused):
            verify_second_factor(user, code_at(secret, later - timedelta(seconds=30)), HERE)
        db.session.commit()
    with time_machine.travel(later + timedelta(seconds=30), tick=False):
        assert verify_second_factor(user, code_at(secret, later + timedelta(seconds=30)), HERE)
        db.session.commit()
    assert actions(db, user).count("mfa-failed") == 2
    assert actions(db, user).count("mfa-sign-in") == 2


def test_one_step_of_clock_drift_is_allowed_not_two(make, db):
    user = make.practitioner()
    secret, _ = enrol(db, user)
    now = T0 + timedelta(minutes=10)
    with time_machine.travel(now, tick=False):
        with pytest.raises(CodeRefused):
            verify_second_factor(user, code_at(secret, now - timedelta(seconds=60)), HERE)
        assert verify_second_factor(user, code_at(secret, now - timedelta(seconds=30)), HERE)


def test_a_recovery_code_works_once(make, db):
    user = make.practitioner()
    _, codes = enrol(db, user)
    assert remaining_recovery_codes(user) == 10
    assert verify_second_factor(user, codes[3].upper().replace("-", " "), HERE) == "recovery"
    db.session.commit()
    assert remaining_recovery_codes(user) == 9
    with pytest.raises(CodeRefused):
        verify_second_factor(user, codes[3], HERE)
    db.session.commit()
    assert verify_second_factor(user, codes[4], HERE) == "recovery"
    assert "mfa-recovery-code-used" in actions(db, user)


def test_new_recovery_codes_void_the_old_ones(make, db):
    user = make.practitioner()
    secret, old = enrol(db, user)
    at = T0 + timedelta(minutes=1)
    with time_machine.travel(at, tick=False):
        new = regenerate_recovery_codes(user, code_at(secret, at), HERE)
        db.session.commit()
    assert set(new).isdisjoint(old) and remaining_recovery_codes(user) == 10
    with pytest.raises(CodeRefused):
        verify_second_factor(user, old[0], HERE)
    assert verify_second_factor(user, new[0], HERE) == "recovery"


def test_wrong_codes_are_throttled_per_account_and_address(make, db):
    user = make.practitioner()
    secret, _ = enrol(db, user)
    at = T0 + timedelta(minutes=5)
    with time_machine.travel(at, tick=False):
        right = code_at(secret, at)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        for _ in range(5):
            with pytest.raises(CodeRefused):
                verify_second_factor(user, wrong, HERE)
        with pytest.raises(CodeThrottled):  # even the right code waits out the window
            verify_second_factor(user, right, HERE)
        # Another address is not locked by this one's failures.
        assert verify_second_factor(user, right, "10.0.0.2") == "totp"
    with time_machine.travel(at + timedelta(minutes=16), tick=False):
        later = at + timedelta(minutes=16)
        assert verify_second_factor(user, code_at(secret, later), HERE) == "totp"


def test_who_must_use_a_second_factor(make, db):
    strict = make.network(mfa_required_for_staff=True)
    relaxed = make.network()
    strict_coordinator = make.user(Role.COORDINATOR, networks=[strict])
    relaxed_coordinator = make.user(Role.COORDINATOR, networks=[relaxed])
    admin = make.user(Role.ADMIN)
    practitioner = make.practitioner(make.member(strict))
    assert mfa_required(strict_coordinator) and mfa_required(admin)
    assert not mfa_required(relaxed_coordinator) and not mfa_required(practitioner)
    assert sign_in_step(strict_coordinator) == "enrol"
    assert sign_in_step(practitioner) is None
    enrol(db, strict_coordinator)
    assert sign_in_step(strict_coordinator) == "code"
    strict.mfa_required_for_staff = False
    db.session.commit()
    assert not mfa_required(admin)


def test_turning_it_off_needs_password_and_code_and_is_refused_when_required(make, db):
    network = make.network()
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    secret, _ = enrol(db, coordinator)
    at = T0 + timedelta(minutes=1)
    with time_machine.travel(at, tick=False):
        with pytest.raises(CodeRefused):
            disable_mfa(coordinator, PASSWORD, "123", HERE)
        with pytest.raises(Exception, match="not your password"):
            disable_mfa(coordinator, "wrong password", code_at(secret, at), HERE)
        network.mfa_required_for_staff = True
        db.session.flush()
        with pytest.raises(Forbidden):
            disable_mfa(coordinator, PASSWORD, code_at(secret, at), HERE)
        network.mfa_required_for_staff = False
        disable_mfa(coordinator, PASSWORD, code_at(secret, at), HERE)
        db.session.commit()
    assert not is_enrolled(coordinator) and remaining_recovery_codes(coordinator) == 0
    assert "mfa-disable" in actions(db, coordinator)


def test_an_admin_resets_a_lost_second_factor(make, db):
    admin = make.user(Role.ADMIN)
    network = make.network()
    coordinator = make.user(Role.COORDINATOR, networks=[network])
    user = make.practitioner(make.member(network))
    enrol(db, user)
    db.session.add(UserSession(user_id=user.id, key_hash="a" * 64))
    db.session.commit()
    with pytest.raises(Forbidden):
        reset_mfa(coordinator, user)
    assert reset_mfa(admin, user)
    db.session.commit()
    assert enrolment_of(user) is None and remaining_recovery_codes(user) == 0
    assert db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all() == []
    row = db.session.scalars(select(AuditLog).where(AuditLog.action == "mfa-reset")).one()
    assert (row.user_id, row.entity_id) == (admin.id, user.id)


def test_requiring_it_signs_out_staff_not_yet_enrolled(make, db):
    admin = make.user(Role.ADMIN)
    network = make.network()
    other = make.network()
    bare = make.user(Role.COORDINATOR, networks=[network])
    enrolled = make.user(Role.COORDINATOR, networks=[network])
    elsewhere = make.user(Role.COORDINATOR, networks=[other])
    practitioner = make.practitioner(make.member(network))
    enrol(db, enrolled)
    for n, user in enumerate((admin, bare, enrolled, elsewhere, practitioner)):
        db.session.add(UserSession(user_id=user.id, key_hash=f"{n}" * 64))
    db.session.commit()
    with pytest.raises(Forbidden):
        require_mfa_for_staff(bare, network.id, True)
    assert require_mfa_for_staff(admin, network.id, True) == 1
    db.session.commit()
    left = set(db.session.scalars(select(UserSession.user_id)))
    assert left == {admin.id, enrolled.id, elsewhere.id, practitioner.id}
    assert network.mfa_required_for_staff
    assert "update-mfa-rule" in {r.action for r in db.session.scalars(select(AuditLog))}


def test_a_changed_key_makes_the_secret_unreadable_not_a_crash(make, db, app):
    user = make.practitioner()
    secret, _ = enrol(db, user)
    old_key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-secret-key"
    try:
        row = db.session.get(MfaEnrolment, user.id)
        with pytest.raises(SecretUnreadable):
            unseal(row.secret_encrypted)
        with pytest.raises(CodeRefused, match="reset"):
            verify_second_factor(user, code_at(secret, T0), HERE)
    finally:
        app.config["SECRET_KEY"] = old_key


def test_the_operator_resets_a_second_factor_at_the_shell(make, db, app):
    admin = make.user(Role.ADMIN, email="only.admin@example.org")
    enrol(db, admin)
    result = app.test_cli_runner().invoke(args=["users", "reset-mfa", "only.admin@example.org"])
    assert result.exit_code == 0, result.output
    assert "is reset" in result.output
    db.session.expire_all()
    assert enrolment_of(admin) is None
    row = db.session.scalars(select(AuditLog).where(AuditLog.action == "mfa-reset")).one()
    assert (row.user_id, row.entity_id) == (None, admin.id)
    missing = app.test_cli_runner().invoke(args=["users", "reset-mfa", "nobody@example.org"])
    assert missing.exit_code != 0 and "No user" in missing.output


def test_each_showing_of_the_enrolment_makes_a_fresh_secret(make, db):
    user = make.practitioner()
    first = provisioning(user, start_enrolment(user)).secret
    db.session.commit()
    second = provisioning(user, start_enrolment(user)).secret
    db.session.commit()
    assert first != second
    with time_machine.travel(T0, tick=False):
        with pytest.raises(CodeRefused):  # the secret seen first is void
            confirm_enrolment(user, code_at(first, T0), HERE)
        assert len(confirm_enrolment(user, code_at(second, T0), HERE)) == 10
