"""One long word never widens the page on a phone (issue 11, item 23): a title, a tool
name, a topic and a URL, as long as the forms allow, on the board, the request page and
the member's profile."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.factories import make_request, new_member

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def long_request(live_server):
    email, member_id = new_member(live_server.app, "senior", name="A" * 60)
    request_id = make_request(
        live_server.app,
        member_id,
        title="Unbreakable" + "x" * 100,
        tool="Spreadsheet" + "y" * 45,
        tags=["z" * 38],
        description="See https://example.org/" + "a" * 300 + " and ```\n" + "b" * 300 + "\n```",
    )
    return request_id


def test_long_words_wrap_on_a_phone(page: Page, live_server, long_request):
    page.set_viewport_size(PHONE)
    for path in ("/requests/", f"/requests/{long_request}"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide"
