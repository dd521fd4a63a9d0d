""" "My links": a member's links with their QR code, share buttons and figures; make, pause,
resume and end links; the QR code (SVG, PNG) and a printable card."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from app.auth.decorators import roles_required
from app.auth.policy import visible_members
from app.extensions import db
from app.links.codes import grouped
from app.links.figures import by_channel, figures_of, monthly
from app.links.forms import ButtonForm, LinkEndForm, NewLinkForm
from app.links.intake import intake_of_referral
from app.links.service import (
    create_link,
    link_for,
    pause_link,
    resume_link,
    set_link_end,
    visible_links,
)
from app.links.sharing import link_url, qr_png, qr_svg, shares_of
from app.mail.links import external_url
from app.models import LinkChannel, Member, ReferralLink, Role, utcnow
from app.referrals.clients import clients_to_choose
from app.refusals import Invalid, Refusal

bp = Blueprint("links", __name__, url_prefix="/links")
MAX_LINKS = 200
MAX_TARGETS = 300
CHANNEL_LABELS = {
    "direct": "Plain link",
    "email": "E-mail",
    "sms": "SMS",
    "whatsapp": "WhatsApp",
    "copy": "Copied link",
    "qr": "QR code",
    "code": "Typed code",
}


@bp.app_template_global("link_intake_of")
def link_intake_of(referral_id: int):
    """The intake a referral came from, for the referral page (None for most referrals)."""
    return intake_of_referral(referral_id)


def _owners() -> list[Member]:
    if current_user.role != Role.PRACTITIONER:
        return []
    return [m for m in current_user.members if m.active]


def _prepare(form: NewLinkForm, owners: list[Member]) -> None:
    form.owner_member_id.choices = [SelectChoice(str(m.id), m.name) for m in owners]
    own = {m.id for m in owners}
    targets = db.session.scalars(
        visible_members(current_user)
        .where(
            Member.active.is_(True),
            Member.accepting.is_(True),
            Member.network_id.in_({m.network_id for m in owners}),
            Member.id.not_in(own),
        )
        .order_by(Member.name)
        .limit(MAX_TARGETS)
    )
    # The member's own link first: it brings its clients' friends to the member itself.
    targets = [*owners, *targets]
    form.owner_client_id.choices = [SelectChoice("", "No one: the link is yours")] + [
        SelectChoice(str(c.id), f"{c.family_name}, {c.given_name}")
        for owner in owners
        for c in clients_to_choose(current_user, owner, MAX_TARGETS)
    ]
    form.target_member_id.choices = [SelectChoice("", "— choose a member —")] + [
        SelectChoice(
            str(m.id),
            f"{m.name} (your own link: clients come to you)"
            if m.id in own
            else f"{m.name}{' · ' + m.specialties[0] if m.specialties else ''}",
        )
        for m in targets
    ]


def _page(form: NewLinkForm | None = None, status: int = 200):
    owners = _owners()
    if form is None:
        form = NewLinkForm(formdata=None)
    _prepare(form, owners)
    links = list(
        db.session.scalars(
            visible_links(current_user)
            .order_by(ReferralLink.created_at.desc(), ReferralLink.id.desc())
            .limit(MAX_LINKS)
        )
    )
    ids = [link.id for link in links]
    return render_template(
        "links/index.html",
        links=links,
        figures=figures_of(ids),
        months=monthly(ids),
        channels=by_channel(ids),
        channel_labels=CHANNEL_LABELS,
        form=form,
        owners=owners,
        button=ButtonForm(),
        end_form=LinkEndForm(formdata=None),
        link_url=link_url,
        shares_of=shares_of,
        grouped=grouped,
        copy_channel=LinkChannel.COPY,
        now=utcnow(),
        enter_url=external_url("links_public.enter_code"),
    ), status


@bp.route("", methods=["GET"])
@login_required
def index():
    return _page()


@bp.route("", methods=["POST"])
@roles_required(Role.PRACTITIONER)
def create():
    form = NewLinkForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        link = create_link(
            current_user,
            form.target_member_id.data,
            owner_member_id=form.owner_member_id.data,
            owner_client_id=form.owner_client_id.data or None,
            label=form.label.data,
            service=form.service.data,
            ends_at=form.ends_at.data,
        )
        db.session.commit()
    except Refusal as exc:
        db.session.rollback()
        for name, message in exc.fields.items():
            target = getattr(form, name, None)
            if target is not None:
                target.errors = [*target.errors, message]
        form.form_errors.append(exc.message)
        return _page(form, exc.status)
    flash(f"Your new link {grouped(link.code)} is ready to share.", "success")
    return redirect(url_for("links.index", _anchor=f"link-{link.id}"))


def _change(link_id: int, verb, message: str):
    form = ButtonForm()
    if not form.validate_on_submit():
        return _page(status=400)
    link = verb(current_user, link_id)
    db.session.commit()
    flash(message.format(code=grouped(link.code)), "success")
    return redirect(url_for("links.index", _anchor=f"link-{link.id}"))


@bp.route("/<int:link_id>/pause", methods=["POST"])
@login_required
def pause(link_id: int):
    return _change(link_id, pause_link, "Link {code} is paused: it opens nothing until resumed.")


@bp.route("/<int:link_id>/resume", methods=["POST"])
@login_required
def resume(link_id: int):
    return _change(link_id, resume_link, "Link {code} works again.")


@bp.route("/<int:link_id>/end", methods=["POST"])
@login_required
def end(link_id: int):
    form = LinkEndForm()
    if not form.validate_on_submit():
        return _page(status=400)
    try:
        link = set_link_end(current_user, link_id, form.ends_at.data)
        db.session.commit()
    except Invalid as exc:  # another's link stays a 404 (the error handler)
        db.session.rollback()
        flash(" ".join([exc.message, *exc.fields.values()]), "error")
        return redirect(url_for("links.index", _anchor=f"link-{link_id}"))
    said = "no end" if link.ends_at is None else "its end date"
    flash(f"Link {grouped(link.code)} now has {said}.", "success")
    return redirect(url_for("links.index", _anchor=f"link-{link.id}"))


def _download(body: bytes, mimetype: str, name: str, download: bool) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "private, max-age=300"
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/<int:link_id>/qr.svg")
@login_required
def qr_code_svg(link_id: int):
    link = link_for(current_user, link_id)
    download = request.args.get("download") == "1"
    return _download(qr_svg(link), "image/svg+xml", f"refnet-{link.code}.svg", download)


@bp.route("/<int:link_id>/qr.png")
@login_required
def qr_code_png(link_id: int):
    link = link_for(current_user, link_id)
    download = request.args.get("download") == "1"
    return _download(qr_png(link), "image/png", f"refnet-{link.code}.png", download)


@bp.route("/<int:link_id>/card")
@login_required
def card(link_id: int):
    link = link_for(current_user, link_id)
    return render_template(
        "links/card.html",
        link=link,
        url=link_url(link),
        code=grouped(link.code),
        enter_url=external_url("links_public.enter_code"),
    )
