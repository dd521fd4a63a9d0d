"""The entries of a posted Bundle and FHIR's rules for resolving references among them.

R4 "Resolving references in Bundles": an absolute or urn: reference matches an entry's
fullUrl; a relative one (`Patient/7`) is resolved against the base of the referring entry's
fullUrl when that is a RESTful http(s) URL; `#id` names a resource contained in the referring
one. Real senders also write relative fullUrls, version-specific references and references
that only match a resource's type and id: those are accepted when one entry alone matches.
Entries of a nested Bundle (a BSeR document Bundle) are searched after the outer ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.fhir.importing.outcome import refuse

MAX_ENTRIES = 1000
MAX_NESTING = 3
RESTFUL = re.compile(r"^(https?://.+?)/([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(/_history/.*)?$")
RELATIVE = re.compile(r"^([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})(/_history/.*)?$")


@dataclass
class Entry:
    """One resource of the Bundle, where it is (FHIRPath) and how others may name it."""

    resource: dict
    full_url: str | None
    path: str
    container: Entry | None = None  # set for a contained resource

    @property
    def type(self) -> str:
        return str(self.resource.get("resourceType", ""))

    @property
    def id(self) -> str | None:
        value = self.resource.get("id")
        return value if isinstance(value, str) else None


@dataclass
class BundleIndex:
    entries: list[Entry] = field(default_factory=list)
    nested: list[BundleIndex] = field(default_factory=list)

    @classmethod
    def of(cls, bundle: dict, path: str = "Bundle", depth: int = 0) -> BundleIndex:
        raw = bundle.get("entry", [])
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            raise refuse("Bundle.entry must be a list of entries.", "structure", f"{path}.entry")
        if len(raw) > MAX_ENTRIES:
            raise refuse(
                f"The Bundle has {len(raw)} entries; refnet reads at most {MAX_ENTRIES}.",
                "too-costly",
                f"{path}.entry",
                status=413,
            )
        index = cls()
        for number, item in enumerate(raw):
            where = f"{path}.entry[{number}]"
            if not isinstance(item, dict):
                raise refuse("Each entry must be a JSON object.", "structure", where)
            resource = item.get("resource")
            if resource is None:
                continue  # a transaction entry may carry only a request (DELETE…): not ours
            if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
                raise refuse(
                    "The entry's resource has no resourceType.", "structure", f"{where}.resource"
                )
            full_url = item.get("fullUrl")
            if full_url is not None and not isinstance(full_url, str):
                raise refuse("fullUrl must be a string.", "structure", f"{where}.fullUrl")
            index.entries.append(Entry(resource, full_url, f"{where}.resource"))
            if resource["resourceType"] == "Bundle":
                if depth + 1 > MAX_NESTING:
                    raise refuse("Bundles are nested too deep.", "too-costly", f"{where}.resource")
                index.nested.append(cls.of(resource, f"{where}.resource", depth + 1))
        return index

    def of_type(self, resource_type: str) -> list[Entry]:
        return [e for e in self.entries if e.type == resource_type]

    def resolve(self, reference: object, source: Entry) -> Entry | None:
        """The entry that `reference` (a Reference, or its `reference` string), written in
        `source`, names; None when it names none (or is not a reference at all)."""
        if isinstance(reference, dict):
            reference = reference.get("reference")
        if not isinstance(reference, str) or not reference.strip():
            return None
        reference = reference.strip()
        if reference.startswith("#"):
            return _contained(source, reference[1:])
        found = self._resolve_here(reference, source)
        if found is None:
            for nested in self.nested:
                found = nested.resolve(reference, source)
                if found is not None:
                    break
        return found

    def _resolve_here(self, reference: str, source: Entry) -> Entry | None:
        by_url = [e for e in self.entries if e.full_url == reference]
        if len(by_url) == 1:
            return by_url[0]
        restful = RESTFUL.match(reference)
        if restful:
            base, rtype, rid, history = restful.groups()
            if history:
                return self._resolve_here(f"{base}/{rtype}/{rid}", source)
            return self._by_type_and_id(rtype, rid)
        relative = RELATIVE.match(reference)
        if relative is None:
            return None  # urn:uuid:… with no entry, or a form refnet does not read
        rtype, rid, _history = relative.groups()
        base = _restful_base(_outermost(source).full_url)
        if base:
            by_base = [e for e in self.entries if e.full_url == f"{base}/{rtype}/{rid}"]
            if len(by_base) == 1:
                return by_base[0]
        return self._by_type_and_id(rtype, rid)

    def _by_type_and_id(self, rtype: str, rid: str) -> Entry | None:
        matching = [
            e
            for e in self.entries
            if e.type == rtype
            and (e.id == rid or (e.full_url or "").removesuffix("/").endswith(f"{rtype}/{rid}"))
        ]
        return matching[0] if len(matching) == 1 else None


def _outermost(entry: Entry) -> Entry:
    while entry.container is not None:
        entry = entry.container
    return entry


def _restful_base(full_url: str | None) -> str | None:
    match = RESTFUL.match(full_url or "")
    return match.group(1) if match else None


def _contained(source: Entry, wanted: str) -> Entry | None:
    holder = _outermost(source)
    contained = holder.resource.get("contained")
    if not isinstance(contained, list):
        return None
    for number, resource in enumerate(contained):
        if isinstance(resource, dict) and resource.get("id") == wanted:
            if not isinstance(resource.get("resourceType"), str):
                return None
            return Entry(resource, None, f"{holder.path}.contained[{number}]", holder)
    return None
