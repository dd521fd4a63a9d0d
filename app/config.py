"""Configuration: everything comes from environment variables, with safe defaults for dev."""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str] | None:
    """A comma-separated list from the environment; None when unset or empty."""
    items = [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
    return items or None


def _dev_secret_key() -> str:
    """A random secret kept under instance/ so sessions survive a restart in development."""
    INSTANCE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        # Created 0600 from the start: never readable by others, not even for a moment.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as secret_file:
            secret_file.write(secrets.token_hex(32))
    return path.read_text().strip()


def environment() -> str:
    """ "development" when REFNET_ENV=development or FLASK_DEBUG is on (`make run` sets
    REFNET_ENV); "production" otherwise, where the required settings must be given."""
    name = os.environ.get("REFNET_ENV", "").strip().lower()
    if name in {"development", "dev"} or _flag("FLASK_DEBUG"):
        return "development"
    return name or "production"


def _database_url(development: bool) -> str | None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        if not development:
            return None  # refused at start-up (app/operations/settings.py)
        INSTANCE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'refnet.sqlite'}"
    # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Production and development settings, read once when the app is created."""

    def __init__(self) -> None:
        # development, production (or test: TestConfig). Outside development a missing
        # SECRET_KEY or DATABASE_URL stops start-up (app/operations/settings.py).
        self.REFNET_ENV = environment()
        development = self.REFNET_ENV == "development"
        # Development only: a random key kept under instance/. Never in production, where
        # every node and worker must sign sessions, invitations and links with the same key.
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or (
            _dev_secret_key() if development else None
        )
        self.SQLALCHEMY_DATABASE_URI = _database_url(development)
        # A pooled connection that sat idle DATABASE_PING_IDLE seconds or more is tested (an
        # empty query) before a request uses it, so a database restart costs no failed
        # request; one just returned is not, which saves a round trip on every request under
        # load (app/operations/db_ping.py). DATABASE_PRE_PING=0 tests none.
        self.DATABASE_PRE_PING = _flag("DATABASE_PRE_PING", True)
        self.DATABASE_PING_IDLE = float(os.environ.get("DATABASE_PING_IDLE") or 10)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE")
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        # A signed-in session ends after this many idle minutes.
        self.IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30")))
        self.PERMANENT_SESSION_LIFETIME = self.IDLE_TIMEOUT
        # The cookie is sent again when the session changes (its `last_seen`, once a minute:
        # app/auth/sessions.py), not re-signed on every response.
        self.SESSION_REFRESH_EACH_REQUEST = False
        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token already
        # Failed sign-ins (app/auth/throttle.py): refused past these per account and address
        # and per address; past the account limit (all addresses) the account is slowed to
        # LOGIN_SLOW_RATE attempts, not locked, and its owner is told by e-mail.
        self.LOGIN_LIMIT_PAIR = os.environ.get("LOGIN_LIMIT_PAIR", "5 per 15 minutes")
        self.LOGIN_LIMIT_ADDRESS = os.environ.get("LOGIN_LIMIT_ADDRESS", "20 per 15 minutes")
        self.LOGIN_LIMIT_ACCOUNT = os.environ.get("LOGIN_LIMIT_ACCOUNT", "10 per 15 minutes")
        self.LOGIN_SLOW_RATE = os.environ.get("LOGIN_SLOW_RATE", "1 per 10 seconds")
        # Wrong second-factor codes (app/auth/mfa.py), counted apart from passwords and
        # stricter: a guesser who knows the password gets few tries at a 6-digit code.
        self.MFA_LIMIT_PAIR = os.environ.get("MFA_LIMIT_PAIR", "5 per 15 minutes")
        self.MFA_LIMIT_ADDRESS = os.environ.get("MFA_LIMIT_ADDRESS", "20 per 15 minutes")
        self.MFA_LIMIT_ACCOUNT = os.environ.get("MFA_LIMIT_ACCOUNT", "10 per hour")
        self.MFA_SLOW_RATE = os.environ.get("MFA_SLOW_RATE", "1 per minute")
        # Fernet keys (comma-separated, the first encrypts) for the stored TOTP secrets;
        # unset: one derived from SECRET_KEY (then changing SECRET_KEY voids enrolments).
        self.MFA_ENCRYPTION_KEYS = _list("MFA_ENCRYPTION_KEYS")
        # The name authenticator apps show next to the account.
        self.MFA_ISSUER = os.environ.get("MFA_ISSUER", "refnet")
        # Where the sign-in counters live: memory:// is per process; with several processes
        # or nodes use Redis (redis://host:6379/0) so that they count together.
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        # The public link pages (app/links/throttle.py), per address: every request to
        # `/r/<code>` (trying codes too), and intakes that made a referral.
        self.LINK_OPEN_LIMIT = os.environ.get("LINK_OPEN_LIMIT", "60 per minute")
        self.LINK_INTAKE_LIMIT = os.environ.get("LINK_INTAKE_LIMIT", "10 per hour")
        self.INVITE_MAX_AGE = timedelta(hours=int(os.environ.get("INVITE_MAX_AGE_HOURS", "72")))
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER")
        # The worker's periods (flask reminders run); unset: a tick a minute, delivery every 5 s.
        self.REMINDER_TICK_SECONDS = int(os.environ.get("REMINDER_TICK_SECONDS") or 0) or None
        self.DELIVERY_SECONDS = int(os.environ.get("DELIVERY_SECONDS") or 0) or None
        self.MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
        self.MAIL_USE_TLS = _flag("MAIL_USE_TLS")
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
        self.MAIL_DEFAULT_SENDER = os.environ.get(
            "MAIL_DEFAULT_SENDER", "refnet <no-reply@refnet.local>"
        )
        # The only source of links in e-mails (app/mail/links.py); never the Host header.
        # The default is the address `make run` serves; set it in production.
        self.BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        # Host names the app answers to (comma-separated, ".example.org" for subdomains);
        # any other Host header gets 400. Unset: every host (development).
        self.TRUSTED_HOSTS = _list("TRUSTED_HOSTS")
        # The base of the FHIR identifier systems this deployment mints (app/fhir/systems.py);
        # unset: BASE_URL + "/fhir/sid".
        self.FHIR_SYSTEM_BASE = os.environ.get("FHIR_SYSTEM_BASE")
        # FHIR import (POST /fhir, flask fhir import): the largest Bundle read, in bytes, and
        # whether a Bundle without a Consent of the client is refused (off: the sending
        # system attests the consent, as an EHR that sends a referral for care does).
        self.FHIR_IMPORT_MAX_BYTES = int(os.environ.get("FHIR_IMPORT_MAX_BYTES", 4 * 1024 * 1024))
        self.FHIR_IMPORT_REQUIRE_CONSENT = _flag("FHIR_IMPORT_REQUIRE_CONSENT")
        # An X-Statement-Count header on every response (bench/http.py); off in production.
        self.COUNT_STATEMENTS = _flag("COUNT_STATEMENTS")
        self.PAGE_SIZE = int(os.environ.get("PAGE_SIZE", "25"))
        # The dashboards' overdue figures are recounted at most this often per process
        # (app/followup/overdue_recent.py); 0 recounts on every view.
        self.OVERDUE_COUNTS_MAX_AGE = int(os.environ.get("OVERDUE_COUNTS_MAX_AGE", "30"))
        # Referral documents live outside static/ and are served only to those allowed.
        self.DOCUMENTS_DIR = os.environ.get("DOCUMENTS_DIR", str(INSTANCE_DIR / "documents"))
        # Set the bucket to keep documents in S3-compatible object storage instead (every
        # app node then sees them); credentials and region as boto3 reads them (AWS_*).
        self.DOCUMENTS_S3_BUCKET = os.environ.get("DOCUMENTS_S3_BUCKET") or None
        self.DOCUMENTS_S3_ENDPOINT_URL = os.environ.get("DOCUMENTS_S3_ENDPOINT_URL") or None
        self.DOCUMENTS_S3_PREFIX = os.environ.get("DOCUMENTS_S3_PREFIX", "")
        self.DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_MB", "10")) * 1024 * 1024
        # Files of GET /fhir/$export, served only to the user who asked (app/fhir/jobs.py).
        self.FHIR_EXPORT_DIR = os.environ.get("FHIR_EXPORT_DIR", str(INSTANCE_DIR / "fhir-exports"))
        self.MAX_CONTENT_LENGTH = 6 * self.DOCUMENT_MAX_BYTES
        # Reverse proxies in front of the app (0: none). With N, the last N hops of
        # X-Forwarded-For/-Proto/-Host/-Prefix are believed (werkzeug's ProxyFix): the client's
        # address in the audit and the throttle, https in external URLs.
        self.TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
        # Logs: one JSON object per line on stdout (LOG_FORMAT=text for plain lines).
        self.LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").lower()
        # One log line per request (method, path, status, duration, address).
        self.ACCESS_LOG = _flag("ACCESS_LOG", True)
        # Prometheus metrics at /metrics: off unless METRICS_ENABLED=1; with METRICS_TOKEN
        # set, only for `Authorization: Bearer <token>` (docs/operations.md).
        self.METRICS_ENABLED = _flag("METRICS_ENABLED")
        self.METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None


class TestConfig(Config):
    """Settings for the test suite: a database of its own, fast password hashing."""

    __test__ = False  # not a pytest test class

    def __init__(self, database_url: str) -> None:
        super().__init__()
        self.REFNET_ENV = "test"
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key"  # noqa: S105 - tests only
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.PASSWORD_HASH_FAST = True
        self.COUNT_STATEMENTS = False  # a test that wants the header turns it on itself
        self.OVERDUE_COUNTS_MAX_AGE = 0  # a test that wants the kept figures turns it on
        self.MAIL_SERVER = None
        self.DOCUMENTS_DIR = str(Path(tempfile.mkdtemp(prefix="refnet-documents-")))
        self.FHIR_EXPORT_DIR = str(Path(tempfile.mkdtemp(prefix="refnet-fhir-exports-")))
