"""Two app nodes as in production: two gunicorn instances on two loopback ports sharing one
PostgreSQL database, one Redis database (throttling), one S3-compatible store (moto's
server) and one reminder worker, with mail to a real SMTP server. Any node serves any
request: a session, a CSRF token, the failed sign-ins, a document and a race all span both.

Needs PostgreSQL (TEST_DATABASE_URL: a schema of its own is made in that database) and Redis
(CLUSTER_REDIS_URL, default redis://127.0.0.1:6379/14, flushed). Skips without them, fails
with REQUIRE_POSTGRES=1 (CI). `make test` runs it in its first pass only.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from flask_migrate import upgrade
from requests.adapters import HTTPAdapter
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import TestConfig
from app.extensions import db
from app.followup.cli import run_tick
from app.followup.engine import sweep_soon
from app.models import Document, Member, OutboxMessage, Referral, Reminder, Status, utcnow
from tests.factories import PASSWORD, Factory
from tests.s3_server import CREDENTIALS, LocalS3Server
from tests.smtp import LocalSMTPServer, free_port
from tests.test_referral_pages import PDF, send_form_data

pytestmark = [pytest.mark.postgres, pytest.mark.cluster]

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/14")
BUCKET = "refnet-cluster"
OTHER_ADDRESS = "127.0.0.2"  # loopback too: the owner signing in from elsewhere


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _until(check, what: str, seconds: float = 30):
    """Poll a running system until `check()` is true (processes, not a clock, decide)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/login", timeout=10).status_code == 200
    except requests.RequestException:
        return False


