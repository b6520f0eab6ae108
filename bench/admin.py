"""The organiser's dashboard (/admin/) under gunicorn, on a big community (issue 12).

It migrates a fresh SQLite database and fills it with the demo community
(portal.board.demo.fill: 20,000 members, 100,000 requests, about one answer each),
then, in the same process, what the dashboard counts: two members in three joined
from one of the four shipped essays, every matched request became a pairing (its
first answer accepted) with one to four quarters, the earlier ones completed, and up
to three sessions; some pairings completed or ended; member 1 is an admin. In-process
it counts the SQL statements one signed-in GET /admin/ runs, and times it. Then it
starts gunicorn (production mode, sync workers) as bench.py does, signs in as the
admin over HTTP, and measures /admin/ against the minimal route (/robots.txt),
alternating over several rounds; it prints each median, the ratio of each round and
their median. It reports; it does not assert.

    .venv/bin/python bench/admin.py [--seconds 5] [--rounds 3] [--keep DIR]

About two and a half minutes, most of it the fill. See bench/README.md.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import multiprocessing
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pairing_fixture

import bench  # bench/bench.py, next to this file (sys.path[0] when run as a script)

MEMBERS = 20_000
REQUESTS = 100_000
ANSWERS_PER_REQUEST = 1.0
ESSAYS = ("teaching-upward", "one-tool-per-quarter", "asking-without-losing-face",
          "why-take-a-reverse-mentor")  # fmt: skip
HEADING = "The community at a glance"  # the dashboard's <h1>
QUERY_LIMIT = 12  # issue 12: a fixed number of queries, at most this many
RATIO_TARGET = 0.2  # issue 12: at least this fraction of the minimal route's req/s


# --------------------------------------------------------------------------- the fill


def fill() -> None:
    """Runs in a subprocess with the server's environment: fill, then count and time."""
    import sqlalchemy as sa

    from portal import create_app
    from portal.board.demo import DOMAIN, PASSWORD
    from portal.board.demo import fill as demo_fill
    from portal.board.models import Answer, Kind, PairingRequest, Status
    from portal.clock import utcnow
    from portal.extensions import db
    from portal.members.models import Member
    from portal.pairings.models import Pairing, PairingStatus, Quarter, SessionEntry

    rng = random.Random(12)
    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        demo_fill(members=MEMBERS, requests=REQUESTS, answers_per_request=ANSWERS_PER_REQUEST)
        now = utcnow()
        cases = [(Member.id % 6 == n, slug) for n, slug in enumerate(ESSAYS)]
        db.session.execute(sa.update(Member).values(joined_from=sa.case(*cases, else_=None)))
        admin_email = f"member1@{DOMAIN}"
        db.session.execute(
            sa.update(Member).where(Member.email_key == admin_email).values(is_admin=True)
        )
        first = (
            sa.select(Answer.request_id, sa.func.min(Answer.id).label("id"))
            .group_by(Answer.request_id)
            .subquery()
        )
        matched = db.session.execute(
            sa.select(
                PairingRequest.id,
                PairingRequest.author_id,
                PairingRequest.kind,
                PairingRequest.tool_id,
                PairingRequest.created_at,
                Answer.id,
                Answer.author_id,
            )  # fmt: skip
            .join(first, first.c.request_id == PairingRequest.id)
            .join(Answer, Answer.id == first.c.id)
            .where(PairingRequest.status == Status.MATCHED)
        ).all()
        pairing_id = (db.session.scalar(sa.select(sa.func.max(Pairing.id))) or 0) + 1
        quarter_id = (db.session.scalar(sa.select(sa.func.max(Quarter.id))) or 0) + 1
        pairings, quarters, sessions = [], [], []
        for request_id, author, kind, tool, posted, answer_id, answerer in matched:
            senior, junior = (author, answerer) if kind is Kind.SEEKING else (answerer, author)
            began = posted + timedelta(days=1)
            elapsed = max((now - began).days, 0)
            count = min(rng.randint(1, 4), 1 + elapsed // 91)
            status = rng.choices(list(PairingStatus), weights=(7, 2, 1))[0]
            pairings.append({
                "id": pairing_id, "request_id": request_id, "answer_id": answer_id,
                "senior_id": senior, "junior_id": junior, "tool_id": tool, "started_at": began,
                "status": status, "end_reason": "", "senior_shares": False,
                "junior_shares": False,
                "ended_at": None if status is PairingStatus.ACTIVE else now,
            })  # fmt: skip
            for number in range(1, count + 1):
                start = began + timedelta(days=91 * (number - 1))
                done = number < count or status is PairingStatus.COMPLETED
                quarters.append({
                    "id": quarter_id, "pairing_id": pairing_id, "number": number,
                    "tool_id": tool, "junior_goal": "", "senior_goal": "", "started_at": start,
                    "completed_at": start + timedelta(days=88) if done else None,
                })  # fmt: skip
                quarter_id += 1
            span = max((now - start).days, 1)
            for _ in range(rng.randint(0, 3)):
                held = (start + timedelta(days=rng.randint(0, min(span, 90)))).date()
                sessions.append({
                    "pairing_id": pairing_id, "quarter_id": quarter_id - 1, "author_id": senior,
                    "held_on": min(held, now.date()), "covered": "Prompts", "notes": "",
                    "created_at": now, "updated_at": now,
                })  # fmt: skip
            pairing_id += 1
        accepted = [p["answer_id"] for p in pairings]
        for chunk in range(0, len(accepted), 5000):
            db.session.execute(
                sa.update(Answer)
                .where(Answer.id.in_(accepted[chunk : chunk + 5000]))
                .values(status="accepted")
            )
        for model, rows in ((Pairing, pairings), (Quarter, quarters), (SessionEntry, sessions)):
            for chunk in range(0, len(rows), 5000):
                db.session.execute(sa.insert(model), rows[chunk : chunk + 5000])
        db.session.commit()
        seconds = time.perf_counter() - started

    counted = create_app({"WTF_CSRF_ENABLED": False})
    with counted.app_context():
        client = counted.test_client()
        signed = client.post(
            "/login",
            data={"email": admin_email, "password": PASSWORD},
            base_url="https://127.0.0.1",
        )
        assert signed.status_code == 303, signed.status_code
        statements: list[str] = []
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        counts, timings = [], []
        for _ in range(11):  # the first counts afresh; the others use the worker's figures
            statements.clear()
            began_at = time.perf_counter()
            page = client.get("/admin/", base_url="https://127.0.0.1")
            timings.append(time.perf_counter() - began_at)
            counts.append(len(statements))
            assert page.status_code == 200 and HEADING in page.get_data(as_text=True)
    print(json.dumps({
        "members": MEMBERS, "requests": REQUESTS, "pairings": len(pairings),
        "quarters": len(quarters), "sessions": len(sessions), "fill_seconds": seconds,
        "admin_email": admin_email, "password": PASSWORD, "queries": counts[0],
        "kept_queries": counts[-1], "fresh_ms": timings[0] * 1000,
        "kept_ms": statistics.median(timings[1:]) * 1000,
    }))  # fmt: skip


# --------------------------------------------------------------------------- measuring


def prepare(database: Path, port: int, log: Path) -> dict:
    env = bench.server_env(port, database)
    commands = [
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        [sys.executable, str(Path(__file__).resolve()), "--fill"],
    ]
    with open(log, "ab") as out:
        for cmd in commands:
            done = subprocess.run(
                cmd, cwd=bench.ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=out, timeout=bench.FILL_TIMEOUT, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                raise RuntimeError(
                    f"{cmd[2:5]} exited with {done.returncode}:\n{bench.log_tail(log)}"
                )
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def measure(args: argparse.Namespace, port: int, database: Path, log: Path, made: dict) -> dict:
    pool = cf.ProcessPoolExecutor(
        max_workers=args.clients, mp_context=multiprocessing.get_context("fork")
    )
    proc = None
    try:
        proc = bench.start_server(port, args.workers, database, log)
        cookies = pairing_fixture.sign_in(port, made["admin_email"], made["password"])
        pairing_fixture.check_page(port, "/admin/", cookies, HEADING)  # adds the CSRF token
        headers = {"Cookie": pairing_fixture.cookie_header(cookies)}
        pairing_fixture.check_page(port, "/admin/", dict(cookies), HEADING)
        urls = [("minimal", "/robots.txt", None), ("admin", "/admin/", headers)]
        samples: dict[str, list[dict]] = {name: [] for name, _, _ in urls}
        for number in range(1, args.rounds + 1):
            for name, path, extra in urls:
                sample = bench.measure_url(
                    pool, args.clients, port, path, args.warmup, args.seconds, extra
                )
                samples[name].append(sample)
                print(f"round {number}/{args.rounds} {name:<8} {sample['rps']:8.1f} req/s",
                      file=sys.stderr)  # fmt: skip
    finally:
        if proc is not None:
            bench.stop_server(proc)
        pool.shutdown(cancel_futures=True)
    ratios = [
        a["rps"] / m["rps"] if m["rps"] else 0.0
        for a, m in zip(samples["admin"], samples["minimal"], strict=True)
    ]
    return {"samples": samples, "ratios": ratios, "problems": bench.log_problems(log)}


def report(args: argparse.Namespace, made: dict, measured: dict) -> None:
    print(
        f"gunicorn --workers {args.workers}; {args.clients} client processes; warm-up "
        f"{args.warmup} s, {args.seconds} s x {args.rounds} rounds per URL"
    )
    print(
        f"{made['members']:,} members, {made['requests']:,} requests, {made['pairings']:,} "
        f"pairings, {made['quarters']:,} quarters, {made['sessions']:,} sessions "
        f"(filled in {made['fill_seconds']:.0f} s)"
    )
    print(
        f"GET /admin/ signed in as an admin, in-process: counted afresh {made['queries']} SQL "
        f"statements (target <= {QUERY_LIMIT}: "
        f"{'met' if made['queries'] <= QUERY_LIMIT else 'MISSED'}) in {made['fresh_ms']:.0f} ms; "
        f"with the worker's kept figures {made['kept_queries']} in {made['kept_ms']:.1f} ms"
    )
    print(f"{'route':<8} {'path':<12} {'median req/s':>12}  {'rounds':<24} non-200/errors")
    for name, path in (("minimal", "/robots.txt"), ("admin", "/admin/")):
        runs = measured["samples"][name]
        rounds = " / ".join(f"{s['rps']:.0f}" for s in runs)
        bad = {k: v for s in runs for k, v in {**s["non_200"], **s["errors"]}.items()}
        median = statistics.median(s["rps"] for s in runs)
        print(f"{name:<8} {path:<12} {median:12.1f}  {rounds:<24} {bench.fmt_counts(bad)}")
    ratio = statistics.median(measured["ratios"])
    per_round = " / ".join(f"{r:.2f}" for r in measured["ratios"])
    verdict = "met" if ratio >= RATIO_TARGET else "MISSED"
    print(f"ratio /admin/ : minimal = {ratio:.2f} (rounds {per_round}); "
          f"target >= {RATIO_TARGET}: {verdict}")  # fmt: skip
    if measured["problems"]:
        print("server log problems:", *measured["problems"][:5], sep="\n  ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--keep", metavar="DIR", help="keep the database and log in DIR")
    args = parser.parse_args(argv)
    if args.fill:
        fill()
        return 0
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="portal-admin-bench-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        database, log = folder / "admin.sqlite3", folder / "gunicorn.log"
        database.unlink(missing_ok=True)
        port = bench.free_port()
        try:
            made = prepare(database, port, log)
            measured = measure(args, port, database, log, made)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"bench/admin.py: {exc}", file=sys.stderr)
            return 1
    report(args, made, measured)
    print(f"(took {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
