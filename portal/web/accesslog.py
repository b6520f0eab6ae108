"""gunicorn's access log without the secrets some URLs carry.

Emailed links put their token in the path (/verify/<token>, /reset/<token>,
/login/link/<token>, /unsubscribe/<token>) and the on-blur check puts an email address
in the query: the log keeps the shape of the URL, never those parts.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

SECRET_PATHS = re.compile(r"^(/verify/|/reset/|/login/link/|/unsubscribe/)[^/?#]+")


def redact(path: str) -> str:
    path = SECRET_PATHS.sub(r"\1[token]", path)
    if path.startswith("/join/check-email?"):
        return "/join/check-email?[email]"
    return path


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        environ = dict(environ)
        environ["RAW_URI"] = redact(environ.get("RAW_URI", ""))
        environ["PATH_INFO"] = redact(environ.get("PATH_INFO", ""))
        if environ.get("QUERY_STRING"):
            environ["QUERY_STRING"] = "[query]"
        referer = environ.get("HTTP_REFERER", "")
        if referer:
            # Same-origin posts from a link's page carry that link in the Referer.
            origin, _, path = referer.partition("://")[2].partition("/")
            environ["HTTP_REFERER"] = referer.split("://")[0] + "://" + origin + redact("/" + path)
        return super().atoms(resp, req, environ, request_time)
