"""Throughput and memory benchmark for the portal under gunicorn.

Starts gunicorn (production mode, sync workers) on 127.0.0.1 with a free port,
drives each URL in URLS with the same load generator, alternating the URLs over
several rounds, and prints the median requests per second of each URL and its
ratio to the first URL (the minimal route). Then reports the resident memory of
every gunicorn worker. It reports; it does not assert (exit code 0 unless the
server cannot be started).

    .venv/bin/python bench/bench.py [--seconds 5] [--rounds 3] [--json out.json]

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
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

# (name, path): the first entry is the baseline every ratio is computed against.
# Add a URL with one line here.
URLS: list[tuple[str, str]] = [
    ("minimal", "/robots.txt"),
    ("essay page", "/essays/teaching-upward"),
    ("essay index", "/essays/"),
]

# Targets, by name from URLS: minimum ratio to the minimal route.
RATIO_TARGETS: dict[str, float] = {"essay page": 0.8}
RSS_TARGET_MB = 64.0

REQUEST_TIMEOUT = 5.0  # seconds, per socket operation
MAX_REQUESTS_PER_CLIENT = 2_000_000  # per measurement: a bound, never reached in practice
MAX_ERRORS_PER_CLIENT = 200  # per measurement: give up on a URL that keeps failing
START_DELAY = 0.3  # seconds between scheduling a measurement and its start
STARTUP_TIMEOUT = 30.0  # seconds for gunicorn to answer /healthz
STOP_TIMEOUT = 10.0  # seconds for gunicorn to stop after SIGTERM, before SIGKILL


# --------------------------------------------------------------------------- client


def _connection(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)


def client_loop(port: int, path: str, start: float, measure: float, end: float) -> dict:
    """One client: request `path` back to back on one connection (reconnecting
    whenever the server closes it) from `start` until `end` (time.monotonic()).
    Responses completed in [measure, end) are counted; earlier ones are warm-up.
    """
    headers = {"Host": f"{HOST}:{port}", "Accept-Encoding": "identity", "User-Agent": "bench"}
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
    pool: cf.Executor, clients: int, port: int, path: str, warmup: float, seconds: float
) -> dict:
    """Run `clients` client loops on `path` at once; return the combined counts."""
    start = time.monotonic() + START_DELAY
    measure = start + warmup
    end = measure + seconds
    futures = [pool.submit(client_loop, port, path, start, measure, end) for _ in range(clients)]
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


def server_env(port: int, tmpdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("FLASK_DEBUG", "FLASK_ENV", "FLASK_TESTING", "REDIS_URL"):
        env.pop(name, None)  # production mode, in-memory limiter storage
    env.update(
        SECRET_KEY=secrets.token_hex(32),
        SITE_URL=f"http://{HOST}:{port}",
        TRUSTED_HOSTS=HOST,
        RATELIMIT_ENABLED="false",
        DATABASE_URL=f"sqlite:///{tmpdir / 'bench.sqlite3'}",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = _connection(port)
    try:
        conn.request("GET", path, headers={"Host": f"{HOST}:{port}"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def log_tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start_server(port: int, workers: int, tmpdir: Path, log: Path) -> subprocess.Popen:
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
            env=server_env(port, tmpdir),
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


def log_problems(log: Path) -> list[str]:
    markers = ("Traceback", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT", "Exception")
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [line for line in lines if any(m in line for m in markers)]


# --------------------------------------------------------------------------- report


def fmt_counts(counts: dict) -> str:
    return ", ".join(f"{k}x{v}" for k, v in sorted(counts.items())) or "-"


def print_table(report: dict, args: argparse.Namespace) -> None:
    results = report["results"]
    memory = report["memory"]["workers"]
    load_before = report["settings"]["load_average_before"]
    base = results[0]
    print()
    print(
        f"gunicorn --workers {args.workers} --worker-class sync; "
        f"{args.clients} client {args.client_mode}es; warm-up {args.warmup:g} s, "
        f"{args.seconds:g} s x {args.rounds} rounds per URL; {os.cpu_count()} CPUs, "
        f"load average {load_before:.2f} before the run"
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
    print(f"{'worker pid':<12} {'RSS MB':>7}  {'target':<16} {'peak MB':>8} {'PSS MB':>7}")
    for m in memory:
        rss = m.get("rss_mb")
        verdict = "" if rss is None else ("met" if rss <= RSS_TARGET_MB else "MISSED")
        target_text = f"<= {RSS_TARGET_MB:g} {verdict}"
        cells = [
            ("?" if m.get(k) is None else f"{m[k]:.1f}") for k in ("rss_mb", "peak_mb", "pss_mb")
        ]
        print(f"{m['pid']:<12} {cells[0]:>7}  {target_text:<16} {cells[1]:>8} {cells[2]:>7}")
    if not memory:
        print("(no worker found)")


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
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        tmpdir = Path(tmp)
        log = tmpdir / "gunicorn.log"
        port = free_port()
        proc = None
        try:
            proc = start_server(port, args.workers, tmpdir, log)
            master_memory = memory_mb(proc.pid)
            preflight = {}
            for name, path in URLS:
                status, body = get(port, path)
                preflight[name] = status
                if status != 200:
                    print(f"warning: {path} answered {status} ({len(body)} bytes)", file=sys.stderr)
            samples: dict[str, list[dict]] = {name: [] for name, _ in URLS}
            for number in range(1, args.rounds + 1):
                for name, path in URLS:  # alternate, so drift affects every URL alike
                    sample = measure_url(pool, args.clients, port, path, args.warmup, args.seconds)
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
            problems = log_problems(log)
        finally:
            if args.client_mode == "process":
                pool.shutdown(wait=True, cancel_futures=True)
            else:
                pool.shutdown(wait=False, cancel_futures=True)
            if proc is not None:
                stop_server(proc)

    results = []
    base_runs = samples[URLS[0][0]]
    for name, path in URLS:
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
        "settings": {
            "workers": args.workers,
            "clients": args.clients,
            "client_mode": args.client_mode,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_before": load_before,
        },
        "results": results,
        "memory": {
            "target_mb": RSS_TARGET_MB,
            "workers": memory,
            "master_rss_mb": master_memory.get("VmRSS"),
        },
        "server_log_problems": problems,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per URL")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per URL")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (median)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    parser.add_argument("--client-mode", choices=("process", "thread"), default="process")
    parser.add_argument("--json", metavar="PATH", help="also write the results to PATH")
    parser.add_argument("--quiet", action="store_true", help="no per-round progress")
    args = parser.parse_args(argv)
    if not (0 < args.seconds <= 600 and 0 <= args.warmup <= 60 and 1 <= args.rounds <= 50):
        parser.error("need 0 < --seconds <= 600, 0 <= --warmup <= 60, 1 <= --rounds <= 50")
    if not (1 <= args.workers <= 64 and 1 <= args.clients <= 256):
        parser.error("need 1 <= --workers <= 64 and 1 <= --clients <= 256")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def terminate(signum, frame):  # SIGTERM: unwind through the finally blocks
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
    try:
        report = run(args)
    except KeyboardInterrupt:
        print("interrupted; server stopped", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    print_table(report, args)
    if report["server_log_problems"]:
        print(f"\nserver log: {len(report['server_log_problems'])} problem line(s), first ones:")
        for line in report["server_log_problems"][:5]:
            print("  " + line)
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nresults written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
