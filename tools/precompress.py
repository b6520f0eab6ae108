"""Precompress the static files nginx serves (`make assets` runs this): for each CSS, JS and
SVG file under portal/static/, and htmx's dist file the pages load, write FILE.gz (gzip,
level 9) and FILE.br (brotli, quality 11) beside it, for nginx's `gzip_static` and
`brotli_static`. A compressed copy is written only when it is smaller than the file, and
rewritten only when its content would change; a .gz or .br under portal/static/ whose
file is gone is removed (nginx would otherwise serve it). The copies are not committed
(.gitignore). Flask's own static serving (development) ignores them.

    python tools/precompress.py [DIR ...]   (default: portal/static and htmx's dist file)
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterable
from pathlib import Path

try:
    import brotli
except ImportError:  # pragma: no cover - the build extra installs it
    sys.exit("tools/precompress.py needs brotli: pip install -c constraints.txt -e '.[build]'")

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "portal" / "static"
HTMX = ROOT / "node_modules" / "htmx.org" / "dist" / "htmx.min.js"
SUFFIXES = {".css", ".js", ".svg"}
ENCODINGS = {
    ".gz": lambda data: gzip.compress(data, compresslevel=9, mtime=0),
    ".br": lambda data: brotli.compress(data, quality=11),
}


def sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in SUFFIXES)


def compress(files: Iterable[Path]) -> list[Path]:
    """Write each file's compressed copies; return the copies now beside them."""
    written = []
    for source in files:
        data = source.read_bytes()
        for suffix, encode in ENCODINGS.items():
            target = source.with_name(source.name + suffix)
            packed = encode(data)
            if len(packed) >= len(data):
                target.unlink(missing_ok=True)
                continue
            if not target.exists() or target.read_bytes() != packed:
                target.write_bytes(packed)
            written.append(target)
    return written


def prune(folder: Path) -> list[Path]:
    """Remove compressed copies whose file is gone or no longer compressed."""
    removed = []
    for copy in sorted(folder.rglob("*")):
        if copy.suffix in ENCODINGS and copy.is_file():
            source = copy.with_suffix("")
            if not source.is_file() or source.suffix not in SUFFIXES:
                copy.unlink()
                removed.append(copy)
    return removed


def main(args: list[str]) -> int:
    """No arguments: portal/static and htmx's dist file. Else the folders named."""
    folders = [Path(arg).resolve() for arg in args] or [STATIC]
    files = [f for folder in folders for f in sources(folder)]
    if not args:
        if not HTMX.is_file():
            print(f"{HTMX} is missing: run `npm ci` first", file=sys.stderr)
            return 1
        files.append(HTMX)
    removed = [copy for folder in folders for copy in prune(folder)]
    written = compress(files)
    print(f"precompressed {len(files)} files: {len(written)} .gz/.br, {len(removed)} stale removed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
