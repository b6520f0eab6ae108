"""Essays: Markdown files published as pages, an index, tag and author pages, feeds."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, current_app

from portal.essays.loader import Library, Snapshot

bp = Blueprint("essays", __name__)


def library() -> Library:
    """The app's essay library, created on first use (after any fork)."""
    lib = current_app.extensions.get("portal.essays")
    if lib is None:
        lib = Library(
            current_app.config["ESSAYS_DIR"],
            default_author=f"{current_app.config['SITE_NAME']} editors",
            min_interval=current_app.config["ESSAYS_CHECK_INTERVAL"],
        )
        current_app.extensions["portal.essays"] = lib
    return lib


def snapshot() -> Snapshot:
    return library().current()


def today() -> date:
    return datetime.now(UTC).date()


def page_cache(snap: Snapshot, day: date) -> dict:
    """Rendered pages for this snapshot and day; yesterday's are dropped at midnight UTC,
    when scheduled essays appear."""
    pages = snap.cache.get("pages")
    if pages is None or pages[0] != day:
        pages = snap.cache["pages"] = (day, {})
    return pages[1]


from portal.essays import views  # noqa: E402,F401  (routes register on bp)
