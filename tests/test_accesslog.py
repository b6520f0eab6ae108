"""gunicorn's access log never holds an emailed link's token or a typed email."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from portal.web.accesslog import RedactingLogger, redact


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/verify/.eJyrVspVsjLUUUpV.abc", "/verify/[token]"),
        ("/reset/abc.def.ghi", "/reset/[token]"),
        ("/login/link/abc.def", "/login/link/[token]"),
        ("/unsubscribe/eyJtIjo1.abc.def", "/unsubscribe/[token]"),
        ("/join/check-email?email=asha%40example.com", "/join/check-email?[email]"),
        ("/essays/teaching-upward", "/essays/teaching-upward"),
    ],
)
def test_secret_parts_of_paths_are_redacted(path, logged):
    assert redact(path) == logged


def test_the_access_log_line_holds_no_token():
    from gunicorn.config import Config

    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": "/verify/SECRET-TOKEN",
        "PATH_INFO": "/verify/SECRET-TOKEN",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://portal.test/verify/SECRET-TOKEN",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="303 See Other", sent=0, headers=[])
    request = SimpleNamespace(headers=[])
    atoms = logger.atoms(response, request, environ, datetime.timedelta(milliseconds=3))
    assert "SECRET-TOKEN" not in repr(atoms)
    assert atoms["r"] == "POST /verify/[token] HTTP/1.1"
    assert atoms["f"] == "https://portal.test/verify/[token]"
