"""Issue 14 items 4 and 5: request ids (echoed, logged, on error pages), error handlers per
status (a 405 keeps Allow), unexpected errors rolled back, logged and answered with a 500
that quotes the id (JSON for the API), or raised when PROPAGATE_EXCEPTIONS is on."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import Network, NetworkKind
from tests.operations import json_lines


def test_a_given_request_id_is_echoed_and_on_every_log_line(client, capsys):
    response = client.get("/login", headers={"X-Request-ID": "proxy-1234.abc:9"})
    assert response.headers["X-Request-ID"] == "proxy-1234.abc:9"
    (line,) = [e for e in json_lines(capsys.readouterr().out) if e["logger"] == "refnet.access"]
    assert line["request_id"] == "proxy-1234.abc:9"
    assert line["method"] == "GET" and line["path"] == "/login" and line["status"] == 200
    assert line["duration_ms"] >= 0 and line["remote_addr"] == "127.0.0.1"
    assert {"time", "level", "logger", "message"} <= set(line)


@pytest.mark.parametrize("given", ["", "bad id", "x" * 129, 'a"}\n{"level":"ERROR', "é"])
def test_an_unsafe_request_id_is_replaced_by_a_fresh_one(client, given):
    # Straight into the environ: werkzeug's client refuses a newline in a header itself.
    response = client.get("/healthz", environ_base={"HTTP_X_REQUEST_ID": given})
    made = response.headers["X-Request-ID"]
    assert made != given and len(made) == 32 and made.isalnum()


def test_each_request_without_an_id_gets_its_own(client):
    first, second = (client.get("/healthz").headers["X-Request-ID"] for _ in range(2))
    assert first != second


def test_error_pages_quote_the_request_id(client):
    page = client.get("/no-such-page", headers={"X-Request-ID": "req-404"})
    assert page.status_code == 404 and "req-404" in page.get_data(as_text=True)
    api = client.get("/api/v1/no-such", headers={"X-Request-ID": "req-api"})
    assert api.status_code == 404 and api.headers["X-Request-ID"] == "req-api"


def test_a_405_keeps_its_allow_header(client):
    page = client.post("/healthz")
    assert page.status_code == 405
    assert set(page.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    api = client.delete("/api/v1/openapi.json")
    assert api.status_code == 405 and "GET" in api.headers["Allow"]
    assert api.get_json()["error"] == "method_not_allowed"


def _broken_view(app, monkeypatch, endpoint):
    def boom(*args, **kwargs):
        _db.session.add(Network(name="Half written", kind=NetworkKind.MIXED))
        _db.session.flush()
        raise RuntimeError("boom in a view")

    monkeypatch.setitem(app.view_functions, endpoint, boom)


def test_an_unexpected_error_is_rolled_back_logged_and_quotes_the_id(
    app, client, db, monkeypatch, capsys
):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as served
    _broken_view(app, monkeypatch, "api.openapi_document")
    response = client.get("/api/v1/openapi.json", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    body = response.get_json()
    assert body["request_id"] == "req-500" and body["error"] == "server_error"
    assert "boom" not in response.get_data(as_text=True)  # no internals shown
    assert db.session.scalar(select(func.count()).select_from(Network)) == 0
    errors = [e for e in json_lines(capsys.readouterr().out) if e["level"] == "ERROR"]
    assert errors and errors[0]["request_id"] == "req-500"
    assert "RuntimeError: boom in a view" in errors[0]["exception"]


def test_a_page_500_is_html_and_quotes_the_id(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    _broken_view(app, monkeypatch, "health.healthz")
    response = client.get("/healthz", headers={"X-Request-ID": "req-page"})
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert "req-page" in response.get_data(as_text=True)


def test_with_propagate_exceptions_the_test_sees_the_exception(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", True)
    _broken_view(app, monkeypatch, "health.healthz")
    with pytest.raises(RuntimeError, match="boom in a view"):
        client.get("/healthz")


@pytest.mark.parametrize(("debug", "raised"), [(True, True), (False, False)])
def test_in_debug_the_exception_reaches_the_debugger(app, client, db, monkeypatch, debug, raised):
    # As served: PROPAGATE_EXCEPTIONS unset, not testing; only FLASK_DEBUG differs.
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", None)
    monkeypatch.setitem(app.config, "TESTING", False)
    monkeypatch.setitem(app.config, "DEBUG", debug)
    _broken_view(app, monkeypatch, "health.healthz")
    if raised:
        with pytest.raises(RuntimeError, match="boom in a view"):
            client.get("/healthz")
    else:
        assert client.get("/healthz").status_code == 500
