"""Member-written Markdown, rendered once when saved and sanitised with nh3.

CommonMark by cmark (GitHub's C parser, through cmarkgfm): it runs in linear time, so
no text a member can post holds a worker (Python-Markdown took seconds on a few
thousand nested brackets). Raw HTML and unsafe link schemes are left out by cmark,
and nh3 keeps only the tags and attributes below. Essays, written by the owners, keep
Python-Markdown (its table of contents).
"""

from __future__ import annotations

import cmarkgfm
import nh3
from markupsafe import Markup, escape

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "hr",
    "h3", "h4",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str) -> str:
    """HTML safe to show: no scripts, handlers, styles, hx-* or non-http(s) links.
    Headings are demoted so a member's text never outranks the page's own."""
    html = cmarkgfm.markdown_to_html(text)
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
