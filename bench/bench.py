"""Throughput and memory benchmark for the portal under gunicorn.

For each board size (--sizes, default 1000,100000 requests) it migrates a fresh
SQLite database, fills it with the demo community (portal.board.demo.fill), starts
gunicorn (production mode, sync workers) on 127.0.0.1 with a free port, drives
each URL in URLS with the same load generator, alternating the URLs over several
rounds, and prints the median requests per second of each URL and its ratio to
the first URL (the minimal route), then the resident memory of every gunicorn
worker. The pairing page is measured signed in as the senior of a pairing made
for it (bench/pairing_fixture.py). The pages that read the board are measured at
every size, the others at the first size only; a last table compares the sizes.
Last, the median time of a join with the mail server answering vs stalled
(bench/mail_stall.py; --mail-joins 0 skips it). It reports; it does not assert
(exit code 0 unless a database or the server cannot be set up).

    .venv/bin/python bench/bench.py [--sizes 1000,100000] [--seconds 5] [--json out.json]
                                    [--mail-joins 20]

See bench/README.md for how to read the numbers.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import http.client
import importlib.util
import json
import multiprocessing
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import mail_stall  # bench/, next to this file (sys.path[0] when run as a script)
import pairing_fixture

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

# (name, path): the first entry is the baseline every ratio is computed against.
# Add a URL with one line here. "{request_id}" becomes the id of a request with
# answers (REQUEST_ANSWERS of them, or as many as the fill gave one); "{pairing_id}"
# the id of the pairing bench/pairing_fixture.py makes.
URLS: list[tuple[str, str]] = [
    ("minimal", "/robots.txt"),
    ("essay page", "/essays/teaching-upward"),
    ("essay index", "/essays/"),
    ("board", "/requests/"),
    ("request page", "/requests/{request_id}"),
    ("request, in", "/requests/{request_id}"),  # signed in
    ("pairing", "/pairings/{pairing_id}"),
]
# URLs whose cost may depend on the board's size: measured at every size (with
# the baseline); the others only at the first size.
SIZED_URLS = {"board", "request page"}
# URLs requested signed in as the pairing's senior (its session cookie sent with
# each request); the database gets the pairing only at the sizes that measure them.
SIGNED_IN_URLS = {"request, in", "pairing"}
# What a signed-in page must show for its run to count (else: a redirect to /login).
SIGNED_IN_TEXT = {"request, in": "text:Sign out"}

# Targets, by name from URLS: minimum ratio to the minimal route (issue 15).
RATIO_TARGETS: dict[str, float] = {
    "essay page": 0.9,
    "board": 0.5,
    "request page": 0.5,
    "request, in": 0.2,
    "pairing": 0.15,
}
# Targets, by name: largest change of the ratio from the first size to another.
SIZE_TOLERANCE: dict[str, float] = {"board": 0.10, "request page": 0.10}
# Memory (issue 13): gunicorn.conf.py preloads the app, so the target is each worker's
# PSS (its own pages plus its share of those shared with the master and the other
# workers): <= 40 MB. (Without preloading it would be <= 64 MB of RSS.)
PSS_TARGET_MB = 40.0
KSM_SECONDS_PER_SCAN = 60.0  # at most, for ksmd's full scans (bench.ksm_merge)

DEFAULT_SIZES = (1_000, 100_000)  # requests on the board
DEMO_MEMBERS = 2_000
DEMO_ANSWERS_PER_REQUEST = 3.0  # about 3 answers a request: 300,000 at 100,000
REQUEST_ANSWERS = 5  # the request page shows a request with this many answers
FILL_TIMEOUT = 600.0  # seconds for migrating and filling one database

REQUEST_TIMEOUT = 5.0  # seconds, per socket operation
MAX_REQUESTS_PER_CLIENT = 2_000_000  # per measurement: a bound, never reached in practice
MAX_ERRORS_PER_CLIENT = 200  # per measurement: give up on a URL that keeps failing
START_DELAY = 0.3  # seconds between scheduling a measurement and its start
STARTUP_TIMEOUT = 30.0  # seconds for gunicorn to answer /healthz
STOP_TIMEOUT = 10.0  # seconds for gunicorn to stop after SIGTERM, before SIGKILL


# --------------------------------------------------------------------------- client


def _connection(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)


def client_loop(
    port: int,
    path: str,
    start: float,
    measure: float,
    end: float,
    extra_headers: dict[str, str] | None = None,
) -> dict:
    """One client: request `path` back to back on one connection (reconnecting
    whenever the server closes it) from `start` until `end` (time.monotonic()).
    Responses completed in [measure, end) are counted; earlier ones are warm-up.
    `extra_headers` (e.g. a Cookie) go with every request.
    """
    headers = {"Host": f"{HOST}:{port}", "Accept-Encoding": "identity", "User-Agent": "bench"}
    headers.update(extra_headers or {})
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    ok = sent = nbytes = connects = 0
    conn: http.client.HTTPConnection | None = None
    delay = start - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    try:
        while sent < MAX_REQUESTS_PER_CLIENT and sum(errors.values()) < MAX_ERRORS_PER_CLIENT:
            if time.monotonic() >= end:
                break
            if conn is None:
                conn = _connection(port)
                connects += 1
            try:
                sent += 1
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                will_close = response.will_close
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = None
                if measure <= time.monotonic() < end:
                    errors[type(exc).__name__] += 1
                continue
            if will_close:  # gunicorn sync workers answer "Connection: close"
                conn.close()
                conn = None
            done = time.monotonic()
            if measure <= done < end:
                statuses[response.status] += 1
                if response.status == 200:
                    ok += 1
                    nbytes += len(body)
    finally:
        if conn is not None:
            conn.close()
    return {
        "ok": ok,
        "statuses": dict(statuses),
        "errors": dict(errors),
        "bytes": nbytes,
        "connects": connects,
    }


def measure_url(
    pool: cf.Executor,
    clients: int,
    port: int,
    path: str,
    warmup: float,
    seconds: float,
    headers: dict[str, str] | None = None,
) -> dict:
    """Run `clients` client loops on `path` at once; return the combined counts."""
    start = time.monotonic() + START_DELAY
    measure = start + warmup
    end = measure + seconds
    futures = [
        pool.submit(client_loop, port, path, start, measure, end, headers) for _ in range(clients)
    ]
    # Every client stops by `end`; one request can still take REQUEST_TIMEOUT.
    deadline = end + 2 * REQUEST_TIMEOUT + 5
    results = []
    for future in futures:
        results.append(future.result(timeout=max(0.1, deadline - time.monotonic())))
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    for r in results:
        statuses.update(r["statuses"])
        errors.update(r["errors"])
    ok = sum(r["ok"] for r in results)
    return {
        "ok": ok,
        "rps": ok / seconds,
        "non_200": {str(k): v for k, v in statuses.items() if k != 200},
        "errors": dict(errors),
        "bytes_per_response": (sum(r["bytes"] for r in results) / ok) if ok else 0,
        "connects": sum(r["connects"] for r in results),
    }


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def server_env(port: int, database: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("FLASK_DEBUG", "FLASK_ENV", "FLASK_TESTING", "REDIS_URL"):
        env.pop(name, None)  # production mode, in-memory limiter storage
    env.update(
        SECRET_KEY=secrets.token_hex(32),
        SITE_URL=f"http://{HOST}:{port}",
        ALLOW_HTTP="true",  # production mode on plain http, on this machine
        TRUSTED_HOSTS=HOST,
        RATELIMIT_ENABLED="false",
        DATABASE_URL=f"sqlite:///{database}",
        PYTHONDONTWRITEBYTECODE="1",
        # As deployed behind nginx: nginx writes the access log, gunicorn none
        # (gunicorn.conf.py), and the portal's own log has a line only for a problem.
        PROXY_COUNT="1",
    )
    env.pop("GUNICORN_ACCESS_LOG", None)
    return env


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = _connection(port)
    try:
        conn.request("GET", path, headers={"Host": f"{HOST}:{port}", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start_server(port: int, workers: int, database: Path, log: Path) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--graceful-timeout",
        "5",
        "--timeout",
        "30",
        "--log-level",
        "info",
        "wsgi:app",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=server_env(port, database),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: Ctrl-C goes to us, we stop it
        )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{log_tail(log)}")
        try:
            status, _ = get(port, "/healthz")
            if status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError(f"/healthz did not answer 200 in {STARTUP_TIMEOUT:.0f} s:\n{log_tail(log)}")


# What runs in the app's context to fill the board: prints one line of JSON.
FILL_SNIPPET = """
import json, sys, time
import sqlalchemy as sa
from portal import create_app
from portal.board.demo import fill
from portal.board.models import PairingRequest, Status
from portal.extensions import db

