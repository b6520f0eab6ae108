"""Profile addresses for names in any script (issue 14): a Devanagari name gets a
readable handle that works encoded, unencoded and in another normal form; ASCII handles
are made as before."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

import pytest

from portal.members.names import handle_base

from .helpers import handle_of, sign_in, text

HEX = r"[0-9a-f]{6}"


@pytest.mark.parametrize(
    ("name", "base"),
    [
        # ASCII: as handles were always made.
        ("Ravi Iyer", "ravi-iyer"),
        ("Asha  Kulkarni-Rao", "asha-kulkarni-rao"),
        ("Dr. K. R. Narayanan", "dr-k-r-narayanan"),
        ("abcdefghijklmnopqrstuvwxyz12", "abcdefghijklmnopqrstuvwx"),  # 24 characters
        ("!!!", "member"),
        # Devanagari: the name itself, matras and viramas kept.
        ("अनुराग शर्मा", "अनुराग-शर्मा"),
        ("श्रीमती के. लक्ष्मी", "श्रीमती-के-लक्ष्मी"),
    ],
)
def test_handle_bases(name, base):
    assert handle_base(name) == base


def test_a_long_devanagari_name_is_cut_between_letters_not_inside_one():
    # Cut at 24 code points, this name would end in क (with its vowel sign cut off).
    name = "श्रीनिवासन रामचन्द्रन् कृष्णमूर्ति"
    assert name.replace(" ", "-")[:24].endswith("-क")
    base = handle_base(name)
    assert base == "श्रीनिवासन-रामचन्द्रन्"
    # Nor on a virama, which would join the letter cut off: here code point 24 is one.
    name = "क" + "क्ष" * 8
    assert unicodedata.combining(name[23]) == 9
    assert handle_base(name) == "क" + "क्ष" * 7


def test_a_devanagari_member_gets_a_profile_address_that_works(app, client, make_member):
    member_id = make_member(email="anurag@example.com", name="अनुराग शर्मा")
    handle = handle_of(app, member_id)
    assert re.fullmatch(rf"अनुराग-शर्मा-{HEX}", handle)
    for url in (f"/members/{quote(handle)}", f"/members/{handle}"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = text(response)
        assert '<h1 dir="auto">अनुराग शर्मा</h1>' in page
        assert f'<link rel="canonical" href="http://portal.test/members/{quote(handle)}">' in page


def test_a_handle_typed_in_another_normal_form_finds_the_member(app, client, make_member):
    # ज़ and फ़: one code point as many keyboards type them, two as the handle keeps them.
    member_id = make_member(email="farhana@example.com", name="फ़रहाना ज़ैदी")
    handle = handle_of(app, member_id)
    assert handle.startswith(unicodedata.normalize("NFKC", "फ़रहाना-ज़ैदी-"))
    typed = handle.replace("फ\u093c", "\u095e").replace("ज\u093c", "\u095b")
    assert typed != handle
    assert client.get(f"/members/{quote(typed)}").status_code == 200


def test_links_to_a_devanagari_profile_are_percent_encoded(app, client, make_member):
    member_id = make_member(email="anurag@example.com", name="अनुराग शर्मा")
    handle = handle_of(app, member_id)
    sign_in(client, "anurag@example.com")
    account = text(client.get("/account"))
    # The link is encoded; its text reads as the name does.
    assert f'<a href="/members/{quote(handle)}" dir="auto">/members/{handle}</a>' in account
    assert '<strong dir="auto">अनुराग शर्मा</strong>' in account


def test_ascii_handles_are_unchanged(app, client, make_member):
    member_id = make_member(email="ravi@example.com", name="Ravi Iyer")
    handle = handle_of(app, member_id)
    assert re.fullmatch(rf"ravi-iyer-{HEX}", handle)
    assert client.get(f"/members/{handle}").status_code == 200
    assert client.get(f"/members/{handle.upper()}").status_code == 404  # exact, as before
