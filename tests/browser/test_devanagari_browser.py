"""The Hindi essay in a real browser (issue 14): its Devanagari address, tag and author
work when clicked, the page says lang="hi", and axe finds nothing wrong."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote, unquote

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

SLUG = "कनिष्ठ-से-सीखना"
TITLE = "जब वरिष्ठ ने कनिष्ठ से सीखा"
TAG = "हिंदी"
AUTHOR = "सुनीता वर्मा"


def path_of(page: Page) -> str:
    return unicodedata.normalize("NFC", unquote(page.url.split("//", 1)[1].split("/", 1)[1]))


def test_the_hindi_essay_its_tag_and_its_author(page: Page, base_url):
    # Typed as it reads: the browser encodes it, the portal finds it.
    page.goto(f"/essays/{SLUG}")
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("article.essay")).to_have_attribute("lang", "hi")
    expect(page.locator("nav.toc a")).to_have_count(3)
    first = page.locator("nav.toc a").first
    anchor = first.get_attribute("href")
    assert anchor == "#झिझक"
    first.click()
    expect(page.locator("h2[id='झिझक']")).to_be_in_viewport()

    page.locator("article.essay ul.tags a", has_text=TAG).click()
    expect(page.locator("h1")).to_have_text(f"Essays tagged “{TAG}”")
    assert path_of(page) == f"essays/tags/{TAG}"
    assert page.url == f"{base_url}/essays/tags/{quote(TAG)}"
    card = page.locator("article.card", has_text=TITLE)
    expect(card).to_have_attribute("lang", "hi")

    card.locator("p.byline a", has_text=AUTHOR).click()
    expect(page.locator("h1")).to_have_text(f"Essays by {AUTHOR}")
    assert path_of(page) == "essays/authors/सुनीता-वर्मा"
    page.locator("article.card .card-title a", has_text=TITLE).click()
    expect(page.locator("h1")).to_have_text(TITLE)
    assert page.url == f"{base_url}/essays/{quote(SLUG)}"


def test_the_hindi_pages_have_no_accessibility_violations(axe_page):
    for path in (f"/essays/{quote(SLUG)}", f"/essays/tags/{quote(TAG)}"):
        for width in (1280, 360):
            axe_page.set_viewport_size({"width": width, "height": 800})
            axe_page.goto(path)
            expect(axe_page.locator("[lang='hi']").first).to_be_visible()
            results = Axe().run(axe_page)
            assert results.violations_count == 0, results.generate_report()
