"""The reports' forms: a note of thanks on a closed referral, and the network's report
settings (health thresholds and the leaderboard)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField

from app.reports.thanks import MAX_NOTE


class ThanksForm(FlaskForm):
    note = TextAreaField(
        "Your note of thanks",
        description=f"A few words, up to {MAX_NOTE} characters. The other side is told.",
    )


class ReportSettingsForm(FlaskForm):
    """Every threshold of the health rule as text: the service validates and names the
    field of a mistake (app/reports/health.py)."""

    months = StringField("Months looked back")
    min_received = StringField("Referrals received before shares and rates are judged")
    given_amber = StringField("Amber when it gave fewer than")
    given_red = StringField("Red when it gave fewer than")
    give_share_amber = StringField("Amber when its give-share is below")
    give_share_red = StringField("Red when its give-share is below")
    answer_hours_amber = StringField("Amber when its median hours to answer is above")
    answer_hours_red = StringField("Red when its median hours to answer is above")
    closed_loop_amber = StringField("Amber when its closed-loop rate is below")
    closed_loop_red = StringField("Red when its closed-loop rate is below")
    show_leaderboard = BooleanField("Show the “most thanked / most completed” table on the report")
