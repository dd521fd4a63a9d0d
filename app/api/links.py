"""Referral links in the API: make one, list them, pause and resume; the QR code.

The same access as referrals (app/links/service.py): practitioners make links for the
members they act for; coordinators see and pause their networks' links; another's link is
404.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Response, url_for
from pydantic import BaseModel

from app.api.auth import api_user
from app.api.body import json_object
from app.api.idempotency import answer, idempotent
from app.api.inputs import Body, checked, validated
from app.api.registry import operation
from app.api.schemas import Id, KindValue, Moment, Money
from app.api.serialize import as_json
from app.extensions import db
from app.links.codes import grouped
from app.links.figures import LinkFigures, figures_of
from app.links.service import create_link, link_for, pause_link, resume_link, visible_links
from app.links.sharing import link_url, qr_png, qr_svg
from app.models import ReferralLink

LINK_ID = "<int(min=1, max=2147483647):link_id>"
MAX_LINKS = 500


class NewLink(Body):
    required_by_service = ("target_member_id",)

    target_member_id: int | None = checked("The member the link's clients are sent to.")
    owner_member_id: int | None = checked(
        "The member who owns the link (and sends its referrals); optional when the caller "
        "acts for one member."
    )
    owner_client_id: int | None = checked(
        "A client of the owner who shares the link with friends; the owner still sends."
    )
    label: str | None = checked("The owner's name for the link.", maxLength=120)
    service: str | None = checked("The service its referrals ask for.", maxLength=200)
    ends_at: str | None = checked("When the link stops working.", format="date-time")


class Link(BaseModel):
    id: Id
    code: str
    code_grouped: str
    url: str
    qr_url: str
    qr_png_url: str
    owner_member_id: Id
    owner_client_id: Id | None
    target_member_id: Id
    kind: KindValue
    label: str | None
    service: str | None
    paused: bool
    ends_at: Moment | None
    created_at: Moment
    visits: int
    leads: int
    accepted: int
    visited: int
    closed: int
    revenue: Money | None


class LinkList(BaseModel):
    items: list[Link]


def as_link(link: ReferralLink, figures: LinkFigures) -> Link:
    return Link(
        id=link.id,
        code=link.code,
        code_grouped=grouped(link.code),
        url=link_url(link),
        qr_url=url_for("api.link_qr_svg", link_id=link.id, _external=True),
        qr_png_url=url_for("api.link_qr_png", link_id=link.id, _external=True),
        owner_member_id=link.owner_member_id,
        owner_client_id=link.owner_client_id,
        target_member_id=link.target_member_id,
        kind=link.referral_kind.value,
        label=link.label,
        service=link.service,
        paused=link.paused,
        ends_at=link.ends_at,
        created_at=link.created_at,
        visits=figures.visits,
        leads=figures.leads,
        accepted=figures.count("accepted"),
        visited=figures.count("visited"),
        closed=figures.count("closed"),
        revenue=Decimal(figures.revenue) if figures.revenue is not None else None,
    )


def _one(link: ReferralLink) -> dict:
    return as_json(as_link(link, figures_of([link.id])[link.id]))


@operation(
    "POST",
    "/links",
    "createLink",
    summary="Make a referral link (practitioners)",
    answer=(201, Link, "The link, with its public address and its QR code."),
    errors=(400, 403, 409, 413, 415, 422),
    body=NewLink,
    idempotent=True,
    description="A client who opens `url` (no sign-in) and fills in its form is sent as a "
    "referral from the owner member to the target member. Coordinators and admins get 403 "
    "unless an admin names owner_member_id.",
)
@idempotent
def create():
    body = validated(NewLink, json_object())
    link = create_link(
        api_user(),
        body.target_member_id,
        owner_member_id=body.owner_member_id,
        owner_client_id=body.owner_client_id,
        label=body.label,
        service=body.service,
        ends_at=body.ends_at,
    )
    location = url_for("api.get_link", link_id=link.id, _external=True)
    return answer(_one(link), 201, {"Location": location}, is_referral=False)


@operation(
    "GET",
    "/links",
    "listLinks",
    summary="The links the caller may see, newest first, with their figures",
    answer=(200, LinkList, "At most 500 links."),
)
def list_links():
    links = list(
        db.session.scalars(
            visible_links(api_user())
            .order_by(ReferralLink.created_at.desc(), ReferralLink.id.desc())
            .limit(MAX_LINKS)
        )
    )
    figures = figures_of([link.id for link in links])
    return as_json(LinkList(items=[as_link(link, figures[link.id]) for link in links]))


@operation(
    "GET",
    f"/links/{LINK_ID}",
    "getLink",
    summary="One link with its figures",
    answer=(200, Link, "The link."),
    errors=(404,),
)
def get_link(link_id: int):
    return _one(link_for(api_user(), link_id))


@operation(
    "POST",
    f"/links/{LINK_ID}/pause",
    "pauseLink",
    summary="Pause a link: it opens nothing until resumed",
    answer=(200, Link, "The link, paused."),
    errors=(404,),
)
def pause(link_id: int):
    link = pause_link(api_user(), link_id)
    db.session.commit()
    return _one(link)


@operation(
    "POST",
    f"/links/{LINK_ID}/resume",
    "resumeLink",
    summary="Resume a paused link",
    answer=(200, Link, "The link, working again."),
    errors=(404,),
)
def resume(link_id: int):
    link = resume_link(api_user(), link_id)
    db.session.commit()
    return _one(link)


def _image(body: bytes, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@operation(
    "GET",
    f"/links/{LINK_ID}/qr.svg",
    "getLinkQrSvg",
    summary="The link's QR code as SVG (it opens the link tagged ?c=qr)",
    answer=(200, {"type": "string", "contentMediaType": "image/svg+xml"}, "SVG."),
    errors=(404,),
)
def link_qr_svg(link_id: int):
    return _image(qr_svg(link_for(api_user(), link_id)), "image/svg+xml")


@operation(
    "GET",
    f"/links/{LINK_ID}/qr.png",
    "getLinkQrPng",
    summary="The link's QR code as PNG",
    answer=(200, {"type": "string", "contentMediaType": "image/png"}, "PNG."),
    errors=(404,),
)
def link_qr_png(link_id: int):
    return _image(qr_png(link_for(api_user(), link_id)), "image/png")
