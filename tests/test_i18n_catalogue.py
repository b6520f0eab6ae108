"""Issue 14: every string of the pages and the mails is in the Hindi catalogue, translated.

The strings are collected from the code and templates as `make translations` does
(babel.cfg, Babel's own extractor), and compared with the committed .po: a new string
nobody translated, a stale entry, an empty or fuzzy translation, a placeholder that
changed, or a .mo not compiled from this .po fails `make test`."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "portal" / "translations" / "hi" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
}
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
# Translations that rightly have no Devanagari: names, symbols, what Indians write in
# Latin letters in Hindi too.
LATIN_IS_RIGHT = {"English", "Atom", "Email", "%(site)s", "%(count)s"}


def _extracted() -> set:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "portal", method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        if isinstance(message, tuple):
            message = tuple(m for m in message if m)  # ngettext: (singular, plural)
            if len(message) == 1:
                message = message[0]
        if message:
            found.add(message)
    return found


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def _catalogue():
    with PO.open("rb") as handle:
        return read_po(handle, locale="hi")


def test_every_string_of_the_interface_is_in_the_catalogue_and_nothing_else():
    catalogue = _catalogue()
    in_po = {message.id for message in catalogue if message.id}
    code = _extracted()
    assert len(code) > 300  # the extractor really read the templates and the code
    missing = sorted(str(m) for m in code - in_po)
    stale = sorted(str(m) for m in in_po - code)
    assert missing == [], f"strings not in the catalogue (run make translations): {missing}"
    assert stale == [], f"catalogue entries no longer used (run make translations): {stale}"
    assert not catalogue.obsolete


def test_every_string_has_a_hindi_translation():
    untranslated, fuzzy, latin = [], [], []
    for message in _catalogue():
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s.strip() for s in strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
        if not any(DEVANAGARI.search(s) for s in strings) and message.id not in LATIN_IS_RIGHT:
            latin.append(message.id)
    assert untranslated == []
    assert fuzzy == []
    assert latin == [], "translations with no Hindi in them"


def test_placeholders_survive_translation():
    problems = [(message.id, [str(e) for e in errors]) for message, errors in _catalogue().check()]
    assert problems == []
    for message in _catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\((\w+)\)", " ".join(ids)))
        for string in strings:
            assert set(re.findall(r"%\((\w+)\)", string)) <= wanted | {"num"}, message.id


def test_the_compiled_catalogue_is_this_one():
    """make setup compiles the .po; a .mo left from an older .po would show old words."""
    assert MO.exists(), "the .mo is missing: run make setup (or make translations)"
    with MO.open("rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    written = {_key(m.id): _key(m.string) for m in _catalogue() if m.id}
    assert compiled == written
