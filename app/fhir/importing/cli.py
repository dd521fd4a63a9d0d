"""`flask fhir import FILE`: the operator at the shell imports one eReferral Bundle."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.fhir.importing.body import parse_bundle
from app.fhir.importing.outcome import ImportRefused
from app.fhir.importing.response import import_answer
from app.fhir.importing.service import import_bundle
from app.fhir.outcome import operation_outcome


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Import a FHIR R4 Bundle (transaction or message eReferral) as a referral in `sent`.

    Prints the transaction-response Bundle; on refusal, the OperationOutcome and exit 1.
    """
    limit = current_app.config["FHIR_IMPORT_MAX_BYTES"]
    try:
        with file.open("rb") as stream:
            raw = stream.read(limit + 1)
        imported = import_bundle(None, parse_bundle(raw, limit))
        db.session.commit()
    except (ImportRefused, IntegrityError) as exc:
        db.session.rollback()
        if isinstance(exc, IntegrityError):
            raise click.ClickException("The referral conflicts with one saved meanwhile.") from exc
        click.echo(json.dumps(operation_outcome(exc.issues), indent=2))
        raise click.ClickException(str(exc)[:500]) from exc
    click.echo(
        json.dumps(import_answer(imported.referral, imported.created, imported.warnings), indent=2)
    )
    said = "Imported" if imported.created else "Already imported"
    click.echo(f"{said}: referral {imported.referral.id}.", err=True)


def register(group: AppGroup) -> None:
    group.add_command(import_command)
