"""The portal's icon: a white "P" on the accent teal, drawn from one geometry into
portal/static/icons/ as icon.svg (browsers that take SVG icons), favicon.ico (16 and 32 px
PNGs inside an ICO: everything else, and /favicon.ico) and apple-touch-icon.png (180 px,
square and opaque: iOS rounds the corners itself).

Pure Python (zlib and struct): no image library, no binary tool. The files are committed;
run `make icons` after changing the drawing, and tests/test_icons.py checks that the
committed files are what this draws.

    python tools/icons.py [OUT_DIR]
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "portal" / "static" / "icons"

ACCENT = (0x0B, 0x5D, 0x57)  # --accent in portal.css
MARK = (0xFF, 0xFF, 0xFF)
GRID = 32.0  # the drawing's units: a 32 x 32 square
CORNER = 7.0  # the rounded square's radius (0 for the touch icon)
STEM = (9.0, 7.0, 13.5, 25.0)  # x0, y0, x1, y1
BOWL_X, BOWL_Y = 16.0, 13.5  # centre of the bowl's round end
BOWL_LEFT = 11.0  # where the bowl's bars start (inside the stem)
OUTER, INNER = 6.5, 2.5  # the bowl's outer and inner radii

SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="{CORNER:g}" fill="#0b5d57"/>
<rect x="{STEM[0]:g}" y="{STEM[1]:g}" width="{STEM[2] - STEM[0]:g}" height="{STEM[3] - STEM[1]:g}" \
fill="#fff"/>
<path fill="#fff" fill-rule="evenodd" d="M{BOWL_LEFT:g} {BOWL_Y - OUTER:g}H{BOWL_X:g}\
a{OUTER:g} {OUTER:g} 0 0 1 0 {2 * OUTER:g}H{BOWL_LEFT:g}z\
M{BOWL_LEFT:g} {BOWL_Y - INNER:g}H{BOWL_X:g}a{INNER:g} {INNER:g} 0 0 1 0 {2 * INNER:g}\
H{BOWL_LEFT:g}z"/>
</svg>
"""


def _in_square(x: float, y: float, corner: float) -> bool:
    if not (0 <= x <= GRID and 0 <= y <= GRID):
        return False
    cx = min(max(x, corner), GRID - corner)
    cy = min(max(y, corner), GRID - corner)
    return math.hypot(x - cx, y - cy) <= corner


def _in_mark(x: float, y: float) -> bool:
    x0, y0, x1, y1 = STEM
    if x0 <= x <= x1 and y0 <= y <= y1:
        return True
    if x < BOWL_LEFT:
        return False
    # Distance to the bowl's spine, the segment from (BOWL_LEFT, BOWL_Y) to (BOWL_X, BOWL_Y).
    distance = math.hypot(max(x - BOWL_X, 0.0), y - BOWL_Y)
    return INNER <= distance <= OUTER


def pixels(size: int, corner: float = CORNER, samples: int = 4) -> list[bytes]:
    """RGBA rows of the icon at `size` px, each pixel averaged over samples² points."""
    rows = []
    step = GRID / size / samples
    for py in range(size):
        row = bytearray()
        for px in range(size):
            mark = paper = 0
            for sy in range(samples):
                y = (py * samples + sy + 0.5) * step
                for sx in range(samples):
                    x = (px * samples + sx + 0.5) * step
                    if _in_square(x, y, corner):
                        if _in_mark(x, y):
                            mark += 1
                        else:
                            paper += 1
            total = samples * samples
            alpha = mark + paper
            if alpha == 0:
                row += b"\0\0\0\0"
                continue
            # Straight (not premultiplied) colour: the mix of what covers the pixel.
            mixed = zip(MARK, ACCENT, strict=True)
            colour = [round((mark * m + paper * a) / alpha) for m, a in mixed]
            row += bytes([*colour, round(255 * alpha / total)])
        rows.append(bytes(row))
    return rows


def png(rows: list[bytes]) -> bytes:
    """A PNG (8-bit RGBA, no filter) of `rows`."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    height, width = len(rows), len(rows[0]) // 4
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    raw = b"".join(b"\0" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def ico(images: dict[int, bytes]) -> bytes:
    """An ICO holding PNG images (size → PNG bytes), as every current browser reads."""
    head = struct.pack("<HHH", 0, 1, len(images))
    offset = len(head) + 16 * len(images)
    entries, data = b"", b""
    for size, image in sorted(images.items()):
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
        data += image
    return head + entries + data


def build(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "icon.svg": SVG.encode(),
        "favicon.ico": ico({size: png(pixels(size)) for size in (16, 32)}),
        "apple-touch-icon.png": png(pixels(180, corner=0.0, samples=3)),
    }
    for name, content in files.items():
        (out / name).write_bytes(content)
    return [out / name for name in files]


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(path)
