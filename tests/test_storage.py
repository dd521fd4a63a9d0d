"""Documents through the storage interface (app/storage), on the local directory and on an
S3-compatible server (moto in server mode, spoken to over HTTP by boto3): what is uploaded
downloads unchanged for those allowed only; a failed commit leaves no bytes behind; a
storage that refuses the bytes leaves no row pointing to nothing."""

from __future__ import annotations

import io
import os
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from app.extensions import db as _db
from app.models import AuditLog, Document, Referral
from app.referrals.documents import check_uploads, store_documents
from app.storage import storage
from tests.s3_server import CREDENTIALS, LocalS3Server
from tests.test_messages import _post, _signed_in, talk  # noqa: F401 - the fixture
from tests.test_referral_pages import PDF, _send, pair  # noqa: F401 - the fixture


@pytest.fixture(scope="module")
def s3_server():
    old = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)  # boto3 in the app reads them, as in production
    try:
        with LocalS3Server() as server:
            yield server
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(params=["local", "s3"])
def backend(request, app, tmp_path):
    """The storage under test; yields a function listing the keys it holds."""
    old = {k: app.config.get(k) for k in ("DOCUMENTS_DIR", "DOCUMENTS_S3_BUCKET")}
    old["DOCUMENTS_S3_ENDPOINT_URL"] = app.config.get("DOCUMENTS_S3_ENDPOINT_URL")
    directory = tmp_path / "documents"
    app.config["DOCUMENTS_DIR"] = str(directory)
    if request.param == "s3":
        server = request.getfixturevalue("s3_server")
        bucket = f"refnet-{uuid.uuid4().hex[:12]}"
        server.create_bucket(bucket)
        app.config.update(DOCUMENTS_S3_BUCKET=bucket, DOCUMENTS_S3_ENDPOINT_URL=server.endpoint_url)

        def keys():
            assert not directory.exists()  # nothing on the local disk
            return server.keys(bucket)
    else:

        def keys():
            return sorted(p.name for p in directory.iterdir()) if directory.exists() else []

    keys.kind = request.param
    try:
        yield keys
    finally:
        app.config.update(old)


def test_an_upload_downloads_unchanged_through_the_storage(pair, login, make, db, backend):  # noqa: F811
    gp = login(pair["gp_user"])
    response = _send(gp, pair, documents=[(io.BytesIO(PDF), "letter.pdf")])
    assert response.status_code == 302, response.get_data(as_text=True)
    document = db.session.scalars(select(Document)).one()
    assert backend() == [document.storage_key]
    url = f"{response.headers['Location']}/documents/{document.id}"
    gp.post("/logout")

    cardio = login(pair["cardio_user"])
    download = cardio.get(url)
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Cache-Control"] == "no-store"
    download.close()
    cardio.post("/logout")

    outsider = login(make.practitioner(make.member(make.network(), name="Elsewhere")))
    assert outsider.get(url).status_code == 404
    downloads = db.session.scalars(select(AuditLog).where(AuditLog.action == "download")).all()
    assert [d.user_id for d in downloads] == [pair["cardio_user"].id]


def test_a_failed_commit_leaves_nothing_in_storage(pair, make, db, backend):  # noqa: F811
    referral = make.referral(pair["gp"], pair["cardio"])
    upload = FileStorage(io.BytesIO(PDF), filename="letter.pdf")
    store_documents(referral, check_uploads([upload]), pair["gp_user"])
    # The commit's own flush is refused by the database (the CHECK on empty documents).
    _db.session.add(
        Document(
            referral_id=referral.id,
            filename="empty.pdf",
            content_type="application/pdf",
            size_bytes=0,
            sha256="0" * 64,
            storage_key=uuid.uuid4().hex,
        )
    )
    with pytest.raises(IntegrityError):
        _db.session.commit()
    _db.session.rollback()
    assert backend() == []
    assert db.session.scalars(select(Document)).all() == []
    _db.session.commit()  # a later commit does not write what was rolled back
    assert backend() == []


def test_a_rolled_back_savepoint_s_documents_are_not_written(pair, make, db, backend):  # noqa: F811
    referral = make.referral(pair["gp"], pair["cardio"])
    kept = store_documents(
        referral, check_uploads([FileStorage(io.BytesIO(PDF), "kept.pdf")]), None
    )
    savepoint = _db.session.begin_nested()
    store_documents(referral, check_uploads([FileStorage(io.BytesIO(PDF), "dropped.pdf")]), None)
    savepoint.rollback()
    _db.session.commit()
    assert backend() == [kept[0].storage_key]
    assert [d.filename for d in db.session.scalars(select(Document))] == ["kept.pdf"]


def test_a_refused_write_removes_the_row_and_says_so(pair, login, app, db, backend, tmp_path):  # noqa: F811
    if backend.kind == "s3":
        app.config["DOCUMENTS_S3_BUCKET"] = "no-such-bucket"  # the store refuses the write
    else:
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("a file where the directory should be")
        app.config["DOCUMENTS_DIR"] = str(blocker / "documents")
    gp = login(pair["gp_user"])
    response = _send(gp, pair, documents=[(io.BytesIO(PDF), "letter.pdf")])
    # The referral itself was committed (the receiver may already have been told): it stays,
    # complete, without the document; no row points to bytes that do not exist.
    assert response.status_code == 302, response.get_data(as_text=True)
    referral = db.session.scalars(select(Referral)).one()
    assert db.session.scalars(select(Document)).all() == []
    failed = db.session.scalars(select(AuditLog).where(AuditLog.action == "upload-failed")).one()
    assert failed.user_id == pair["gp_user"].id and f"referral={referral.id}" in failed.detail
    page = gp.get(response.headers["Location"]).get_data(as_text=True)
    assert "these documents could not be stored: letter.pdf" in page
    assert "Attach them again" in page


def test_the_configured_storage_is_reachable(app, backend):
    with app.app_context():
        storage().check()


def test_a_message_s_attachment_goes_through_the_same_storage(talk, login, app, db, backend):  # noqa: F811
    referral_id = talk["referral"].id
    sender = login(talk["users"]["sender"])
    posted = _post(sender, referral_id, body="The ECG", attachments=[(io.BytesIO(PDF), "ecg.pdf")])
    assert posted.status_code == 303
    document = db.session.scalars(select(Document)).one()
    assert backend() == [document.storage_key]
    url = f"/referrals/{referral_id}/documents/{document.id}"
    download = _signed_in(app, talk["users"]["receiver"]).get(url)
    assert download.status_code == 200 and download.data == PDF
    download.close()
    assert _signed_in(app, talk["users"]["other_member"]).get(url).status_code == 404
