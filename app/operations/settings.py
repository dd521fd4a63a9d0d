"""The settings a deployment must give, checked at start-up, and `flask config check`.

Outside development and tests a missing SECRET_KEY or DATABASE_URL stops the process with
a message that names it: a random key per machine (the old fallback) broke sessions,
invitations and the client's links as soon as two nodes or workers served them.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

# Names whose values are never printed.
SECRET_NAME = re.compile(
    r"SECRET|PASSWORD|TOKEN|CREDENTIAL|PRIVATE|ENCRYPTION|KEYS?$", re.IGNORECASE
)
# user:password@ inside a URL (database, Redis, S3 endpoints).
URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/@:\s]*:)(?P<password>[^@/\s]+)(?=@)")
MASK = "***"
LAX = {"development", "test"}


class ConfigError(RuntimeError):
    """A required setting is missing or wrong: the process must not start."""


def problems(config: Mapping[str, Any]) -> list[str]:
    """What stops this configuration from starting (empty when it may start)."""
    found = []
    env = config.get("REFNET_ENV", "production")
    if env not in {"development", "production"} and not (env == "test" and config.get("TESTING")):
        # "test" is TestConfig's alone: from the environment it would skip every check.
        found.append(f"REFNET_ENV is {env!r}: use development or production (or leave it unset).")
    if env in LAX:
        return found
    if not config.get("SECRET_KEY"):
        found.append(
            "SECRET_KEY is not set. Give every app node and the worker the same random key, "
            'e.g. SECRET_KEY=$(python3 -c "import secrets; print(secrets.token_hex(32))"); '
            "on a development machine set REFNET_ENV=development instead."
        )
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        found.append(
            "DATABASE_URL is not set (e.g. postgresql://refnet:…@db.internal/refnet); "
            "on a development machine set REFNET_ENV=development for the SQLite default."
        )
    if int(config.get("TRUSTED_PROXIES") or 0) < 0:
        found.append("TRUSTED_PROXIES must be 0 or the number of proxies in front of the app.")
    return found


def warnings(config: Mapping[str, Any]) -> list[str]:
    """What may start but is probably not meant for production."""
    if config.get("REFNET_ENV") in LAX:
        return []
    found = []
    if str(config.get("BASE_URL", "")).startswith("http://127.0.0.1"):
        found.append("BASE_URL is the development default: links in e-mails will not work.")
    if 0 < len(config.get("SECRET_KEY") or "") < 32:
        found.append("SECRET_KEY is shorter than 32 characters.")
    if not config.get("SESSION_COOKIE_SECURE"):
        found.append("SESSION_COOKIE_SECURE is off: serve over HTTPS and set it to 1.")
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
        found.append(
            "RATELIMIT_STORAGE_URI is memory://: each process counts failed sign-ins alone; "
            "use Redis with several workers or nodes."
        )
    return found


def refuse_to_start(config: Mapping[str, Any]) -> None:
    """Raise ConfigError naming every missing setting (create_app calls it first)."""
    found = problems(config)
    if found and not _checking_config():
        raise ConfigError("refnet cannot start:\n  - " + "\n  - ".join(found))


def _checking_config() -> bool:
    """`flask config check` reports the problems instead of stopping at them."""
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    return any(args[i : i + 2] == ["config", "check"] for i in range(len(args)))


def masked(name: str, value: Any) -> str:
    """The value as `flask config check` prints it: secrets and URL passwords hidden."""
    if value is None or value == "":
        return "(not set)"
    if SECRET_NAME.search(name) and not isinstance(value, bool | int):
        return MASK
    return URL_PASSWORD.sub(lambda m: m.group("head") + MASK, str(value))


config_cli = AppGroup("config", help="Inspect the configuration.")


@config_cli.command("check")
def check_command():
    """Print the effective settings (secrets masked) and what is missing; exit 1 if any."""
    config = current_app.config
    names = sorted(config.get("REFNET_SETTINGS") or config)
    width = max(len(n) for n in names)
    for name in names:
        click.echo(f"{name:{width}} = {masked(name, config.get(name))}")
    for line in warnings(config):
        click.echo(f"warning: {line}", err=True)
    found = problems(config)
    for line in found:
        click.echo(f"error: {line}", err=True)
    if found:
        raise SystemExit(1)
    click.echo(f"The configuration holds ({config.get('REFNET_ENV')}).", err=True)


def init_settings(app: Flask) -> None:
    app.cli.add_command(config_cli)
