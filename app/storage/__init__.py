"""Where documents' bytes live: one interface, a local directory by default, S3-compatible
object storage when DOCUMENTS_S3_BUCKET is set. Rows in the database say which documents
exist; the storage only holds their bytes under random keys (app/storage/after_commit.py
writes them once the rows are committed)."""

from __future__ import annotations

from typing import BinaryIO, Protocol

from flask import Flask, current_app


class StorageError(Exception):
    """The storage could not be reached or refused the operation."""


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write new bytes under a new key (never overwrites)."""

    def open(self, key: str) -> BinaryIO:
        """The bytes for reading; StorageError when missing or unreachable."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the bytes; a missing key is not an error."""

    def check(self) -> None:
        """StorageError unless the storage is reachable (for a readiness probe)."""


def _settings(app: Flask) -> tuple:
    c = app.config
    return (
        c.get("DOCUMENTS_S3_BUCKET"),
        c.get("DOCUMENTS_S3_ENDPOINT_URL"),
        c.get("DOCUMENTS_S3_PREFIX", ""),
        c.get("DOCUMENTS_DIR"),
    )


def storage() -> Storage:
    """The configured storage of the current app, built once per configuration."""
    app = current_app._get_current_object()
    settings = _settings(app)
    cached = app.extensions.get("refnet.storage")
    if cached is not None and cached[0] == settings:
        return cached[1]
    bucket, endpoint_url, prefix, directory = settings
    if bucket:
        from app.storage.s3 import S3Storage

        backend: Storage = S3Storage(bucket, endpoint_url=endpoint_url, prefix=prefix or "")
    else:
        from app.storage.local import LocalStorage

        backend = LocalStorage(directory)
    app.extensions["refnet.storage"] = (settings, backend)
    return backend
