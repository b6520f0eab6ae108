"""Accessibility checked by axe-core (bundled by axe-playwright-python, no download).

axe runs inside the page, so these tests need JavaScript; the markup it checks is
the same with JavaScript off (the pages are rendered on the server).
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

PAGES = ["/", "/essays/", "/essays/teaching-upward", "/essays/tags/teaching", "/about", "/nope"]


@pytest.fixture
def js_page(browser, base_url):
    context = browser.new_context(base_url=base_url, java_script_enabled=True)
    page = context.new_page()
    page.set_default_timeout(5000)
    yield page
    context.close()


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_accessibility_violations(js_page, path, width):
    js_page.set_viewport_size({"width": width, "height": 800})
    js_page.goto(path)
    results = Axe().run(js_page)
    assert results.violations_count == 0, results.generate_report()
