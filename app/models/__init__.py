"""All models, imported here so that Alembic and the app see one metadata."""

from app.models.api_token import ApiToken
from app.models.audit import AuditLog
from app.models.base import Base, utcnow
from app.models.client import Client
from app.models.document import Document
from app.models.enums import (
    OPEN_STATUSES,
    REASON_CODE_LABELS,
    MemberKind,
    NetworkKind,
    Priority,
    ReasonCode,
    ReferralKind,
    Role,
    Status,
)
from app.models.idempotency import IdempotencyKey
from app.models.member import Member, Specialty
from app.models.network import Network
from app.models.notification import Notification
from app.models.outbox import OutboxMessage
from app.models.referral import Referral, ReferralDayCount, ReferralEvent
from app.models.user import User, user_member, user_network
from app.models.user_session import UserSession

__all__ = [
    "OPEN_STATUSES",
    "REASON_CODE_LABELS",
    "ApiToken",
    "AuditLog",
    "Base",
    "Client",
    "Document",
    "IdempotencyKey",
    "Member",
    "MemberKind",
    "Network",
    "NetworkKind",
    "Notification",
    "OutboxMessage",
    "Priority",
    "ReasonCode",
    "Referral",
    "ReferralDayCount",
    "ReferralEvent",
    "ReferralKind",
    "Role",
    "Specialty",
    "Status",
    "User",
    "UserSession",
    "user_member",
    "user_network",
    "utcnow",
]
