"""The home page: a dashboard for each role."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.auth.policy import managed_network_ids
from app.dashboard.service import network_overview, practitioner_overview
from app.models import Role

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("dashboard.index"))


@bp.route("/dashboard")
@login_required
def index():
    if current_user.role == Role.PRACTITIONER:
        return render_template("dashboard/practitioner.html", **practitioner_overview(current_user))
    return render_template(
        "dashboard/network.html",
        **network_overview(managed_network_ids(current_user)),
        networks=current_user.networks if current_user.role == Role.COORDINATOR else None,
    )
