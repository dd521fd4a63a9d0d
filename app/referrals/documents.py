"""Documents attached to referrals: checked by their bytes, stored outside static/."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from flask import current_app
from werkzeug.datastructures import FileStorage

from app.audit.service import record
from app.extensions import db
from app.models import Document, Referral, User
from app.referrals.errors import InvalidReferral

# Types we accept, recognised by their first bytes rather than the name or the browser's word.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
MAX_FILES = 5


def documents_dir() -> Path:
    path = Path(current_app.config["DOCUMENTS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def _content_type(head: bytes) -> tuple[str, str] | None:
    for signature, content_type, suffix in SIGNATURES:
        if head.startswith(signature):
            return content_type, suffix
    return None


def _safe_name(filename: str, suffix: str) -> str:
    name = Path(filename.replace("\\", "/")).name
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"/|?*').strip(". ")
    return (name or f"document{suffix}")[:200]


def check_uploads(files: list[FileStorage]) -> list[tuple[FileStorage, bytes, str, str]]:
    """Read and check every file before anything is stored; InvalidReferral on the first bad one."""
    files = [f for f in files if f and f.filename]
    if len(files) > MAX_FILES:
        raise InvalidReferral(
            "Too many documents.", {"documents": f"Attach at most {MAX_FILES} documents."}
        )
    limit = current_app.config["DOCUMENT_MAX_BYTES"]
    checked = []
    for upload in files:
        data = upload.stream.read(limit + 1)
        if not data:
            raise InvalidReferral("Empty document.", {"documents": f"{upload.filename} is empty."})
        if len(data) > limit:
            megabytes = limit // (1024 * 1024)
            raise InvalidReferral(
                "Document too large.",
                {"documents": f"{upload.filename} is larger than {megabytes} MB."},
            )
        kind = _content_type(data[:16])
        if kind is None:
            raise InvalidReferral(
                "Unsupported document.",
                {"documents": f"{upload.filename} is not a PDF, PNG or JPEG file."},
            )
        checked.append((upload, data, *kind))
    return checked


def store_documents(referral: Referral, checked, actor: User | None) -> list[Document]:
    stored = []
    for upload, data, content_type, suffix in checked:
        key = secrets.token_hex(16)
        (documents_dir() / key).write_bytes(data)
        document = Document(
            referral_id=referral.id,
            filename=_safe_name(upload.filename, suffix),
            content_type=content_type,
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_key=key,
            uploaded_by_id=actor.id if actor else None,
        )
        db.session.add(document)
        stored.append(document)
    db.session.flush()
    for document in stored:
        record("upload", "document", document.id, user=actor, detail=f"referral={referral.id}")
    return stored


def document_path(document: Document) -> Path:
    return documents_dir() / document.storage_key
