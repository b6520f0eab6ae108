"""Issue 14 in Chromium: the dark palette passes axe (contrast included) on the essay, board
and join pages on a phone and a desktop; with forced colours (Windows contrast themes) the
panels, pills and buttons keep a visible edge; htmx loads only where a page uses it."""

from __future__ import annotations

import secrets

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.factories import make_request, new_member

PAGES = ["/essays/teaching-upward", "/requests/", "/join"]
DARK_PAPER = "rgb(20, 23, 27)"  # --paper in the dark palette


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("path", PAGES)
def test_dark_mode_has_no_accessibility_violations(axe_page, path, width):
    axe_page.emulate_media(color_scheme="dark")
    axe_page.set_viewport_size({"width": width, "height": 800})
    axe_page.goto(path)
    background = axe_page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == DARK_PAPER  # the dark palette really applies
    results = Axe().run(axe_page)
    assert results.violations_count == 0, results.generate_report()


EDGE = """selector => [...document.querySelectorAll(selector)].map(el => {
  const style = getComputedStyle(el);
  return {style: style.borderTopStyle, width: parseFloat(style.borderTopWidth),
          colour: style.borderTopColor, background: style.backgroundColor};
})"""


def _edges(page, selector: str) -> list[dict]:
    edges = page.evaluate(EDGE, selector)
    assert edges, f"nothing matches {selector}"
    return edges


@pytest.fixture
def board_with_topics(live_server):
    _, senior_id = new_member(live_server.app, "senior")
    make_request(
        live_server.app,
        senior_id,
        title=f"Teach me Excel pivots {secrets.token_hex(3)}",
        tool="Excel",
        tags=["pivot tables"],
    )


@pytest.mark.parametrize(
    ("path", "selectors"),
    [
        ("/essays/teaching-upward", [".tags a", ".toc", ".cta", ".nav-list a.button"]),
        ("/requests/", [".panel", ".tags-plain li", ".request-card", ".filters button.button"]),
    ],
)
def test_forced_colours_keep_a_border_on_panels_pills_and_buttons(
    axe_page, board_with_topics, path, selectors
):
    axe_page.goto(path)
    # Without forced colours, panels and pills have no border: their background marks them.
    assert _edges(axe_page, ".panel, .tags a, .tags-plain li, .toc")[0]["style"] == "none"

    axe_page.emulate_media(forced_colors="active")
    assert axe_page.evaluate("matchMedia('(forced-colors: active)').matches")
    for selector in selectors:
        for edge in _edges(axe_page, selector):
            assert edge["style"] == "solid" and edge["width"] >= 1, (selector, edge)
            assert edge["colour"] != edge["background"], (selector, edge)


def test_htmx_loads_on_the_board_and_not_on_an_essay(axe_page):
    scripts: list[str] = []
    axe_page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)

    axe_page.goto("/essays/teaching-upward")
    assert not axe_page.evaluate("'htmx' in window")
    assert scripts == []

    axe_page.goto("/requests/")
    axe_page.wait_for_function("'htmx' in window")
    assert any("/vendor/htmx/htmx.min.js" in url for url in scripts)
    assert any("/static/js/portal.js" in url for url in scripts)
