"""flask commands: thin wrappers round the service functions."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.models import Role, User
from app.users.service import UserError, create_user

users_cli = AppGroup("users", help="Create and list user accounts.")


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


def init_cli(app: Flask) -> None:
    from app.demo.cli import demo_data_command

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_data_command)
