"""Our CSS and htmx (from node_modules) served with versioned URLs and a year's cache, and
/favicon.ico (which browsers and crawlers ask for without reading a page)."""

from __future__ import annotations

import hashlib
import json
import logging
from functools import cache
from pathlib import Path

from flask import Blueprint, Flask, make_response, request

from portal.config import PROJECT_ROOT

log = logging.getLogger("portal")

HTMX_DIST = PROJECT_ROOT / "node_modules" / "htmx.org" / "dist"
ONE_YEAR = 365 * 24 * 3600
ONE_DAY = 24 * 3600

# htmx 2 settings that let it run under our strict CSP, and swap 422 (invalid form)
# responses while leaving other errors to the error handler in portal.js.
HTMX_CONFIG = {
    "includeIndicatorStyles": False,
    "allowEval": False,
    "allowScriptTags": False,
    "historyCacheSize": 0,
    "selfRequestsOnly": True,
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "422", "swap": True},
        {"code": "[45]..", "swap": False, "error": True},
    ],
}

vendor = Blueprint("vendor", __name__, static_folder=str(HTMX_DIST), static_url_path="/vendor/htmx")


@cache
def _file_version(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:
        return "missing"


def register_assets(app: Flask) -> None:
    app.register_blueprint(vendor)
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = ONE_YEAR  # every URL we emit is versioned
    if not (HTMX_DIST / "htmx.min.js").exists():
        log.warning("htmx is not installed (run `npm ci`): pages work, but without htmx.")

    favicon_file = Path(app.static_folder) / "icons" / "favicon.ico"

    @app.get("/favicon.ico")
    def favicon():
        # The same file as the versioned icons/favicon.ico every page links (tools/icons.py),
        # 509 bytes, sent from memory; this address has no version: cached for a day only.
        response = make_response(favicon_file.read_bytes())
        response.mimetype = "image/x-icon"
        response.cache_control.public = True
        response.cache_control.max_age = ONE_DAY
        response.add_etag()
        return response.make_conditional(request)

    folders = {"static": Path(app.static_folder), "vendor.static": HTMX_DIST}

    @app.url_defaults
    def version_static_urls(endpoint: str, values: dict) -> None:
        # A changed file gets a new URL, so a year-long cache lifetime is safe.
        folder = folders.get(endpoint)
        if folder is not None and "filename" in values:
            values.setdefault("v", _file_version(folder / values["filename"]))

    app.jinja_env.globals["htmx_config"] = json.dumps(HTMX_CONFIG, separators=(",", ":"))
