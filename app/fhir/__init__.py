"""FHIR R4 interoperability: mapping, REST endpoints, bulk export and import (DESIGN.md)."""
