"""gunicorn as deployed (gunicorn.conf.py, production mode, on the suite's database):
the app preloaded in the master and warmed up before the workers fork (issue 13's
memory), a restart on a port systemd holds (deploy/systemd/portal.socket) that refuses
no request, and an access log that is gunicorn's only when no proxy writes one
(issue 15)."""

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
from urllib.parse import urlencode

import pytest

from portal.extensions import db
from portal.web.warmup import ESSAY_LINK, PAGES, warm_up

from .helpers import PASSWORD, SENIOR, make_app

ROOT = Path(__file__).resolve().parent.parent
ESSAY = "/essays/teaching-upward"


def _get(port: int, path: str, timeout: float = 30) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _env(database: str, port: int, **settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "GUNICORN_"))}
    for name in ("REDIS_URL", "PROXY_COUNT", "PROMETHEUS_MULTIPROC_DIR", "LISTEN_FDS"):
        env.pop(name, None)
    env.update(
        SECRET_KEY="gunicorn-test",
        SITE_URL=f"http://127.0.0.1:{port}",
        ALLOW_HTTP="true",  # a production start on plain http, on this machine
        TRUSTED_HOSTS="127.0.0.1",
        DATABASE_URL=database,
        RATELIMIT_ENABLED="false",
        PYTHONUNBUFFERED="1",
    )
    env.update({key: str(value) for key, value in settings.items()})
    return env


