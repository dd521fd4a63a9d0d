"""Issue 14 item 3: outside development a missing SECRET_KEY (or DATABASE_URL) stops the
process with a message naming it; `flask config check` prints the settings, secrets masked."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from app.operations.settings import masked, problems

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _production_env(**settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "REFNET_"))}
    for name in ("SECRET_KEY", "DATABASE_URL", "MAIL_PASSWORD", "RATELIMIT_STORAGE_URI"):
        env.pop(name, None)
    env.update(settings)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_refuses_to_start_without_a_secret_key(tmp_path):
    env = _production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite'}")
    command = [str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{_free_port()}", "wsgi:app"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "SECRET_KEY is not set" in done.stdout + done.stderr


def test_config_check_names_what_is_missing_and_exits_1():
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "config", "check"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "error: SECRET_KEY is not set" in done.stderr
    assert "error: DATABASE_URL is not set" in done.stderr
    assert "REFNET_ENV" in done.stdout and "production" in done.stdout


def test_config_check_masks_secrets(tmp_path):
    secrets = ("s3cr3t-key-0123456789abcdef0123456789", "mail-pass-9", "dbpass-7", "redispass-5")
    env = _production_env(
        SECRET_KEY=secrets[0],
        MAIL_PASSWORD=secrets[1],
        DATABASE_URL=f"postgresql://refnet:{secrets[2]}@db.internal:5432/refnet",
        RATELIMIT_STORAGE_URI=f"redis://:{secrets[3]}@redis.internal:6379/0",
        METRICS_TOKEN="metrics-token-3",
        DOCUMENTS_DIR=str(tmp_path),
    )
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "config", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for secret in (*secrets, "metrics-token-3"):
        assert secret not in done.stdout + done.stderr
    lines = dict(line.split(" = ", 1) for line in done.stdout.splitlines() if " = " in line)
    settings = {name.strip(): value for name, value in lines.items()}
    assert settings["SECRET_KEY"] == settings["MAIL_PASSWORD"] == "***"
    assert settings["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://refnet:***@db.internal:5432/refnet"
    )
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://:***@redis.internal:6379/0"
    assert settings["MAIL_SERVER"] == "(not set)"


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("SECRET_KEY", "abc", "***"),
        ("S3_SECRET_ACCESS_KEY", "abc", "***"),
        ("MFA_ENCRYPTION_KEYS", ["k1", "k2"], "***"),
        ("METRICS_TOKEN", None, "(not set)"),
        ("DATABASE", "postgresql://u:p%40ss@h/db", "postgresql://u:***@h/db"),
        ("BASE_URL", "https://refnet.example.org", "https://refnet.example.org"),
        ("TRUSTED_PROXIES", 2, "2"),
    ],
)
def test_masking(name, value, shown):
    assert masked(name, value) == shown


def test_the_rule_of_environments():
    production = {"REFNET_ENV": "production", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    assert any("SECRET_KEY" in p for p in problems(production))
    assert problems({**production, "SECRET_KEY": "k"}) == []
    assert problems({"REFNET_ENV": "development"}) == []
    assert problems({"REFNET_ENV": "test", "TESTING": True}) == []
    assert any("REFNET_ENV" in p for p in problems({"REFNET_ENV": "test"}))  # not from outside
    assert any("REFNET_ENV" in p for p in problems({**production, "REFNET_ENV": "staging"}))


def test_every_setting_is_in_the_operators_guide():
    """docs/operations.md lists every environment variable app/config.py reads."""
    source = (ROOT / "app" / "config.py").read_text()
    names = set(re.findall(r'(?:environ\.get|_flag|_list)\(\s*"([A-Z][A-Z0-9_]+)"', source))
    guide = (ROOT / "docs" / "operations.md").read_text()
    assert len(names) > 30
    assert [name for name in sorted(names) if f"`{name}`" not in guide] == []
