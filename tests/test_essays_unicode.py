"""Essays in Devanagari (issue 14): slugs, tags, authors and heading anchors keep every
script's letters; `essays check` warns about what it would drop; `lang:` reaches the page."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from portal.essays.loader import Library
from portal.essays.parsing import count_words, slugify

from .helpers import ROOT, text

HINDI_TAG = "हिंदी"  # ह ि (a matra, Mc) ं (anusvara, Mn) द ी
AUTHOR = "सुनीता वर्मा"
AUTHOR_SLUG = "सुनीता-वर्मा"
SHIPPED = "कनिष्ठ-से-सीखना"  # the shipped Hindi essay's slug

# The nukta letters: NFC writes ज़ and फ़ as a letter and a nukta (U+095B and U+095E are
# excluded from composition), while many keyboards type the one-character form.
SLUG = unicodedata.normalize("NFC", "ज़रूरी-सीख")
TAG = unicodedata.normalize("NFC", "ज़रूरी")
WRITER = "फ़रहाना ज़ैदी"
WRITER_SLUG = unicodedata.normalize("NFC", "फ़रहाना-ज़ैदी")
TITLE = unicodedata.normalize("NFC", "ज़रूरी सीख")


def precomposed(value: str) -> str:
    return value.replace("ज\u093c", "\u095b").replace("फ\u093c", "\u095e")


def days_ago(n: int) -> str:
    return (datetime.now(UTC).date() - timedelta(days=n)).isoformat()


def page_text(response) -> str:
    """The page in NFC: titles and names are shown as written, in whichever form."""
    return unicodedata.normalize("NFC", text(response))


def enc(segment: str) -> str:
    return quote(segment, safe="")


def load(folder) -> Library:
    return Library(folder, default_author="The editors")


# --- slugs -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "slug"),
    [
        # ASCII gives what it always gave: existing addresses keep working.
        ("Anjali Rao", "anjali-rao"),
        ("Why a senior should take a reverse mentor", "why-a-senior-should-take-a-reverse-mentor"),
        ("Say what you don't know", "say-what-you-don-t-know"),
        ("  AI -- tools & C++ ", "ai-tools-c"),
        ("reverse_mentorship", "reverse-mentorship"),
        # Devanagari keeps its matras, viramas and anusvaras: words stay whole.
        (HINDI_TAG, HINDI_TAG),
        (AUTHOR, AUTHOR_SLUG),
        ("रिवर्स मेंटरशिप: एक परिचय!", "रिवर्स-मेंटरशिप-एक-परिचय"),
        ("क्षमा और ज्ञान", "क्षमा-और-ज्ञान"),  # conjuncts (virama inside the word)
        ("संख्या १२३", "संख्या-१२३"),  # Devanagari digits
        ("Hindi हिंदी Mix", "hindi-हिंदी-mix"),
        ("क्\u200dष", "क्ष"),  # a zero-width joiner is dropped, not a gap in the word
        ("Café Ünïcode", "café-ünïcode"),  # cased scripts are lower-cased
    ],
)
def test_slugs_keep_letters_of_every_script(written, slug):
    assert slugify(written) == slug


def test_slugs_are_nfc_whatever_form_the_text_came_in():
    # ज़ (U+095B) is excluded from composition: NFC writes it as ज + nukta, in every input.
    composed, decomposed = "ज़रूरी", unicodedata.normalize("NFD", "ज़रूरी")
    assert slugify(composed) == slugify(decomposed) == unicodedata.normalize("NFC", "ज़रूरी")
    assert slugify(unicodedata.normalize("NFD", "Café")) == "café"


def test_words_are_counted_whole_in_devanagari():
    # `\w` alone stops at each matra: "हिंदी में लिखना" would be eight "words".
    assert count_words("हिंदी में लिखना आसान है") == 5
    assert count_words("Plain English, three-ish words") == 5  # as before: \w+ runs


def test_a_devanagari_file_name_tags_and_author_make_devanagari_slugs(write_essay, essays_dir):
    write_essay(
        "उल्टी दिशा में सीखना",
        title='"उल्टी दिशा में सीखना"',
        date="2026-01-01",
        author=AUTHOR,
        tags=[HINDI_TAG, "सीखना", "reverse-mentorship"],
    )
    snap = load(essays_dir).current()
    assert snap.problems == ()
    essay = snap.essays["उल्टी-दिशा-में-सीखना"]
    assert essay.tags == (HINDI_TAG, "सीखना", "reverse-mentorship")
    assert essay.author == AUTHOR and essay.author_slug == AUTHOR_SLUG
    assert essay.warnings == ()


def test_a_devanagari_slug_in_front_matter_is_accepted_in_any_normal_form(write_essay, essays_dir):
    write_essay("a", title="T", date="2026-01-01", slug="ज़रूरी-बातें")
    write_essay("b", title="U", date="2026-01-01", slug=unicodedata.normalize("NFD", "मेंटर-ज़"))
    snap = load(essays_dir).current()
    assert snap.problems == ()
    assert set(snap.essays) == {
        unicodedata.normalize("NFC", "ज़रूरी-बातें"),
        unicodedata.normalize("NFC", "मेंटर-ज़"),
    }


@pytest.mark.parametrize("slug", ["हिंदी लेख", "हिंदी--लेख", "-हिंदी", "हिंदी।"])
def test_a_malformed_devanagari_slug_is_a_problem(write_essay, essays_dir, slug):
    write_essay("x", title="T", date="2026-01-01", slug=f'"{slug}"')
    snap = load(essays_dir).current()
    assert not snap.essays
    assert "slug" in snap.problems[0].reason and "any script" in snap.problems[0].reason


# --- heading anchors ---------------------------------------------------------------------


def test_heading_anchors_keep_devanagari_and_are_unique(write_essay, essays_dir):
    body = "## झिझक\n\nक.\n\n## तीन मुलाक़ातें\n\nख.\n\n## झिझक\n\nग.\n\n## Plain English\n\nघ.\n"
    write_essay("x", title="T", date="2026-01-01", body=body)
    essay = load(essays_dir).current().essays["x"]
    anchors = [h.anchor for h in essay.toc]
    assert anchors == [
        "झिझक",
        unicodedata.normalize("NFC", "तीन-मुलाक़ातें"),
        "झिझक_1",
        "plain-english",
    ]
    assert len(set(anchors)) == len(anchors)
    body_html = str(essay.body)
    for anchor in anchors:
        assert f'<h2 id="{anchor}">' in body_html
    assert essay.warnings == ()


def test_the_shipped_hindi_essay(client):
    snap = load(ROOT / "content" / "essays").current()
    essay = snap.essays[SHIPPED]
    assert essay.lang == "hi" and essay.warnings == ()
    assert HINDI_TAG in essay.tags and essay.author_slug == AUTHOR_SLUG
    assert 250 <= essay.words <= 420
    assert [h.anchor for h in essay.toc] == [
        "झिझक",
        unicodedata.normalize("NFC", "तीन-मुलाक़ातें"),
        unicodedata.normalize("NFC", "दोनों-तरफ़-का-फ़ायदा"),
    ]


# --- pages -------------------------------------------------------------------------------


@pytest.fixture
def hindi(essays_app, write_essay):
    write_essay(
        "hindi-essay",
        title=f'"{precomposed(TITLE)}"',
        date=days_ago(2),
        author=precomposed(WRITER),
        tags=[HINDI_TAG, precomposed(TAG), "seniors"],
        slug=precomposed(SLUG),
        lang="hi",
        summary='"एक छोटा सार।"',
        body="## पहला हिस्सा\n\nकुछ शब्द।\n\n## दूसरा हिस्सा\n\nऔर शब्द।\n",
    )
    write_essay("english", title="An English essay", date=days_ago(1), tags=["seniors"])
    return essays_app.test_client()


def test_links_to_a_devanagari_essay_tag_and_author_are_percent_encoded(hindi):
    index = text(hindi.get("/essays/"))
    assert f'href="/essays/{enc(SLUG)}"' in index
    assert f'href="/essays/tags/{enc(HINDI_TAG)}"' in index
    assert f'href="/essays/tags/{enc(TAG)}"' in index
    assert f'href="/essays/authors/{enc(WRITER_SLUG)}"' in index
    assert 'href="/essays/ज' not in index  # never a raw address in an href


@pytest.mark.parametrize(
    "path", [f"/essays/{SLUG}", f"/essays/tags/{TAG}", f"/essays/authors/{WRITER_SLUG}"]
)
def test_devanagari_pages_answer_encoded_raw_and_in_another_normal_form(hindi, path):
    encoded = quote(path)
    other_form = quote(precomposed(path))
    assert encoded != other_form  # the two spellings really differ on the wire
    for url in (encoded, path, other_form):
        response = hindi.get(url)
        assert response.status_code == 200, url
        page = page_text(response)
        assert TITLE in page
        assert f'<link rel="canonical" href="http://portal.test{encoded}">' in page or (
            url == other_form  # the canonical link names the kept (NFC) form
        )


def test_tag_and_author_pages_list_the_hindi_essay(hindi):
    for tag in (HINDI_TAG, TAG):
        page = hindi.get(f"/essays/tags/{enc(tag)}")
        assert page.status_code == 200
        assert TITLE in page_text(page) and "An English essay" not in text(page)
        assert f"Essays tagged “{tag}”" in page_text(page)
    author = hindi.get(f"/essays/authors/{enc(WRITER_SLUG)}")
    assert author.status_code == 200
    assert f"Essays by {unicodedata.normalize('NFC', WRITER)}" in page_text(author)
    assert TITLE in page_text(author)
    # A shared ASCII tag still lists both.
    both = page_text(hindi.get("/essays/tags/seniors"))
    assert TITLE in both and "An English essay" in both
    assert hindi.get(f"/essays/tags/{enc('हिंद')}").status_code == 404


def test_lang_from_front_matter_marks_the_essay_and_leaves_the_rest_english(hindi):
    page = text(hindi.get(f"/essays/{enc(SLUG)}"))
    assert '<html lang="en-IN">' in page  # the header and footer are the portal's English
    assert re.search(r'<article class="essay wrap-text" [^>]*\blang="hi"', page)
    assert '<h2 id="toc-title" class="toc-title" lang="en-IN">In this essay</h2>' in page
    assert re.search(r'<section class="cta" [^>]*lang="en-IN"', page)
    assert re.search(r'<span lang="en-IN">\d+ min read</span>', page)
    assert f'lang="hi">{HINDI_TAG}</a>' in page  # the Hindi tag, in a tag list marked English
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1])
    assert ld["inLanguage"] == "hi"
    assert ld["author"]["url"] == f"http://portal.test/essays/authors/{enc(WRITER_SLUG)}"
    for anchor in ("पहला-हिस्सा", "दूसरा-हिस्सा"):
        assert f'<a href="#{anchor}">' in page and f'<h2 id="{anchor}">' in page
    # The index card says so too; an essay without `lang:` says nothing new.
    index = text(hindi.get("/essays/"))
    assert '<article class="card" lang="hi">' in index
    english = text(hindi.get("/essays/english"))
    # (The footer's language switch names Hindi in Hindi, lang="hi": not the essay.)
    essay_part = english.split('<nav class="language-switch"', 1)[0]
    assert 'lang="hi"' not in essay_part and 'lang="en-IN">In this essay' not in english
    assert '"inLanguage": "en-IN"' in english
    feed = text(hindi.get("/feed.xml"))
    assert '<entry xml:lang="hi">' in feed and "<entry>" in feed


def test_sitemap_lists_devanagari_addresses_encoded(hindi):
    sitemap = text(hindi.get("/sitemap.xml"))
    for path in (
        f"/essays/{enc(SLUG)}",
        f"/essays/tags/{enc(TAG)}",
        f"/essays/authors/{enc(WRITER_SLUG)}",
    ):
        assert f"<loc>http://portal.test{path}</loc>" in sitemap


@pytest.mark.parametrize("value", ['"hindi language"', '"h"', "no"])
def test_a_bad_lang_is_a_problem(write_essay, essays_dir, value):
    write_essay("x", title="T", date="2026-01-01", lang=value)
    snap = load(essays_dir).current()
    assert not snap.essays
    assert "is not a language code" in snap.problems[0].reason


def test_the_shipped_hindi_essay_page_and_its_join_link(client):
    page = client.get(f"/essays/{enc(SHIPPED)}")
    assert page.status_code == 200
    html = text(page)
    assert 'lang="hi"' in html and "जब वरिष्ठ ने कनिष्ठ से सीखा" in html
    # The call to action carries the essay; /join accepts it (it is a published essay).
    assert f'href="/join?from={enc(SHIPPED)}"' in html
    join = text(client.get(f"/join?from={enc(SHIPPED)}"))
    assert f'value="{SHIPPED}"' in join


# --- `flask essays check` ------------------------------------------------------------------


def test_check_warns_about_what_it_would_drop(runner, write_essay, essays_dir):
    write_essay(
        "x",
        title="T",
        date="2026-01-01",
        author='"—"',
        tags=['"🙂"', HINDI_TAG, TAG, precomposed(TAG), "Seniors", "seniors"],
        body="## ???\n\nA.\n\n## ठीक\n\nB.\n",
    )
    write_essay("fine", title="Fine", date="2026-01-01", tags=[HINDI_TAG])
    result = runner.invoke(args=["essays", "check", str(essays_dir)])
    assert result.exit_code == 1, result.output
    out = result.output
    assert "x.md: warning: tag '🙂' has no letters or digits: it is dropped" in out
    assert "x.md: warning: tag 'seniors' is the same tag as 'Seniors' ('seniors')" in out
    # Two spellings of one word (precomposed and NFC) are one tag, and it says so.
    assert f"x.md: warning: tag {precomposed(TAG)!r} is the same tag as {TAG!r}" in out
    assert "x.md: warning: author '—' has no letters or digits: no author page" in out
    assert (
        "x.md: warning: heading '???' has no letters or digits: its anchor is only #section" in out
    )
    assert "5 warning(s)" in out and "problem(s)" not in out
    assert "fine.md" not in out
    # The essay itself is still published, with what could be kept.
    essay = load(essays_dir).current().essays["x"]
    assert essay.tags == (HINDI_TAG, TAG, "seniors")
    assert [h.anchor for h in essay.toc] == ["section", "ठीक"]


def test_an_essay_without_an_author_address_has_no_broken_author_link(essays_app, write_essay):
    write_essay("x", title="Nameless", date=days_ago(1), author='"—"')
    client = essays_app.test_client()
    page = text(client.get("/essays/x"))
    assert "—" in page and "/essays/authors/" not in page
    assert "/essays/authors/" not in text(client.get("/sitemap.xml"))


def test_check_still_passes_on_clean_devanagari_essays(runner, write_essay, essays_dir):
    write_essay("x", title="T", date="2026-01-01", author=AUTHOR, tags=[HINDI_TAG], lang="hi")
    result = runner.invoke(args=["essays", "check", str(essays_dir)])
    assert result.exit_code == 0, result.output
    assert "1 essay(s)" in result.output and "no problems" in result.output
