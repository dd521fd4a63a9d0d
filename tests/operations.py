"""Helpers of the operations tests: a second app on the test database with other settings."""

from __future__ import annotations

import contextlib
import json

from app import create_app
from app.config import TestConfig
from app.extensions import db as _db


@contextlib.contextmanager
def app_with(database_url: str, **settings):
    """An app like the suite's (same database) with these settings; its engine is disposed."""
    config = TestConfig(database_url)
    for name, value in settings.items():
        setattr(config, name, value)
    app = create_app(config)
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        yield app
    finally:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


def json_lines(text: str) -> list[dict]:
    """The JSON log lines in captured output."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]
