"""The coordinators' worklist page, its CSV, and the actions of its rows."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.decorators import roles_required
from app.extensions import db
from app.followup import actions
from app.followup.rules import STAGE_LABELS, STAGES
from app.followup.worklist import SORTS, parse_worklist_query, worklist, worklist_csv
from app.followup.worklist_forms import NoteForm, SnoozeForm
from app.forms import ConfirmForm
from app.models import Priority, Role, utcnow
from app.refusals import Invalid

bp = Blueprint("worklist", __name__, url_prefix="/worklist")

# The worklist's own query parameters: the only ones kept in its links and redirects.
KEEP = ("network", "stage", "priority", "receiver", "sort", "page")


def _kept() -> dict[str, str]:
    parse_worklist_query(request.args)  # a wrong one is a 422, never carried on
    return {name: request.args[name][:100] for name in KEEP if request.args.get(name)}


def _page(status: int = 200, forms: dict | None = None):
    query = parse_worklist_query(request.args)
    now = utcnow()
    found = worklist(current_user, query, now)
    return render_template(
        "followup/worklist.html",
        worklist=found,
        query=query,
        kept=_kept(),
        now=now,
        sorts=SORTS,
        stages=STAGES,
        stage_labels=STAGE_LABELS,
        priorities=list(Priority),
        confirm=ConfirmForm(),
        forms=forms or {},
        note_form=NoteForm(formdata=None),
        snooze_form=SnoozeForm(formdata=None),
    ), status


@bp.route("/")
@roles_required(Role.ADMIN, Role.COORDINATOR)
def index():
    return _page()


@bp.route("/worklist.csv")
@roles_required(Role.ADMIN, Role.COORDINATOR)
def download():
    body = worklist_csv(current_user, parse_worklist_query(request.args), utcnow())
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="worklist.csv"'},
    )


def _act(referral_id: int, form, run, done: str):
    """Run one row action: CSRF first, then the service; a refusal shows the page again."""
    if not form.validate_on_submit():
        flash("The form expired or was sent twice: try again.", "error")
        return _page(400)
    try:
        run()
    except Invalid as exc:
        db.session.rollback()
        for name, message in exc.fields.items():
            if hasattr(form, name):
                getattr(form, name).errors = [message]
        flash(f"#{referral_id}: {exc.message} " + " ".join(exc.fields.values()), "error")
        return _page(exc.status, {referral_id: form})
    db.session.commit()  # the e-mail leaves with the worker (flask reminders run)
    flash(done, "success")
    return redirect(url_for("worklist.index", **_kept()))


@bp.route("/<int:referral_id>/remind", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def remind(referral_id: int):
    return _act(
        referral_id,
        ConfirmForm(),
        lambda: actions.remind_now(current_user, referral_id),
        f"Referral #{referral_id}: the receiver was reminded.",
    )


@bp.route("/<int:referral_id>/snooze", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def snooze(referral_id: int):
    form = SnoozeForm()
    return _act(
        referral_id,
        form,
        lambda: actions.snooze(current_user, referral_id, form.until.data),
        f"Referral #{referral_id} is snoozed: it comes back on the date you chose.",
    )


@bp.route("/<int:referral_id>/note", methods=["POST"])
@roles_required(Role.ADMIN, Role.COORDINATOR)
def note(referral_id: int):
    form = NoteForm()
    return _act(
        referral_id,
        form,
        lambda: actions.add_note(current_user, referral_id, form.note.data),
        f"Referral #{referral_id}: the note is in its timeline.",
    )
