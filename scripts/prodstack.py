"""The production stack on one machine, for `make prod-check` and `make bench-stack`.

`Stack` starts a throwaway PostgreSQL cluster, two app hosts (gunicorn, 2 sync workers
each, production mode), a worker beside each, an SMTP sink, and nginx running the shipped
deploy/nginx/portal-http.conf and portal-server.conf (only paths and ports changed), with
Redis on 127.0.0.1:6379 (database 13, flushed); `Client`, `Load` and the helpers below
talk to it. Imported by scripts/prod-check and bench/stack.py. Needs root (nginx,
runuser postgres).

`Stack(pairings=N)` also makes N pairings of two new members each (`make_pairings`,
run as `python scripts/prodstack.py pairings N PASSWORD` in an app context, while the
hosts start), so that a load's member writes can spread over many pairings
(`spread_members`) instead of queueing on the demo pairing's row.
"""

# ruff: noqa: S603, S607 (it runs the system's nginx, PostgreSQL and apt-get by name)
from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection, HTTPException, RemoteDisconnected
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
REDIS_DB = 13
ESSAY = "/essays/teaching-upward"


def say(text: str) -> None:
    print(f"..    {text}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")


# --------------------------------------------------------------------------- HTTP


class Client:
    """One browser: a cookie jar, and a keep-alive connection per port."""

    def __init__(self, port: int, jar: dict | None = None, headers: dict | None = None):
        self.port = port
        self.jar = {} if jar is None else jar
        self.headers = headers or {}
        self.conns: dict[int, HTTPConnection] = {}
        self.frozen = False  # True: Set-Cookie ignored (a signed-in session shared by threads)

    def on(self, port: int) -> Client:
        """The same browser (same cookies) talking to another port."""
        return Client(port, self.jar, self.headers)

    def request(self, method: str, path: str, form: dict | None = None, timeout=10.0):
        conn = self.conns.get(self.port)
        if conn is None:
            conn = self.conns[self.port] = HTTPConnection(HOST, self.port, timeout=timeout)
        headers = {"Host": f"{HOST}:{self.port}", "User-Agent": "prod-check", **self.headers}
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        reused = conn.sock is not None
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, HTTPException) as error:
            conn.close()
            self.conns.pop(self.port, None)
            # An idle keep-alive connection the server closed (nginx reloading): sent
            # again on a new one, as browsers do. Nothing was answered on it.
            closed = (RemoteDisconnected, ConnectionResetError, BrokenPipeError)
            if reused and isinstance(error, closed):
                return self.request(method, path, form, timeout)
            raise
        for cookie in [] if self.frozen else response.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            gone = re.search(r"max-age=0|expires=thu, 01 jan 1970", cookie, re.I)
            if gone or not value:
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        if response.headers["Content-Encoding"] == "gzip":
            data = gzip.decompress(data)
        if response.will_close:
            conn.close()
            self.conns.pop(self.port, None)
        return response.status, response.headers, data.decode("utf-8", "replace")

    def csrf(self, path: str) -> str:
        status, _, page = self.request("GET", path)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if status != 200 or not found:
            raise RuntimeError(f"no CSRF token on {path} (status {status})")
        return found.group(1)

    def sign_in(self, email: str, password: str) -> int:
        token = self.csrf("/login")
        status, _, _ = self.request(
            "POST", "/login", {"csrf_token": token, "email": email, "password": password}
        )
        return status

    def close(self) -> None:
        for conn in self.conns.values():
            conn.close()
        self.conns.clear()


def timed(client: Client, method: str, path: str, form=None):
    """(status or exception name, seconds)."""
    start = time.perf_counter()
    try:
        status = client.request(method, path, form)[0]
    except (OSError, HTTPException) as error:
        status = type(error).__name__
    return status, time.perf_counter() - start


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# --------------------------------------------------------------------------- the stack


