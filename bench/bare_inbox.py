"""The HTTP benchmark's baseline: a receiver's 25 newest referrals, as bare as Flask gets.

One SQL statement (referral joined to its client and both members) on one psycopg
connection per process, and a minimal Jinja table: no ORM, no session, no layout. It shows
the same rows as refnet's inbox page (`/referrals/?box=inbox`) for the same receiver, so
refnet's throughput divided by this one's is what refnet's own layers cost. Served by
gunicorn from bench/http.py:

    BARE_DATABASE_URL=postgresql://… BARE_RECEIVER_ID=2 gunicorn -w 2 bench.bare_inbox:app
"""

from __future__ import annotations

import os

import psycopg
from flask import Flask

DATABASE_URL = os.environ["BARE_DATABASE_URL"]
RECEIVER_ID = int(os.environ["BARE_RECEIVER_ID"])
INBOX = """
SELECT r.id, c.given_name || ' ' || c.family_name, s.name, m.name, r.service, r.priority,
       r.status, r.sent_at
FROM referral r
JOIN client c ON c.id = r.client_id
JOIN member s ON s.id = r.sender_id
JOIN member m ON m.id = r.receiver_id
WHERE r.receiver_id = %s
ORDER BY r.sent_at DESC, r.id DESC
LIMIT 25
"""

app = Flask(__name__)
PAGE = app.jinja_env.from_string(
    "<!doctype html><html lang=en><head><meta charset=utf-8><title>Inbox</title></head><body>"
    "<h1>Inbox</h1><table><tr><th>No.<th>Client<th>From → to<th>Service<th>Priority<th>Status"
    "<th>Sent{% for r in rows %}<tr><td>#{{ r[0] }}<td>{{ r[1] }}<td>{{ r[2] }} → {{ r[3] }}"
    "<td>{{ r[4] }}<td>{{ r[5] }}<td>{{ r[6] }}<td>{{ r[7].strftime('%d %b %Y, %H:%M') }}"
    "{% endfor %}</table></body></html>"
)
_connection: psycopg.Connection | None = None  # one per gunicorn worker, opened on first use


def _cursor() -> psycopg.Cursor:
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(DATABASE_URL, autocommit=True)
    return _connection.cursor()


@app.route("/")
def inbox() -> str:
    with _cursor() as cursor:
        rows = cursor.execute(INBOX, (RECEIVER_ID,)).fetchall()
    return PAGE.render(rows=rows)
