"""`flask fhir …`: FHIR R4 bulk export (thin wrappers round app/fhir services)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import click
from flask import current_app
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from app.fhir.cli_import import fhir_cli
from app.fhir.export import Scope, count_referrals, export_resources, write_manifest

# One `flask fhir` group: the import's (app/fhir/cli_import.py), with the export added here.
fhir_cli.help = (
    "FHIR R4: import eReferral Bundles; bulk export of clinical referrals and the directory."
)


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.BadParameter(
            f"not an ISO date or time: {text!r}", param_hint="--since"
        ) from exc
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@fhir_cli.command("export")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--since", help="Only what changed since this ISO time (e.g. 2026-01-31T00:00Z).")
def export_command(out_dir: Path, since: str | None) -> None:
    """Write one NDJSON file per FHIR type and a Bulk Data manifest.json into --out."""
    scope = Scope(since=_since(since))
    console = Console(stderr=True)
    total = count_referrals(scope)
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    # The manifest's `request` is the kick-off URL that would ask for the same export.
    request = current_app.config["BASE_URL"].rstrip("/") + "/fhir/$export"
    if scope.since is not None:
        request += "?" + urlencode({"_since": scope.since.isoformat()})
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("Clinical referrals", total=total)
        manifest = export_resources(out_dir, scope, request, lambda n: progress.advance(task, n))
    write_manifest(out_dir, manifest)
    counts = ", ".join(f"{n} {t}" for t, n in manifest.counts.items())
    click.echo(f"Wrote {sum(manifest.counts.values())} resources to {out_dir}: {counts}.")


@fhir_cli.command("run-exports")
def run_exports_command() -> None:
    """Run the exports queued at GET /fhir/$export (the worker does so every few seconds)."""
    from app.fhir.jobs import run_pending_exports

    click.echo(f"Ran {run_pending_exports()} export(s).")
