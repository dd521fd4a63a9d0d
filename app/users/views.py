"""User administration: list, invite, edit, deactivate."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from app import fields as f
from app.auth.decorators import roles_required
from app.auth.mfa import is_enrolled, reset_mfa
from app.extensions import db
from app.forms import ConfirmForm, form_status
from app.mail.outbox import mail_configured
from app.models import Member, Role, User
from app.paging import numbered_page
from app.users.forms import ROLE_CHOICES, UserForm
from app.users.service import (
    UserError,
    assignable_members,
    assignable_networks,
    assignable_roles,
    create_user,
    deactivate_user,
    reactivate_user,
    send_invitation,
    update_user,
    user_for,
    users_managed_by,
)

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _fill_choices(form: UserForm) -> list[Member]:
    """Fill the form's choices; returns the member picker's matches not yet chosen."""
    roles = assignable_roles(current_user)
    form.role.choices = [c for c in ROLE_CHOICES if c.value in roles]
    # The member picker: those already chosen, and the first matches of the search.
    chosen = assignable_members(current_user, ids=[i for i in form.member_ids.data or [] if i])
    terms, _refused = f.search_terms(request.args, ("member_q",))
    found = assignable_members(current_user, search=terms["member_q"])
    form.member_ids.choices = [SelectChoice(m.id, f"{m.name} ({m.network.name})") for m in chosen]
    form.network_ids.choices = [
        SelectChoice(n.id, n.name) for n in assignable_networks(current_user)
    ]
    return [m for m in found if m not in chosen]


@bp.route("/")
@roles_required(Role.ADMIN, Role.COORDINATOR)
def index():
    q = f.search_terms(request.args, ("q",))[0]["q"].strip()
    page = numbered_page(users_managed_by(current_user, q), request.args, per_page=50)
    return render_template("users/index.html", page=page, q=q, confirm=ConfirmForm())


def _save(form: UserForm, user: User | None = None) -> User | None:
    """Create or update through the service; its refusal shows under the field it names."""
    values = {
        "name": form.name.data,
        "role": form.role.data,
        "member_ids": form.member_ids.data,
        "network_ids": form.network_ids.data,
    }
    try:
        if user is None:
            return create_user(current_user, email=form.email.data, **values)
        return update_user(current_user, user, **values)
    except UserError as exc:
        db.session.rollback()
        getattr(form, exc.field or "name").errors.append(exc.message)
        return None


def _invite_and_tell(user: User) -> None:
    link = send_invitation(current_user, user)
    db.session.commit()
    if mail_configured():  # the worker sends it; the page never waits on SMTP
        flash(f"Invitation to {user.email} queued: it will be e-mailed shortly.", "success")
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
    found = _fill_choices(form)
    if form.validate_on_submit() and (user := _save(form)) is not None:
        _invite_and_tell(user)
        return redirect(url_for("users.index"))
    page = render_template("users/form.html", form=form, user=None, found_members=found)
    return page, form_status()


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def edit(user_id: int):
    user = user_for(current_user, user_id)
    form = UserForm(obj=user)
    if request.method == "GET":
        form.member_ids.data = user.member_ids
        form.network_ids.data = [n.id for n in user.networks]
    found = _fill_choices(form)
    form.email.data = user.email  # the e-mail is the login; it does not change here
    form.submit.label.text = "Save changes"
    if form.validate_on_submit() and _save(form, user) is not None:
        db.session.commit()
        flash("Changes saved.", "success")
        return redirect(url_for("users.index"))
    page = render_template(
        "users/form.html",
        form=form,
        user=user,
        found_members=found,
        mfa_enrolled=is_enrolled(user),
        confirm=ConfirmForm(),
    )
    return page, form_status()


@bp.route("/<int:user_id>/reset-mfa", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_second_factor(user_id: int):
    """A lost phone: an admin removes the user's second factor (audited)."""
    user = user_for(current_user, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reset_mfa(current_user, user)
    db.session.commit()
    flash(
        f"Multi-factor sign-in of {user.name} is reset: they sign in with their password "
        "(and set up a new second factor if their network requires it).",
        "success",
    )
    return redirect(url_for("users.edit", user_id=user.id))


@bp.route("/<int:user_id>/<any(deactivate, reactivate, invite):verb>", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def act(user_id: int, verb: str):
    user = user_for(current_user, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if verb == "deactivate":
            deactivate_user(current_user, user)
            flash(f"{user.name} can no longer sign in.", "success")
        elif verb == "reactivate":
            reactivate_user(current_user, user)
            flash(f"{user.name} can sign in again.", "success")
        else:
            _invite_and_tell(user)
            return redirect(url_for("users.index"))
    except UserError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("users.index"))
    db.session.commit()
    return redirect(url_for("users.index"))
