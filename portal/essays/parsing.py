"""One essay file: front matter checked field by field, Markdown rendered once with a
table of contents, and the HTML sanitised. Pure functions: nothing here touches
Flask or the folder; `loader.Library` calls `parse_essay` once per file version.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import frontmatter
import markdown
import nh3
import yaml
from markupsafe import Markup

LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")  # BCP 47: hi, en-IN, hi-Latn
WORDS_PER_MINUTE = 230
CTA_KEYS = ("heading", "text", "button")

ALLOWED_TAGS = nh3.ALLOWED_TAGS | {"section"}
ALLOWED_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    **{h: {"id"} for h in ("h2", "h3", "h4", "h5", "h6")},
    "a": {"href", "title", "id"},
    "li": {"id"},
    "sup": {"id"},
    "div": {"class"},
    "code": {"class"},
    "td": {"align"},
    "th": {"align"},
}


def _slug_char(ch: str) -> bool:
    if ch < "\x80":
        return "a" <= ch <= "z" or "0" <= ch <= "9"
    # Letters and digits of any script, and the marks that belong to them: a Devanagari
    # matra, virama or anusvara (Mn, Mc) is part of its word, not a gap in it.
    return unicodedata.category(ch) in _SLUG_CATEGORIES


_SLUG_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Mn", "Mc"}


def slugify(text: str) -> str:
    """Words joined by hyphens, in any script: letters and digits kept, lower-cased where
    the script has case, in NFC ("Anjali Rao" -> "anjali-rao", "हिंदी लेखन" ->
    "हिंदी-लेखन"). ASCII text gives what it always gave. Format characters (the zero-width
    joiners that shape a conjunct, a soft hyphen) are dropped, not turned into gaps."""
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).lower())
    kept = "".join(ch if _slug_char(ch) else " " for ch in text if unicodedata.category(ch) != "Cf")
    return "-".join(kept.split())


def count_words(text: str) -> int:
    """Words in plain text, in any script: a combining mark joins the word it sits in
    (`\\w` alone would cut "हिंदी" at each matra)."""
    joined = "".join("a" if unicodedata.category(ch)[0] == "M" else ch for ch in text)
    return len(re.findall(r"\w+", joined))


@dataclass(frozen=True)
class Heading:
    anchor: str
    text: Markup


@dataclass(frozen=True)
class Essay:
    slug: str
    title: str
    title_html: Markup
    date: date
    summary: str
    summary_html: Markup
    author: str
    tags: tuple[str, ...]
    draft: bool
    cta: dict
    body: Markup
    toc: tuple[Heading, ...]
    words: int
    path: str
    modified: datetime
    version: str
    lang: str = ""  # the essay's language (BCP 47) when it isn't the site's
    warnings: tuple[str, ...] = ()  # what would be dropped or come out empty

    @property
    def author_slug(self) -> str:
        return slugify(self.author)

    @property
    def reading_minutes(self) -> int:
        return max(1, math.ceil(self.words / WORDS_PER_MINUTE))

    def is_published(self, today: date) -> bool:
        return not self.draft and self.date <= today


@dataclass(frozen=True)
class Problem:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class EssayError(ValueError):
    """The file can't be published; the message says why, in plain words."""


def _markdown(empty_headings: list[str]) -> markdown.Markdown:
    def anchor(value: str, separator: str) -> str:
        # Anchors depend only on the heading's words, so links to a section stay stable;
        # they keep every script's letters ("#हिंदी-में-लिखना"), as slugs do.
        if slug := slugify(value):
            return slug
        empty_headings.append(value)
        return "section"

    return markdown.Markdown(
        extensions=["toc", "smarty", "fenced_code", "tables", "sane_lists", "footnotes"],
        extension_configs={"toc": {"toc_depth": "2-2", "slugify": anchor}},
        output_format="html",
    )


def typographic(text: str) -> Markup:
    """Curly quotes, dashes and ellipses for a one-line string, HTML-escaped."""
    html = markdown.markdown(text, extensions=["smarty"])
    html = re.sub(r"^<p>|</p>$", "", html.strip())
    return Markup(nh3.clean(html, tags=set(), attributes={}))  # noqa: S704 - sanitised


