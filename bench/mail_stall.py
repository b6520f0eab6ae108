"""Joining with the mail server answering vs stalled: no page should wait on SMTP.

Two deployments side by side, each on its own fresh SQLite database: gunicorn
(production mode, sync workers) and `flask worker`, both with MAIL_SERVER on
127.0.0.1; one's mail server is an aiosmtpd sink that answers, the other's a TCP
server that accepts the connection and never says a word (the worker waits
MAIL_TIMEOUT, 10 s, on each mail). After a warm-up (two joins each, and the worker
seen at its mail server), it posts the /join form N times to each, alternating
(distinct addresses, CSRF on as in production, the limiter off), and prints each
median POST time and the stalled one's ratio to the answering one's. It reports;
it does not assert.

    .venv/bin/python bench/mail_stall.py [--joins 20] [--workers 2]

bench.py runs it after its tables (`--mail-joins 0` skips it).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 30.0  # seconds for gunicorn to answer /healthz
WARM_UP_TIMEOUT = 20.0  # seconds for the worker to reach its mail server
PASSWORD = "a bench member's long enough phrase"  # noqa: S105 - a throw-away database


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# --------------------------------------------------------------------------- mail servers


class Sink:
    """aiosmtpd's handler: counts what it is given, answers 250."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.received += 1
        return "250 OK"


@contextlib.contextmanager
def answering():
    """An SMTP server that takes every mail; yields (port, count of mails taken)."""
    from aiosmtpd.controller import Controller  # a dev dependency (make bench installs it)

    handler = Sink()
    controller = Controller(handler, hostname=HOST, port=free_port())
    controller.start()
    try:
        yield controller.port, lambda: handler.received
    finally:
        controller.stop()


@contextlib.contextmanager
def stalled():
    """A TCP server that accepts and never answers; yields (port, connections taken)."""
    listener = socket.create_server((HOST, 0))
    listener.settimeout(0.1)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], lambda: len(held)
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        for conn in held:
            conn.close()


# --------------------------------------------------------------------------- a deployment


class Visitor:
    """One browser: its cookies, and the /join form's CSRF token."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Host": f"{HOST}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            page = response.read().decode(errors="replace")
        finally:
            conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, cookie = value.split(";", 1)[0].strip().partition("=")
                self.cookies[key] = cookie
        return response.status, page

    def join(self, email: str) -> float:
        """GET /join, then POST the form; the POST's seconds (it must answer 303)."""
        status, page = self.request("GET", "/join")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if status != 200 or token is None:
            raise RuntimeError(f"GET /join answered {status} without a CSRF token")
        form = {
            "csrf_token": token.group(1),
            "name": "Bench Member",
            "email": email,
            "password": PASSWORD,
            "role": "senior",
            "can_teach": "Negotiation",
            "wants_to_learn": "ChatGPT",
            "organisation": "",
            "city": "Chennai",
            "language": "en",
            "meeting_mode": "video",
            "timezone": "Asia/Kolkata",
            "agree": "y",
            "adult": "y",
            "from_essay": "",
        }
        started = time.perf_counter()
        status, page = self.request("POST", "/join", form)
        seconds = time.perf_counter() - started
        if status != 303:
            raise RuntimeError(f"POST /join answered {status}, not 303: {page[:300]!r}")
        return seconds


