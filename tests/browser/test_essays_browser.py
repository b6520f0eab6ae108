"""Reading essays in a real browser, with JavaScript on and off (see conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

ESSAY = "teaching-upward"
ESSAY_FILE = Path(__file__).resolve().parents[2] / "content" / "essays" / f"{ESSAY}.md"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def test_javascript_setting_applies(page: Page, js_enabled):
    # page.evaluate runs through the driver, so it works even when the page's own scripts can't.
    # The board uses htmx (an essay loads no script: test_appearance_browser.py).
    page.goto("/requests/")
    htmx = page.evaluate("typeof window.htmx")
    assert htmx == ("object" if js_enabled else "undefined")


def test_toc_links_jump_to_sections(page: Page, base_url):
    sections = [line for line in ESSAY_FILE.read_text().splitlines() if line.startswith("## ")]
    page.goto(f"/essays/{ESSAY}")
    links = page.locator('nav.toc a[href^="#"]')
    expect(links).to_have_count(len(sections))

    for link in links.all():
        anchor = link.get_attribute("href").removeprefix("#")
        link.click()
        expect(page).to_have_url(f"{base_url}/essays/{ESSAY}#{anchor}")
        expect(page.locator(f"h2[id='{anchor}']")).to_be_in_viewport()


def test_join_link_carries_the_essay(page: Page):
    page.goto(f"/essays/{ESSAY}")
    join = page.locator('a[data-cta="join"]')
    expect(join).to_have_attribute("href", f"/join?from={ESSAY}")

    join.click()
    expect(page).to_have_url(re.compile(r"/join\?"))
    url = urlsplit(page.url)
    assert url.path == "/join"
    assert parse_qs(url.query) == {"from": [ESSAY]}


def test_index_links_to_essays_and_back(page: Page, base_url):
    page.goto("/essays/")
    cards = page.locator("article.card .card-title a")
    expect(cards.first).to_be_visible()

    for i in range(cards.count()):
        card = cards.nth(i)
        title = card.inner_text()
        card.click()
        expect(page.locator("h1")).to_have_text(title)
        page.go_back()
        expect(page).to_have_url(f"{base_url}/essays/")


def test_essay_fits_a_phone_without_horizontal_scroll(page: Page, js_enabled):
    page.set_viewport_size(PHONE)
    page.goto(f"/essays/{ESSAY}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    if js_enabled:  # one copy for a human to look at
        page.screenshot(path="/tmp/essay-phone.png", full_page=True)


def test_essay_desktop_screenshot(page: Page, js_enabled):
    page.set_viewport_size(DESKTOP)
    page.goto(f"/essays/{ESSAY}")
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    if js_enabled:
        page.screenshot(path="/tmp/essay-desktop.png", full_page=True)


def test_unknown_url_shows_friendly_404(page: Page, base_url):
    response = page.goto("/no-such-page/anywhere")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("We couldn't find that page")

    home = page.get_by_role("link", name="Go to the home page")
    expect(home).to_have_attribute("href", "/")
    home.click()
    expect(page).to_have_url(f"{base_url}/")
