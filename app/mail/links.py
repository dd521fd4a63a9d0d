"""Links that leave the app (in e-mails): built from BASE_URL only, never from the request.

A link built from the request's Host header points wherever the sender of the request says:
`Host: evil.example` would put a phishing address into an invitation that sets a password.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of `endpoint` under BASE_URL (scheme, host and any path prefix)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path.rstrip("/") or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
