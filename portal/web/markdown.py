"""Member-written Markdown, rendered once when saved and sanitised with nh3."""

from __future__ import annotations

import threading

import markdown
import nh3
from markupsafe import Markup, escape

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "h3", "h4",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


_local = threading.local()


def _renderer() -> markdown.Markdown:
    # Building a renderer costs more than rendering a request: keep one per thread
    # (a renderer holds state while it converts, so threads can't share one).
    renderer = getattr(_local, "renderer", None)
    if renderer is None:
        renderer = _local.renderer = markdown.Markdown(
            extensions=["sane_lists", "fenced_code"], output_format="html"
        )
    return renderer


def render_markdown(text: str) -> str:
    """HTML safe to show: no scripts, handlers, styles, hx-* or non-http(s) links.
    Headings are demoted so a member's text never outranks the page's own."""
    html = _renderer().reset().convert(text)
    html = html.replace("<h1>", "<h3>").replace("</h1>", "</h3>")
    html = html.replace("<h2>", "<h3>").replace("</h2>", "</h3>")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )


def plain_paragraphs(text: str) -> Markup:
    """Plain text (an answer, a message) as escaped paragraphs."""
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Markup("".join(f"<p>{escape(p)}</p>".replace("\n", "<br>") for p in parts))  # noqa: S704
