"""Numbers and characters a visitor can type never make a 500 (issue 11, item 3):
Unicode digits, ids past the database's integer range, and NUL bytes."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from portal.web.numbers import MAX_ID, whole_number

from .helpers import sign_in, text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        ("0", 0),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        ("9223372036854775808", None),
        ("\u00b2", None),  # superscript two: isdigit() says yes, int() says no
        ("\u0662", None),  # Arabic-Indic two: int() would read it as 2
        ("-1", None),
        (" 7", None),
        ("", None),
        (None, None),
    ],
)
def test_whole_number_takes_ascii_digits_in_range_only(raw, expected):
    assert whole_number(raw) == expected


@pytest.mark.parametrize("page", ["\u00b2", "\u0662", "2147483648", "99999999999999999999"])
@pytest.mark.parametrize("path", ["/essays/", "/requests/"])
def test_a_strange_page_number_is_not_found_not_a_server_error(client, path, page):
    assert client.get(f"{path}?page={quote(page)}").status_code == 404


def test_a_strange_page_number_on_a_page_without_pages_is_ignored(client):
    response = client.get("/?page=" + quote("\u00b2"))
    assert response.status_code == 200
    assert "page=" not in text(response).split('rel="canonical"')[1].split(">")[0]


@pytest.mark.parametrize(
    "number", ["2147483648", "9223372036854775808", quote("\u00b2"), quote("\u0662")]
)
@pytest.mark.parametrize("pattern", ["/requests/{}", "/pairings/{}", "/requests/{}/pairing"])
def test_an_id_the_database_cannot_hold_is_not_found(app, client, people, pattern, number):
    sign_in(client, "asha@example.com")
    assert client.get(pattern.format(number)).status_code == 404


def test_marking_a_strange_notification_read_marks_nothing_and_answers(app, client, people):
    sign_in(client, "asha@example.com")
    response = client.post("/notifications/read", data={"notification": "\u00b2"})
    assert response.status_code in (302, 303)


@pytest.mark.parametrize(
    "url", ["/requests/?q=%00", "/requests/?tool=a%00b", "/members/asha%00", "/essays/?topic=%00"]
)
def test_a_nul_byte_in_the_address_is_refused_with_a_message(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL character" in text(response)


def test_a_nul_byte_in_posted_text_is_refused_and_nothing_is_written(app, client, people):
    from .helpers import outbox_rows

    sign_in(client, "asha@example.com")
    response = client.post(
        "/requests/",
        data={"kind": "seeking", "title": "Teach me\x00Excel", "tool": "Excel", "description": "x"},
    )
    assert response.status_code == 400
    assert "NUL character" in text(response)
    assert client.get("/requests/").status_code == 200
    assert "Teach me" not in text(client.get("/requests/?mine=1"))
    assert outbox_rows(app) == []


def test_a_stray_page_number_never_reaches_a_shared_pages_canonical_link(client):
    """Issue 11, item 4: the first visitor's ?page= was cached for every reader."""
    import re

    from portal.essays import snapshot, today

    with client.application.app_context():
        slug = snapshot().published(today())[0].slug
    first = text(client.get(f"/essays/{slug}?page=777"))
    second = text(client.get(f"/essays/{slug}"))
    for page in (first, second):
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', page).group(1)
        assert canonical.endswith(f"/essays/{slug}")
    index = text(client.get("/essays/?page=1"))
    assert re.search(r'<link rel="canonical" href="[^"?]+/essays/"', index)
