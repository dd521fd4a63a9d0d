"""The home page: a dashboard for each role."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.dashboard.service import overview

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("dashboard.index"))


@bp.route("/dashboard")
@login_required
def index():
    template, figures = overview(current_user)
    return render_template(template, **figures)