def _parse_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise EssayError(f"date {value!r} is not a date like 2026-03-14")


def _string(meta: dict, key: str, default: str = "") -> str:
    value = meta.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str | int | float):
        raise EssayError(f"{key} must be text")
    return str(value).strip()


def _tags(value: object, warnings: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(t, str | int) for t in value):
        raise EssayError("tags must be a list of words, like [teaching, ai-tools]")
    seen: dict[str, str] = {}
    for tag in value:
        written = str(tag)
        slug = slugify(written)
        if not slug:
            warnings.append(f"tag {written!r} has no letters or digits: it is dropped")
        elif slug in seen:
            warnings.append(
                f"tag {written!r} is the same tag as {seen[slug]!r} ({slug!r}): it is dropped"
            )
        else:
            seen[slug] = written
    return tuple(seen)


def _lang(meta: dict) -> str:
    lang = _string(meta, "lang")
    if lang and not LANG.match(lang):
        raise EssayError(f"lang {lang!r} is not a language code like hi or en-IN")
    return lang


def _cta(value: object) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict) or not set(value) <= set(CTA_KEYS):
        raise EssayError("cta must be a mapping with heading, text and/or button")
    return {k: str(v).strip() for k, v in value.items() if v is not None}


def parse_essay(path: Path, text: str, *, default_author: str, require_date: bool = True) -> Essay:
    """Turn one file's text into an Essay, or raise EssayError saying what is wrong."""
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise EssayError(f"bad YAML in the front matter{where}") from exc
    except ValueError as exc:  # YAML's own date parsing: 2026-02-30
        raise EssayError(f"bad date in the front matter ({exc})") from exc
    meta = post.metadata  # python-frontmatter keeps only a mapping

    title = _string(meta, "title")
    if not title:
        raise EssayError("missing title")
    if "date" in meta and meta["date"] is not None:
        published = _parse_date(meta["date"])
    elif require_date:
        raise EssayError("missing date")
    else:
        published = _parse_date(meta.get("updated") or date.fromtimestamp(path.stat().st_mtime))

    slug = unicodedata.normalize("NFC", _string(meta, "slug")) or slugify(path.stem)
    if not slug or slug != slugify(slug):
        raise EssayError(
            f"slug {slug!r} must be lowercase letters (any script), digits and hyphens"
            f" (like {slugify(slug) or 'why-take-a-reverse-mentor'!r})"
        )

    warnings: list[str] = []
    author = _string(meta, "author") or default_author
    if not slugify(author):
        warnings.append(f"author {author!r} has no letters or digits: no author page")
    tags = _tags(meta.get("tags"), warnings)
    lang = _lang(meta)
    summary = _string(meta, "summary")
    empty_headings: list[str] = []
    md = _markdown(empty_headings)
    raw_html = md.convert(post.content)
    body = nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        link_rel=None,
        url_schemes={"http", "https", "mailto"},
    )
    toc = tuple(Heading(t["id"], Markup(t["name"])) for t in md.toc_tokens)  # noqa: S704
    warnings += [
        f"heading {heading!r} has no letters or digits: its anchor is only #section"
        for heading in empty_headings
    ]
    words = count_words(re.sub(r"<[^>]+>", " ", raw_html))
    stat = path.stat()
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        raise EssayError("draft must be true or false")
    return Essay(
        slug=slug,
        title=title,
        title_html=typographic(title),
        date=published,
        summary=summary,
        summary_html=typographic(summary),
        author=author,
        tags=tags,
        draft=draft,
        cta=_cta(meta.get("cta")),
        body=Markup(body),  # noqa: S704 - sanitised by nh3 above
        toc=toc,
        words=words,
        path=str(path),
        modified=datetime.fromtimestamp(stat.st_mtime, UTC).replace(microsecond=0),
        version=f"{stat.st_mtime_ns:x}-{stat.st_size:x}",
        lang=lang,
        warnings=tuple(warnings),
    )
