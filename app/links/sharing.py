"""How a link leaves refnet: its public address (BASE_URL), share buttons that each tag
their channel (`?c=`), and its QR code (segno), which carries `?c=qr`."""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import quote

import segno

from app.links.codes import grouped
from app.mail.links import external_url
from app.models import LinkChannel, ReferralLink


def link_url(link: ReferralLink, channel: LinkChannel | None = None) -> str:
    values = {"c": channel.value} if channel else {}
    return external_url("links_public.intake", code=link.code, **values)


def _message(link: ReferralLink, channel: LinkChannel) -> str:
    return (
        f"{link.owner_member.name} recommends {link.target_member.name}. "
        f"Ask for an appointment here: {link_url(link, channel)} (code {grouped(link.code)})"
    )


@dataclass(frozen=True)
class Share:
    channel: LinkChannel
    label: str
    href: str


def shares_of(link: ReferralLink) -> list[Share]:
    subject = quote(f"A recommendation: {link.target_member.name}")
    return [
        Share(
            LinkChannel.EMAIL,
            "E-mail",
            f"mailto:?subject={subject}&body={quote(_message(link, LinkChannel.EMAIL))}",
        ),
        Share(LinkChannel.SMS, "SMS", f"sms:?body={quote(_message(link, LinkChannel.SMS))}"),
        Share(
            LinkChannel.WHATSAPP,
            "WhatsApp",
            f"https://wa.me/?text={quote(_message(link, LinkChannel.WHATSAPP))}",
        ),
    ]


def _qr(link: ReferralLink):
    return segno.make(link_url(link, LinkChannel.QR), error="m")


def qr_svg(link: ReferralLink) -> bytes:
    out = io.BytesIO()
    _qr(link).save(out, kind="svg", scale=8, border=4, title=f"QR code of link {link.code}")
    return out.getvalue()


def qr_png(link: ReferralLink) -> bytes:
    out = io.BytesIO()
    _qr(link).save(out, kind="png", scale=10, border=4)
    return out.getvalue()
