"""Documents reach the storage only once their rows are committed: a refused or failed commit
leaves nothing behind. store_documents() stages the checked bytes on the session; after the
outermost commit they are written; a write that fails removes its row again (in a
transaction of its own), is audited and logged, and the person is told to attach it again,
so that no committed row ever points to bytes that do not exist."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import flash, has_request_context, request
from sqlalchemy import delete, event, insert, inspect
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import AuditLog, Document
from app.storage import StorageError, storage

STAGED = "refnet.staged_documents"
log = logging.getLogger("refnet.storage")


@dataclass(frozen=True)
class Staged:
    document: Document  # to know, at commit, whether a rolled-back savepoint dropped it
    document_id: int
    key: str
    filename: str
    content_type: str
    data: bytes
    user_id: int | None
    owner: str  # "referral=12" or "advice=3", as the upload's audit row says


def stage(document: Document, data: bytes, owner: str) -> None:
    """Keep a flushed document's bytes until the session commits."""
    db.session.info.setdefault(STAGED, []).append(
        Staged(
            document,
            document.id,
            document.storage_key,
            document.filename,
            document.content_type,
            data,
            document.uploaded_by_id,
            owner,
        )
    )


def _write_staged(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outermost commit writes
    staged = session.info.pop(STAGED, [])
    failed = []
    for item in staged:
        if not inspect(item.document).persistent:
            continue  # its savepoint was rolled back: the row was never committed
        try:
            storage().put(item.key, item.data, item.content_type)
        except StorageError as exc:
            log.error("document %s not stored, its row removed: %s", item.document_id, exc)
            failed.append(item)
    if failed:
        _remove_rows(failed)


def _remove_rows(failed: list[Staged]) -> None:
    ip = request.remote_addr if has_request_context() else None
    with db.engine.begin() as connection:
        connection.execute(delete(Document).where(Document.id.in_([f.document_id for f in failed])))
        connection.execute(
            insert(AuditLog),
            [
                {
                    "user_id": f.user_id,
                    "action": "upload-failed",
                    "entity": "document",
                    "entity_id": f.document_id,
                    "ip": ip,
                    "detail": f"{f.owner}; the storage refused it; row removed",
                }
                for f in failed
            ],
        )
    if has_request_context():
        names = ", ".join(f.filename for f in failed)
        flash(
            f"Saved, but these documents could not be stored: {names}. "
            "Attach them again (in a message) in a moment.",
            "error",
        )


def _drop_staged(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(STAGED, None)


def write_documents_after_commit() -> None:
    """Install the hooks on the app's session (once)."""
    if not event.contains(db.session, "after_commit", _write_staged):
        event.listen(db.session, "after_commit", _write_staged)
        event.listen(db.session, "after_soft_rollback", _drop_staged)
