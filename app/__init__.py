"""refnet: closed-loop referral networks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Any = None) -> Flask:
    """Build the app. `config` is a config object or mapping; environment variables otherwise."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from app.config import Config

    if config is None:
        config = Config()
    if isinstance(config, Mapping):
        defaults = Config()
        app.config.from_object(defaults)
        app.config.update(config)
        names = {*vars(defaults), *config}
    else:
        app.config.from_object(config)
        names = {name for name in vars(config) if name.isupper()}
    app.config["REFNET_SETTINGS"] = sorted(names)

    if not check_settings(app):
        return app  # only `flask config check` gets here, to report what is missing
    register_operations(app)
    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_errors(app)
    register_cli(app)
    register_template_helpers(app)
    return app


def check_settings(app: Flask) -> bool:
    """Stop here (ConfigError) when a required setting is missing outside development."""
    from app.operations.settings import init_settings, problems, refuse_to_start

    refuse_to_start(app.config)
    init_settings(app)
    return not problems(app.config)


def register_operations(app: Flask) -> None:
    from app.operations import init_operations

    init_operations(app)


def register_extensions(app: Flask) -> None:
    from app import models  # noqa: F401 - every model on the metadata before Migrate binds
    from app.auth.sessions import init_sessions
    from app.extensions import csrf, db
    from app.operations.db_ping import init_idle_ping
    from app.reads import init_reads
    from app.referrals.day_counts import keep_day_counts
    from app.schema_migrations import register_migrations
    from app.storage.after_commit import write_documents_after_commit

    _private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    db.init_app(app)
    with app.app_context():
        init_idle_ping(app, db.engine)
    if app.config.get("COUNT_STATEMENTS"):
        from app.statement_count import init_statement_count

        init_statement_count(app)  # first: its after_request hook then runs last
    register_migrations(app)  # Flask-Migrate (Alembic) loaded only when needed
    csrf.init_app(app)
    init_reads(app)  # before the sessions' hooks, which read the user
    init_sessions(app)
    keep_day_counts()
    write_documents_after_commit()


def _private_sqlite_file(url: str) -> None:
    """Create an SQLite database file readable by refnet's own user only (0600) before
    SQLite creates it with the umask's permissions; its journals inherit them."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database)
    if parsed.query.get("mode") == "memory" or path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def register_url_converters(app: Flask) -> None:
    from app.routing import RecordId

    # Every <int:…> in a URL is a record id: bounded before any query sees it.
    app.url_map.converters["int"] = RecordId


def register_blueprints(app: Flask) -> None:
    from app.advice.views import bp as advice_bp
    from app.api import bp as api_bp
    from app.audit.views import bp as audit_bp
    from app.auth.mfa_views import bp as mfa_bp
    from app.auth.views import bp as auth_bp
    from app.client_page.views import bp as client_page_bp
    from app.dashboard.views import bp as dashboard_bp
    from app.fhir.importing.views import bp as fhir_import_bp
    from app.fhir.views import bp as fhir_bp
    from app.followup.views import bp as followup_bp
    from app.followup.worklist_views import bp as worklist_bp
    from app.links.public_views import bp as links_public_bp
    from app.links.views import bp as links_bp
    from app.mail.views import bp as mail_bp
    from app.members.views import bp as members_bp
    from app.notifications.views import bp as notifications_bp
    from app.referrals.views import bp as referrals_bp
    from app.reports.views import bp as reports_bp
    from app.rewards.views import bp as rewards_bp
    from app.tokens.views import bp as tokens_bp
    from app.users.views import bp as users_bp

    blueprints = (
        auth_bp,
        mfa_bp,
        dashboard_bp,
        members_bp,
        users_bp,
        referrals_bp,
        advice_bp,
        reports_bp,
        rewards_bp,
        notifications_bp,
        followup_bp,
        worklist_bp,
        audit_bp,
        mail_bp,
        tokens_bp,
        client_page_bp,
        links_bp,
        links_public_bp,
        api_bp,
        fhir_import_bp,
        fhir_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def register_errors(app: Flask) -> None:
    from app.errors import init_errors

    init_errors(app)


def register_cli(app: Flask) -> None:
    from app.cli import init_cli

    init_cli(app)


def register_template_helpers(app: Flask) -> None:
    from app.templating import init_templating

    init_templating(app)