def _eventually(check, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while not (found := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert found
    return found


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py wsgi:app` with 2 workers, its output in a file.
    On `bind`, an address; on `held`, a listening socket passed as systemd passes it
    (fd 3, LISTEN_FDS=1, LISTEN_PID the server's own pid)."""

    def __init__(
        self, env: dict, log: Path, *, bind=None, held: socket.socket | None = None, workers=2
    ):
        self.log = log
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
        command += ["--workers", str(workers)]
        with open(log, "ab") as out:
            if held is None:
                args, fds = [*command, "--bind", bind, "wsgi:app"], ()
            else:
                # bash's `exec` keeps its pid, so LISTEN_PID=$$ is gunicorn's own.
                line = " ".join([*command, "wsgi:app"])
                fd = held.fileno()
                args = ["bash", "-c", f"LISTEN_FDS=1 LISTEN_PID=$$ exec {line} 3<&{fd}"]
                fds = (fd,)
            self.process = subprocess.Popen(
                args,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                pass_fds=fds,
                start_new_session=True,
            )

    def wait_ready(self, port: int) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(port, "/healthz", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("gunicorn did not start:\n" + self.output()[-3000:])
            time.sleep(0.1)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM) -> int:
        if self.process.poll() is None:
            os.kill(self.process.pid, sig)  # the master only, as systemd's KillMode=mixed
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait()


@pytest.fixture
def started(migrated, tmp_path):
    """Start gunicorn on a free port with extra settings; stopped afterwards."""
    servers: list[Gunicorn] = []

    def start(workers: int = 2, **settings) -> tuple[Gunicorn, int]:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = Gunicorn(
            _env(migrated, port, **settings),
            tmp_path / f"gunicorn-{port}.log",
            bind=f"127.0.0.1:{port}",
            workers=workers,
        )
        servers.append(server)
        server.wait_ready(port)
        return server, port

    yield start
    for server in servers:
        server.stop()


# --- the warm-up, in-process ----------------------------------------------------------------


def test_the_warm_up_asks_for_the_public_pages_and_leaves_no_connection(migrated):
    app = make_app(migrated)
    answered = warm_up(app)
    # robots, the home page, the essay index, the board, and each published essay, in
    # English and in Hindi
    index = app.test_client().get("/essays/").get_data(as_text=True)
    essays = set(ESSAY_LINK.findall(index))
    assert essays
    assert answered == 2 * (len(PAGES) + len(essays))
    with app.app_context():
        for engine in db.engines.values():
            assert engine.pool.checkedout() == 0


def test_a_database_that_is_down_does_not_stop_the_warm_up(migrated):
    # Nothing listens on port 9: every page that reads the database fails, and is logged.
    url = "postgresql+psycopg://portal@127.0.0.1:9/none?connect_timeout=1"
    if not os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        url = "sqlite:////nonexistent-folder/none.sqlite3"
    app = make_app(url)
    answered = warm_up(app)
    # The essays are files and the board is not: fewer pages answered, no exception.
    assert 1 <= answered < warm_up(make_app(migrated))


# --- preloaded workers -------------------------------------------------------------------------


def test_preloaded_workers_answer_and_the_warm_up_is_not_counted(started):
    server, port = started()
    # The master asked for the essay while warming up; /metrics counts only real ones.
    status, _, body = _get(port, "/metrics")
    assert status == 200
    assert 'endpoint="essays.essay"' not in body.decode()
    # Pages that read the database, from both workers (each with its own connections:
    # one inherited from the master would be shared, which PostgreSQL cannot take).
    results: list[int] = []

    def read() -> None:
        for path in ("/requests/", ESSAY, "/", "/requests/") * 5:
            results.append(_get(port, path)[0])

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 80
    counted = _get(port, "/metrics")[2].decode()
    essay_views = re.search(
        r'portal_requests_total\{endpoint="essays.essay",method="GET",status="200"\} (\S+)',
        counted,
    )
    assert essay_views and float(essay_views.group(1)) == 20.0
    assert "Traceback" not in server.output()


# --- memory -----------------------------------------------------------------------------------


def _sign_in(port: int, email: str) -> None:
    """The sign-in form over HTTP, as a browser sends it (CSRF token and cookie)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/login")
        response = conn.getresponse()
        page = response.read().decode()
        cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = urlencode({"csrf_token": token, "email": email, "password": PASSWORD})
        headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        conn.request("POST", "/login", body=form, headers=headers)
        response = conn.getresponse()
        response.read()
        assert response.status == 303 and "/login" not in response.getheader("Location")
    finally:
        conn.close()


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def test_a_worker_gives_back_the_memory_each_password_check_takes(started, people):
    """Checking a password takes 19 MiB (argon2). glibc would serve the second check
    and every later one from the heap and keep it: gunicorn.conf.py fixes the mmap
    threshold so that it goes back each time."""
    server, port = started(workers=1)
    worker = _eventually(lambda: _children(server.process.pid))[0]
    _sign_in(port, SENIOR)
    before = _rss_mb(worker)
    for _ in range(4):
        _sign_in(port, SENIOR)
    assert _rss_mb(worker) - before < 8, (before, _rss_mb(worker))


def _offered_to_ksm(pid: int) -> int:
    """How many of the process's mappings the kernel may merge (VmFlags `mg`)."""
    flags = re.findall(r"^VmFlags:(.*)$", Path(f"/proc/{pid}/smaps").read_text(), re.M)
    return sum(" mg" in f" {line} " for line in flags)


def test_the_master_and_its_workers_offer_their_memory_to_ksm(started):
    """As deployed, the master offers its memory to ksmd once warmed up, and the workers
    it forks inherit the offer (pages merge only where the host runs ksmd)."""
    server, port = started()
    master = server.process.pid
    workers = _eventually(lambda: len(_children(master)) == 2 and _children(master))
    assert _get(port, "/requests/")[0] == 200
    if not Path("/sys/kernel/mm/ksm").is_dir():  # a kernel without KSM: said, and none
        assert "Memory offered to KSM: unavailable" in server.output()
        assert all(_offered_to_ksm(pid) == 0 for pid in (master, *workers))
        return
    # prctl from Linux 6.4 on, madvise before (each mapping the master has then).
    assert re.search(r"Memory offered to KSM: (prctl|madvise \(\d+ mappings\))", server.output())
    for pid in (master, *workers):
        assert _offered_to_ksm(pid) >= 10, pid  # the heap, pymalloc's arenas, ...


def test_gunicorn_ksm_off_offers_nothing(started):
    server, _ = started(workers=1, GUNICORN_KSM="off")
    worker = _eventually(lambda: _children(server.process.pid))[0]
    assert _offered_to_ksm(server.process.pid) == 0
    assert _offered_to_ksm(worker) == 0
    assert "KSM" not in server.output()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


# --- a restart on a held socket -------------------------------------------------------------


def test_a_restart_on_the_socket_systemd_holds_refuses_no_request(migrated, tmp_path):
    """deploy/systemd/portal.socket: the port stays open while portal.service restarts
    (SIGTERM, then a new gunicorn), so readers wait a moment instead of failing."""
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen(2048)
    port = held.getsockname()[1]
    env = _env(migrated, port)
    outcomes: list[tuple[float, object]] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                outcome = _get(port, ESSAY)[0]
            except (OSError, http.client.HTTPException) as exc:
                outcome = repr(exc)
            outcomes.append((time.monotonic(), outcome))

    first = Gunicorn(env, tmp_path / "first.log", held=held)
    second = None
    try:
        first.wait_ready(port)
        readers = [threading.Thread(target=read) for _ in range(3)]
        for reader in readers:
            reader.start()
        time.sleep(1.0)
        assert first.stop() == 0
        second = Gunicorn(env, tmp_path / "second.log", held=held)
        second.wait_ready(port)
        restarted = time.monotonic()
        time.sleep(1.0)
        stop.set()
        for reader in readers:
            reader.join()
    finally:
        stop.set()
        first.stop()
        if second:
            second.stop()
        held.close()
    failures = [outcome for _, outcome in outcomes if outcome != 200]
    assert failures == []
    assert sum(1 for at, _ in outcomes if at > restarted) > 10  # the new one answered


# --- the access log -----------------------------------------------------------------------------


def test_straight_to_gunicorn_it_writes_the_access_log_with_the_request_id(started):
    server, port = started()
    _, headers, _ = _get(port, "/verify/not-a-real-token-123")
    # The worker writes the line just after it has sent the response.
    line = _eventually(lambda: [x for x in server.output().splitlines() if "GET /verify/" in x])
    assert line[-1].endswith(headers["X-Request-ID"])
    assert "not-a-real-token-123" not in server.output()


def test_behind_a_proxy_nginx_writes_the_line_and_gunicorn_does_not(started):
    server, port = started(PROXY_COUNT=1)
    _get(port, ESSAY)
    # Asked for, it is written again (for a proxy that keeps no log).
    logged, logged_port = started(PROXY_COUNT=1, GUNICORN_ACCESS_LOG="-")
    _get(logged_port, ESSAY)
    assert _eventually(lambda: f"GET {ESSAY}" in logged.output())
    assert "GET /essays/" not in server.output()
