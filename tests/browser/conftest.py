"""Browser fixtures: the app served on a free port, Debian's Chromium driven by Playwright.

The server is a second app object on the session's database with CSRF *on*, so the real
forms and their tokens are exercised; the session `app` (CSRF off) still migrates and
empties the database. Data comes from the `make` factory, which commits, so the server
thread sees it. Chromium is the system package (`apt-get install chromium`), never a
Playwright download: without it the tests skip, or fail when REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from werkzeug.serving import make_server

from app import create_app
from app.auth.throttle import init_throttle
from app.config import TestConfig
from app.extensions import db as _db
from tests.browser.steps import DESKTOP, screenshot

# The background-networking flags matter: on a closed network Chromium's own calls home
# otherwise get refused and disturb the session.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NO_CHROMIUM = "no Chromium: apt-get install chromium to run the browser tests"


def chromium_path() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so the page fixture can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@dataclass
class LiveServer:
    app: Flask
    url: str


def _buffered(wsgi_app):
    """The live server's answers read whole before they are written. A browser that drops a
    connection (a favicon cut short by the next page) must leave no file open: werkzeug's
    development server skips closing the body when reading the dropped socket fails, and
    the unclosed static file is a ResourceWarning, an error under filterwarnings=error."""

    def buffered(environ, start_response):
        body = wsgi_app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return buffered


@pytest.fixture(scope="session")
def live_server(app, database_url) -> Iterator[LiveServer]:
    # `app` first: it migrates the database the server reads.
    server_app = create_app(TestConfig(database_url))
    assert server_app.config["WTF_CSRF_ENABLED"]
    server = make_server("127.0.0.1", 0, _buffered(server_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(server_app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        with server_app.app_context():
            _db.engine.dispose()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {NO_CHROMIUM}", pytrace=False)
        pytest.skip(NO_CHROMIUM)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@dataclass
class Problems:
    """What went wrong in the page behind the test's back: script errors, CSP, broken assets."""

    seen: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda exc: self.seen.append(f"script error: {exc}"))
        page.on("console", self._console)
        page.on("response", self._response)
        page.on("requestfailed", self._request_failed)

    def _console(self, message) -> None:
        # A 4xx page (a refused sign-in) logs "Failed to load resource"; _response judges those.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.seen.append(f"console: {message.text}")

    def _request_failed(self, request) -> None:
        # ERR_ABORTED: the page navigated on before an asset (the favicon) finished; harmless.
        if request.failure != "net::ERR_ABORTED":
            self.seen.append(f"failed: {request.url} {request.failure}")

    def _response(self, response) -> None:
        # A page may answer 4xx on purpose (401 on a refused sign-in); an asset may not.
        is_page = response.request.resource_type == "document"
        if response.status >= (500 if is_page else 400):
            self.seen.append(f"HTTP {response.status}: {response.url}")


@pytest.fixture
def open_page(
    browser: Browser, live_server: LiveServer, db, request
) -> Iterator[Callable[..., Page]]:
    """Open a fresh browser context (own cookies) at a viewport; closed before tables empty."""
    init_throttle(live_server.app)  # no failed sign-ins carried over from another test
    opened = []

    def open_(viewport: dict[str, int] = DESKTOP, **options) -> Page:
        """`options` go to the browser context, e.g. java_script_enabled=False."""
        context = browser.new_context(base_url=live_server.url, viewport=viewport, **options)
        context.set_default_timeout(10_000)
        page = context.new_page()
        problems = Problems()
        problems.watch(page)
        opened.append((context, page, problems))
        return page

    yield open_
    report = getattr(request.node, "report_call", None)
    failed = report is not None and report.failed
    for n, (context, page, _) in enumerate(opened):
        try:
            if failed:
                screenshot(page, f"FAILED-{request.node.name}-{n}")
        finally:
            context.close()
    seen = [p for _, _, problems in opened for p in problems.seen]
    if seen and not failed:
        pytest.fail("the browser saw problems:\n" + "\n".join(seen), pytrace=False)


@pytest.fixture
def page(open_page) -> Page:
    return open_page()
