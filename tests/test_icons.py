"""Issue 14: a favicon and touch icons, drawn by tools/icons.py (committed), linked from
every page, and /favicon.ico answers (it was a 404 on every page)."""

from __future__ import annotations

import struct
import zlib
from html.parser import HTMLParser

from tools import icons

from .helpers import ROOT

ICONS = ROOT / "portal" / "static" / "icons"
TEAL = (0x0B, 0x5D, 0x57)


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, RGBA rows) of an 8-bit RGBA PNG with unfiltered rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, header = 8, b"", None
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        crc = struct.unpack(">I", data[at + 8 + length : at + 12 + length])[0]
        assert zlib.crc32(kind + body) == crc
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    width, height, depth, colour, *_ = header
    assert (depth, colour) == (8, 6)
    raw = zlib.decompress(idat)
    stride = 1 + 4 * width
    rows = [raw[i * stride : (i + 1) * stride] for i in range(height)]
    assert all(row[0] == 0 for row in rows)
    return width, height, [row[1:] for row in rows]


def read_ico(data: bytes) -> dict[int, bytes]:
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    images = {}
    for i in range(count):
        w, h, _, _, planes, bits, size, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * i : 22 + 16 * i]
        )
        assert w == h and (planes, bits) == (1, 32)
        images[w or 256] = data[offset : offset + size]
    return images


def pixel(rows: list[bytes], x: int, y: int) -> tuple[int, ...]:
    return tuple(rows[y][4 * x : 4 * x + 4])


def test_the_committed_icons_are_what_the_generator_draws(tmp_path):
    icons.build(tmp_path)
    assert (tmp_path / "icon.svg").read_bytes() == (ICONS / "icon.svg").read_bytes()
    # Pixels, not bytes: another zlib may pack the same image differently.
    fresh, committed = (read_ico((d / "favicon.ico").read_bytes()) for d in (tmp_path, ICONS))
    assert sorted(committed) == [16, 32]
    for size in (16, 32):
        assert read_png(fresh[size]) == read_png(committed[size])
        assert read_png(committed[size])[:2] == (size, size)
    touch = [read_png((d / "apple-touch-icon.png").read_bytes()) for d in (tmp_path, ICONS)]
    assert touch[0] == touch[1]


def test_the_drawing_is_a_white_mark_on_the_accent():
    _, _, rows = read_png(read_ico((ICONS / "favicon.ico").read_bytes())[32])
    assert pixel(rows, 0, 0)[3] == 0  # a rounded corner: transparent
    assert pixel(rows, 16, 2) == (*TEAL, 255)  # above the mark
    assert pixel(rows, 10, 16) == (255, 255, 255, 255)  # the stem
    assert pixel(rows, 16, 13) == (*TEAL, 255)  # the bowl's counter
    assert pixel(rows, 20, 13) == (255, 255, 255, 255)  # the bowl
    width, height, rows = read_png((ICONS / "apple-touch-icon.png").read_bytes())
    assert (width, height) == (180, 180)
    # iOS puts a transparent pixel on black and rounds the corners itself: none here.
    assert all(row[3::4] == b"\xff" * width for row in rows)
    assert pixel(rows, 0, 0) == (*TEAL, 255)


class _Links(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.links: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "link":
            self.links.append(dict(attrs))


def test_every_page_links_the_icons_and_they_answer(client):
    for path in ("/", "/essays/teaching-upward", "/requests/", "/join", "/no-such-page"):
        links = _Links(client.get(path).get_data(as_text=True)).links
        icon = {(link["rel"], link.get("type")): link for link in links if "icon" in link["rel"]}
        assert set(icon) == {("icon", None), ("icon", "image/svg+xml"), ("apple-touch-icon", None)}
        assert icon[("icon", None)]["sizes"] == "32x32"  # so browsers that can prefer the SVG
        expected = {
            ("icon", None): ("/static/icons/favicon.ico?v=", "image/vnd.microsoft.icon"),
            ("icon", "image/svg+xml"): ("/static/icons/icon.svg?v=", "image/svg+xml"),
            ("apple-touch-icon", None): ("/static/icons/apple-touch-icon.png?v=", "image/png"),
        }
        for key, (prefix, mimetype) in expected.items():
            href = icon[key]["href"]
            assert href.startswith(prefix), (path, href)
            with client.get(href) as response:
                assert response.status_code == 200, href
                assert response.mimetype in (mimetype, "image/x-icon")
                assert response.cache_control.max_age >= 365 * 24 * 3600


def test_favicon_ico_is_not_a_404(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/x-icon"
        assert response.data == (ICONS / "favicon.ico").read_bytes()
        # Not versioned: a day, not a year.
        assert response.cache_control.public and response.cache_control.max_age == 24 * 3600
        assert "Set-Cookie" not in response.headers
        etag = response.headers["ETag"]
    with client.get("/favicon.ico", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