class Stack:
    def __init__(self, name: str = "prod-check", pairings: int = 0) -> None:
        self.name = name  # of the temp dirs
        self.pairings_wanted = pairings
        self.pairings: list[tuple[int, str, str]] = []  # (id, senior, junior): make_pairings
        self.spread: list[tuple[dict, str, int]] = []  # spread_members' sessions
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{name}-"))
        self.procs: dict[str, subprocess.Popen] = {}
        self.pg_dir: Path | None = None
        self.pgbin: Path | None = None
        self.ports = {n: free_port() for n in ("pg", "a", "b", "nginx")}
        self.jars: dict = {}  # email -> (cookies, CSRF token) of a signed-in session
        self.mails: list = []  # (Message-ID, To) as the sink received them
        self.smtp = None
        self.srv = self.tmp / "srv"  # what nginx serves from disk (/static/, htmx)

    # --- parts
    def start_postgres(self) -> None:
        if not Path("/usr/lib/postgresql").is_dir():
            apt_install("postgresql")
        self.pgbin = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: p.parts)[-1]
        self.pg_dir = Path(tempfile.mkdtemp(prefix=f"{self.name}-pg-"))
        shutil.chown(self.pg_dir, "postgres")
        port = self.ports["pg"]

        def pg(*args):
            subprocess.run(
                ["runuser", "-u", "postgres", "--", *map(str, args)],
                check=True,
                stdout=subprocess.DEVNULL,
                cwd="/",  # postgres may not enter the checkout's directory
            )

        pg(
            self.pgbin / "initdb",
            "-D",
            self.pg_dir / "data",
            "-U",
            "postgres",
            "--auth=trust",
            "--no-instructions",
        )
        pg(
            self.pgbin / "pg_ctl",
            "-D",
            self.pg_dir / "data",
            "-l",
            self.pg_dir / "log",
            "-w",
            "-o",
            f"-p {port} -k {self.pg_dir} -c listen_addresses={HOST} -c fsync=on",
            "start",
        )
        for name in ("portal", "portal_restored"):
            pg(self.pgbin / "createdb", "-h", HOST, "-p", port, "-U", "postgres", name)

    def stop_postgres(self) -> None:
        if self.pg_dir and (self.pg_dir / "data" / "postmaster.pid").exists():
            subprocess.run(
                [
                    "runuser",
                    "-u",
                    "postgres",
                    "--",
                    str(self.pgbin / "pg_ctl"),
                    "-D",
                    str(self.pg_dir / "data"),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        if self.pg_dir:
            shutil.rmtree(self.pg_dir, ignore_errors=True)

    def db_url(self, name: str = "portal") -> str:
        return f"postgresql+psycopg://postgres@{HOST}:{self.ports['pg']}/{name}"

    def sql(self, query: str, params=(), name: str = "portal") -> list:
        dsn = f"postgresql://postgres@{HOST}:{self.ports['pg']}/{name}"
        with psycopg.connect(dsn) as conn:
            return conn.execute(query, params).fetchall()

    def start_smtp(self) -> None:
        from aiosmtpd.controller import Controller

        stack = self

        class Sink:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd)
                text = envelope.content.decode("utf-8", "replace")
                found = re.search(r"^Message-ID:\s*(\S+)", text, re.M | re.I)
                stack.mails.append((found.group(1) if found else None, envelope.rcpt_tos))
                return "250 OK"

        self.ports["smtp"] = free_port()
        self.smtp = Controller(Sink(), hostname=HOST, port=self.ports["smtp"])
        self.smtp.start()

    def env(self, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "PORTAL_"))}
        env.update(
            {
                "SECRET_KEY": self.secret,
                "SITE_URL": f"http://{HOST}:{self.ports['nginx']}",
                "ALLOW_HTTP": "true",
                "TRUSTED_HOSTS": HOST,
                "PROXY_COUNT": "1",
                "REDIS_URL": f"redis://{HOST}:6379/{REDIS_DB}",
                "DATABASE_URL": self.db_url(),
                "MAIL_SERVER": HOST,
                "MAIL_PORT": str(self.ports["smtp"]),
                "WORKER_POLL_SECONDS": "1",
                "WEB_CONCURRENCY": "2",
                "LOG_LEVEL": "WARNING",
                # The member writes of these runs (a few hundred messages in the demo
                # pairing; in bench/stack.py tens a member in a minute) would spend a
                # person's hourly budget; every other limit stays as shipped.
                "RATELIMIT_MESSAGES": "100000 per hour",
            }
        )
        env.update(extra)
        return env

    def flask(self, *args, **env) -> str:
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env(**env),
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def spawn(self, name: str, argv: list, **env) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 (kept by the process)
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env(**env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def start_host(self, name: str) -> None:
        port = self.ports[name]
        self.spawn(
            name,
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
            GUNICORN_BIND=f"{HOST}:{port}",
        )
        wait_until(lambda: http_ok(port, "/healthz"), 30, f"host {name} on :{port}")

    def start_nginx(self) -> None:
        if not shutil.which("nginx"):
            apt_install("nginx-light")
        conf = self.tmp / "nginx"
        (conf / "cache").mkdir(parents=True)
        # Its workers run as www-data, as Debian's do: they need the temp dirs.
        self.tmp.chmod(0o755)
        for sub in ("", "cache"):
            shutil.chown(conf / sub, "www-data")
        # What nginx serves from disk, where www-data can read it: the checkout may sit
        # in a directory only root can enter (a `mktemp -d` clone, as CI may use).
        srv = self.srv
        for part in ("portal/static", "node_modules/htmx.org/dist"):
            shutil.copytree(ROOT / part, srv / part)
        swaps = {
            "/srv/portal": str(srv),
            "/var/cache/nginx/portal": str(conf / "cache"),
            f"{HOST}:8001": f"{HOST}:{self.ports['a']}",
            f"{HOST}:8002": f"{HOST}:{self.ports['b']}",
        }
        for part in ("portal-http.conf", "portal-server.conf"):
            text = (ROOT / "deploy" / "nginx" / part).read_text()
            for old, new in swaps.items():
                text = text.replace(old, new)
            (conf / part).write_text(text)
        (conf / "nginx.conf").write_text(f"""
user www-data;
worker_processes 2;
error_log {conf}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on; tcp_nopush on;   # as Debian's own nginx.conf, which portal.conf runs under
    client_body_temp_path {conf}/body; proxy_temp_path {conf}/proxy;
    fastcgi_temp_path {conf}/fastcgi; uwsgi_temp_path {conf}/uwsgi; scgi_temp_path {conf}/scgi;
    include {conf}/portal-http.conf;
    # As portal.conf: the shipped format, defined in portal-http.conf (so after it).
    access_log {conf}/access.log portal;
    server {{
        listen {HOST}:{self.ports["nginx"]};
        server_name {HOST};
        include {conf}/portal-server.conf;
    }}
}}
""")
        check = subprocess.run(
            ["nginx", "-t", "-c", str(conf / "nginx.conf"), "-g", f"pid {conf}/nginx.pid;"],
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t refused the config:\n{check.stderr}")
        self.spawn(
            "nginx",
            ["nginx", "-c", str(conf / "nginx.conf"), "-g", f"daemon off; pid {conf}/nginx.pid;"],
        )
        wait_until(lambda: http_ok(self.ports["nginx"], "/healthz"), 15, "nginx")

    def kill(self, name: str, sig=signal.SIGTERM, wait: float = 30) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

    def group_gone(self, name: str) -> bool:
        """True once no process of the group (master and workers) is running; a
        zombie, dead but not yet reaped by its parent, counts as gone."""
        group = self.procs[name].pid
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group and fields[0] != "Z":
                return False
        return True

    def start(self) -> None:
        self.secret = secrets.token_hex(32)
        say(f"temp dir {self.tmp}; ports {self.ports}")
        self.start_postgres()
        r = redis.Redis(host=HOST, port=6379, db=REDIS_DB)
        r.ping()
        r.flushdb()
        self.start_smtp()
        self.flask("db", "upgrade")
        demo = self.flask("board", "demo", "--force", "--members", "60", "--requests", "200")
        found = re.search(r"/pairings/(\d+) \(sign in as (\S+) or (\S+)\)", demo)
        self.pairing, self.senior, self.junior = int(found[1]), found[2], found[3]
        self.password = re.search(r"password: (.+)", demo)[1].strip()
        maker = None
        if self.pairings_wanted:  # made while the hosts start
            maker = subprocess.Popen(
                [str(BIN / "python"), __file__, "pairings", str(self.pairings_wanted)],
                cwd=ROOT,
                env=self.env(PRODSTACK_PASSWORD=self.password),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        try:
            for name in ("a", "b"):
                self.start_host(name)
                self.spawn(f"worker-{name}", [str(BIN / "flask"), "--app", "wsgi", "worker"])
            self.start_nginx()
        finally:
            if maker:
                try:
                    out, err = maker.communicate(timeout=300)
                except subprocess.TimeoutExpired:
                    maker.kill()
                    raise
        if maker:
            found = re.search(r"^PAIRINGS (.+)$", out, re.M)
            if maker.returncode != 0 or not found:
                raise RuntimeError(f"making {self.pairings_wanted} pairings failed:\n{out}{err}")
            self.pairings = [tuple(p) for p in json.loads(found[1])]

    def cleanup(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM, wait=10)
        if self.smtp:
            self.smtp.stop()
        self.stop_postgres()
        with contextlib.suppress(redis.RedisError):
            redis.Redis(host=HOST, port=6379, db=REDIS_DB).flushdb()
        if os.environ.get("PROD_CHECK_KEEP"):
            print(f"logs kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def apt_install(package: str) -> None:
    say(f"installing {package} (apt-get)")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", package],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def http_ok(port: int, path: str) -> bool:
    try:
        conn = HTTPConnection(HOST, port, timeout=2)
        conn.request("GET", path, headers={"Host": HOST})
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except (OSError, HTTPException):
        return False


def served_by(stack: Stack, name: str) -> bool:
    """Whether nginx sends requests to host `name` again (after a restart, nginx
    skips a failed host for fail_timeout): a few uncached requests through nginx,
    then look for them in that host's count of 404s (its /metrics, read straight:
    behind nginx the hosts write no access log)."""
    before = not_found(stack, name)
    mark = f"/prod-check-via-{secrets.token_hex(4)}"  # a 404: never cached
    for _ in range(4):
        with contextlib.suppress(OSError, HTTPException):
            Client(stack.ports["nginx"]).request("GET", mark)
    return not_found(stack, name) > before


def not_found(stack: Stack, name: str) -> float:
    """The 404s host `name` has answered since it started (/metrics; 0 if it can't say)."""
    try:
        status, _, text = Client(stack.ports[name]).request("GET", "/metrics")
    except (OSError, HTTPException):
        return 0.0
    counts = re.findall(r'^portal_requests_total\{[^}]*status="404"[^}]*\} (\S+)$', text, re.M)
    return sum(float(n) for n in counts) if status == 200 else 0.0


# --------------------------------------------------------------------------- load


class Load:
    """Threads doing `work(client) -> (kind, status, seconds)` until stopped."""

    def __init__(self, make_client, work, threads: int):
        self.records: list[tuple[float, str, object, float]] = []  # (end, kind, status, s)
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(make_client(i), work), daemon=True)
            for i in range(threads)
        ]

    def _run(self, client, work) -> None:
        while not self.stop.is_set():
            kind, status, seconds = work(client)
            self.records.append((time.monotonic(), kind, status, seconds))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(15)


def writer(stack: Stack, tag: str, acked: list):
    """Member writes: a message in the client's pairing (the demo pairing unless the
    client says another), each with its own text; the text is recorded once the
    portal answered 303 (the write is acknowledged)."""
    counter = iter(range(10**9))

    def work(client: Client):
        body = f"{tag}-{secrets.token_hex(3)}-{next(counter)}"
        path = f"/pairings/{getattr(client, 'pairing', stack.pairing)}/messages"
        status, seconds = timed(client, "POST", path, {"csrf_token": client.token, "body": body})
        if status == 303:
            acked.append((time.monotonic(), body))
        return "write", status, seconds

    return work


def member_client(stack: Stack, port: int, email: str) -> Client:
    """A client signed in as `email`. Each member signs in once per run (sign-ins from
    nginx's one address count against RATELIMIT_SIGN_IN); every client then shares that
    session, with the cookie as it was (flash messages don't pile up in it)."""
    if email not in stack.jars:
        first = Client(port)
        if first.sign_in(email, stack.password) != 303:
            raise RuntimeError(f"could not sign in as {email}")
        token = first.csrf(f"/pairings/{stack.pairing}")
        stack.jars[email] = (dict(first.jar), token)
        first.close()
    jar, token = stack.jars[email]
    client = Client(port, dict(jar))
    client.frozen = True
    client.token = token
    client.pairing = stack.pairing
    return client


def pairing_members(stack: Stack, port: int):
    emails = [stack.senior, stack.junior]
    return lambda i: member_client(stack, port, emails[i % 2])


def spread_members(stack: Stack) -> list[tuple[dict, str, int]]:
    """(session cookies, CSRF token, pairing id) of both members of each pairing
    `Stack(pairings=N)` made, each signed in once (cached on the stack). Each signs in
    straight to a host, alternating A and B, from an address of its own in
    X-Forwarded-For (PROXY_COUNT=1): through nginx all would share its one address and
    RATELIMIT_SIGN_IN, which stays as shipped, allows 20 a minute."""
    if stack.spread or not stack.pairings:
        return stack.spread
    people = [
        (email, pairing) for pairing, senior, junior in stack.pairings for email in (senior, junior)
    ]

    def sign_in(numbered):
        n, (email, pairing) = numbered
        address = f"198.18.{n // 250}.{n % 250 + 1}"  # RFC 2544's benchmarking range
        port = stack.ports["ab"[n % 2]]
        client = Client(port, headers={"X-Forwarded-For": address})
        try:
            if client.sign_in(email, stack.password) != 303:
                raise RuntimeError(f"could not sign in as {email}")
            token = client.csrf(f"/pairings/{pairing}")
            return dict(client.jar), token, pairing
        finally:
            client.close()

    with ThreadPoolExecutor(4) as pool:
        stack.spread = list(pool.map(sign_in, enumerate(people)))
    return stack.spread


def errors(records, kind=None) -> int:
    return sum(
        1
        for _, k, s, _ in records
        if (kind is None or k == kind) and not (isinstance(s, int) and s < 500)
    )


def reload_nginx(stack: Stack, host_down: str | None) -> None:
    """Mark one app host `down` in the running upstream (or none), and reload nginx:
    its old workers finish their requests first."""
    conf = stack.tmp / "nginx" / "portal-http.conf"
    text = conf.read_text().replace(" down max_fails", " max_fails")
    if host_down:
        port = stack.ports[host_down]
        text = text.replace(f"{HOST}:{port} max_fails", f"{HOST}:{port} down max_fails")
    conf.write_text(text)
    master = stack.procs["nginx"].pid
    old = children(master)
    os.kill(master, signal.SIGHUP)
    wait_until(lambda: not (children(master) & old), 20, "nginx's old workers to finish")


def children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(stat.parent.name))
    return found


# --------------------------------------------------------------------------- pairings


def make_pairings(count: int, password: str) -> list[tuple[int, str, str]]:
    """`count` pairings, each of two new members, made through the portal's services
    as members would (call inside an app context): both join and confirm their
    email, the senior posts a request, the junior answers, the senior accepts. Their
    addresses are on the demo's domain, and the mail this queued is dropped as the
    demo's is. [(pairing id, senior's email, junior's email)]."""
    from portal.board import services as board
    from portal.board.demo import DOMAIN, drop_demo_mail, join_confirmed
    from portal.pairings import services as pairings

    def join(name: str, role: str, teach: list[str], learn: list[str]):
        email = f"{name.lower().replace(' ', '-')}@{DOMAIN}"
        return join_confirmed(name, email, password, role, teach, learn)

    made = []
    for n in range(1, count + 1):
        senior = join(f"Load Senior {n}", "senior", ["banking"], ["chatgpt"])
        junior = join(f"Load Junior {n}", "junior", ["chatgpt"], ["banking"])
        request = board.post_request(
            senior,
            board.RequestInput(
                kind="seeking",
                title=f"ChatGPT for my weekly reports ({n})",
                tool="ChatGPT",
                description="I want to use it on my own work; in return, how a branch is run.",
            ),
        )
        answer = board.answer_request(junior, request, "I use it every day; evenings suit me.")
        pairing = pairings.accept_answer(senior, request, answer).pairing
        made.append((pairing.id, senior.email, junior.email))
    drop_demo_mail()
    return made


if __name__ == "__main__" and sys.argv[1:2] == ["pairings"]:
    # Stack.start() runs this with the hosts' environment: the checkout's wsgi app.
    sys.path.insert(0, str(ROOT))
    from wsgi import app

    with app.app_context():
        made = make_pairings(int(sys.argv[2]), os.environ["PRODSTACK_PASSWORD"])
    print("PAIRINGS " + json.dumps(made), flush=True)
