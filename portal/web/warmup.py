"""Work every worker would otherwise do on its first requests, done once in gunicorn's
master before it forks the workers (gunicorn.conf.py, `preload_app`): what is built
here (mapped classes, compiled templates and statements, the essays' pages) is shared
by all the workers instead of copied into each."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

import sqlalchemy.orm
from flask import Flask

from portal.extensions import db
from portal.web.caching import build_id
from portal.web.i18n import LOCALES
from portal.web.metrics import WARM_UP

log = logging.getLogger(__name__)
PAGES = ("/robots.txt", "/", "/essays/", "/requests/")  # and each essay the index links
ESSAY_LINK = re.compile(r'href="(/essays/[^"/?#]+)"')


def warm_up(app: Flask) -> int:
    """Configure the ORM, compile every template, then ask for the public pages as an
    anonymous reader would, in each language of the interface (its catalogue and its
    locale's dates are loaded once, here, rather than by every worker), not counted in
    the metrics. Returns how many pages answered 200. A page that fails is logged and
    skipped: a database that is down at start-up must not stop gunicorn. Leaves no
    database connection open."""
    sqlalchemy.orm.configure_mappers()
    build_id()
    for name in app.jinja_env.list_templates():
        if name.endswith((".html", ".txt", ".xml")):
            app.jinja_env.get_template(name)
    site = urlsplit(app.config["SITE_URL"])
    client = app.test_client()
    answered = 0
    paths = list(PAGES)
    try:
        for path in paths:
            for language in LOCALES:
                try:
                    response = client.get(
                        path,
                        base_url=f"{site.scheme}://{site.netloc}",
                        headers={"Accept-Language": language},
                        environ_base={WARM_UP: True, "REMOTE_ADDR": "127.0.0.1"},
                    )
                except Exception:  # noqa: BLE001 (start-up goes on without this page)
                    log.warning("warm-up: %s (%s) failed", path, language, exc_info=True)
                    continue
                answered += response.status_code == 200
                if path == "/essays/" and response.status_code == 200:
                    # Each essay the index links to (the kernel doesn't import essays).
                    found = ESSAY_LINK.findall(response.get_data(as_text=True))
                    paths += [link for link in dict.fromkeys(found) if link not in paths]
    finally:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()
    return answered
