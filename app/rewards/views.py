"""Reward pages: my rewards, programmes (set up, pause, report, leaderboard), the review
queue, payouts and the network's reward settings. Routes only: the services decide."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import SelectChoice

from app.audit.service import record
from app.auth.decorators import roles_required
from app.auth.policy import NO_ACCESS, managed_network_ids
from app.extensions import db
from app.models import Network, Role
from app.refusals import Forbidden, Invalid, NotFound
from app.reports.export import as_csv
from app.rewards import payouts, review
from app.rewards.disclosure import disclosure_for
from app.rewards.figures import reward_figures
from app.rewards.forms import ActionForm, NetworkRewardsForm, NoteActionForm, ProgrammeForm
from app.rewards.notify import describe
from app.rewards.programmes import (
    ProgrammeInput,
    programme_for,
    set_active,
    set_up_programme,
    visible_programmes,
)
from app.rewards.report import leaderboard as leaderboard_of
from app.rewards.report import report_programme
from app.rewards.settings import set_reward_settings

bp = Blueprint("rewards", __name__, url_prefix="/rewards")
MANAGERS = (Role.ADMIN, Role.COORDINATOR)
REPORT_TABLES = ("summary", "referrers", "months", "channels")


def _managed_networks() -> list[Network]:
    ids = managed_network_ids(current_user)
    query = db.select(Network).order_by(Network.name)
    if ids is not None:
        query = query.where(Network.id.in_(ids))
    return list(db.session.scalars(query))


@bp.app_template_global()
def reward_words(reward) -> str:
    return describe(reward)


# The public intake page (templates/links/public/_disclosure.html) shows it.
bp.add_app_template_global(disclosure_for, "disclosure_for")
# The "My links" page (templates/links/_rewards.html) shows the rewards of its links.
bp.add_app_template_global(reward_figures, "reward_figures")


@bp.route("/")
@login_required
def mine():
    rewards = review.earned_by(current_user) if current_user.role == Role.PRACTITIONER else []
    to_redeem = review.to_redeem(current_user)
    page = render_template(
        "rewards/mine.html",
        rewards=rewards,
        to_redeem=to_redeem,
        programmes=visible_programmes(current_user),
        action_form=NoteActionForm(),
    )
    _audit_client_earners(to_redeem)
    return page


def _audit_client_earners(rewards) -> None:
    """The names of clients who earn rewards are client data: their reads are audited."""
    for reward in rewards:
        if reward.earner_client_id is not None:
            record("view", "client", reward.earner_client_id, user=current_user, detail="rewards")
    db.session.commit()


@bp.route("/programmes")
@login_required
def programmes():
    networks = _managed_networks() if current_user.role in MANAGERS else []
    forms = {}
    for network in networks:
        form = NetworkRewardsForm(prefix=f"n{network.id}", formdata=None)
        form.monetary_rewards_allowed.data = network.monetary_rewards_allowed
        form.reward_disclosure.data = network.reward_disclosure
        forms[network.id] = form
    return render_template(
        "rewards/programmes.html",
        programmes=visible_programmes(current_user),
        networks=networks,
        settings_forms=forms,
        action_form=ActionForm(),
    )


def _programme_form() -> ProgrammeForm:
    form = ProgrammeForm()
    if current_user.role == Role.PRACTITIONER:
        form.owner_member_id.choices = [
            SelectChoice(str(m.id), m.name) for m in current_user.members
        ]
        del form.network_id
    else:
        form.network_id.choices = [SelectChoice(str(n.id), n.name) for n in _managed_networks()]
        del form.owner_member_id
    return form


@bp.route("/programmes/new", methods=["GET", "POST"])
@login_required
def new_programme():
    form = _programme_form()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        given = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        try:
            programme = set_up_programme(current_user, ProgrammeInput(**given))
        except Invalid as refused:
            db.session.rollback()
            for name, message in refused.fields.items():
                if name in form._fields:
                    form[name].errors = [message]
            flash(refused.message, "error")
            return render_template("rewards/programme_form.html", form=form), 422
        db.session.commit()
        flash(f"Programme “{programme.name}” is running.", "success")
        return redirect(url_for("rewards.programmes"))
    return render_template("rewards/programme_form.html", form=form)


@bp.route("/programmes/<int:programme_id>/<any(pause,resume):toggle>", methods=["POST"])
@login_required
def pause_or_resume(programme_id: int, toggle: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    programme = programme_for(current_user, programme_id)
    set_active(current_user, programme, toggle == "resume")
    db.session.commit()
    flash(f"Programme “{programme.name}” is {'running' if programme.active else 'paused'}.")
    return redirect(url_for("rewards.programmes"))


@bp.route("/networks/<int:network_id>/settings", methods=["POST"])
@roles_required(*MANAGERS)
def settings(network_id: int):
    network = db.session.get(Network, network_id)
    if network is None:
        raise NotFound(NO_ACCESS)
    form = NetworkRewardsForm(prefix=f"n{network_id}")
    if not form.validate_on_submit():
        abort(400)
    try:
        set_reward_settings(
            current_user,
            network,
            bool(form.monetary_rewards_allowed.data),
            form.reward_disclosure.data,
        )
    except Invalid as refused:
        db.session.rollback()
        for message in refused.fields.values():
            flash(message, "error")
        return redirect(url_for("rewards.programmes"))
    db.session.commit()
    flash(f"Reward settings of {network.name} saved.", "success")
    return redirect(url_for("rewards.programmes"))


@bp.route("/programmes/<int:programme_id>/report")
@roles_required(*MANAGERS)
def report(programme_id: int):
    return render_template(
        "rewards/report.html", report=report_programme(current_user, programme_id)
    )


def _table(found, table: str) -> list[dict]:
    if table == "summary":
        return found.summary_rows()
    return {"referrers": found.referrers, "months": found.months, "channels": found.channels}[table]


@bp.route(
    "/programmes/<int:programme_id>/report-<any(" + ",".join(REPORT_TABLES) + "):figures>.csv"
)
@roles_required(*MANAGERS)
def report_csv(programme_id: int, figures: str):
    found = report_programme(current_user, programme_id)
    response = Response(as_csv(_table(found, figures)), mimetype="text/csv")
    name = f"refnet-programme-{programme_id}-{figures}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/programmes/<int:programme_id>/leaderboard")
@login_required
def leaderboard(programme_id: int):
    programme, rows = leaderboard_of(current_user, programme_id)
    return render_template("rewards/leaderboard.html", programme=programme, rows=rows)


@bp.route("/review")
@roles_required(*MANAGERS)
def review_queue():
    rewards = review.review_queue(current_user)
    page = render_template(
        "rewards/review.html",
        rewards=rewards,
        action_form=ActionForm(),
        note_form=NoteActionForm(),
    )
    _audit_client_earners(rewards)
    return page


ACTIONS = {
    "approve": lambda user, reward, _values: review.approve(user, reward),
    "reject": review.reject,
    "reverse": review.reverse,
    "redeem": lambda user, reward, _values: review.redeem(user, reward),
}


@bp.route("/<int:reward_id>/<any(approve,reject,reverse,redeem):decision>", methods=["POST"])
@login_required
def act(reward_id: int, decision: str):
    form = NoteActionForm()
    if not form.validate_on_submit():
        abort(400)
    reward = review.reward_for(current_user, reward_id)
    try:
        ACTIONS[decision](current_user, reward, {"note": form.note.data})
    except (Invalid, Forbidden) as refused:
        db.session.rollback()
        flash(" ".join([refused.message, *refused.fields.values()]), "error")
    else:
        db.session.commit()
        flash(f"Reward #{reward.id} is {reward.status.value}.", "success")
    back = request.form.get("back")
    return redirect(url_for("rewards.mine" if back == "mine" else "rewards.review_queue"))


@bp.route("/payouts/<int:network_id>")
@roles_required(*MANAGERS)
def payout_page(network_id: int):
    network = db.session.get(Network, network_id)
    if network is None:
        raise NotFound(NO_ACCESS)
    return render_template(
        "rewards/payouts.html",
        network=network,
        batches=payouts.batches(current_user, network_id),
        action_form=ActionForm(),
    )


@bp.route("/payouts/<int:network_id>", methods=["POST"])
@roles_required(*MANAGERS)
def pay(network_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    payout = payouts.pay_out(current_user, network_id)
    db.session.commit()
    if payout.batch is None:
        flash("No approved reward is waiting to be paid.")
    else:
        flash(f"Batch {payout.batch}: {len(payout.rows)} reward(s) marked paid.", "success")
    return redirect(url_for("rewards.payout_page", network_id=network_id))


@bp.route("/payouts/<int:network_id>/<batch>.csv")
@roles_required(*MANAGERS)
def payout_csv(network_id: int, batch: str):
    if len(batch) > 40:
        raise NotFound(NO_ACCESS)
    payout = payouts.batch_rows(current_user, network_id, batch)
    if not payout.rows:
        raise NotFound(NO_ACCESS)
    db.session.commit()  # the audit row of the download
    response = Response(payout.csv, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="refnet-payout-{batch}.csv"'
    return response
