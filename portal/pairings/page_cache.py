"""The pairing page's main part, kept by each worker under a digest of what it is made of.

Rendering a year-long pairing (four quarters of agenda, log and reflections, the forms,
up to 100 messages) was most of the page's cost, and it changes only when what it shows
changes. So the main part is kept, rendered, under a digest of everything it is made
of: every column of every row it shows (the pairing and its two members, the viewer,
quarters, agenda items, sessions, reflections, the latest messages, tools), "today" in
the viewer's zone and whether the partner's suspension still runs. A view reads those
rows as plain tuples (services.page_rows: a few cheap SELECTs, no objects) and serves
the kept page if there is one; otherwise it renders from objects as before and keeps
the page under the same tuples taken from those objects (PairingPage.rendered_from),
so a change that lands between the two reads is never kept under the other state.

Nothing has to tell the cache about a change: a member's, a moderator's (a hidden
message, a suspension), a member leaving, an update made in the database by hand, the
date or a suspension running out: any of them changes the digest, and the next view
renders afresh. The rows are read on every view; only the rendering is saved.

The CSRF token differs by session and request, so a kept page holds a placeholder
where it was and each view puts in its own. Forms with errors, htmx sections and the
debug server (templates reloading) never use the cache.

Bounded per worker by size (least recently used out first): a few dozen pages.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from portal.pairings import services
from portal.web import kept
from portal.web.kept import PLACEHOLDER, PageCache, digest, row

__all__ = ["MADE_OF", "PLACEHOLDER", "PageCache", "cache_of", "render_kept"]

# Bytes of rendered pages kept per worker (about 66,000 for a year-long pairing).
MAX_BYTES = 2_000_000


def cache_of(app: Flask) -> PageCache | None:
    """The app's cache of pairing pages; None while templates reload (debug)."""
    return kept.cache_of(app, "pairing_pages", MAX_BYTES)


# What the main part is made of: the rows it shows, every column of each, and what
# depends on the viewer and the moment. Each name in pairings.page.DATA (the page's
# context but its forms, which are made from the rest) comes from these; a test holds
# the two lists together, so a new name in the page must say what it is made of.
MADE_OF = {
    "pairing": "the pairing's row, its two members' and its first tool's",
    "side": "the pairing's row and the viewer's",
    "partner": "the pairing's members",
    "can_change": "the pairing's row and the viewer's",
    "began_on": "the pairing's row and the viewer's (time zone)",
    "today": "today, in the viewer's time zone",
    "quarters": "the quarters' rows and their tools'",
    "current": "the quarters' rows",
    "quarter": "the quarters' rows",
    "agenda": "the agenda items' rows",
    "entries": "the sessions' rows (their agenda item: the agenda items' rows)",
    "sessions_by_quarter": "the sessions' rows",
    "reflections": "the reflections' rows",
    "window": "the current quarter, the sessions, the viewer's time zone, today",
    "messages": "the latest messages' rows (their authors: the pairing's members')",
    "tools": "the catalogue's tools' rows",
}


def _head(page) -> tuple:
    pairing = page.pairing
    viewer = getattr(page.viewer, "_get_current_object", lambda: page.viewer)()  # a proxy?
    paused = page.partner.is_suspended() if page.partner is not None else None
    return (
        row(viewer),
        row(pairing),
        row(pairing.senior),
        row(pairing.junior),
        row(pairing.tool),
        paused,  # a suspension ends by itself
        page.today,
    )


def stored(page) -> tuple:
    """What the page's main part is made of, read from the database as plain rows."""
    return (_head(page), *services.page_rows(page.pairing))


def rendered_from(page) -> tuple:
    """The same, from the objects the page rendered (in services.page_rows's order)."""
    items = sorted(
        (item for items in page.agenda.values() for item in items),
        key=lambda item: (item.quarter_id, item.position, item.id),
    )
    reflections = sorted(
        (r for by_member in page.reflections.values() for r in by_member.values()),
        key=lambda r: r.id,
    )
    tools = {tool.id: tool for tool in page.tools}
    tools.update((q.tool.id, q.tool) for q in page.quarters)
    pair = (page.pairing.senior_id, page.pairing.junior_id)
    authors = {m.author.id: m.author for m in page.messages if m.author_id not in pair}
    return (
        _head(page),
        [row(q) for q in page.quarters],
        [row(item) for item in items],
        [row(entry) for entry in page.entries],
        [row(r) for r in reflections],
        [row(m) for m in page.messages],
        [row(authors[key]) for key in sorted(authors)],
        [row(tools[key]) for key in sorted(tools)],
    )


# --- serving ----------------------------------------------------------------------------------


def render_kept(page, render: Callable[[], str]) -> Markup:
    """The main part kept for what `page` is made of now, or `render()`.

    A rendered page is kept under what it was rendered from (the same values taken
    from the objects it rendered): if a change came in between the two reads, the
    page is kept for the state it shows, never for the other one."""
    cache = cache_of(current_app)
    if cache is None:
        return Markup(render())  # noqa: S704 - a rendered template
    token = generate_csrf()  # the request's token (signed-in pages carry it already)
    kept = cache.get(digest(stored(page)))
    if kept is not None:
        return Markup(kept.replace(PLACEHOLDER, token))  # noqa: S704 - a rendered template
    html = render()
    cache.put(digest(rendered_from(page)), html.replace(token, PLACEHOLDER))
    return Markup(html)  # noqa: S704 - a rendered template
