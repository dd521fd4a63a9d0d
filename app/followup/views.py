"""The network rules page: deadlines, reminders, escalation, expiry, business days."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.decorators import roles_required
from app.auth.mfa import require_mfa_for_staff
from app.auth.mfa_forms import StaffRuleForm
from app.extensions import db
from app.followup.forms import RulesForm
from app.followup.rules import STAGE_LABELS, STAGES, rules_of
from app.followup.service import (
    NUMBERS,
    deadline_field,
    network_for_rules,
    rules_as_values,
    update_rules,
)
from app.models import Priority, Role
from app.refusals import Invalid

bp = Blueprint("followup", __name__, url_prefix="/networks")


@bp.route("/<int:network_id>/rules", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def rules(network_id: int):
    network = network_for_rules(current_user, network_id)
    form = RulesForm()
    status = 200
    if request.method == "GET":
        form.process(data=rules_as_values(rules_of(network), network))
    elif form.validate_on_submit():
        values = {name: field.data for name, field in form._fields.items()}
        try:
            update_rules(current_user, network.id, values)
        except Invalid as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                getattr(form, name).errors = [message]
            form.form_errors.append(exc.message)
            status = 422
        else:
            db.session.commit()
            flash(f"The follow-up rules of {network.name} were saved.", "success")
            return redirect(url_for("followup.rules", network_id=network.id))
    else:
        status = 400
    return render_template(
        "followup/rules.html",
        form=form,
        network=network,
        stages=STAGES,
        stage_labels=STAGE_LABELS,
        priorities=list(Priority),
        numbers=list(NUMBERS),
        deadline_field=deadline_field,
        staff_rule_form=StaffRuleForm(
            data={"mfa_required_for_staff": network.mfa_required_for_staff}
        ),
    ), status


@bp.route("/<int:network_id>/mfa", methods=["POST"])
@roles_required(Role.ADMIN)
def staff_mfa(network_id: int):
    """Whether the network's coordinators and the admins must use a second factor."""
    network = network_for_rules(current_user, network_id)
    form = StaffRuleForm()
    if not form.validate_on_submit():
        abort(400)
    required = form.mfa_required_for_staff.data
    ended = require_mfa_for_staff(current_user, network.id, required)
    db.session.commit()
    if required:
        flash(
            f"{network.name}: coordinators and admins now sign in with a second factor "
            f"({ended} session(s) of those not yet enrolled ended).",
            "success",
        )
    else:
        flash(f"{network.name}: a second factor is no longer required of its staff.", "success")
    return redirect(url_for("followup.rules", network_id=network.id))
