"""Essay pages, index, tags, authors, feed, sitemap, caching and conditional GET."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest

from .helpers import make_app, text

ATOM = "{http://www.w3.org/2005/Atom}"


def days_ago(n: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=n)).isoformat()


# --- the shipped essay page -------------------------------------------------------


def test_essay_page_shows_title_author_date_and_reading_time(client):
    page = text(client.get("/essays/teaching-upward"))
    assert '<h1 id="essay-title">Teaching upward without talking down</h1>' in page
    assert '<a href="/essays/authors/anjali-rao">Anjali Rao</a>' in page
    assert '<time datetime="2026-09-08">8 September 2026</time>' in page
    assert re.search(r"<span>\d+ min read</span>", page)


def test_essay_page_has_a_table_of_contents_linking_to_each_section(client):
    page = text(client.get("/essays/teaching-upward"))
    toc = page[
        page.index('<nav class="toc"') : page.index("</nav>", page.index('<nav class="toc"'))
    ]
    anchors = re.findall(r'href="#([^"]+)"', toc)
    assert len(anchors) >= 3
    for anchor in anchors:
        assert f'<h2 id="{anchor}">' in page


def test_call_to_action_carries_the_essay_slug(client):
    page = text(client.get("/essays/teaching-upward"))
    assert "Join the conversation</h2>" in page
    assert 'href="/join?from=teaching-upward" data-cta="join"' in page
    assert '<a class="cta-more" href="/essays/">Read more essays</a>' in page


def test_essay_page_links_to_neighbours_and_related_essays(client):
    page = text(client.get("/essays/teaching-upward"))
    assert 'rel="prev" href="/essays/why-take-a-reverse-mentor"' in page
    assert 'rel="next" href="/essays/asking-without-losing-face"' in page
    assert "Related essays" in page


def test_essay_page_meta_for_sharing_and_search(client):
    page = text(client.get("/essays/teaching-upward"))
    url = "http://portal.test/essays/teaching-upward"
    assert f'<link rel="canonical" href="{url}">' in page
    assert f'<meta property="og:url" content="{url}">' in page
    assert '<meta property="og:type" content="article">' in page
    assert '<meta name="twitter:card" content="summary">' in page
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    data = json.loads(raw)
    assert data["@type"] == "Article"
    assert data["headline"] == "Teaching upward without talking down"
    assert data["datePublished"] == "2026-09-08"
    assert data["author"]["name"] == "Anjali Rao"


@pytest.mark.parametrize(
    "url", ["/", "/essays/", "/essays/teaching-upward", "/about", "/guidelines", "/nope"]
)
def test_every_page_advertises_the_atom_feed(client, url):
    page = text(client.get(url))
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Bharath.club essays" '
        'href="http://portal.test/feed.xml">' in page
    )


def test_unknown_essay_is_a_friendly_404(client):
    response = client.get("/essays/no-such-essay")
    assert response.status_code == 404
    assert "We couldn" in text(response) and 'href="/"' in text(response)


# --- drafts, schedules, listings (a folder the test fills) ----------------------


def test_drafts_and_scheduled_essays_are_hidden_everywhere(essays_app, write_essay):
    write_essay("live", title="Live essay", date=days_ago(3), tags=["t"])
    write_essay("draft", title="Draft essay", date=days_ago(3), draft="true", tags=["t"])
    write_essay("later", title="Later essay", date=days_ago(-3), tags=["t"])
    client = essays_app.test_client()
    assert client.get("/essays/live").status_code == 200
    assert client.get("/essays/draft").status_code == 404
    assert client.get("/essays/later").status_code == 404
    for url in ("/essays/", "/essays/tags/t", "/feed.xml", "/sitemap.xml", "/"):
        body = text(client.get(url))
        assert "Live essay" in body or "/essays/live" in body, url
        assert "draft" not in body.lower().replace("drafts", ""), url
        assert "/essays/later" not in body and "Later essay" not in body, url


def test_index_is_newest_first_and_paginated(migrated, essays_dir, write_essay):
    for n in range(1, 6):
        write_essay(f"e{n}", title=f"Essay number {n}", date=days_ago(10 - n), summary="S")
    client = make_app(migrated, ESSAYS_DIR=str(essays_dir), ESSAYS_PER_PAGE=2).test_client()
    first = text(client.get("/essays/"))
    assert first.index("Essay number 5") < first.index("Essay number 4")
    assert "Essay number 3" not in first
    assert 'rel="next" href="/essays/?page=2"' in first
    third = text(client.get("/essays/?page=3"))
    assert "Essay number 1" in third and 'rel="prev" href="/essays/?page=2"' in third
    assert '<link rel="canonical" href="http://portal.test/essays/?page=3">' in third
    for bad in ("4", "0", "-1", "abc", ""):
        assert client.get(f"/essays/?page={bad}").status_code == 404, bad


def test_tag_and_author_pages(essays_app, write_essay):
    write_essay("a", title="About AI", date=days_ago(2), author="Anjali Rao", tags=["ai-tools"])
    write_essay("b", title="About teams", date=days_ago(1), author="Vikram Menon", tags=["teams"])
    client = essays_app.test_client()
    tag = text(client.get("/essays/tags/ai-tools"))
    assert "About AI" in tag and "About teams" not in tag
    author = text(client.get("/essays/authors/vikram-menon"))
    assert (
        "Essays by Vikram Menon" in author and "About teams" in author and "About AI" not in author
    )
    assert client.get("/essays/tags/nothing").status_code == 404
    assert client.get("/essays/authors/nobody").status_code == 404


def test_cta_can_be_overridden_per_essay(essays_app, write_essay):
    write_essay(
        "x",
        title="T",
        date=days_ago(1),
        cta="{heading: Teach us back, text: Juniors wanted., button: Offer to teach}",
    )
    page = text(essays_app.test_client().get("/essays/x"))
    assert '<h2 id="cta-title">Teach us back</h2>' in page
    assert "Juniors wanted." in page
    assert ">Offer to teach</a>" in page and "/join?from=x" in page


def test_a_broken_file_does_not_take_the_site_down(essays_app, essays_dir, write_essay, caplog):
    write_essay("fine", title="Fine essay", date=days_ago(1))
    (essays_dir / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody\n")
    client = essays_app.test_client()
    assert client.get("/essays/").status_code == 200
    assert "Fine essay" in text(client.get("/essays/"))
    assert client.get("/essays/fine").status_code == 200
    assert "broken.md: bad YAML" in caplog.text or "Skipping essay broken.md" in caplog.text


def test_a_changed_file_is_served_fresh(essays_app, write_essay):
    path = write_essay("x", title="First title", date=days_ago(1))
    client = essays_app.test_client()
    assert "First title" in text(client.get("/essays/x"))
    etag = client.get("/essays/x").headers["ETag"]
    path.write_text(path.read_text().replace("First title", "Second title"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    response = client.get("/essays/x")
    assert "Second title" in text(response) and "First title" not in text(response)
    assert response.headers["ETag"] != etag


# --- HTTP caching ------------------------------------------------------------------


def test_conditional_get_with_etag_answers_304(client):
    first = client.get("/essays/teaching-upward")
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get("/essays/teaching-upward", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/essays/teaching-upward", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


def test_conditional_get_with_last_modified_answers_304(client):
    first = client.get("/essays/teaching-upward")
    since = first.headers["Last-Modified"]
    assert (
        client.get("/essays/teaching-upward", headers={"If-Modified-Since": since}).status_code
        == 304
    )
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert (
        client.get("/essays/teaching-upward", headers={"If-Modified-Since": old}).status_code == 200
    )


def test_anonymous_essay_pages_may_be_cached_briefly_by_a_proxy(client):
    response = client.get("/essays/teaching-upward")
    assert response.cache_control.public
    assert 0 < response.cache_control.max_age <= 300
    assert "Set-Cookie" not in response.headers


def test_htmx_and_cookie_requests_are_rendered_not_served_from_the_shared_cache(client):
    client.set_cookie("session", "something")
    response = client.get("/essays/teaching-upward")
    assert response.status_code == 200 and "Join the conversation" in text(response)


# --- feeds and discovery -------------------------------------------------------------


def test_atom_feed_lists_published_essays(client):
    response = client.get("/feed.xml")
    assert response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) >= 4
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert "http://portal.test/essays/teaching-upward" in ids
    content = entries[0].find(f"{ATOM}content")
    assert content.get("type") == "html" and "<p>" in content.text


def test_sitemap_lists_essays_tags_authors_and_pages(client):
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locs = {u.find(f"{ns}loc").text for u in ElementTree.fromstring(response.data)}
    for path in (
        "/",
        "/essays/",
        "/essays/teaching-upward",
        "/essays/tags/teaching",
        "/essays/authors/anjali-rao",
        "/about",
        "/guidelines",
    ):
        assert "http://portal.test" + path in locs


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    assert "Sitemap: http://portal.test/sitemap.xml" in text(response)
    assert "Disallow: /account" in text(response)


def test_about_and_guidelines_pages(client):
    about = client.get("/about")
    assert about.status_code == 200 and "About the club" in text(about)
    assert "Community guidelines" in text(client.get("/guidelines"))


def test_home_shows_the_newest_essays_and_a_join(client):
    page = text(client.get("/"))
    assert 'href="/join"' in page
    assert page.count('class="card"') == 3
    assert "One tool per quarter" in page  # the newest shipped essay
