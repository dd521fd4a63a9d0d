"""Recovery codes of multi-factor sign-in: ten one-time codes, shown once, kept hashed
like passwords (Argon2id), each spent by one conditional UPDATE so it works only once."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import delete, func, select, update

from app.auth.passwords import hash_password, verify_password
from app.extensions import db
from app.models import RecoveryCode, User, utcnow

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_BYTES = 5  # 10 hexadecimal characters: 40 bits, shown as xxxxx-xxxxx


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh codes replace the old ones; only their hashes are kept."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [secrets.token_hex(RECOVERY_CODE_BYTES) for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=hash_password(c)) for c in codes)
    db.session.flush()
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def use_recovery_code(user: User, code: str) -> bool:
    """Spend an unused recovery code that matches; one UPDATE, so it works only once."""
    if not (len(code) == 2 * RECOVERY_CODE_BYTES and re.fullmatch(r"[0-9a-f]+", code)):
        return False
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for row in unused:
        if verify_password(row.code_hash, code):
            spent = db.session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount
            db.session.expire(row)
            return spent == 1
    return False


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
