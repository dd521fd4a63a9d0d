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


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
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
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _dev_secret_key()
        self.SQLALCHEMY_DATABASE_URI = _database_url()
        # A pooled connection is tested (an empty query) before each request uses it, so a
        # database restart costs no failed request; DATABASE_PRE_PING=0 saves that round
        # trip (docs/performance.md).
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": _flag("DATABASE_PRE_PING", True)}
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE")
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        # A signed-in session ends after this many idle minutes.
        self.IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30")))
        self.PERMANENT_SESSION_LIFETIME = self.IDLE_TIMEOUT
        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = None  # the session lifetime bounds the token already
        # Failed sign-ins (app/auth/throttle.py): refused past these per account and address
        # and per address; past the account limit (all addresses) the account is slowed to
        # LOGIN_SLOW_RATE attempts, not locked, and its owner is told by e-mail.
        self.LOGIN_LIMIT_PAIR = os.environ.get("LOGIN_LIMIT_PAIR", "5 per 15 minutes")
        self.LOGIN_LIMIT_ADDRESS = os.environ.get("LOGIN_LIMIT_ADDRESS", "20 per 15 minutes")
        self.LOGIN_LIMIT_ACCOUNT = os.environ.get("LOGIN_LIMIT_ACCOUNT", "10 per 15 minutes")
        self.LOGIN_SLOW_RATE = os.environ.get("LOGIN_SLOW_RATE", "1 per 10 seconds")
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        # The public link pages (app/links/throttle.py), per address: every request to
        # `/r/<code>` (trying codes too), and intakes that made a referral.
        self.LINK_OPEN_LIMIT = os.environ.get("LINK_OPEN_LIMIT", "60 per minute")
        self.LINK_INTAKE_LIMIT = os.environ.get("LINK_INTAKE_LIMIT", "10 per hour")
        self.INVITE_MAX_AGE = timedelta(hours=int(os.environ.get("INVITE_MAX_AGE_HOURS", "72")))
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER")
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
        # An X-Statement-Count header on every response (bench/http.py); off in production.
        self.COUNT_STATEMENTS = _flag("COUNT_STATEMENTS")
        self.PAGE_SIZE = int(os.environ.get("PAGE_SIZE", "25"))
        # Referral documents live outside static/ and are served only to those allowed.
        self.DOCUMENTS_DIR = os.environ.get("DOCUMENTS_DIR", str(INSTANCE_DIR / "documents"))
        self.DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_MB", "10")) * 1024 * 1024
        self.MAX_CONTENT_LENGTH = 6 * self.DOCUMENT_MAX_BYTES


class TestConfig(Config):
    """Settings for the test suite: a database of its own, fast password hashing."""

    __test__ = False  # not a pytest test class

    def __init__(self, database_url: str) -> None:
        super().__init__()
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key"  # noqa: S105 - tests only
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.PASSWORD_HASH_FAST = True
        self.COUNT_STATEMENTS = False  # a test that wants the header turns it on itself
        self.MAIL_SERVER = None
        self.DOCUMENTS_DIR = str(Path(tempfile.mkdtemp(prefix="refnet-documents-")))
