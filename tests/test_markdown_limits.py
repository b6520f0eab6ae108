"""Member Markdown can't hold a worker (issue 11, item 1): inputs that were
super-linear in Python-Markdown ("[" × 4000 took 6.6 s) render at once with cmark, and
stay safe. The bound is a guard against a denial of service, not a benchmark: cmark and
the sanitiser take 30 ms of CPU for the slowest of these (2,000 nested quotes) and a
millisecond or two for most, the old parser 4 s for the brackets. It counts the CPU time
of this thread only, never the clock: on a busy machine (CI runs three suites on two
cores) the quotes took 61 ms by the clock and failed the 50 ms bound this test had."""

from __future__ import annotations

import time

import pytest

from portal.web.markdown import render_markdown

MAX = 4000  # the longest description a request takes
CPU_BOUND = 0.25  # seconds of this thread's CPU: 8 x the slowest case, 1/16 of the old 4 s

PATHOLOGICAL = {
    "brackets": "[" * MAX,
    "bracket-backtick": "[`" * (MAX // 2),
    "backticks": "`" * MAX,
    "emphasis": "*a" * (MAX // 2),
    "underscores": "_a" * (MAX // 2),
    "links": "[a](" * (MAX // 4),
    "images": "![x](" * (MAX // 5),
    "html": "<div>" * (MAX // 5),
    "tables": "|a" * (MAX // 2),
    "quotes": "> " * (MAX // 2),
    "lists": "- " * (MAX // 2),
    "nested-lists": "".join(" " * (2 * n) + "- a\n" for n in range(60))[:MAX],
    "entities": "&#" * (MAX // 2),
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_a_pathological_description_renders_at_once_and_safely(name):
    text = PATHOLOGICAL[name]
    assert len(text) <= MAX
    start = time.thread_time()
    html = render_markdown(text)
    assert time.thread_time() - start < CPU_BOUND
    assert "<div" not in html and "<script" not in html


def test_markdown_still_means_markdown():
    html = render_markdown(
        "# Title\n\nSome **bold** and *soft* words, `code`, and a [link](https://example.org)."
        "\n\n- one\n- two\n\n```\nfenced\n```\n\n<script>alert(1)</script> [x](javascript:alert(1))"
    )
    assert "<h3>Title</h3>" in html
    assert "<strong>bold</strong>" in html and "<em>soft</em>" in html
    assert "<code>code</code>" in html
    assert '<a href="https://example.org" rel="nofollow ugc noopener">link</a>' in html
    assert "<li>one</li>" in html
    assert "<pre><code>fenced\n</code></pre>" in html
    assert "<script" not in html and "javascript:" not in html


def test_a_refused_post_is_refused_before_any_rendering(app, people, monkeypatch):
    """A refused post (here the new-member limit, or a duplicate) costs no rendering."""
    from portal.board.services import requests as requests_service
    from portal.domain import Conflict, NotAllowed

    from . import factories

    factories.make_request(app, people["senior"], title="Teach me Excel")
    rendered: list[str] = []
    monkeypatch.setattr(
        requests_service, "render_markdown", lambda text: rendered.append(text) or text
    )
    with pytest.raises((Conflict, NotAllowed)):
        factories.make_request(app, people["senior"], title="Teach me Excel")
    assert rendered == []
