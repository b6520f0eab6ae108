"""Issue 13's figures on the production stack (`make bench-stack`; needs root).

Starts the stack of `make prod-check` (scripts/prodstack.py: throwaway PostgreSQL, two
gunicorn hosts of 2 sync workers in production mode, a worker each, an SMTP sink, Redis
db 13, and Debian's nginx running the shipped deploy/nginx/ files), then drives it with
wrk (Debian's package, installed on demand) and prints three figures:

1. the anonymous essay page through nginx's micro-cache, against nginx serving a static
   file holding the very same bytes (with and without gzip): target >= 0.5 x;
2. signed-in pages through nginx against straight to a host's gunicorn (nginx sends to
   that one host while it is measured): target within 10 % (>= 0.9 x);
3. a mixed load through nginx (80 % anonymous reads, 20 % member writes spread over
   --pairings pairings of two members each, made for it) at rising concurrency: the
   throughput plateau, the p99 there, and the errors (target 0). The plateau is this
   machine's: wrk, nginx, both hosts, their workers and PostgreSQL share its CPUs.

Figures 1 and 2 alternate the baseline and the measured URL over rounds and report
the medians. It reports, it does not assert: exit 0 whatever the numbers (1 if the
stack cannot be set up, 2 without root). See bench/README.md.

    .venv/bin/python bench/stack.py [--seconds 4] [--rounds 3] [--steps 4,8,16,32,64]
                                    [--pairings 32]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
from http.client import HTTPConnection, HTTPException
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from prodstack import (  # noqa: E402 (scripts/prodstack.py, shared with make prod-check)
    ESSAY,
    HOST,
    Stack,
    apt_install,
    member_client,
    reload_nginx,
    say,
    spread_members,
)

STATIC_COPY = "/static/bench/teaching-upward.html"  # the essay's bytes, as a file on disk
ESSAY_TARGET = 0.5  # essay through the micro-cache : the static file
SIGNED_IN_TARGET = 0.9  # through nginx : straight to gunicorn ("within 10 %")
# Signed-in pages, as the demo pairing's senior; "{pairing}" is the demo pairing's id.
SIGNED_IN_PAGES = [
    ("board", "/requests/"),
    ("pairing", "/pairings/{pairing}"),
    ("account", "/account"),
]
MIXED_READS = [ESSAY, "/requests/", "/essays/"]  # what prod-check's mixed load reads
WRITE_SHARE = 0.2
PLATEAU_GAIN = 0.05  # a step that adds less than this to the best req/s: no longer rising
WRK_TIMEOUT = "10s"  # a request slower than this counts as an error (wrk's default: 2 s)

# wrk's Lua (one environment per wrk thread; setup() and done() run in another).
# Every run prints one line: BENCH {json}.
REPORT_LUA = r"""
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function done(summary, latency, requests)
  local e = summary.errors
  local counts = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s then
      for k, v in pairs(s) do counts[k] = (counts[k] or 0) + v end
    end
  end
  local parts = {}
  for k, v in pairs(counts) do table.insert(parts, string.format('"%d": %d', k, v)) end
  io.write(string.format('BENCH {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, ' ..
    '"p50_us": %d, "p99_us": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(99),
    table.concat(parts, ", ")))
end
"""
# Counting each status makes wrk hand every response to Lua: used where a wrong status
# could pass for a fast page (a 303 to /login), not for the static-file figure.
STATUS_LUA = r"""
statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
"""
# Mixed load: each request is a GET of one of the reads (no cookie: the micro-cache) or,
# WRITE_SHARE of them, a POST of a new message by a member picked at random from the
# table (session cookie, CSRF token, their pairing's messages URL): both members of
# each of the pairings made for the run. Args: tag, share, count, count triples, reads.
MIXED_LUA = r"""
local tag, share, reads, members
local n = 0
function init(args)
  tag, share = args[1], tonumber(args[2])
  local count = tonumber(args[3])
  members = {}
  for i = 0, count - 1 do
    local k = 4 + 3 * i
    table.insert(members, {args[k], args[k + 1], "/pairings/" .. args[k + 2] .. "/messages"})
  end
  reads = {}
  for i = 4 + 3 * count, #args do table.insert(reads, args[i]) end
  math.randomseed(id * 7919 + os.time())
