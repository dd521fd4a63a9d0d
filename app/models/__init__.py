"""All models, imported here so that Alembic and the app see one metadata."""

from app.models.advice import OPEN_ADVICE, AdviceRequest, AdviceStatus
from app.models.api_token import ApiToken
from app.models.audit import AuditLog
from app.models.base import Base, utcnow
from app.models.client import Client
from app.models.client_link import ClientLink
from app.models.document import Document
from app.models.enums import (
    OPEN_STATUSES,
    REASON_CODE_LABELS,
    ConversionKind,
    LinkChannel,
    MemberKind,
    NetworkKind,
    Priority,
    ReasonCode,
    ReferralKind,
    Role,
    Status,
    Touch,
)
from app.models.fhir_export import FhirExportJob
from app.models.idempotency import IdempotencyKey
from app.models.link import (
    LinkAttribution,
    LinkConversion,
    LinkIntake,
    LinkVisit,
    ReferralLink,
)
from app.models.member import Member, Specialty
from app.models.member_identifier import MemberIdentifier, ReferralIdentifier
from app.models.message import Message, ThreadRead
from app.models.mfa import MfaEnrolment, RecoveryCode
from app.models.network import Network
from app.models.notification import Notification
from app.models.outbox import OutboxMessage
from app.models.programme import Programme
from app.models.referral import Referral, ReferralDayCount, ReferralEvent
from app.models.reminder import FollowupMark, Reminder, ReminderDigest
from app.models.reward import Reward, RewardStatus
from app.models.thanks import Thanks
from app.models.user import User, user_member, user_network
from app.models.user_session import UserSession

__all__ = [
    "OPEN_ADVICE",
    "OPEN_STATUSES",
    "REASON_CODE_LABELS",
    "AdviceRequest",
    "AdviceStatus",
    "ApiToken",
    "AuditLog",
    "Base",
    "Client",
    "ClientLink",
    "ConversionKind",
    "Document",
    "FhirExportJob",
    "FollowupMark",
    "IdempotencyKey",
    "LinkAttribution",
    "LinkChannel",
    "LinkConversion",
    "LinkIntake",
    "LinkVisit",
    "Member",
    "MemberIdentifier",
    "MemberKind",
    "Message",
    "MfaEnrolment",
    "Network",
    "NetworkKind",
    "Notification",
    "OutboxMessage",
    "Priority",
    "Programme",
    "ReasonCode",
    "RecoveryCode",
    "Referral",
    "ReferralDayCount",
    "ReferralEvent",
    "ReferralIdentifier",
    "ReferralKind",
    "ReferralLink",
    "Reminder",
    "ReminderDigest",
    "Reward",
    "RewardStatus",
    "Role",
    "Specialty",
    "Status",
    "Thanks",
    "ThreadRead",
    "Touch",
    "User",
    "UserSession",
    "user_member",
    "user_network",
    "utcnow",
]
