"""Essay pages, the index, tag and author pages, and the Atom feed."""

from __future__ import annotations

import unicodedata

from flask import abort, current_app, g, render_template, request

from portal.essays import bp, page_cache, snapshot, today
from portal.essays.loader import Essay, Snapshot
from portal.web.caching import etag_for, serve_page
from portal.web.numbers import whole_number

RELATED_COUNT = 3


def _etag(snap: Snapshot, *parts: object) -> str:
    return etag_for(snap.version, current_app.config["SITE_URL"], *parts)


def _serve(snap: Snapshot, key: tuple, render, **kwargs):
    # Scheduled essays appear at midnight UTC: the day is part of every cached page's key.
    day = today()
    return serve_page(page_cache(snap, day), key, render, etag=_etag(snap, day, *key), **kwargs)


def _last_modified(essays: list[Essay]):
    return max((e.modified for e in essays), default=None)


def _page_number() -> int:
    number = whole_number(request.args.get("page", "1"), low=1)
    if number is None:
        abort(404)
    g.page_number = number  # for the canonical link
    return number


def _paginate(items: list, number: int) -> dict:
    per_page = current_app.config["ESSAYS_PER_PAGE"]
    pages = max(1, -(-len(items) // per_page))
    if number > pages:
        abort(404)
    start = (number - 1) * per_page
    return {
        "items": items[start : start + per_page],
        "number": number,
        "pages": pages,
        "prev": number - 1 if number > 1 else None,
        "next": number + 1 if number < pages else None,
    }


def _listing(kind: str, essays: list[Essay], **context):
    snap = snapshot()
    number = _page_number()
    page = _paginate(essays, number)
    key = (kind, context.get("tag") or context.get("author_slug"), number)
    return _serve(
        snap,
        key,
        lambda: render_template("essays/index.html", page=page, kind=kind, **context),
        last_modified=_last_modified(page["items"]),
    )


def _nfc(segment: str) -> str:
    # Slugs are kept in NFC; an address typed or copied in another normal form (macOS
    # hands out NFD) names the same essay, tag or author. ASCII is unchanged.
    return segment if segment.isascii() else unicodedata.normalize("NFC", segment)


@bp.get("/essays/")
def index():
    return _listing("index", snapshot().published(today()))


@bp.get("/essays/tags/<tag>")
def tag(tag: str):
    tag = _nfc(tag)
    essays = [e for e in snapshot().published(today()) if tag in e.tags]
    if not essays:
        abort(404)
    return _listing("tag", essays, tag=tag)


@bp.get("/essays/authors/<author_slug>")
def author(author_slug: str):
    author_slug = _nfc(author_slug)
    essays = [e for e in snapshot().published(today()) if e.author_slug == author_slug]
    if not essays:
        abort(404)
    return _listing("author", essays, author_slug=author_slug, author=essays[0].author)


def neighbours(published: list[Essay], essay: Essay) -> tuple[Essay | None, Essay | None]:
    """(newer, older) beside `essay` in the newest-first list."""
    i = published.index(essay)
    newer = published[i - 1] if i > 0 else None
    older = published[i + 1] if i + 1 < len(published) else None
    return newer, older


def related(published: list[Essay], essay: Essay, exclude: tuple) -> list[Essay]:
    """Essays sharing the most tags, newest first among equals."""
    scored = [
        (len(set(e.tags) & set(essay.tags)), e)
        for e in published
        if e is not essay and e not in exclude
    ]
    scored = [(score, e) for score, e in scored if score]
    scored.sort(key=lambda pair: (-pair[0], published.index(pair[1])))
    return [e for _, e in scored[:RELATED_COUNT]]


@bp.get("/essays/<slug>")
def essay(slug: str):
    slug = _nfc(slug)
    snap = snapshot()
    found = snap.find(slug, today())
    if found is None:
        abort(404)

    def render():
        published = snap.published(today())
        newer, older = neighbours(published, found)
        return render_template(
            "essays/essay.html",
            essay=found,
            newer=newer,
            older=older,
            related=related(published, found, exclude=(newer, older)),
        )

    return _serve(snap, ("essay", slug), render, last_modified=found.modified)


@bp.get("/feed.xml")
def feed():
    snap = snapshot()
    essays = snap.published(today())[:20]
    response = _serve(
        snap,
        ("feed",),
        lambda: render_template("essays/feed.xml", essays=essays),
        last_modified=_last_modified(essays),
        max_age=600,
    )
    response.mimetype = "application/atom+xml"
    return response
