"""All models, imported here so that Alembic and the app see one metadata."""

from app.models.api_token import ApiToken
from app.models.audit import AuditLog
from app.models.base import Base, utcnow
from app.models.client import Client
from app.models.document import Document
from app.models.enums import (
    OPEN_STATUSES,
    MemberKind,
    NetworkKind,
    Priority,
    ReferralKind,
    Role,
    Status,
)
from app.models.member import Member, Specialty
from app.models.network import Network
from app.models.notification import Notification
from app.models.outbox import OutboxMessage
from app.models.referral import Referral, ReferralEvent
from app.models.user import User, user_member, user_network

__all__ = [
    "OPEN_STATUSES",
    "ApiToken",
    "AuditLog",
    "Base",
    "Client",
    "Document",
    "Member",
    "MemberKind",
    "Network",
    "NetworkKind",
    "Notification",
    "OutboxMessage",
    "Priority",
    "Referral",
    "ReferralEvent",
    "ReferralKind",
    "Role",
    "Specialty",
    "Status",
    "User",
    "user_member",
    "user_network",
    "utcnow",
]
