"""The network report page, its downloads, and the member page's reciprocity section."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.decorators import roles_required
from app.auth.policy import managed_network_ids
from app.extensions import db
from app.models import Network, Role, utcnow
from app.refusals import Refusal
from app.reports.export import as_csv, as_json
from app.reports.filters import SORTS, read_filters, sorted_rows
from app.reports.forms import ReportSettingsForm
from app.reports.health import FORM_FIELDS, form_values, rule_of
from app.reports.html import member_rows_html
from app.reports.reasons import ACTION_WORDS
from app.reports.scope import PRESETS
from app.reports.service import (
    network_for_report,
    network_report,
    set_report_settings,
)
from app.reports.tables import TABLES, member_rows, table_rows

bp = Blueprint("reports", __name__, url_prefix="/reports")
bp.add_app_template_global(member_rows_html)
MANAGERS = (Role.ADMIN, Role.COORDINATOR)


@bp.route("/")
@roles_required(*MANAGERS)
def index():
    ids = managed_network_ids(current_user)
    query = db.select(Network).order_by(Network.name)
    if ids is not None:
        query = query.where(Network.id.in_(ids))
    networks = db.session.scalars(query).all()
    if len(networks) == 1:
        return redirect(url_for("reports.network", network_id=networks[0].id))
    return render_template("reports/index.html", networks=networks)


@bp.route("/networks/<int:network_id>")
@roles_required(*MANAGERS)
def network(network_id: int):
    today = utcnow().date()
    filters, problems = read_filters(request.args, today)
    report = network_report(current_user, filters.scope(network_id), today)
    health = report.health
    rows = sorted_rows(report.members, health, filters.sort, filters.descending)
    page = render_template(
        "reports/network.html",
        report=report,
        health=health,
        rows=rows,
        filters=filters,
        problems=problems,
        presets=PRESETS,
        sorts=SORTS,
        tables=TABLES,
        reason_actions=ACTION_WORDS,
    )
    return page, 400 if problems else 200


@bp.route("/networks/<int:network_id>/<any(" + ",".join(TABLES) + "):table>.<any(csv,json):fmt>")
@roles_required(*MANAGERS)
def download(network_id: int, table: str, fmt: str):
    today = utcnow().date()
    filters, problems = read_filters(request.args, today)
    if problems:
        message = "\n".join(f"{name}: {text}" for name, text in problems.items())
        return Response(message + "\n", status=400, mimetype="text/plain")
    members = table == "members"  # the only table with health
    report = network_report(current_user, filters.scope(network_id), today if members else None)
    health = report.health if members else {}
    if members:
        ordered = sorted_rows(report.members, health, filters.sort, filters.descending)
        rows = member_rows(report, health, ordered)
    else:
        rows = table_rows(report, health, table)
    name = f"refnet-{table}-{report.scope.first_day}-{report.scope.last_day}.{fmt}"
    body = as_csv(rows) if fmt == "csv" else as_json(rows)
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/networks/<int:network_id>/settings", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def settings(network_id: int):
    """The network's health thresholds and leaderboard setting (coordinators and admins)."""
    found = network_for_report(current_user, network_id)
    form = ReportSettingsForm()
    status = 200
    if request.method == "GET":
        for name, value in form_values(rule_of(found)).items():
            form[name].data = value
        form.show_leaderboard.data = found.show_leaderboard
    elif form.validate_on_submit():
        values = {name: form[name].data for name, _path, _whole in FORM_FIELDS}
        try:
            set_report_settings(current_user, network_id, values, form.show_leaderboard.data)
            db.session.commit()
        except Refusal as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                if name in form:
                    form[name].errors = [*form[name].errors, message]
                else:
                    form.form_errors.append(message)
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            flash("The report settings were saved.", "success")
            return redirect(url_for("reports.network", network_id=network_id), 303)
    else:
        status = 400
    return render_template("reports/settings.html", form=form, network=found), status
