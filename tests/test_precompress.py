"""Issue 14: `make assets` precompresses the static files (tools/precompress.py) for nginx's
gzip_static and brotli_static; the copies are not committed."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess

import brotli

from portal.web.assets import HTMX_DIST
from tools import precompress

from .helpers import ROOT

STATIC = ROOT / "portal" / "static"


def test_every_css_js_and_svg_file_gets_a_gzip_and_a_brotli_copy(tmp_path):
    static = tmp_path / "static"
    shutil.copytree(STATIC, static, ignore=shutil.ignore_patterns("*.gz", "*.br"))
    (static / "css" / "gone.css.gz").write_bytes(b"a copy of a file that was removed")
    (static / "css" / "gone.css.br").write_bytes(b"a copy of a file that was removed")
    (static / "js" / "tiny.js").write_text("x")  # compressing makes it bigger: no copy

    assert precompress.main([str(static)]) == 0

    sources = precompress.sources(static)
    names = {p.relative_to(static).as_posix() for p in sources}
    assert {"css/portal.css", "js/portal.js", "icons/icon.svg"} <= names
    for source in sources:
        if source.name == "tiny.js":
            continue
        data = source.read_bytes()
        packed_gz = source.with_name(source.name + ".gz").read_bytes()
        packed_br = source.with_name(source.name + ".br").read_bytes()
        assert gzip.decompress(packed_gz) == data
        assert brotli.decompress(packed_br) == data
        assert len(packed_br) < len(packed_gz) < len(data)
    css = static / "css" / "portal.css"
    assert len(css.with_name("portal.css.gz").read_bytes()) < len(css.read_bytes()) / 3
    # Stale copies are gone (nginx would serve them), and nothing is written for a file
    # compression can't shrink, nor for what isn't text (the PNG and ICO icons).
    assert not (static / "css" / "gone.css.gz").exists()
    assert not (static / "css" / "gone.css.br").exists()
    assert not (static / "js" / "tiny.js.gz").exists()
    assert not list((static / "icons").glob("*.png.*")) and not list(static.rglob("*.ico.*"))


def test_a_second_run_rewrites_nothing_and_a_changed_file_gets_new_copies(tmp_path):
    static = tmp_path / "static"
    shutil.copytree(STATIC, static, ignore=shutil.ignore_patterns("*.gz", "*.br"))
    precompress.main([str(static)])
    css = static / "css" / "portal.css"
    copy = css.with_name("portal.css.gz")
    os.utime(copy, (1_000_000_000, 1_000_000_000))
    precompress.main([str(static)])
    assert copy.stat().st_mtime == 1_000_000_000

    css.write_text(css.read_text() + "\n.new { color: inherit; }\n")
    precompress.main([str(static)])
    assert gzip.decompress(copy.read_bytes()).endswith(b".new { color: inherit; }\n")
    assert brotli.decompress(css.with_name("portal.css.br").read_bytes()) == css.read_bytes()


def test_the_build_compresses_the_htmx_file_the_pages_load(client):
    # The very file the portal serves at /vendor/htmx/ (nginx's alias) and pages link.
    assert precompress.HTMX == HTMX_DIST / "htmx.min.js"
    page = client.get("/requests/").get_data(as_text=True)
    assert '<script src="/vendor/htmx/htmx.min.js?v=' in page
    assert precompress.HTMX.is_file()


def test_the_copies_are_not_committed():
    for path in ("portal/static/css/portal.css.gz", "portal/static/js/portal.js.br"):
        result = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, check=False)
        assert result.returncode == 0, f"{path} is not ignored"
    result = subprocess.run(
        ["git", "ls-files", "portal/static"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert not [f for f in result.stdout.split() if f.endswith((".gz", ".br"))]


def _location(conf: str, prefix: str) -> str:
    return re.search(rf"location {re.escape(prefix)} \{{(.*?)\n\}}", conf, re.S).group(1)


def test_nginx_serves_the_copies_from_both_static_locations():
    conf = (ROOT / "deploy" / "nginx" / "portal-server.conf").read_text()
    for prefix in ("/static/", "/vendor/htmx/"):
        assert "gzip_static on;" in _location(conf, prefix), prefix
    assert "gzip_vary on;" in conf  # Vary: Accept-Encoding on the .gz answers too
    brotli_conf = (ROOT / "deploy" / "nginx" / "brotli.conf").read_text()
    assert re.search(r"^brotli_static on;", brotli_conf, re.M)
