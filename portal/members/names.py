"""Display names and the handles made from them.

A name is shown to everyone, so it is cleaned before it is kept: compatibility forms
folded (NFKC: "Ｒａｖｉ" becomes "Ravi"), control and format characters removed (bidi
overrides that reverse text, zero-width characters that make two names look alike),
spaces collapsed. A few names are the portal's own words and can't be taken.
"""

from __future__ import annotations

import re
import unicodedata

from portal.members.models import FORMER_MEMBER

RESERVED = {FORMER_MEMBER, "former member", "admin", "administrator", "moderator", "organiser"}


def clean_name(value: str) -> str:
    text = unicodedata.normalize("NFKC", value)
    # Line breaks stay, for the one-line rule to refuse with a message.
    text = "".join(
        ch for ch in text if ch in "\r\n" or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    return re.sub(r"[^\S\r\n]+", " ", text).strip()


def is_reserved(name: str) -> bool:
    return clean_name(name).casefold() in RESERVED


def handle_base(name: str, length: int = 24) -> str:
    """The readable start of a handle: the name's letters and digits in any script
    ("अनुराग शर्मा" → "अनुराग-शर्मा"), lower-cased, words joined by hyphens."""
    kept = "".join(
        ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in clean_name(name).casefold()
    )
    base = re.sub(r"\s+", "-", kept.strip())[:length].strip("-")
    return base or "member"
