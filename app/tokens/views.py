"""Personal API tokens: create and revoke on a page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.extensions import db
from app.tokens.forms import NewTokenForm, RevokeTokenForm
from app.tokens.service import TokenError, create_token, revoke_token, token_of, tokens_of

bp = Blueprint("tokens", __name__, url_prefix="/tokens")


def _render(form: NewTokenForm, new_secret: str | None = None, status: int = 200):
    return render_template(
        "tokens/index.html",
        form=form,
        revoke_form=RevokeTokenForm(),
        tokens=tokens_of(current_user),
        new_secret=new_secret,
    ), status


@bp.route("/")
@login_required
def index():
    return _render(NewTokenForm())


@bp.route("/", methods=["POST"])
@login_required
def create():
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _render(form, status=400)
    try:
        _token, secret = create_token(current_user, form.name.data, actor=current_user)
    except TokenError as exc:
        db.session.rollback()
        form.name.errors = [str(exc)]
        return _render(form, status=400)
    db.session.commit()
    # Shown in this response only: never in a flash message, which would sit in the cookie.
    return _render(NewTokenForm(formdata=None), new_secret=secret)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    token = token_of(current_user, token_id)
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    revoke_token(token, actor=current_user)
    db.session.commit()
    flash(f"Token “{token.name}” is revoked: programs using it are refused from now on.", "success")
    return redirect(url_for("tokens.index"))
