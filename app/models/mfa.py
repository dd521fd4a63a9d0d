"""Multi-factor sign-in: a user's TOTP enrolment and one-time recovery codes.

The TOTP secret is stored encrypted (app/auth/mfa_secrets.py) and never shown once the
enrolment is confirmed; recovery codes are stored hashed like passwords. Kept out of
`user_account`, so that loading the signed-in user on every request reads none of it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class MfaEnrolment(Base):
    __tablename__ = "mfa_enrolment"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    # Fernet token of the base32 TOTP secret.
    secret_encrypted: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None while the user has not yet confirmed a first code: not in force.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last TOTP time step accepted: a code of that step or before is refused (no replay).
    last_timestep: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(Base):
    __tablename__ = "mfa_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
