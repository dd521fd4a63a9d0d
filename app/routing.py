"""How numbers in URL paths are read: every <int:…> is a record id, 1 to 2**31 - 1.

A larger one is no record of ours, and PostgreSQL refuses it ("integer out of range", a
500) before it could answer "not found": the route does not match, which is a 404.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

from app.fields import MAX_ID


class RecordId(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
