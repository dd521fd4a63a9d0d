"""Member directory, profile pages and member administration."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from wtforms import SelectChoice

from app.auth.policy import managed_network_ids, manages_network, member_or_404, roles_required
from app.extensions import db
from app.members.forms import ConfirmForm, MemberForm
from app.members.service import (
    DirectoryQuery,
    MemberError,
    create_member,
    deactivate_member,
    directory_query,
    known_specialties,
    parse_specialties,
    reactivate_member,
    update_member,
)
from app.models import Network, Referral, Role, User, user_member

bp = Blueprint("members", __name__, url_prefix="/members")


@bp.route("/")
@login_required
def directory():
    args = request.args
    query = DirectoryQuery(
        q=args.get("q", "")[:100],
        specialty=args.get("specialty", "")[:80],
        location=args.get("location", "")[:100],
        accepting_only=args.get("accepting") == "1",
        include_inactive=args.get("inactive") == "1" and current_user.role != Role.PRACTITIONER,
    )
    page = db.paginate(
        directory_query(current_user, query),
        page=args.get("page", 1, type=int),
        per_page=25,
        max_per_page=100,
        error_out=False,
    )
    return render_template(
        "members/directory.html",
        page=page,
        query=query,
        specialties=known_specialties(current_user),
        can_manage=current_user.role in (Role.ADMIN, Role.COORDINATOR),
    )


def _given_received(member_id: int) -> tuple[int, int]:
    given = db.session.scalar(
        select(func.count()).select_from(Referral).where(Referral.sender_id == member_id)
    )
    received = db.session.scalar(
        select(func.count()).select_from(Referral).where(Referral.receiver_id == member_id)
    )
    return given or 0, received or 0


@bp.route("/<int:member_id>")
@login_required
def profile(member_id: int):
    member = member_or_404(current_user, member_id)
    given, received = _given_received(member.id)
    users = []
    if manages_network(current_user, member.network_id):
        users = db.session.scalars(
            select(User)
            .join(user_member, user_member.c.user_id == User.id)
            .where(user_member.c.member_id == member.id)
            .order_by(User.name)
        ).all()
    return render_template(
        "members/profile.html",
        member=member,
        given=given,
        received=received,
        users=users,
        can_manage=manages_network(current_user, member.network_id),
        confirm=ConfirmForm(),
    )


def _network_choices() -> list[SelectChoice]:
    ids = managed_network_ids(current_user)
    stmt = select(Network).order_by(Network.name)
    if ids is not None:
        stmt = stmt.where(Network.id.in_(ids))
    return [SelectChoice(n.id, n.name) for n in db.session.scalars(stmt)]


def _save(form: MemberForm, member=None):
    network = db.session.get(Network, form.network_id.data)
    if network is None or not manages_network(current_user, network.id):
        form.network_id.errors.append("Choose one of your networks.")
        return None
    specialties = parse_specialties(form.specialties.data)
    try:
        if member is None:
            return create_member(network, form.member_fields(), specialties, current_user)
        return update_member(member, form.member_fields(), specialties, current_user)
    except MemberError as exc:
        getattr(form, exc.field or "name").errors.append(str(exc))
        db.session.rollback()
        return None


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def new():
    form = MemberForm()
    form.network_id.choices = _network_choices()
    if form.validate_on_submit():
        member = _save(form)
        if member is not None:
            db.session.commit()
            flash(f"{member.name} was added to the network.", "success")
            return redirect(url_for("members.profile", member_id=member.id))
    status = 400 if request.method == "POST" else 200
    return render_template("members/form.html", form=form, member=None), status


@bp.route("/<int:member_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def edit(member_id: int):
    member = member_or_404(current_user, member_id)
    if not manages_network(current_user, member.network_id):
        abort(403)
    form = MemberForm(obj=member)
    form.network_id.choices = [SelectChoice(member.network.id, member.network.name)]
    if request.method == "GET":
        form.specialties.data = ", ".join(member.specialties)
    if form.validate_on_submit():
        form.network_id.data = member.network_id  # members do not move between networks
        if _save(form, member) is not None:
            db.session.commit()
            flash("Changes saved.", "success")
            return redirect(url_for("members.profile", member_id=member.id))
    status = 400 if request.method == "POST" else 200
    return render_template("members/form.html", form=form, member=member), status


@bp.route("/<int:member_id>/deactivate", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def deactivate(member_id: int):
    return _set_active(member_id, active=False)


@bp.route("/<int:member_id>/reactivate", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def reactivate(member_id: int):
    return _set_active(member_id, active=True)


def _set_active(member_id: int, *, active: bool):
    member = member_or_404(current_user, member_id)
    if not manages_network(current_user, member.network_id):
        abort(403)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if active:
        reactivate_member(member, current_user)
        flash(f"{member.name} is active again.", "success")
    else:
        deactivate_member(member, current_user)
        flash(f"{member.name} was deactivated. Its referral history is kept.", "success")
    db.session.commit()
    return redirect(url_for("members.profile", member_id=member.id))
