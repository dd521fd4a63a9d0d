"""The verbs on referral links: create, pause, resume, set an end; who may see which.

A practitioner manages the links of the members it acts for (as it sends their referrals);
a coordinator sees, pauses and resumes the links of its networks; an admin every link; the
operator (actor None) anything. Another's link is as good as absent (NotFound).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.exc import IntegrityError

from app import fields as f
from app.audit.service import record
from app.auth.policy import manages_network
from app.extensions import db
from app.links.codes import new_code, normalized
from app.models import (
    Client,
    Member,
    NetworkKind,
    Referral,
    ReferralKind,
    ReferralLink,
    Role,
    User,
    utcnow,
)
from app.referrals.changes import receiver_problem
from app.refusals import Forbidden, Invalid, NotFound

NO_LINK = "There is no such link, or you do not have access to it."


def _owner_for(actor: User | None, owner_member_id) -> Member:
    """The owning member: one the practitioner acts for (the only one, when not said); an
    admin or the operator names any member."""
    anyone = actor is None or actor.role == Role.ADMIN
    if not anyone and actor.role != Role.PRACTITIONER:
        raise Forbidden("Only practitioners make links for the members they act for.")
    candidates = [] if anyone else [m for m in actor.members if m.active]
    if owner_member_id in (None, ""):
        if len(candidates) == 1:
            return candidates[0]
        raise Invalid("Say which member owns this link.", {"owner_member_id": "Choose the member."})
    problems = f.FieldProblems()
    number = f.integer(problems, "owner_member_id", owner_member_id, label="Owner")
    if anyone:
        member = db.session.get(Member, number) if number else None
    else:
        member = next((m for m in candidates if m.id == number), None)
    if member is None or not member.active:
        raise Invalid(
            "You can only make links for active members you act for.",
            problems or {"owner_member_id": "You do not act for this member."},
        )
    return member


def kind_for(network_kind: NetworkKind) -> ReferralKind:
    """The referrals a link makes: professional on a professional network, clinical
    otherwise (a mixed network's links ask what a clinical referral needs)."""
    if network_kind == NetworkKind.PROFESSIONAL:
        return ReferralKind.PROFESSIONAL
    return ReferralKind.CLINICAL


def _owner_client(owner: Member, owner_client_id, problems) -> Client | None:
    if owner_client_id in (None, ""):
        return None
    number = f.integer(problems, "owner_client_id", owner_client_id, label="Client")
    if number is None:
        return None
    involved = exists().where(
        Referral.client_id == Client.id,
        or_(Referral.sender_id == owner.id, Referral.receiver_id == owner.id),
    )
    client = db.session.scalar(
        select(Client).where(
            Client.id == number,
            Client.network_id == owner.network_id,
            or_(Client.created_by_member_id == owner.id, involved),
        )
    )
    if client is None:
        problems["owner_client_id"] = "Choose one of the member's clients."
    return client


def create_link(
    actor: User | None,
    target_member_id,
    *,
    owner_member_id=None,
    owner_client_id=None,
    label=None,
    service=None,
    ends_at=None,
    now: datetime | None = None,
) -> ReferralLink:
    """A new link owner → target with a fresh code; Invalid/Forbidden when refused."""
    now = now or utcnow()
    owner = _owner_for(actor, owner_member_id)
    problems = f.FieldProblems()
    number = f.integer(problems, "target_member_id", target_member_id, label="Target member")
    target = db.session.get(Member, number) if number else None
    # The owner's own link (target = owner) brings its clients' friends to the owner itself.
    if number and (problem := receiver_problem(target, owner, itself=True)):
        problems["target_member_id"] = problem
    client = _owner_client(owner, owner_client_id, problems)
    label = f.text(problems, "label", label, label="Name", required=False, max_len=120)
    service = f.text(problems, "service", service, label="Service", required=False, max_len=200)
    end = None
    if ends_at not in (None, ""):
        end = f.moment(problems, "ends_at", ends_at, label="End", tz=owner.network.timezone)
        if end is not None and end <= now:
            problems["ends_at"] = "The end must be in the future."
    if problems:
        raise Invalid("The link could not be made. Check the fields.", problems)
    link = ReferralLink(
        network_id=owner.network_id,
        owner_member_id=owner.id,
        owner_client_id=client.id if client else None,
        target_member_id=target.id,
        referral_kind=kind_for(owner.network.kind),
        label=label,
        service=service,
        ends_at=end,
        created_at=now,
        created_by_id=actor.id if actor else None,
    )
    _add_with_fresh_code(link)
    record("create", "referral_link", link.id, user=actor, detail=f"target={target.id}")
    return link


def _add_with_fresh_code(link: ReferralLink, attempts: int = 5) -> None:
    """Insert with a new random code; a collision (astronomically rare) draws again."""
    for _ in range(attempts):
        link.code = new_code()
        try:
            with db.session.begin_nested():
                db.session.add(link)
                db.session.flush()
            return
        except IntegrityError:
            continue
    raise RuntimeError("no free link code after several draws")


def visible_links(actor: User | None) -> Select:
    """A SELECT of the links this user may see."""
    query = select(ReferralLink)
    if actor is None or actor.role == Role.ADMIN:
        return query
    if actor.role == Role.COORDINATOR:
        return query.where(ReferralLink.network_id.in_(actor.coordinated_network_ids))
    return query.where(ReferralLink.owner_member_id.in_(actor.member_ids))


def link_for(actor: User | None, link_id) -> ReferralLink:
    problems = f.FieldProblems()
    number = f.integer(problems, "link_id", link_id, label="Link")
    link = (
        db.session.scalar(visible_links(actor).where(ReferralLink.id == number)) if number else None
    )
    if link is None:
        raise NotFound(NO_LINK)
    return link


def may_manage(actor: User | None, link: ReferralLink) -> bool:
    if actor is None or actor.role == Role.ADMIN:
        return True
    if actor.role == Role.COORDINATOR:
        return manages_network(actor, link.network_id)
    return link.owner_member_id in actor.member_ids


def pause_link(actor: User | None, link_id, *, now: datetime | None = None) -> ReferralLink:
    link = link_for(actor, link_id)
    if link.paused_at is None:
        link.paused_at = now or utcnow()
        record("pause", "referral_link", link.id, user=actor)
    return link


def resume_link(actor: User | None, link_id) -> ReferralLink:
    link = link_for(actor, link_id)
    if link.paused_at is not None:
        link.paused_at = None
        record("resume", "referral_link", link.id, user=actor)
    return link


def set_link_end(
    actor: User | None, link_id, ends_at, *, now: datetime | None = None
) -> ReferralLink:
    """Give the link an end (it stops opening then), or none (`ends_at` empty)."""
    link = link_for(actor, link_id)
    now = now or utcnow()
    problems = f.FieldProblems()
    end = None
    if ends_at not in (None, ""):
        tz = link.owner_member.network.timezone
        end = f.moment(problems, "ends_at", ends_at, label="End", tz=tz)
        if end is not None and end <= now:
            problems["ends_at"] = "The end must be in the future."
    if problems:
        raise Invalid("The end could not be set.", problems)
    link.ends_at = end
    record("set-end", "referral_link", link.id, user=actor)
    return link


def link_of_code(code) -> ReferralLink | None:
    """The link a public code names, or None (unknown and malformed codes alike)."""
    stored = normalized(code)
    if stored is None:
        return None
    return db.session.scalar(select(ReferralLink).where(ReferralLink.code == stored))
