"""flask commands: thin wrappers round the service functions."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.models import ApiToken, Role, User
from app.referrals.day_counts import rebuild_day_counts
from app.tokens.service import TokenError, create_token, revoke_token, tokens_of
from app.users.service import UserError, create_user, find_by_email

users_cli = AppGroup("users", help="Create and list user accounts.")
referrals_cli = AppGroup("referrals", help="Maintain what is derived from the referrals.")


def _ids(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise click.BadParameter("give ids separated by commas, e.g. 3,7") from exc


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", help="Leave out to be asked (hidden input).")
@click.option("--members", "member_ids", default="", help="Member ids, comma-separated.")
@click.option("--networks", "network_ids", default="", help="Network ids, comma-separated.")
def create_user_command(email, name, role, password, member_ids, network_ids):
    """Create a user who can sign in."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            None,  # the operator at the shell
            email=email,
            name=name,
            role=role,
            password=password,
            member_ids=_ids(member_ids),
            network_ids=_ids(network_ids),
        )
    except UserError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


def user_as_dict(user: User) -> dict:
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "active": user.active,
        "member_ids": user.member_ids,
        "network_ids": user.network_ids,
    }


@users_cli.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def list_users_command(fmt):
    """List users (as JSON with --format json)."""
    users = db.session.scalars(select(User).order_by(User.email)).all()
    if fmt == "json":
        click.echo(json.dumps([user_as_dict(u) for u in users], indent=2))
        return
    for user in users:
        state = "" if user.active else "  (deactivated)"
        members = ",".join(map(str, user.member_ids)) or "-"
        click.echo(f"{user.email:40} {user.role.value:13} members {members}{state}")


@users_cli.command("reset-mfa")
@click.argument("email")
def reset_mfa_command(email):
    """Remove a user's second factor (a lost phone, or the only admin locked out)."""
    from app.auth.mfa import reset_mfa

    user = _user_by_email(email)
    had = reset_mfa(None, user)
    db.session.commit()
    if had:
        click.echo(f"Multi-factor sign-in of {user.email} is reset; their sessions ended.")
    else:
        click.echo(f"{user.email} had no second factor; their sessions ended.")


tokens_cli = AppGroup("tokens", help="Create, list and revoke personal API tokens.")


def _user_by_email(email: str) -> User:
    user = find_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with the e-mail {email}.")
    return user


@tokens_cli.command("create")
@click.option("--user", "email", required=True, help="E-mail of the user the token acts as.")
@click.option("--name", default="command line", show_default=True, help="What will use it.")
def create_token_command(email, name):
    """Create a token; it is printed alone on the last line, and only this once."""
    user = _user_by_email(email)
    try:
        token, secret = create_token(user, name)
    except TokenError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created token {token.id} “{token.name}” for {user.email}. Keep it secret:")
    click.echo(secret)


@tokens_cli.command("list")
@click.option("--user", "email", required=True, help="E-mail of the user.")
def list_tokens_command(email):
    """List a user's tokens (never the secrets)."""
    for token in tokens_of(_user_by_email(email)):
        state = "active" if token.active else f"revoked {token.revoked_at:%Y-%m-%d}"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        click.echo(f"{token.id:6} {token.prefix}…  {token.name:30} used {used:16} {state}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token_command(token_id):
    """Revoke a token by its id (see `flask tokens list`)."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"No token with id {token_id}.")
    revoke_token(token)
    db.session.commit()
    click.echo(f"Revoked token {token.id} “{token.name}” of {token.user.email}.")


@referrals_cli.command("recount")
def recount_command():
    """Count the referrals per network, status and day again (after writes around the app)."""
    rows = rebuild_day_counts()
    db.session.commit()
    click.echo(f"Counted the referrals again: {rows} rows of counts per network, status and day.")


@referrals_cli.command("stop-client-links")
@click.argument("referral_id", type=int)
def stop_client_links_command(referral_id):
    """Stop the links e-mailed to a referral's client (the next e-mail carries a new one)."""
    from app.referrals.client_links import stop_client_links
    from app.refusals import Refusal

    try:
        _referral, stopped = stop_client_links(None, referral_id)
    except Refusal as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo("Stopped." if stopped else "No link was sent to this client yet.")


def init_cli(app: Flask) -> None:
    from app.demo.cli import demo_data_command
    from app.directory_export.cli import directory_cli
    from app.fhir.cli import fhir_cli
    from app.followup.cli import reminders_cli
    from app.members.cli import members_cli
    from app.reports.cli import reports_cli
    from app.rewards.cli import rewards_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(referrals_cli)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(reports_cli)
    app.cli.add_command(rewards_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(members_cli)
    app.cli.add_command(fhir_cli)
    app.cli.add_command(directory_cli)
