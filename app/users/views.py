"""User administration: list, invite, edit, deactivate."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from wtforms import SelectChoice

from app.auth.policy import can_manage_user, managed_network_ids, roles_required
from app.extensions import db
from app.mail.outbox import deliver_pending
from app.members.forms import ConfirmForm
from app.models import Member, Network, Role, User, user_member, user_network
from app.users.forms import ROLE_CHOICES, UserForm
from app.users.service import (
    UserError,
    create_user,
    deactivate_user,
    reactivate_user,
    send_invitation,
    update_user,
)

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _visible_users():
    ids = managed_network_ids(current_user)
    stmt = select(User).order_by(User.name)
    if ids is None:
        return stmt
    in_member = select(user_member.c.user_id).join(Member).where(Member.network_id.in_(ids))
    in_network = select(user_network.c.user_id).where(user_network.c.network_id.in_(ids))
    return stmt.where(or_(User.id.in_(in_member), User.id.in_(in_network)))


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or not can_manage_user(current_user, user):
        abort(404)
    return user


def _fill_choices(form: UserForm) -> None:
    ids = managed_network_ids(current_user)
    members = select(Member).where(Member.active.is_(True)).order_by(Member.name)
    networks = select(Network).order_by(Network.name)
    if ids is not None:
        members = members.where(Member.network_id.in_(ids))
        networks = networks.where(Network.id.in_(ids))
        form.role.choices = ROLE_CHOICES[:1]  # coordinators invite practitioners only
    form.member_ids.choices = [
        SelectChoice(m.id, f"{m.name} ({m.network.name})") for m in db.session.scalars(members)
    ]
    form.network_ids.choices = [SelectChoice(n.id, n.name) for n in db.session.scalars(networks)]


@bp.route("/")
@roles_required(Role.ADMIN, Role.COORDINATOR)
def index():
    q = request.args.get("q", "").strip()[:100]
    stmt = _visible_users()
    if q:
        pattern = f"%{q.lower()}%"
        stmt = stmt.where(or_(User.email.like(pattern), User.name.ilike(pattern)))
    page = db.paginate(
        stmt, page=request.args.get("page", 1, type=int), per_page=50, error_out=False
    )
    return render_template("users/index.html", page=page, q=q, confirm=ConfirmForm())


def _invite_and_tell(user: User) -> None:
    link = send_invitation(user, current_user)
    db.session.commit()
    if deliver_pending():
        flash(f"Invitation e-mailed to {user.email}.", "success")
    else:
        flash(
            f"No mail server is configured: give {user.email} this invitation link "
            f"yourself: {link}",
            "info",
        )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def new():
    form = UserForm()
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            user = create_user(
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                member_ids=form.member_ids.data,
                network_ids=form.network_ids.data,
                actor=current_user,
            )
        except UserError as exc:
            db.session.rollback()
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            _invite_and_tell(user)
            return redirect(url_for("users.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("users/form.html", form=form, user=None), status


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def edit(user_id: int):
    user = _user_or_404(user_id)
    form = UserForm(obj=user)
    _fill_choices(form)
    if request.method == "GET":
        form.member_ids.data = user.member_ids
        form.network_ids.data = [n.id for n in user.networks]
    form.email.data = user.email  # the e-mail is the login; it does not change here
    form.submit.label.text = "Save changes"
    if form.validate_on_submit():
        try:
            update_user(
                user,
                name=form.name.data,
                role=form.role.data,
                member_ids=form.member_ids.data,
                network_ids=form.network_ids.data,
                actor=current_user,
            )
        except UserError as exc:
            db.session.rollback()
            getattr(form, exc.field or "name").errors.append(str(exc))
        else:
            db.session.commit()
            flash("Changes saved.", "success")
            return redirect(url_for("users.index"))
    status = 400 if request.method == "POST" else 200
    return render_template("users/form.html", form=form, user=user), status


@bp.route("/<int:user_id>/<any(deactivate, reactivate, invite):verb>", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def act(user_id: int, verb: str):
    user = _user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if verb == "deactivate":
            deactivate_user(user, current_user)
            flash(f"{user.name} can no longer sign in.", "success")
        elif verb == "reactivate":
            reactivate_user(user, current_user)
            flash(f"{user.name} can sign in again.", "success")
        else:
            if user.has_password:
                flash(f"{user.name} has already set a password.", "info")
                return redirect(url_for("users.index"))
            _invite_and_tell(user)
            return redirect(url_for("users.index"))
    except UserError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("users.index"))
    db.session.commit()
    return redirect(url_for("users.index"))
