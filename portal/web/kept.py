"""Pages kept by each worker for one signed-in viewer, under a digest of what they show.

A signed-in page can't be shared between members (it holds their forms, their rights,
their header), but one member often sees the same page again: after a reload, coming
back to a request from the board, after the header's badge refreshed. A feature can
keep such a page, rendered, under a digest of everything it is made of; the kernel adds
what every signed-in page shows of the viewer:

- the viewer's own row (every column: name, role, verification, staff flags,
  suspension, settings), the interface's language and the request's path;
- each *viewer part* a feature registers (`register_viewer_part`): for example the
  header's unread count. A part is read once per request (it is also what the page's
  template shows), so registering costs nothing extra.

The CSRF token differs by session and request, so a kept page holds a placeholder
where it was and each view puts in its own. Flashed messages, htmx requests, other
methods than GET, and the debug server (templates reloading) never use the cache.

Bounded per worker by size (least recently used out first).
"""

from __future__ import annotations

import hashlib
import secrets
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal.web.i18n import choose as interface_language

# Stands for the CSRF token in a kept page: random per process, so no text a member
# writes can be it.
PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"


class PageCache:
    """A least-recently-used dict of rendered pages, bounded by their total size."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.pages: OrderedDict[bytes, str] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self.lock = threading.Lock()

    def get(self, key: bytes) -> str | None:
        with self.lock:
            page = self.pages.get(key)
            if page is None:
                self.misses += 1
                return None
            self.pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: bytes, page: str) -> None:
        size = sys.getsizeof(page)
        if size > self.max_bytes:
            return
        with self.lock:
            old = self.pages.pop(key, None)
            self.bytes += size - (sys.getsizeof(old) if old is not None else 0)
            self.pages[key] = page
            while self.bytes > self.max_bytes:
                _, dropped = self.pages.popitem(last=False)
                self.bytes -= sys.getsizeof(dropped)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.bytes = 0


def cache_of(app: Flask, name: str, max_bytes: int) -> PageCache | None:
    """The app's cache called `name`; None while templates reload (debug), when a kept
    page could be older than its template."""
    if app.jinja_env.auto_reload:
        return None
    found = app.extensions.get(name)
    if found is None:
        found = app.extensions[name] = PageCache(max_bytes)
    return found


_COLUMNS: dict[type, tuple[str, ...]] = {}


def row(obj) -> tuple:
    """A mapped object as its table's row: every column's value, in the table's order
    (what a SELECT of the table gives for it)."""
    cls = type(obj)
    keys = _COLUMNS.get(cls)
    if keys is None:
        mapper = sa.inspect(cls)
        keys = _COLUMNS[cls] = tuple(
            mapper.get_property_by_column(column).key for column in mapper.local_table.columns
        )
    return tuple(getattr(obj, key) for key in keys)


def digest(parts: tuple) -> bytes:
    """A digest of plain values (rows of str, numbers, dates, enums, dicts)."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=20).digest()


# --- what every signed-in page shows of its viewer ---------------------------------------------

_PARTS = "portal.viewer_parts"


def register_viewer_part(app: Flask, name: str, read: Callable[[], object]) -> Callable:
    """Say that every signed-in page shows `read()` (called once per request; the
    template's global of the same name should be what this returns, so the page and
    the key agree and the value is read once)."""
    app.extensions.setdefault(_PARTS, {})[name] = read

    def once() -> object:
        values = g.setdefault("viewer_parts", {})
        if name not in values:
            values[name] = read()
        return values[name]

    return once


def viewer_parts() -> tuple:
    """What a signed-in page shows of its viewer, as plain values."""
    parts = current_app.extensions.get(_PARTS, {})
    values = g.setdefault("viewer_parts", {})
    for name, read in parts.items():
        if name not in values:
            values[name] = read()
    return (
        row(current_user._get_current_object()),
        interface_language(),
        request.path,
        tuple(sorted(values.items())),
    )


def keeps_this_request() -> bool:
    """A plain GET by a signed-in member, with no message waiting to be flashed."""
    return (
        request.method == "GET"
        and request.environ.get("HTTP_HX_REQUEST") != "true"
        and current_user.is_authenticated
        and not session.get("_flashes")
    )


def serve_kept(
    name: str, max_bytes: int, made_of: Callable[[], tuple], render: Callable[[], str]
) -> str:
    """The whole page for this viewer, kept under `made_of()` (the feature's own parts,
    read before rendering and including a version that every change bumps: a change
    that lands after the read shows in the render, and is kept under a version no later
    view asks for) and the viewer's parts; or `render()`."""
    cache = cache_of(current_app, name, max_bytes) if keeps_this_request() else None
    if cache is None:
        return render()
    key = digest((made_of(), viewer_parts()))
    token = generate_csrf()  # the request's token: every form on the page has it
    kept = cache.get(key)
    if kept is not None:
        return kept.replace(PLACEHOLDER, token)
    html = render()
    cache.put(key, html.replace(token, PLACEHOLDER))
    return html
