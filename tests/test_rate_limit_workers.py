"""Rate limits hold across gunicorn workers when they share Redis (SECURITY.md "Throttling").

Flask-Limiter's memory:// storage is per process: four workers would each allow the
limit. With REDIS_URL set the count is shared, so exactly the limit passes.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
LIMIT = 5
ATTEMPTS = 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode()
    finally:
        conn.close()


@pytest.fixture
def gunicorn(migrated, app):
    redis.Redis.from_url(REDIS_URL).flushdb()
    port = _free_port()
    env = {
        **os.environ,
        "SECRET_KEY": "workers-test",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ALLOW_HTTP": "true",  # a production start on plain http, on this machine
        "TRUSTED_HOSTS": "127.0.0.1",
        "DATABASE_URL": migrated,
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_SIGN_IN": f"{LIMIT} per hour",
    }
    env.pop("FLASK_DEBUG", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(
                    "gunicorn did not start: " + server.stderr.read().decode()[-2000:]
                )
            time.sleep(0.2)
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        server.stderr.close()
        redis.Redis.from_url(REDIS_URL).flushdb()


def test_four_workers_sharing_redis_let_exactly_the_limit_through(gunicorn):
    port = gunicorn
    status, headers, page = _request(port, "GET", "/login")
    assert status == 200
    cookie = next(v for k, v in headers if k.lower() == "set-cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    body = f"csrf_token={token}&email=nobody%40example.com&password=wrong+password+here"
    post_headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}

    statuses: list[int] = []
    barrier = threading.Barrier(ATTEMPTS)

    def attempt():
        barrier.wait()
        statuses.append(_request(port, "POST", "/login", body, post_headers)[0])

    threads = [threading.Thread(target=attempt) for _ in range(ATTEMPTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert len(statuses) == ATTEMPTS
    assert statuses.count(422) == LIMIT, statuses  # wrong password: the form again
    assert statuses.count(429) == ATTEMPTS - LIMIT, statuses
