"""The referral page's controls over the client's links: open the page as the client sees
it, and stop the links."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.forms import ConfirmForm
from app.referrals.blueprint import bp
from app.referrals.client_links import NoClientContact, client_token_for, stop_client_links


@bp.route("/<int:referral_id>/client-page")
@login_required
def client_page(referral_id: int):
    try:
        token = client_token_for(current_user, referral_id)
    except NoClientContact as exc:
        flash(exc.message, "error")
        return redirect(url_for("referrals.detail", referral_id=referral_id))
    db.session.commit()
    return redirect(url_for("client_page.page", token=token))


@bp.route("/<int:referral_id>/client-links/stop", methods=["POST"])
@login_required
def stop_client_link(referral_id: int):
    if not ConfirmForm().validate_on_submit():
        flash("The form expired. Try again.", "error")
        return redirect(url_for("referrals.detail", referral_id=referral_id))
    referral, stopped = stop_client_links(current_user, referral_id)
    db.session.commit()
    if stopped:
        flash("The client's links no longer open their page. The next e-mail has a new one.")
    else:
        flash("No link was sent to the client yet.", "info")
    return redirect(url_for("referrals.detail", referral_id=referral.id))
