"""Behind a reverse proxy: whom to believe about the client, and the one place that says
who the client is.

With TRUSTED_PROXIES=N the last N values of X-Forwarded-For, -Proto, -Host and -Prefix are
taken (werkzeug's ProxyFix), so request.remote_addr is the client's address, url_for(...,
_external=True) has the scheme and host the client used, and nothing a client writes into
those headers itself is believed beyond the hops the operator trusts.
"""

from __future__ import annotations

from flask import Flask, has_request_context, request
from werkzeug.middleware.proxy_fix import ProxyFix

# An IPv6 address with a zone fits; the columns that keep addresses are this long.
ADDRESS_LENGTH = 45


def trust_proxies(app: Flask) -> None:
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)


def client_address() -> str | None:
    """The client's address (after the trusted proxies), for audit rows, sessions, the
    sign-in throttle and logs; None outside a request."""
    if not has_request_context():
        return None
    return (request.remote_addr or "")[:ADDRESS_LENGTH] or None
