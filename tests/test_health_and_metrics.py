"""Issue 14 item 4: /healthz (the process), /readyz (database, Redis, storage: 503 naming
what failed) and the Prometheus metrics, off unless METRICS_ENABLED."""

from __future__ import annotations

from datetime import timedelta

from app.mail.outbox import queue_email
from app.models import utcnow
from tests.operations import app_with

NOWHERE_PG = "postgresql+psycopg://refnet@127.0.0.1:9/nowhere?connect_timeout=2"


def test_both_probes_answer_when_everything_is_there(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok", "storage": "ok"}
    assert ready.headers["Cache-Control"] == "no-store"


def test_without_a_database_the_node_is_up_but_not_ready(db):
    with app_with(NOWHERE_PG) as app:
        client = app.test_client()
        assert client.get("/healthz").status_code == 200  # never touches the database
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["failed"] == ["database"]
    assert ready.get_json()["checks"]["storage"] == "ok"


def test_an_unwritable_documents_directory_is_not_ready(db, database_url, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with app_with(database_url, DOCUMENTS_DIR=str(blocker / "documents")) as app:
        ready = app.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["failed"] == ["storage"]


def test_an_unreachable_redis_is_not_ready(db, database_url):
    with app_with(database_url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0") as app:
        ready = app.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["failed"] == ["redis"]


def test_metrics_are_off_by_default(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_behind_their_token(db, database_url):
    queue_email("someone@example.org", "Waiting", "Body")
    db.session.commit()
    with app_with(database_url, METRICS_ENABLED=True, METRICS_TOKEN="scrape-me") as app:
        client = app.test_client()
        client.get("/login")
        assert client.get("/metrics").status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert client.get("/metrics", headers=wrong).status_code == 401
        response = client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'refnet_http_requests_total{endpoint="auth.login",method="GET",status="200"}' in text
    assert 'refnet_http_request_duration_seconds_bucket{endpoint="auth.login"' in text
    assert "refnet_outbox_backlog 1.0" in text
    assert 'refnet_reminders_due{stage="answer"} 0.0' in text
    assert "refnet_followup_lag_seconds" in text


def test_reminders_due_counts_what_no_tick_has_queued(make, db):
    from app.followup.engine import reminders_due, tick

    network = make.network()
    sender, receiver = make.member(network), make.member(network)
    make.referral(sender, receiver, sent_at=utcnow() - timedelta(days=8))
    db.session.commit()
    now = utcnow()
    due, since = reminders_due(now)
    assert since is None and due["answer"] == 1  # overdue, never reminded
    tick(now)
    db.session.commit()
    due, since = reminders_due(now + timedelta(seconds=1))
    assert since == now and due == {"answer": 0, "visit": 0, "outcome": 0}
