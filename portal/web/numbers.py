"""Numbers from URLs and forms: ASCII digits only, and within what the database stores.

`str.isdigit()` says yes to "²" and "٢" (which `int()` then refuses, or reads as 2),
and an id past the database's integer range fails in the driver: both were 500s.
Every number a visitor can type goes through here; an unusable one is simply absent
(a 404 for a route, the default for a query string).
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1  # PostgreSQL's integer; SQLite's rowids reach past it


def whole_number(raw: str | None, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """`raw` as an int if it is plain ASCII digits within [low, high]; else None."""
    if not raw or len(raw) > 10 or not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if low <= value <= high else None


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits, at most MAX_ID, else no match (404)."""

    regex = r"[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = whole_number(value)
        if number is None:
            raise ValidationError
        return number
