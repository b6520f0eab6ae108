"""`make run` starts the worker beside the development server (scripts/run-dev): a
join made on the running portal has its confirmation delivered with nobody running
anything else, and Ctrl-C stops both."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from .helpers import free_port, join_data, outbox_rows

ROOT = Path(__file__).resolve().parent.parent


def _get(port: int, path: str):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode()
    finally:
        connection.close()


def _sigint_as_at_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_make_run_starts_the_worker_beside_the_server(migrated, app, smtp):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": migrated,
        "PORT": str(port),
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "WORKER_POLL_SECONDS": "1",
        "BIN": str(Path(sys.executable).parent),
    }
    process = subprocess.Popen(
        ["bash", "scripts/run-dev"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        # As at a terminal: Ctrl-C (SIGINT) is not ignored. A suite run in the
        # background by a script (CI runs PostgreSQL's so) inherits SIGINT ignored,
        # and the dev server would then never stop.
        preexec_fn=_sigint_as_at_a_terminal,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "no server"
            time.sleep(0.2)
        status, headers, page = _get(port, "/join")
        assert status == 200
        cookie = headers["Set-Cookie"].split(";", 1)[0]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request(
            "POST",
            "/join",
            body=urlencode({**join_data(email="dev@example.com"), "csrf_token": token}),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        answer = connection.getresponse()
        answer.read()
        connection.close()
        assert answer.status == 303
        deadline = time.monotonic() + 15
        while not smtp.received and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [m["To"] for m in smtp.received] == ["dev@example.com"]
        # The link points at the port the portal runs on (make run PORT=…).
        assert f"http://127.0.0.1:{port}/verify/" in smtp.received[0].get_content()
        assert outbox_rows(app)[0].status == "sent"
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output = process.communicate(timeout=30)[0]
    assert re.search(r"Worker \S+ started", output), output
    assert re.search(r"Worker \S+ stopped", output), output
