"""Documents attached to referrals, to messages of a thread and to advice requests: checked
by their bytes, kept in the document storage (app/storage) once their rows commit."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from flask import Response, current_app, send_file
from sqlalchemy import or_, select
from werkzeug.datastructures import FileStorage

from app.audit.service import record
from app.extensions import db
from app.models import AdviceRequest, Document, Message, Referral, User
from app.referrals.access import referral_for
from app.referrals.errors import InvalidReferral, ReferralNotFound
from app.storage import StorageError, storage
from app.storage.after_commit import stage

# Types we accept, recognised by their first bytes rather than the name or the browser's word.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
# The name's extensions that each detected type may keep; any other is replaced.
SUFFIXES = {"application/pdf": {".pdf"}, "image/png": {".png"}, "image/jpeg": {".jpg", ".jpeg"}}
MAX_FILES = 5


def _content_type(head: bytes) -> tuple[str, str] | None:
    for signature, content_type, suffix in SIGNATURES:
        if head.startswith(signature):
            return content_type, suffix
    return None


def _safe_name(filename: str, content_type: str, suffix: str) -> str:
    """The name to keep and offer: printable, no path, and an extension that matches the
    type found in the bytes (`x.html` holding a JPEG becomes `x.html.jpg`), so that no
    browser or desktop opens it as something else."""
    name = Path(filename.replace("\\", "/")).name
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"/|?*').strip(". ")
    name = name or "document"
    if Path(name).suffix.lower() not in SUFFIXES[content_type]:
        name = f"{name}{suffix}"
    if len(name) > 200:
        kept = Path(name).suffix
        name = f"{name[: 200 - len(kept)]}{kept}"
    return name


def offered_name(document: Document) -> str:
    """The download name; documents stored before the extension was checked get it now."""
    suffix = next((s for _, t, s in SIGNATURES if t == document.content_type), None)
    if suffix is None:
        return document.filename
    return _safe_name(document.filename, document.content_type, suffix)


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


def store_documents(
    owner: Referral | AdviceRequest, checked, actor: User | None, message: Message | None = None
) -> list[Document]:
    """Add checked uploads to a referral or an advice request (with the message they came
    with, if any); each upload is audited. The bytes reach the storage after the commit."""
    is_referral = isinstance(owner, Referral)
    stored = []
    for upload, data, content_type, suffix in checked:
        key = secrets.token_hex(16)
        document = Document(
            referral_id=owner.id if is_referral else None,
            advice_request_id=None if is_referral else owner.id,
            message_id=message.id if message is not None else None,
            filename=_safe_name(upload.filename, content_type, suffix),
            content_type=content_type,
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            storage_key=key,
            uploaded_by_id=actor.id if actor else None,
        )
        db.session.add(document)
        stored.append((document, data))
    db.session.flush()
    where = f"referral={owner.id}" if is_referral else f"advice={owner.id}"
    for document, data in stored:
        stage(document, data, where)
        record("upload", "document", document.id, user=actor, detail=where)
    return [document for document, _ in stored]


def is_stored(document: Document) -> bool:
    """Whether the document's bytes can be served (an unreachable storage counts as not)."""
    try:
        return storage().exists(document.storage_key)
    except StorageError:
        return False


def document_response(document: Document) -> Response:
    """A stored document as a download nobody caches (referral and advice pages alike)."""
    response = send_file(
        storage().open(document.storage_key),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=offered_name(document),
        max_age=0,
        etag=document.sha256,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def documents_of(user: User, referral: Referral) -> list[Document]:
    """The referral's documents, in the order they were attached, for those who may see it:
    those sent with it or carried over from an advice request (a message's attachments are
    shown with their message)."""
    referral = referral_for(user, referral.id)
    return list(
        db.session.scalars(
            select(Document)
            .where(
                Document.referral_id == referral.id,
                or_(Document.message_id.is_(None), Document.advice_request_id.is_not(None)),
            )
            .order_by(Document.id)
        )
    )


def download_document(user: User, referral_id: int, document_id: int) -> Document:
    """A document of a referral this user may see, its download audited; NotFound otherwise."""
    referral = referral_for(user, referral_id)
    doc = db.session.get(Document, document_id)
    if doc is None or doc.referral_id != referral.id or not is_stored(doc):
        raise ReferralNotFound("There is no such document, or you do not have access to it.")
    record("download", "document", doc.id, user=user, detail=f"referral={referral.id}")
    return doc
