"""flask members …: what operators do to members from the shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.members.identifiers import forget_identifier, identifiers_of, identify_member
from app.models import Member
from app.refusals import Refusal

members_cli = AppGroup("members", help="Maintain members (identifiers in other systems).")


def _member(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None:
        raise click.ClickException(f"No member with id {member_id}.")
    return member


@members_cli.command("identify")
@click.argument("member_id", type=int)
@click.argument("system")
@click.argument("value")
@click.option("--remove", is_flag=True, help="Forget this identifier instead.")
def identify_command(member_id, system, value, remove):
    """Record that SYSTEM|VALUE (e.g. http://hl7.org/fhir/sid/us-npi 1234567893) names the
    member: FHIR imports then find it by that identifier."""
    member = _member(member_id)
    try:
        if remove:
            done = forget_identifier(None, member, system, value)
        else:
            identify_member(None, member, system, value)
            done = True
    except Refusal as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    if remove:
        click.echo("Removed." if done else "The member had no such identifier.")
    else:
        click.echo(f"{system}|{value} names member {member.id} ({member.name}).")


@members_cli.command("identifiers")
@click.argument("member_id", type=int)
def identifiers_command(member_id):
    """List a member's identifiers."""
    for row in identifiers_of(_member(member_id)):
        click.echo(f"{row.system}|{row.value}")
