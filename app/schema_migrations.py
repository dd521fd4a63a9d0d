"""Flask-Migrate, set up when it is needed.

Importing Flask-Migrate imports Alembic (and Mako, and Pygments through it): about a fifth
of a `flask` command's start-up, paid by every command although only `flask db …` needs it.
So `flask db` is registered as a stand-in group that sets Flask-Migrate up on first use and
hands over to its real group; code that imported flask_migrate already (the tests, the
bench) gets it set up at once, at no extra cost.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def init_migrations(app: Flask) -> None:
    """Flask-Migrate on this app (idempotent): app.extensions['migrate'] and `flask db`."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    from app.extensions import db

    Migrate(app, db, directory=str(MIGRATIONS), render_as_batch=True)


class DeferredMigrations(click.Group):
    """`flask db`: Flask-Migrate's own group, loaded when the command runs."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Perform database migrations (Flask-Migrate).")
        self._app = app

    def _real(self) -> click.Group:
        init_migrations(self._app)  # replaces this stand-in in app.cli with the real group
        return self._app.cli.commands["db"]

    def make_context(self, info_name, args, parent=None, **extra):
        return self._real().make_context(info_name, args, parent=parent, **extra)


def register_migrations(app: Flask) -> None:
    if "flask_migrate" in sys.modules:
        init_migrations(app)
    else:
        app.cli.add_command(DeferredMigrations(app))
