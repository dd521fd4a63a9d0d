"""flask directory export --format hsds --out FILE [--network ID]."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from app.directory_export.hsds import directory_members, hsds_document
from app.extensions import db
from app.models import Network

directory_cli = AppGroup("directory", help="Export the member directory in open standards.")


@directory_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(["hsds"]), default="hsds", show_default=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--network", "network_id", type=int, help="Only this network's members.")
def export_command(fmt, out: Path, network_id):
    """Write the active members as Open Referral HSDS 3.0 JSON (organizations, services,
    locations, contacts, taxonomy terms)."""
    if network_id is not None and db.session.get(Network, network_id) is None:
        raise click.ClickException(f"No network with id {network_id}.")
    members = db.session.scalars(directory_members(network_id))
    document = hsds_document(members)
    out.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
    click.echo(
        f"Wrote {len(document['organizations'])} organizations, "
        f"{len(document['services'])} services, {len(document['locations'])} locations "
        f"(HSDS {document['hsds_version']}) to {out}."
    )
