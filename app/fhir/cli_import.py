"""The `flask fhir` group as the import knows it: fhirout's export adds its commands to the
same group when the two are merged (the lead keeps one group)."""

from __future__ import annotations

from flask.cli import AppGroup

from app.fhir.importing.cli import import_command

fhir_cli = AppGroup("fhir", help="FHIR R4: import eReferral Bundles (and export).")
fhir_cli.add_command(import_command)