end
function request()
  n = n + 1
  if math.random() < share then
    local m = members[math.random(#members)]
    local body = "csrf_token=" .. m[2] .. "&body=" .. tag .. "-" .. id .. "-" .. n
    return wrk.format("POST", m[3], {["Cookie"] = m[1],
      ["Content-Type"] = "application/x-www-form-urlencoded"}, body)
  end
  return wrk.format("GET", reads[math.random(#reads)])
end
"""


# --------------------------------------------------------------------------- wrk


class Wrk:
    def __init__(self, cpu: str, threads: int, scripts: Path) -> None:
        self.prefix = [] if cpu == "none" else ["taskset", "-c", cpu]
        self.threads = threads
        self.scripts = scripts
        for name, text in {
            "plain": REPORT_LUA,
            "statuses": STATUS_LUA + REPORT_LUA,
            "mixed": MIXED_LUA + STATUS_LUA + REPORT_LUA,
        }.items():
            (scripts / f"{name}.lua").write_text(text)

    def run(
        self,
        port: int,
        path: str,
        connections: int,
        seconds: int,
        headers: dict[str, str],
        script: str = "plain",
        args: tuple[str, ...] = (),
        expect: tuple[int, ...] = (),
    ) -> dict:
        """One wrk run; req/s, p50/p99 in ms, errors (socket errors, timeouts, statuses
        >= 400, and with `expect` any other status), statuses (not in "plain")."""
        argv = [
            *self.prefix,
            "wrk",
            f"-t{min(self.threads, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            f"--timeout={WRK_TIMEOUT}",
            "-s",
            str(self.scripts / f"{script}.lua"),
        ]
        for name, value in headers.items():
            argv += ["-H", f"{name}: {value}"]
        argv.append(f"http://{HOST}:{port}{path}")
        if args:
            argv += ["--", *args]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
        found = re.search(r"^BENCH (\{.*\})$", done.stdout, re.M)
        if done.returncode != 0 or not found:
            raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        raw = json.loads(found[1])
        statuses = {int(k): v for k, v in raw["statuses"].items()}
        errors = sum(raw[k] for k in ("connect", "read", "write", "timeout", "status"))
        if expect:
            errors += sum(v for k, v in statuses.items() if k not in expect and k < 400)
        return {
            "connections": connections,
            "requests": raw["requests"],
            "rps": raw["requests"] / (raw["duration_us"] / 1e6),
            "p50": raw["p50_us"] / 1000,
            "p99": raw["p99_us"] / 1000,
            "errors": errors,
            "statuses": statuses,
            "bytes": raw["bytes"] / max(1, raw["requests"]),
        }


def alternate(runs: list[tuple[str, object]], rounds: int, warmup: int) -> dict[str, list]:
    """Each (name, run(seconds)) once for `warmup` seconds (not counted), then in turn,
    `rounds` times: baseline, measured, baseline, measured, ..."""
    for _, run in runs:
        if warmup:
            run(warmup)
    results: dict[str, list] = {name: [] for name, _ in runs}
    for _ in range(rounds):
        for name, run in runs:
            results[name].append(run(None))
    return results


def summary(rounds: list[dict], baseline: list[dict] | None) -> dict:
    ratios = (
        [r["rps"] / b["rps"] for r, b in zip(rounds, baseline, strict=True)] if baseline else []
    )
    return {
        "rps": statistics.median(r["rps"] for r in rounds),
        "rounds": [r["rps"] for r in rounds],
        "p50": statistics.median(r["p50"] for r in rounds),
        "p99": statistics.median(r["p99"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "ratio": statistics.median(ratios) if ratios else 1.0,
        "ratios": ratios,
    }


HEADER = (
    f"{'':<20} {'path':<36} {'req/s':>8}  {'rounds':<22} {'p50 ms':>7} {'p99 ms':>7} "
    f"{'errors':>6}  {'ratio':>5}  target"
)


def row(name: str, path: str, s: dict, target: str) -> str:
    rounds = " / ".join(f"{v:.0f}" for v in s["rounds"])
    return (
        f"{name:<20} {path:<36} {s['rps']:>8.0f}  {rounds:<22} {s['p50']:>7.1f} "
        f"{s['p99']:>7.1f} {s['errors']:>6}  {s['ratio']:>5.2f}  {target}"
    )


def verdict(ratio: float, target: float) -> str:
    return f">= {target:.2f} {'PASS' if ratio >= target else 'short of the target'}"


# --------------------------------------------------------------------------- figures


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs together, from /proc/stat."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


def busy(before: tuple[int, int], after: tuple[int, int]) -> float:
    return (after[0] - before[0]) / max(1, after[1] - before[1])


def get(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict, bytes]:
    conn = HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": f"{HOST}:{port}", **headers})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def essay_vs_static(stack: Stack, wrk: Wrk, opts, out: dict) -> None:
    ngx = stack.ports["nginx"]
    get(ngx, ESSAY, {"Accept-Encoding": "identity"})  # fills the micro-cache
    status, headers, page = get(ngx, ESSAY, {"Accept-Encoding": "identity"})
    if status != 200 or headers.get("X-Cache") != "HIT":
        raise RuntimeError(f"{ESSAY} through nginx: {status}, X-Cache {headers.get('X-Cache')}")
    copy = stack.srv / "portal" / STATIC_COPY.removeprefix("/")
    copy.parent.mkdir(exist_ok=True)
    copy.write_bytes(page)
    copy.chmod(0o644)
    status, headers, body = get(ngx, STATIC_COPY, {"Accept-Encoding": "identity"})
    if status != 200 or body != page:
        raise RuntimeError(f"{STATIC_COPY}: {status}, {len(body)} bytes (not the essay's)")
    out["essay_bytes"] = len(page)
    for encoding in ("gzip", "identity"):
        sent = {"Accept-Encoding": encoding}
        sizes = {}
        for path in (STATIC_COPY, ESSAY):
            _, headers, body = get(ngx, path, sent)
            sizes[path] = (len(body), headers.get("Content-Type"))
        print(
            f"\n1. anonymous essay through nginx's micro-cache vs nginx serving a static file "
            f"of its {len(page):,} bytes\n   Accept-Encoding: {encoding}; "
            f"{opts.connections} connections; bodies as sent: "
            + ", ".join(f"{p} {n:,} B {t}" for p, (n, t) in sizes.items())
        )

        def measure(path, sent=sent):
            return lambda s: wrk.run(ngx, path, opts.connections, s or opts.seconds, sent)

        got = alternate(
            [("static", measure(STATIC_COPY)), ("essay", measure(ESSAY))], opts.rounds, 1
        )
        static, essay = summary(got["static"], None), summary(got["essay"], got["static"])
        print(HEADER)
        print(row("static file", STATIC_COPY, static, "(baseline)"))
        print(row("essay, micro-cache", ESSAY, essay, verdict(essay["ratio"], ESSAY_TARGET)))
        out[f"essay_{encoding}"] = {"static": static, "essay": essay}


def signed_in(stack: Stack, wrk: Wrk, opts, out: dict) -> None:
    ngx, direct = stack.ports["nginx"], stack.ports["a"]
    member = member_client(stack, ngx, stack.senior)
    sent = {
        "Accept-Encoding": "gzip",
        "Cookie": "; ".join(f"{k}={v}" for k, v in member.jar.items()),
    }
    pages = [(name, path.format(pairing=stack.pairing)) for name, path in SIGNED_IN_PAGES]
    for _, path in pages:
        for port in (ngx, direct):
            status, headers, body = get(port, path, {"Cookie": sent["Cookie"]})
            if status != 200 or b"Sign out" not in body:
                raise RuntimeError(f"{path} signed in on :{port}: {status}, not signed in")
            if port == ngx and headers.get("X-Cache") not in (None, "BYPASS"):
                raise RuntimeError(f"{path} signed in through nginx: X-Cache {headers['X-Cache']}")
    print(
        f"\n2. signed-in pages (as the demo pairing's senior, session cookie, Accept-Encoding: "
        f"gzip), {opts.signed_in_connections} connections:\n   straight to host A's gunicorn "
        f"(:{direct}) "
        "vs through nginx with host B marked down (both legs have host A's 2 workers; "
        "nginx bypasses its cache for a session)"
    )
    reload_nginx(stack, "b")
    try:
        print(HEADER)
        for name, path in pages:

            def measure(port, path=path):
                return lambda s: wrk.run(
                    port,
                    path,
                    opts.signed_in_connections,
                    s or opts.seconds,
                    sent,
                    script="statuses",
                    expect=(200,),
                )

            got = alternate([("direct", measure(direct)), ("nginx", measure(ngx))], opts.rounds, 1)
            base, through = summary(got["direct"], None), summary(got["nginx"], got["direct"])
            print(row(f"{name}, gunicorn", path, base, "(baseline)"))
            print(row(f"{name}, nginx", path, through, verdict(through["ratio"], SIGNED_IN_TARGET)))
            out[f"signed_in_{name}"] = {"direct": base, "nginx": through}
    finally:
        reload_nginx(stack, None)


def mixed(stack: Stack, wrk: Wrk, opts, out: dict) -> None:
    ngx = stack.ports["nginx"]
    started = time.monotonic()
    spread = spread_members(stack)
    members = [str(len(spread))]
    for jar, token, pairing in spread:
        members += [
            "; ".join(f"{k}={v}" for k, v in jar.items()),
            urllib.parse.quote(token, safe=""),
            str(pairing),
        ]
    say(f"{len(spread)} members signed in in {time.monotonic() - started:.1f} s")
    ids = [p for p, _, _ in stack.pairings]
    print(
        f"\n3. mixed load through nginx, both hosts: each request is a GET of one of "
        f"{', '.join(MIXED_READS)} (anonymous, Accept-Encoding: gzip), or, "
        f"{WRITE_SHARE:.0%} of them, a POST of a new message by one of {len(spread)} "
        f"members, picked at random, in their own pairing (#{min(ids)}-#{max(ids)}, "
        f"{len(ids)} pairings of two; session cookie + CSRF token);\n   "
        f"{opts.seconds} s per step, one run each; latencies are of all requests together "
        "(wrk does not split them);\n   writes = POSTs answered 303, stored = their messages "
        "in the database (a POST in flight when a step ends is stored, not counted), "
        "pairings = how many got one, CPU busy = all the machine's CPUs over the step "
        "(/proc/stat: anything else running counts too)"
    )
    steps = [int(c) for c in opts.steps.split(",")]
    tag = f"bs-{secrets.token_hex(3)}"

    def run(connections: int, seconds: int, step_tag: str) -> dict:
        before = cpu_times()
        result = wrk.run(
            ngx,
            "/",
            connections,
            seconds,
            {"Accept-Encoding": "gzip"},
            script="mixed",
            args=(step_tag, str(WRITE_SHARE), *members, *MIXED_READS),
            expect=(200, 303),
        )
        result["cpu"] = busy(before, cpu_times())
        result["stored"], result["pairings"] = stack.sql(
            "SELECT count(*), count(DISTINCT pairing_id) FROM pairing_messages WHERE body LIKE %s",
            (step_tag + "-%",),
        )[0]
        return result

    run(steps[0], 1, f"{tag}-warmup")
    print(
        f"{'connections':>11} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'writes':>7} {'stored':>7} {'pairings':>8} {'CPU busy':>8}  statuses"
    )
    results = []
    for connections in steps:
        r = run(connections, opts.seconds, f"{tag}-{connections}")
        results.append(r)
        codes = ", ".join(f"{k}: {v}" for k, v in sorted(r["statuses"].items()))
        print(
            f"{connections:>11} {r['rps']:>8.0f} {r['p50']:>7.1f} {r['p99']:>7.1f} "
            f"{r['errors']:>6} {r['statuses'].get(303, 0):>7} {r['stored']:>7} "
            f"{r['pairings']:>8} {r['cpu']:>7.0%}  {codes}"
        )
    best = max(r["rps"] for r in results)
    plateau = next(r for r in results if r["rps"] >= best / (1 + PLATEAU_GAIN))
    errors = sum(r["errors"] for r in results)
    lost = sum(max(0, r["statuses"].get(303, 0) - r["stored"]) for r in results)
    print(
        f"plateau on this machine (wrk, nginx, both hosts, PostgreSQL on "
        f"{len(os.sched_getaffinity(0))} CPUs): "
        f"{plateau['rps']:.0f} req/s from {plateau['connections']} connections "
        f"(the first step within {PLATEAU_GAIN:.0%} of the best, {best:.0f}), p99 there "
        f"{plateau['p99']:.1f} ms; errors over all steps {errors} (target 0: "
        f"{'PASS' if errors == 0 else 'short of the target'}); acknowledged writes "
        f"missing from the database: {lost}"
    )
    out["mixed"] = {"steps": results, "plateau": plateau, "errors": errors, "lost": lost}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=4, help="per run (4)")
    parser.add_argument("--rounds", type=int, default=3, help="figures 1 and 2 (3)")
    parser.add_argument("--connections", type=int, default=32, help="figure 1 (32)")
    parser.add_argument("--signed-in-connections", type=int, default=4, help="figure 2 (4)")
    parser.add_argument("--steps", default="4,8,16,32,64", help="figure 3's connections")
    parser.add_argument(
        "--pairings", type=int, default=32, help="figure 3's writes spread over (32)"
    )
    cpus = sorted(os.sched_getaffinity(0))
    parser.add_argument(
        "--cpu", default=str(cpus[-1]), help=f"pin wrk to this CPU, or none ({cpus[-1]})"
    )
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (1)")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    opts = parser.parse_args()
    if opts.pairings < 1:
        parser.error("--pairings: at least 1")
    if os.geteuid() != 0:
        print("bench/stack.py needs root (nginx, and runuser for PostgreSQL).", file=sys.stderr)
        return 2
    started = time.monotonic()
    if not shutil.which("wrk"):
        apt_install("wrk")
    version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    stack = Stack("bench-stack", pairings=opts.pairings)
    out: dict = {}
    code = 0
    try:
        with tempfile.TemporaryDirectory(prefix="bench-stack-wrk-") as scripts:
            wrk = Wrk(opts.cpu, opts.threads, Path(scripts))
            stack.start()
            say(
                f"stack up in {time.monotonic() - started:.0f} s: nginx :{stack.ports['nginx']}, "
                f"hosts :{stack.ports['a']} :{stack.ports['b']}"
            )
            print(
                f"{version.strip()}, {opts.threads} thread(s), "
                + ("not pinned" if opts.cpu == "none" else f"pinned to CPU {opts.cpu}")
                + f"; {len(cpus)} CPUs shared with the stack; load average "
                f"{os.getloadavg()[0]:.2f}; {opts.seconds} s a run, {opts.rounds} rounds"
            )
            essay_vs_static(stack, wrk, opts, out)
            signed_in(stack, wrk, opts, out)
            mixed(stack, wrk, opts, out)
    except (RuntimeError, OSError, subprocess.SubprocessError, HTTPException) as error:
        traceback.print_exc()
        print(f"bench/stack.py: stopped, no (more) figures: {error}", file=sys.stderr)
        code = 1
    finally:
        stack.cleanup()
    if opts.json:
        opts.json.write_text(json.dumps(out, indent=2))
    print(f"(took {time.monotonic() - started:.0f} s; load average {os.getloadavg()[0]:.2f})")
    return code


if __name__ == "__main__":
    sys.exit(main())
