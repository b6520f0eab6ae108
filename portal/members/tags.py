"""Tags (what a member can teach or wants to learn, a request's topics): shown as the
member wrote them ("ChatGPT"), matched by a lower-cased key ("chatgpt")."""

from __future__ import annotations

import re


def tag_key(label: str) -> str:
    """The key a tag is matched and filtered by: 'ChatGPT' and 'chatgpt' are one tag."""
    return label.lower()


def parse_tags(text: str) -> list[str]:
    """'ChatGPT, Excel  AI,chatgpt' -> ['ChatGPT', 'Excel AI']: trimmed, single spaces,
    as written, one of each (the first spelling wins)."""
    seen: dict[str, str] = {}
    for part in (text or "").split(","):
        label = re.sub(r"\s+", " ", part).strip()
        if label:
            seen.setdefault(tag_key(label), label)
    return list(seen.values())