class Deployment:
    """gunicorn and `flask worker` on one SQLite file, mail to 127.0.0.1:`mail_port`."""

    def __init__(self, name: str, folder: Path, mail_port: int, workers: int) -> None:
        self.name = name
        self.port = free_port()
        self.workers = workers
        self.log = folder / f"{name}.log"
        env = dict(os.environ)
        for key in ("FLASK_DEBUG", "FLASK_ENV", "FLASK_TESTING", "REDIS_URL", "MAIL_USE_TLS"):
            env.pop(key, None)
        env.update(
            SECRET_KEY=secrets.token_hex(32),
            SITE_URL=f"http://{HOST}:{self.port}",
            ALLOW_HTTP="true",  # production mode on plain http, on this machine
            TRUSTED_HOSTS=HOST,
            RATELIMIT_ENABLED="false",
            DATABASE_URL=f"sqlite:///{folder / (name + '.sqlite3')}",
            MAIL_SERVER=HOST,
            MAIL_PORT=str(mail_port),
            MAIL_TIMEOUT="10",
            WORKER_POLL_SECONDS="1",
            PYTHONDONTWRITEBYTECODE="1",
        )
        self.env = env
        self.processes: list[subprocess.Popen] = []

    def spawn(self, *args: str) -> subprocess.Popen:
        with open(self.log, "ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", *args],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def start(self) -> None:
        server = self.spawn(
            "gunicorn", "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers), "wsgi:app"
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            with contextlib.suppress(OSError):
                if Visitor(self.port).request("GET", "/healthz")[0] == 200:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn ({self.name}) did not start:\n{self.tail()}")
            time.sleep(0.1)
        self.spawn("flask", "--app", "wsgi", "worker")

    def tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"

    def stop(self) -> None:
        """SIGTERM to each process group, then SIGKILL (a worker waiting on the stalled
        server would otherwise finish its wait first)."""
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 2
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def upgrade(deployments: list[Deployment]) -> None:
    """`flask db upgrade` on each deployment's new database, side by side."""
    running = [
        (
            d,
            subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                cwd=ROOT,
                env=d.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            ),
        )
        for d in deployments
    ]
    for deployment, process in running:
        _, errors = process.communicate(timeout=120)
        if process.returncode != 0:
            raise RuntimeError(f"db upgrade ({deployment.name}): {errors.decode()[-1000:]}")


def wait_until(what: str, check) -> None:
    deadline = time.monotonic() + WARM_UP_TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.1)


def measure(joins: int = 20, workers: int = 2) -> dict:
    """The join times with each mail server, alternating; medians and their ratio."""
    run_id = secrets.token_hex(3)
    with (
        tempfile.TemporaryDirectory(prefix="portal-bench-mail-") as tmp,
        answering() as (normal_port, delivered),
        stalled() as (stalled_port, held),
    ):
        folder = Path(tmp)
        normal = Deployment("answering", folder, normal_port, workers)
        stuck = Deployment("stalled", folder, stalled_port, workers)
        pairs = [(normal, delivered), (stuck, held)]
        upgrade([normal, stuck])
        try:
            for deployment, _ in pairs:
                deployment.start()
            visitors = {d.name: Visitor(d.port) for d, _ in pairs}
            for deployment, reached in pairs:
                for n in range(2):  # each gunicorn worker's first join is not counted
                    visitors[deployment.name].join(f"warm-{n}-{run_id}@bench.example.org")
                wait_until(f"the {deployment.name} worker at its mail server", reached)
            times: dict[str, list[float]] = {d.name: [] for d, _ in pairs}
            for n in range(joins):
                for deployment, _ in pairs if n % 2 == 0 else pairs[::-1]:
                    email = f"{deployment.name}-{n}-{run_id}@bench.example.org"
                    times[deployment.name].append(visitors[deployment.name].join(email))
            counts = {"delivered": delivered(), "stalled connections": held()}
        finally:
            for deployment, _ in pairs:
                deployment.stop()
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "joins": joins,
        "workers": workers,
        "times_s": times,
        "median_s": medians,
        "max_s": {name: max(values) for name, values in times.items()},
        "ratio": medians["stalled"] / medians["answering"],
        "mail_server": counts,
    }


def print_figure(result: dict) -> None:
    print()
    print(
        f"join (POST /join) with the mail server answering vs stalled: gunicorn --workers "
        f"{result['workers']} and `flask worker` each, {result['joins']} joins each, alternating"
    )
    header = f"{'mail server':<12} {'median ms':>9}  {'max ms':>7}  {'ratio':>5}"
    print(header)
    print("-" * len(header))
    for name in ("answering", "stalled"):
        ratio = "(baseline)" if name == "answering" else f"{result['ratio']:5.2f}"
        print(
            f"{name:<12} {result['median_s'][name] * 1000:>9.1f}  "
            f"{result['max_s'][name] * 1000:>7.1f}  {ratio}"
        )
    counts = result["mail_server"]
    print(
        f"(by the last join, the answering server had taken {counts['delivered']} mails; the "
        f"stalled one held {counts['stalled connections']} connection(s) open, answering none)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--joins", type=int, default=20, help="timed joins per mail server")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    args = parser.parse_args(argv)
    if not (1 <= args.joins <= 500 and 1 <= args.workers <= 16):
        parser.error("need 1 <= --joins <= 500 and 1 <= --workers <= 16")
    try:
        print_figure(measure(args.joins, args.workers))
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"mail_stall: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
