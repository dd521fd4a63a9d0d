"""Member directory, profile pages and member administration."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from app import fields as f
from app.auth.decorators import roles_required
from app.auth.policy import ensure_manages_network
from app.extensions import db
from app.fhir import systems
from app.forms import ConfirmForm, form_status
from app.members.choices import member_choices, picker_members, picker_query
from app.members.forms import IdentifierForm, MemberForm
from app.members.identifiers import forget_identifier, identifiers_of, identify_member
from app.members.service import (
    DirectoryQuery,
    MemberError,
    create_member,
    deactivate_member,
    directory_query,
    known_specialties,
    member_for,
    member_profile,
    networks_managed_by,
    parse_specialties,
    reactivate_member,
    update_member,
)
from app.models import Role
from app.paging import numbered_page
from app.refusals import Invalid
from app.reports.service import member_reciprocity

bp = Blueprint("members", __name__, url_prefix="/members")


@bp.route("/")
@login_required
def directory():
    args = request.args
    terms, _refused = f.search_terms(args, ("q", "specialty", "location"))
    query = DirectoryQuery(
        **terms,
        accepting=True if args.get("accepting") == "1" else None,
        include_inactive=args.get("inactive") == "1",
    )
    page = numbered_page(directory_query(current_user, query), request.args, per_page=25)
    return render_template(
        "members/directory.html",
        page=page,
        query=query,
        specialties=known_specialties(current_user),
        can_manage=current_user.role in (Role.ADMIN, Role.COORDINATOR),
    )


@bp.route("/choices")
@login_required
def choices():
    """A picker's options for what was typed so far (htmx swaps them into the select)."""
    args = request.args
    ignored = f.FieldProblems()  # a picker that cannot read a value just does not filter by it
    network_id = f.query_integer(
        ignored, "network_id", args.get("network_id"), low=1, high=f.MAX_ID
    )
    exclude = f.query_ids(ignored, "exclude", args.get("exclude"))
    members = picker_members(
        current_user,
        picker_query(args, "member_q" if "member_q" in args else "q", network_id=network_id),
        exclude=exclude,
    )
    if args.get("style") == "checkboxes":
        return render_template("members/_checkboxes.html", members=members, name="member_ids")
    return render_template(
        "members/_options.html", choices=member_choices(members, args.get("empty", "")[:60])
    )


@bp.route("/<int:member_id>")
@login_required
def profile(member_id: int):
    shown = member_profile(current_user, member_id)
    return render_template(
        "members/profile.html",
        reciprocity=member_reciprocity(current_user, shown.member),
        member=shown.member,
        given=shown.given,
        received=shown.received,
        users=shown.users,
        can_manage=shown.can_manage,
        confirm=ConfirmForm(),
        identifiers=identifiers_of(shown.member) if shown.can_manage else [],
        identifier_form=IdentifierForm(formdata=None),
        member_system=systems.system(systems.MEMBER),
    )


@bp.route("/<int:member_id>/identifiers", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def add_identifier(member_id: int):
    member = member_for(current_user, member_id)
    ensure_manages_network(current_user, member.network_id)
    form = IdentifierForm()
    if not form.validate_on_submit():
        flash("Give the identifier's system (a URI) and value.", "error")
        return redirect(url_for("members.profile", member_id=member.id))
    try:
        identify_member(current_user, member, form.system.data, form.value.data)
    except Invalid as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("members.profile", member_id=member.id))
    db.session.commit()
    flash(
        f"{form.system.data.strip()}|{form.value.data.strip()} now names {member.name}.", "success"
    )
    return redirect(url_for("members.profile", member_id=member.id))


@bp.route("/<int:member_id>/identifiers/remove", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def remove_identifier(member_id: int):
    member = member_for(current_user, member_id)
    form = IdentifierForm()
    if not form.validate_on_submit():
        abort(400)
    if forget_identifier(current_user, member, form.system.data, form.value.data):
        flash("Identifier removed.", "success")
    db.session.commit()
    return redirect(url_for("members.profile", member_id=member.id))


def _save(form: MemberForm, member=None):
    specialties = parse_specialties(form.specialties.data)
    try:
        if member is None:
            return create_member(
                current_user, form.network_id.data, form.member_fields(), specialties
            )
        return update_member(current_user, member, form.member_fields(), specialties)
    except MemberError as exc:
        getattr(form, exc.field or "name").errors.append(exc.message)
        db.session.rollback()
        return None


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def new():
    form = MemberForm()
    form.network_id.choices = [
        SelectChoice(n.id, n.name) for n in networks_managed_by(current_user)
    ]
    if form.validate_on_submit():
        member = _save(form)
        if member is not None:
            db.session.commit()
            flash(f"{member.name} was added to the network.", "success")
            return redirect(url_for("members.profile", member_id=member.id))
    return render_template("members/form.html", form=form, member=None), form_status()


@bp.route("/<int:member_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def edit(member_id: int):
    member = member_for(current_user, member_id)
    ensure_manages_network(current_user, member.network_id)
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
    return render_template("members/form.html", form=form, member=member), form_status()


@bp.route("/<int:member_id>/deactivate", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def deactivate(member_id: int):
    return _set_active(member_id, active=False)


@bp.route("/<int:member_id>/reactivate", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def reactivate(member_id: int):
    return _set_active(member_id, active=True)


def _set_active(member_id: int, *, active: bool):
    member = member_for(current_user, member_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if active:
        reactivate_member(current_user, member)
        flash(f"{member.name} is active again.", "success")
    else:
        deactivate_member(current_user, member)
        flash(f"{member.name} was deactivated. Its referral history is kept.", "success")
    db.session.commit()
    return redirect(url_for("members.profile", member_id=member.id))
