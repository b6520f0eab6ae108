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
    ("अनुराग शर्मा" → "अनुराग-शर्मा"), lower-cased, words joined by hyphens. Handles keep
    the script rather than transliterate it: the address reads as the name does, and
    needs no table of spellings that would change some day. A long name is cut between
    letters, never inside one: not before a matra or after a virama."""
    kept = "".join(
        ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in clean_name(name).casefold()
    )
    base = re.sub(r"\s+", "-", kept.strip())
    return _cut(base, length).strip("-") or "member"


def normal_handle(handle: str) -> str:
    """A handle as it is kept (NFKC, as names are): an address typed or pasted in
    another normal form finds the same member. ASCII handles are unchanged."""
    return handle if handle.isascii() else unicodedata.normalize("NFKC", handle)


def _cut(text: str, length: int) -> str:
    if len(text) <= length:
        return text
    end = length
    # Back off while the next character leans on the one before it (a combining mark),
    # or the last kept one would join the next (a virama, which makes a conjunct).
    while end > 0 and (
        unicodedata.category(text[end])[0] == "M" or unicodedata.combining(text[end - 1]) == 9
    ):
        end -= 1
    return text[:end]