requests, members, wanted = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[4])
per_request = float(sys.argv[3])
app = create_app()
with app.app_context():
    started = time.perf_counter()
    made = fill(members=members, requests=requests, answers_per_request=per_request)
    seconds = time.perf_counter() - started
    # The newest open request with `wanted` answers, else the one with the most.
    open_ = PairingRequest.status == Status.OPEN
    newest = (PairingRequest.created_at.desc(), PairingRequest.id.desc())
    found = db.session.execute(
        sa.select(PairingRequest.id, PairingRequest.answer_count)
        .where(open_, PairingRequest.answer_count == wanted).order_by(*newest).limit(1)
    ).first() or db.session.execute(
        sa.select(PairingRequest.id, PairingRequest.answer_count)
        .where(open_).order_by(PairingRequest.answer_count.desc(), *newest).limit(1)
    ).first()
    print(json.dumps({"requests": made["requests"], "members": made["members"],
                      "answers": made["answers"], "seconds": seconds,
                      "request_id": found[0], "request_answers": found[1]}))
"""


def prepare_database(
    database: Path, size: int, port: int, log: Path, *, pairing: bool = False
) -> dict:
    """`flask db upgrade` on a new SQLite file, then fill it with `size` requests,
    with the environment gunicorn will get; with `pairing`, then make the pairing
    (bench/pairing_fixture.py) in it too. Returns what the fill made, and the
    pairing under "pairing"."""
    env = server_env(port, database)
    started = time.monotonic()
    commands = [
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        [
            sys.executable,
            "-c",
            FILL_SNIPPET,
            str(size),
            str(DEMO_MEMBERS),
            str(DEMO_ANSWERS_PER_REQUEST),
            str(REQUEST_ANSWERS),
        ],
    ]
    if pairing:
        commands.append([sys.executable, str(pairing_fixture.SCRIPT)])
    outputs = []
    with open(log, "ab") as out:
        for cmd in commands:
            out.write(f"$ {' '.join(cmd[:4])} ...\n".encode())
            out.flush()
            done = subprocess.run(
                cmd,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=out,
                timeout=FILL_TIMEOUT,
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(
                    f"{' '.join(cmd[2:5]) or Path(cmd[1]).name} exited with "
                    f"{done.returncode}:\n{log_tail(log)}"
                )
            outputs.append(done.stdout)
    summaries = []
    for stdout, what in zip(outputs[1:], ("fill", "pairing fixture"), strict=False):
        try:
            summaries.append(json.loads(stdout.decode().strip().splitlines()[-1]))
        except (ValueError, IndexError) as exc:
            raise RuntimeError(f"the {what} printed no summary: {stdout[-500:]!r}") from exc
    made = summaries[0]
    if pairing:
        made["pairing"] = summaries[1]
    made["prepare_seconds"] = time.monotonic() - started
    return made


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL to the whole group if needed."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=STOP_TIMEOUT)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # stray workers, if any
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=STOP_TIMEOUT)


def children(pid: int) -> list[int]:
    kids: set[int] = set()
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            kids.update(int(k) for k in (task / "children").read_text().split())
        return sorted(kids)
    except OSError:
        pass
    for entry in Path("/proc").iterdir():  # kernels without /proc/*/children
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.add(int(entry.name))
    return sorted(kids)


def ksm_merge(scans: int, quiet: bool = False) -> dict:
    """Let the host's ksmd merge the pages alike in the workers (gunicorn.conf.py offers
    their memory to it, as deployed): turn it on if it is off (root), wait for `scans`
    full scans of the memory offered (the first only notes each page, merging starts
    with the second), then put it back as it was (pages merged meanwhile stay merged
    until written to). Says whether the workers' memory can be read again as merged,
    and how long it took; never raises for ksmd's sake."""
    run = Path("/sys/kernel/mm/ksm/run")
    scans_file = Path("/sys/kernel/mm/ksm/full_scans")
    try:
        before = run.read_text().strip()
    except OSError:
        return {"merged": False, "why": "this kernel has no KSM"}
    started = time.monotonic()
    result: dict
    try:
        if before != "1":
            run.write_text("1")
        first = int(scans_file.read_text())
        if not quiet:
            print(f"ksm: waiting for {scans} full scans by ksmd ...", file=sys.stderr)
        while int(scans_file.read_text()) < first + scans:
            if time.monotonic() - started > KSM_SECONDS_PER_SCAN * scans:
                why = f"ksmd did not finish {scans} scans in time (GUNICORN_KSM=off?)"
                return {"merged": False, "why": why}
            time.sleep(0.5)
        result = {
            "merged": True,
            "scans": scans,
            "seconds": round(time.monotonic() - started, 1),
            "was_running": before == "1",
        }
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        result = {"merged": False, "why": f"could not run ksmd ({why}; run as root)"}
    finally:
        if before != "1":
            try:
                run.write_text(before)
            except OSError as exc:
                print(f"warning: could not stop ksmd again: {exc}", file=sys.stderr)
    return result


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS, VmHWM (peak RSS) and Pss (RSS with pages shared after fork divided
    among the sharers) in MB (1 MB = 1024 kB; /proc reports kB)."""
    found: dict[str, float] = {}
    for name, keys in (("status", ("VmRSS", "VmHWM")), ("smaps_rollup", ("Pss",))):
        try:
            for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in keys:
                    found[key] = int(value.split()[0]) / 1024
        except (OSError, ValueError, IndexError):
            pass
    return found


LATENCY_CONNECTIONS = 32
LATENCY_FACTOR = 3.0  # issue 15: p99 at most this many times p50, over a whole run


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def latency_run(port: int, path: str, seconds: float, log: Path) -> dict:
    """The essay page at LATENCY_CONNECTIONS connections for `seconds` with wrk (a
    C load generator: Debian's `wrk`), p50/p90/p99 over the whole run, and how many
    workers gunicorn replaced meanwhile (max_requests in gunicorn.conf.py)."""
    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    booted = log.read_text(errors="replace").count("Booting worker")
    out = subprocess.run(
        [wrk, "-t2", f"-c{LATENCY_CONNECTIONS}", f"-d{seconds:g}s", "--latency",
         f"http://{HOST}:{port}{path}"],
        capture_output=True, text=True, timeout=seconds + 60, check=False,
    ).stdout  # fmt: skip
    found = {q: _ms(m) for q, m in re.findall(r"^\s+(50|90|99)%\s+(\S+)$", out, re.M)}
    if set(found) != {"50", "90", "99"}:
        return {"skipped": f"could not read wrk's output: {out[-300:]!r}"}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    problems = re.findall(r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)", out)
    return {
        "path": path,
        "connections": LATENCY_CONNECTIONS,
        "seconds": seconds,
        "p50_ms": found["50"],
        "p90_ms": found["90"],
        "p99_ms": found["99"],
        "rps": float(rps.group(1)) if rps else None,
        "problems": problems,
        "workers_replaced": log.read_text(errors="replace").count("Booting worker") - booted,
    }


def print_latency(lat: dict) -> None:
    if "skipped" in lat:
        print(f"\nlatency at {LATENCY_CONNECTIONS} connections: not measured: {lat['skipped']}")
        return
    factor = lat["p99_ms"] / lat["p50_ms"] if lat["p50_ms"] else float("inf")
    verdict = "met" if factor <= LATENCY_FACTOR else "MISSED"
    print(
        f"\nlatency, {lat['path']} at {lat['connections']} connections for {lat['seconds']:g} s "
        f"(wrk): {lat['rps']:.0f} req/s, p50 {lat['p50_ms']:.1f} ms, p90 {lat['p90_ms']:.1f} ms, "
        f"p99 {lat['p99_ms']:.1f} ms; p99 = {factor:.1f} x p50 (target <= {LATENCY_FACTOR:g}: "
        f"{verdict}); workers replaced during the run: {lat['workers_replaced']}"
        + (f"; {'; '.join(lat['problems'])}" if lat["problems"] else "")
    )


def log_problems(log: Path) -> list[str]:
    markers = ("Traceback", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT", "Exception")
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [line for line in lines if any(m in line for m in markers)]


def first_traceback(log: Path, limit: int = 40) -> list[str]:
    """The first traceback in the server log (up to `limit` lines), to say why."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    for number, line in enumerate(lines):
        if line.startswith("Traceback"):
            block = [line]
            for following in lines[number + 1 : number + limit]:
                block.append(following)
                if following and not following.startswith((" ", "Traceback", "During", "The ")):
                    break  # the exception line ends the traceback
            return block
    return []


# --------------------------------------------------------------------------- report


def fmt_counts(counts: dict) -> str:
    return ", ".join(f"{k}x{v}" for k, v in sorted(counts.items())) or "-"


def print_settings(report: dict, args: argparse.Namespace) -> None:
    print()
    print(
        f"gunicorn --workers {args.workers} --worker-class sync; "
        f"{args.clients} client {args.client_mode}es; warm-up {args.warmup:g} s, "
        f"{args.seconds:g} s x {args.rounds} rounds per URL; {os.cpu_count()} CPUs, "
        f"load average {report['settings']['load_average_before']:.2f} before the run"
    )


def print_table(run: dict) -> None:
    """One size: req/s and ratio of each URL, then each worker's memory."""
    results = run["results"]
    memory = run["memory"]["workers"]
    made = run["board"]
    base = results[0]
    print()
    print(
        f"board of {made['requests']:,} requests, {made['answers']:,} answers, "
        f"{made['members']:,} members (filled in {made['seconds']:.1f} s); "
        f"request page: #{made['request_id']}, {made['request_answers']} answers"
    )
    pairing = made.get("pairing")
    if pairing:
        print(
            f"pairing page: #{pairing['id']}, signed in as its senior; {pairing['quarters']} "
            f"quarters ({pairing['complete_quarters']} complete), {pairing['sessions']} "
            f"sessions, {pairing['agenda_items']} agenda items, {pairing['reflections']} "
            f"reflections, {pairing['messages']} messages"
        )
    rounds_w = max(len(" / ".join(f"{r:.0f}" for r in res["rounds_rps"])) for res in results)
    header = (
        f"{'route':<12} {'path':<26} {'median req/s':>12}  {'rounds':<{rounds_w}}  "
        f"{'ratio':>5}  {'target':<16} {'KB/resp':>7}  non-200/errors"
    )
    print(header)
    print("-" * len(header))
    for res in results:
        ratio = res["ratio"]
        target = RATIO_TARGETS.get(res["name"])
        if res is base:
            target_text = "(baseline)"
        elif target is None:
            target_text = ""
        else:
            target_text = f">= {target:.2f} " + ("met" if ratio >= target else "MISSED")
        rounds = " / ".join(f"{r:.0f}" for r in res["rounds_rps"])
        problems = fmt_counts(res["non_200"])
        if res["errors"]:
            problems += "; " + fmt_counts(res["errors"])
        print(
            f"{res['name']:<12} {res['path']:<26} {res['median_rps']:>12.1f}  "
            f"{rounds:<{rounds_w}}  {ratio:>5.2f}  {target_text:<16} "
            f"{res['kb_per_response']:>7.1f}  {problems}"
        )
    print()
    ksm = run["memory"].get("ksm") or {}
    merged = bool(ksm.get("merged"))
    print(
        f"{'worker pid':<12} {'RSS MB':>7} {'peak MB':>8} {'PSS MB':>7}"
        + (f" {'KSM, idle':>9}" if merged else "")
        + "  target (PSS)"
    )
    keys = ("rss_mb", "peak_mb", "pss_mb") + (("pss_ksm_mb",) if merged else ())
    for m in memory:
        # Judged as the load left it: ksmd's merges last only while a worker is idle
        # (under load it copies the pages again), so a machine is sized on PSS MB.
        pss = m.get("pss_mb")
        verdict = "" if pss is None else ("met" if pss <= PSS_TARGET_MB else "MISSED")
        cells = [("?" if m.get(k) is None else f"{m[k]:.1f}") for k in keys]
        print(
            f"{m['pid']:<12} {cells[0]:>7} {cells[1]:>8} {cells[2]:>7}"
            + (f" {cells[3]:>9}" if merged else "")
            + f"  <= {PSS_TARGET_MB:g} {verdict}"
        )
    if not memory:
        print("(no worker found)")
    if merged:
        print(
            f"KSM, idle: the same workers after {ksm['scans']} full scans by ksmd "
            f"({ksm['seconds']:g} s) with no request; a worker under load copies the pages "
            "it writes again"
            + (
                " (ksmd was already running: PSS MB may be partly merged too)"
                if ksm["was_running"]
                else ""
            )
        )
    elif ksm:
        print(f"KSM, idle: not measured: {ksm['why']}")


def size_changes(runs: list[dict]) -> list[dict]:
    """For each URL measured at every size: its ratio at each size and the change
    of the ratio (and of req/s) from the first size to each other one."""
    first = runs[0]
    changes = []
    for res in first["results"][1:]:
        later = [
            next((r for r in run["results"] if r["name"] == res["name"]), None) for run in runs[1:]
        ]
        if any(r is None for r in later):
            continue
        tolerance = SIZE_TOLERANCE.get(res["name"])
        entry = {"name": res["name"], "ratios": [res["ratio"]], "rps": [res["median_rps"]]}
        entry["ratio_change"], entry["rps_change"] = [], []
        for r in later:
            entry["ratios"].append(r["ratio"])
            entry["rps"].append(r["median_rps"])
            # None when a size has no measurement to compare (no 200 responses).
            valid = res["ratio"] and r["ratio"]
            entry["ratio_change"].append(r["ratio"] / res["ratio"] - 1 if valid else None)
            entry["rps_change"].append(r["median_rps"] / res["median_rps"] - 1 if valid else None)
        entry["tolerance"] = tolerance
        entry["met"] = None
        if tolerance is not None:
            entry["met"] = all(c is not None and abs(c) <= tolerance for c in entry["ratio_change"])
        changes.append(entry)
    return changes


def print_changes(runs: list[dict], changes: list[dict]) -> None:
    if len(runs) < 2:
        return
    sizes = [run["board"]["requests"] for run in runs]
    print()
    print("ratio to the minimal route by board size (requests), and its change from the first size")
    columns = "  ".join(f"{size:>9,}" for size in sizes)
    moves = "  ".join(f"{'change':>7}" for _ in sizes[1:])
    header = f"{'route':<12}  {columns}  {moves}  {'target':<20} req/s change"
    print(header)
    print("-" * len(header))
    for entry in changes:
        ratios = "  ".join(f"{r:>9.2f}" for r in entry["ratios"])
        moved = "  ".join(
            f"{'n/a':>7}" if c is None else f"{c:>+7.1%}" for c in entry["ratio_change"]
        )
        target = ""
        if entry["tolerance"] is not None:
            target = f"within {entry['tolerance']:.0%} " + ("met" if entry["met"] else "MISSED")
        rps = ", ".join("n/a" if c is None else f"{c:+.1%}" for c in entry["rps_change"])
        print(f"{entry['name']:<12}  {ratios}  {moved}  {target:<20} {rps}")


# --------------------------------------------------------------------------- run


def signed_in_headers(
    port: int, urls: list[tuple[str, str]], pairing: dict | None
) -> dict[str, dict[str, str]]:
    """{name: {"Cookie": ...}} for the URLs in SIGNED_IN_URLS: the pairing's senior
    signs in over HTTP (pairing_fixture.sign_in says why), and each such page must
    then answer 200 with the pairing's heading, or the run stops here: a redirect
    to /login would be measured as a fast page that is not the pairing page."""
    signed = [(name, path) for name, path in urls if name in SIGNED_IN_URLS]
    if not signed:
        return {}
    if pairing is None:
        raise RuntimeError("no pairing was made for the signed-in URLs")
    cookies = pairing_fixture.sign_in(port, pairing_fixture.SENIOR[1], pairing_fixture.PASSWORD)
    headers = {}
    for name, path in signed:
        # The first visit can add to the session cookie (the CSRF token of the page's
        # forms), as it would in a browser; the second sends exactly what the clients will.
        shows = SIGNED_IN_TEXT.get(name, pairing["heading"])
        pairing_fixture.check_page(port, path, cookies, shows)
        headers[name] = {"Cookie": pairing_fixture.cookie_header(cookies)}
        pairing_fixture.check_page(port, path, dict(cookies), shows)
    return headers


def measure_server(
    args: argparse.Namespace,
    pool: cf.Executor,
    urls: list[tuple[str, str]],
    port: int,
    database: Path,
    log: Path,
    pairing: dict | None = None,
) -> dict:
    """Start gunicorn on `database`, measure `urls` over the rounds, read memory, stop."""
    proc = None
    try:
        proc = start_server(port, args.workers, database, log)
        master_memory = memory_mb(proc.pid)
        headers = signed_in_headers(port, urls, pairing)
        preflight = {}
        for name, path in urls:
            status, body = get(port, path, headers.get(name))
            preflight[name] = status
            if status != 200:
                print(f"warning: {path} answered {status} ({len(body)} bytes)", file=sys.stderr)
        samples: dict[str, list[dict]] = {name: [] for name, _ in urls}
        for number in range(1, args.rounds + 1):
            for name, path in urls:  # alternate, so drift affects every URL alike
                sample = measure_url(
                    pool, args.clients, port, path, args.warmup, args.seconds, headers.get(name)
                )
                samples[name].append(sample)
                if not args.quiet:
                    print(
                        f"round {number}/{args.rounds} {name:<12} {sample['rps']:8.1f} req/s",
                        file=sys.stderr,
                    )
        memory = []
        for pid in children(proc.pid):
            mem = memory_mb(pid)
            memory.append(
                {
                    "pid": pid,
                    "rss_mb": mem.get("VmRSS"),
                    "peak_mb": mem.get("VmHWM"),
                    "pss_mb": mem.get("Pss"),
                }
            )
        ksm = None
        if args.ksm == "on":
            ksm = ksm_merge(args.ksm_scans, quiet=args.quiet)
            for m in memory:
                m["pss_ksm_mb"] = memory_mb(m["pid"]).get("Pss") if ksm["merged"] else None
        latency = None
        if args.latency_seconds and any(name == "essay page" for name, _ in urls):
            essay = dict(urls)["essay page"]
            if not args.quiet:
                print(f"latency: {essay} at {LATENCY_CONNECTIONS} connections ...", file=sys.stderr)
            latency = latency_run(port, essay, args.latency_seconds, log)
        problems = log_problems(log)
        traceback = first_traceback(log) if problems else []
        exited = proc.poll()
    finally:
        if proc is not None:
            stop_server(proc)

    results = []
    base_runs = samples[urls[0][0]]
    for name, path in urls:
        runs = samples[name]
        median = statistics.median(s["rps"] for s in runs)
        # Each round's ratio pairs measurements taken seconds apart, so slow drift
        # (thermal, other load) cancels; the median of those is the reported ratio.
        round_ratios = [
            s["rps"] / b["rps"] if b["rps"] else 0.0 for s, b in zip(runs, base_runs, strict=True)
        ]
        non_200: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        for s in runs:
            non_200.update(s["non_200"])
            errors.update(s["errors"])
        ok = sum(s["ok"] for s in runs)
        results.append(
            {
                "name": name,
                "path": path,
                "preflight_status": preflight[name],
                "median_rps": median,
                "rounds_rps": [s["rps"] for s in runs],
                "ratio": statistics.median(round_ratios),
                "rounds_ratio": round_ratios,
                "ratio_target": RATIO_TARGETS.get(name),
                "ok_responses": ok,
                "non_200": dict(non_200),
                "errors": dict(errors),
                "kb_per_response": (
                    sum(s["bytes_per_response"] * s["ok"] for s in runs) / ok / 1024 if ok else 0.0
                ),
            }
        )
    return {
        "results": results,
        "memory": {
            "pss_target_mb": PSS_TARGET_MB,
            "workers": memory,
            "master_rss_mb": master_memory.get("VmRSS"),
            "ksm": ksm,
        },
        "latency": latency,
        "server_log_problems": problems,
        "server_log_traceback": traceback,
        "server_exited_with": exited,
    }


def run(args: argparse.Namespace) -> dict:
    if importlib.util.find_spec("gunicorn") is None:
        raise RuntimeError(f"gunicorn is not installed for {sys.executable}; use .venv/bin/python")
    if args.client_mode == "process":
        pool: cf.Executor = cf.ProcessPoolExecutor(
            max_workers=args.clients, mp_context=multiprocessing.get_context("fork")
        )
    else:
        pool = cf.ThreadPoolExecutor(max_workers=args.clients)
    load_before = os.getloadavg()[0]
    runs = []
    try:
        with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
            tmpdir = Path(tmp)
            for index, size in enumerate(args.sizes):
                # A database per size: the fill refuses a board that has the demo already.
                database = tmpdir / f"bench-{size}.sqlite3"
                log = tmpdir / f"gunicorn-{size}.log"
                port = free_port()
                if not args.quiet:
                    print(f"filling a board of {size:,} requests ...", file=sys.stderr)
                chosen = [
                    (name, path)
                    for number, (name, path) in enumerate(URLS)
                    if index == 0 or number == 0 or name in SIZED_URLS
                ]
                signed_in = any(name in SIGNED_IN_URLS for name, _ in chosen)
                made = prepare_database(database, size, port, log, pairing=signed_in)
                ids = {
                    "request_id": made["request_id"],
                    "pairing_id": made.get("pairing", {}).get("id"),
                }
                urls = [(name, path.format(**ids)) for name, path in chosen]
                measured = measure_server(
                    args, pool, urls, port, database, log, made.get("pairing")
                )
                runs.append({"size": size, "board": made, **measured})
    finally:
        if args.client_mode == "process":
            pool.shutdown(wait=True, cancel_futures=True)
        else:
            pool.shutdown(wait=False, cancel_futures=True)
    mail = None
    if args.mail_joins:
        if not args.quiet:
            print("joins with the mail server answering vs stalled ...", file=sys.stderr)
        try:
            mail = mail_stall.measure(args.mail_joins, args.workers)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:  # the tables still print
            mail = {"error": str(exc)}
    return {
        "settings": {
            "workers": args.workers,
            "clients": args.clients,
            "client_mode": args.client_mode,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "sizes": args.sizes,
            "demo_members": DEMO_MEMBERS,
            "demo_answers_per_request": DEMO_ANSWERS_PER_REQUEST,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": load_before,
        },
        "runs": runs,
        "size_changes": size_changes(runs),
        "mail": mail,
    }


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {text!r}") from None
    if not sizes or any(not 100 <= size <= 1_000_000 for size in sizes):
        raise argparse.ArgumentTypeError("each size must be between 100 and 1,000,000 requests")
    return sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=list(DEFAULT_SIZES),
        help="board sizes in requests, comma-separated (default 1000,100000; "
        "--sizes 1000 skips the big one)",
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per URL")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per URL")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (median)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--client-mode", choices=("process", "thread"), default="process")
    parser.add_argument("--json", metavar="PATH", help="also write the results to PATH")
    parser.add_argument("--quiet", action="store_true", help="no per-round progress")
    parser.add_argument(
        "--ksm",
        choices=("on", "off"),
        default="off",
        help="on: after the rounds, read each worker's PSS again once the host's ksmd has "
        "merged the pages alike (root; it turns ksmd on for that, host-wide, and back)",
    )
    parser.add_argument(
        "--ksm-scans", type=int, default=3, help="ksmd's full scans to wait for (default 3)"
    )
    parser.add_argument(
        "--mail-joins",
        type=int,
        default=20,
        help="joins per mail server for the answering-vs-stalled figure (0 skips it)",
    )
    parser.add_argument(
        "--latency-seconds",
        type=float,
        default=30,
        help=f"seconds of the essay page at {LATENCY_CONNECTIONS} connections with wrk, "
        "worker restarts included (0 skips it)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.latency_seconds <= 600:
        parser.error("need 0 <= --latency-seconds <= 600")
    if not (0 < args.seconds <= 600 and 0 <= args.warmup <= 60 and 1 <= args.rounds <= 50):
        parser.error("need 0 < --seconds <= 600, 0 <= --warmup <= 60, 1 <= --rounds <= 50")
    if not (1 <= args.workers <= 64 and 1 <= args.clients <= 256):
        parser.error("need 1 <= --workers <= 64 and 1 <= --clients <= 256")
    if not 2 <= args.ksm_scans <= 20:
        parser.error("need 2 <= --ksm-scans <= 20 (merging starts with the second scan)")
    if not 0 <= args.mail_joins <= 500:
        parser.error("need 0 <= --mail-joins <= 500")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def terminate(signum, frame):  # SIGTERM: unwind through the finally blocks
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    started = time.monotonic()
    try:
        report = run(args)
    except KeyboardInterrupt:
        print("interrupted; server stopped", file=sys.stderr)
        return 130
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    print_settings(report, args)
    for measured in report["runs"]:
        print_table(measured)
        if measured.get("latency"):
            print_latency(measured["latency"])
        problems = measured["server_log_problems"]
        if problems:
            print(f"\nserver log: {len(problems)} problem line(s), first ones:")
            for line in problems[:5]:
                print("  " + line)
            for line in measured["server_log_traceback"]:
                print("  | " + line)
        if measured["server_exited_with"] is not None:
            print(
                f"\ngunicorn stopped during the run (exit code {measured['server_exited_with']}):"
                " the numbers above are not valid"
            )
    print_changes(report["runs"], report["size_changes"])
    if report["mail"] is not None:
        if "error" in report["mail"]:
            print(f"\njoin with the mail server stalled: not measured: {report['mail']['error']}")
        else:
            mail_stall.print_figure(report["mail"])
    print(f"\nwhole run: {time.monotonic() - started:.0f} s")
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nresults written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