class FromAddress(HTTPAdapter):
    """Connections from a chosen loopback address (the server sees it as remote_addr)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def browser(address: str | None = None) -> requests.Session:
    session = requests.Session()
    if address:
        session.mount("http://", FromAddress(address))
    return session


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def sign_in(session: requests.Session, node: str, email: str, password: str = PASSWORD):
    token = csrf(session.get(f"{node}/login").text)
    return session.post(
        f"{node}/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
    )


@dataclass
class Cluster:
    nodes: list[str]
    app: object  # the test's own app on the cluster's database, to look at rows
    ids: dict[str, int]
    emails: dict[str, str]
    mail: list
    s3: LocalS3Server
    env: dict[str, str]


def _schema(admin_url: str, statement: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def _cast(app) -> tuple[dict[str, int], dict[str, str]]:
    with app.app_context():
        upgrade()
        make = Factory(db.session)
        network = make.network(name="Cluster Network", kind="clinical")
        gp = make.member(network, name="Harbour GP")
        cardio = make.member(network, name="Cardio Clinic", specialties=["Cardiology"])
        users = {
            "gp": make.practitioner(gp, email="gp@cluster.example.org"),
            "cardio": make.practitioner(cardio, email="cardio@cluster.example.org"),
            "owner": make.practitioner(gp, email="owner@cluster.example.org"),
        }
        to_accept = make.referral(gp, cardio)
        ids = {name: user.id for name, user in users.items()}
        ids |= {"to_accept": to_accept.id, "gp_member": gp.id, "cardio_member": cardio.id}
        emails = {name: user.email for name, user in users.items()}
        db.session.remove()
        db.engine.dispose()
    return ids, emails


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:  # the child keeps its own descriptor
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if not admin_url or not admin_url.startswith("postgresql"):
        _unavailable("the cluster test needs PostgreSQL (TEST_DATABASE_URL)")
    import redis

    try:
        store = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        store.ping()
    except redis.RedisError as exc:
        _unavailable(f"the cluster test needs Redis at {REDIS_URL}: {exc}")
    store.flushdb()
    admin_url = admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
    # A schema of its own in the test database (DROP DATABASE waits for a checkpoint).
    name = f"refnet_cluster_{os.getpid()}"
    try:
        _schema(admin_url, f'DROP SCHEMA IF EXISTS "{name}" CASCADE; CREATE SCHEMA "{name}"')
    except Exception as exc:  # any driver error means: no usable PostgreSQL
        _unavailable(f"PostgreSQL at TEST_DATABASE_URL is not usable: {exc}")
    url = make_url(admin_url).render_as_string(hide_password=False)
    database_url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{name}"
    app = create_app(TestConfig(database_url))
    ids, emails = _cast(app)
    logs = tmp_path_factory.mktemp("cluster")
    processes: list[subprocess.Popen] = []
    with LocalS3Server() as s3, LocalSMTPServer() as smtp:
        s3.create_bucket(BUCKET)
        ports = [free_port(), free_port()]
        env = os.environ | CREDENTIALS
        env |= {
            "FLASK_APP": "wsgi",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "cluster-test-secret-key-shared-by-every-node",
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "LOGIN_LIMIT_PAIR": "5 per 15 minutes",
            "LOGIN_LIMIT_ADDRESS": "20 per 15 minutes",
            "LOGIN_LIMIT_ACCOUNT": "10 per 15 minutes",
            "DOCUMENTS_S3_BUCKET": BUCKET,
            "DOCUMENTS_S3_ENDPOINT_URL": s3.endpoint_url,
            "DOCUMENTS_DIR": str(logs / "no-local-documents"),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp.port),
            "BASE_URL": f"http://127.0.0.1:{ports[0]}",
            "REMINDER_TICK_SECONDS": "1",
            "DELIVERY_SECONDS": "1",
        }
        bin_dir = Path(sys.executable).parent
        try:
            for index, port in enumerate(ports):
                command = [str(bin_dir / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}"]
                processes.append(_start([*command, "wsgi:app"], env, logs / f"node{index}.log"))
            # The one worker (what `make run` starts beside the server).
            worker = [str(bin_dir / "flask"), "reminders", "run"]
            processes.append(_start(worker, env, logs / "worker.log"))
            # The test's own app delivers to the same SMTP server when it ticks.
            app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
            nodes = [f"http://127.0.0.1:{port}" for port in ports]
            for node in nodes:
                _until(lambda node=node: _answers(node), f"{node} to answer", 60)
            yield Cluster(nodes, app, ids, emails, smtp.messages, s3, env)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            for process in processes:
                process.wait(timeout=15)
            store.flushdb()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            _schema(admin_url, f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def test_a_session_made_on_one_node_works_on_the_other(cluster):
    a, b = cluster.nodes
    gp = browser()
    assert sign_in(gp, a, cluster.emails["gp"]).status_code == 302
    # A new client holding only the cookie, on the other node: signed in there too.
    elsewhere = browser()
    elsewhere.cookies.update(gp.cookies)
    page = elsewhere.get(f"{b}/dashboard", allow_redirects=False)
    assert page.status_code == 200 and "Sign out" in page.text
    # Signing out on B ends it on A (the session is a row, not a node's memory).
    elsewhere.post(f"{b}/logout", data={"csrf_token": csrf(page.text)})
    assert gp.get(f"{a}/dashboard", allow_redirects=False).status_code == 302


def test_failed_sign_ins_count_across_nodes_and_lock_no_owner_out(cluster):
    a, b = cluster.nodes
    owner = cluster.emails["owner"]
    guesser = browser()  # at 127.0.0.1; without TRUSTED_PROXIES the socket's address counts
    for node in (a, b, a, b, a):  # five failures, shared through Redis
        assert sign_in(guesser, node, owner, "wrong guess").status_code == 401
    # Each node alone saw fewer than five: the refusal on both proves the count is shared.
    assert sign_in(guesser, b, owner).status_code == 429
    assert sign_in(guesser, a, owner).status_code == 429
    # The owner, at another address, signs in on either node.
    assert sign_in(browser(OTHER_ADDRESS), b, owner).status_code == 302


def test_a_document_uploaded_through_one_node_downloads_through_the_other(cluster):
    a, b = cluster.nodes
    gp = browser()
    assert sign_in(gp, a, cluster.emails["gp"]).status_code == 302
    form = gp.get(f"{a}/referrals/new").text
    token = re.search(r'name="send_token"[^>]*value="([^"]+)"', form).group(1)
    data = send_form_data(SimpleNamespace(id=cluster.ids["cardio_member"]))
    data |= {"csrf_token": csrf(form), "send_token": token}
    sent = gp.post(
        f"{a}/referrals/new",
        data=data,
        files={"documents": ("letter.pdf", PDF, "application/pdf")},
        allow_redirects=False,
    )
    assert sent.status_code == 302, sent.text
    with cluster.app.app_context():
        referral_id = int(sent.headers["Location"].rsplit("/", 1)[1])
        document = db.session.scalars(
            select(Document).where(Document.referral_id == referral_id)
        ).one()
        db.session.remove()
    assert cluster.s3.keys(BUCKET) == [document.storage_key]

    cardio = browser()
    assert sign_in(cardio, b, cluster.emails["cardio"]).status_code == 302
    download = cardio.get(f"{b}/referrals/{referral_id}/documents/{document.id}")
    assert download.status_code == 200 and download.content == PDF


def test_a_referral_accepted_on_both_nodes_at_once_has_one_winner(cluster):
    a, b = cluster.nodes
    referral_id = cluster.ids["to_accept"]
    cardio = browser()
    assert sign_in(cardio, a, cluster.emails["cardio"]).status_code == 302
    page = cardio.get(f"{a}/referrals/{referral_id}").text
    form = {"csrf_token": csrf(page), "version": "1", "note": ""}
    barrier = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def accept(node: str) -> None:
        session = browser()
        session.cookies.update(cardio.cookies)
        barrier.wait(timeout=10)
        response = session.post(
            f"{node}/referrals/{referral_id}/actions/accept", data=form, allow_redirects=False
        )
        statuses[node] = response.status_code

    threads = [threading.Thread(target=accept, args=(node,)) for node in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses.values()) == [302, 409], statuses
    with cluster.app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert (referral.status, referral.version) == (Status.ACCEPTED, 2)
        db.session.remove()


def test_a_reminder_is_sent_once(cluster):
    """The worker ticks every second; two more ticks (a cron job on each node, say) race it
    for the reminder of a referral that becomes overdue while they run."""
    app = cluster.app
    with app.app_context():
        make = Factory(db.session)
        gp, cardio = (
            db.session.get(Member, cluster.ids[k]) for k in ("gp_member", "cardio_member")
        )
        # Sent ten days ago and never answered: a reminder is due now.
        referral_id = make.referral(gp, cardio, sent_at=utcnow() - timedelta(days=10)).id
        sweep_soon()  # a stage started in the past is found by a sweep, not the next window
        db.session.commit()
        db.session.remove()

    def delivered() -> list | None:
        """The reminders queued for the referral, once every one of them has been sent."""
        with app.app_context():
            keys = db.session.execute(
                select(Reminder.referral_id, Reminder.stage, Reminder.step).where(
                    Reminder.referral_id == referral_id
                )
            ).all()
            unsent = db.session.scalars(
                select(OutboxMessage.headers).where(OutboxMessage.sent_at.is_(None))
            ).all()
            db.session.remove()
        mine = [h for h in unsent if h.get("X-Refnet-Reminder", "").startswith(f"{referral_id}:")]
        return keys if keys and not mine else None

    errors = []

    def tick_until_delivered() -> None:
        try:
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and not delivered():
                with app.app_context():
                    run_tick()
                    db.session.remove()
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)

    racers = [threading.Thread(target=tick_until_delivered) for _ in range(2)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=60)
    assert errors == []
    keys = _until(delivered, f"the reminder to be delivered: {_state(app, referral_id)}", 10)
    with app.app_context():
        assert run_tick().reminders == 0  # one more pass sends nothing new
        db.session.remove()
    tagged = [m["X-Refnet-Reminder"] for m in cluster.mail if m["X-Refnet-Reminder"]]
    mine = [t for t in tagged if t.startswith(f"{referral_id}:")]
    assert sorted(mine) == sorted(f"{r}:{stage}:{step}" for r, stage, step in keys)
    assert len(mine) == len(set(mine)) >= 1


def _state(app, referral_id):
    with app.app_context():
        r = db.session.get(Referral, referral_id)
        out = [(r.status, r.sent_at)]
        out += list(db.session.execute(select(Reminder.referral_id, Reminder.stage, Reminder.step)))
        out += list(
            db.session.execute(
                select(
                    OutboxMessage.subject,
                    OutboxMessage.sent_at,
                    OutboxMessage.last_error,
                    OutboxMessage.next_attempt_at,
                )
            )
        )
        db.session.remove()
    return out
