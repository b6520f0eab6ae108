"""What a gunicorn worker copies from its master, and why (issue 13's memory item).

gunicorn.conf.py preloads the app, so a new worker shares every page of the master's
memory until one of the two writes to it; the kernel then gives the writer its own
copy (copy-on-write), and that copy is the worker's alone for the rest of its life.
A worker's PSS is its own pages plus its share of the still-shared ones, so what it
copies decides whether it stays within `bench.PSS_TARGET_MB`.

This starts gunicorn as `bench.py` does, with one worker, on a filled board with the
bench's pairing, asks for `bench.URLS` (the anonymous ones, then the signed-in ones,
each `--repeat` times) and, after the start and after each group, compares the
worker's memory with the master's page by page:

- copied, same bytes: the worker wrote to the page and every word is back to what it
  was. A reference count that went up and down again does this: CPython 3.11 writes
  into every object it merely uses (its count, and a code object's inline caches).
- copied, changed: the page holds different words now (counts that stayed up, caches
  and counters inside code objects, dict entries, allocator bookkeeping, new objects
  in free slots of the master's pages).
- new: pages the master never had (what the worker allocated beyond them).

Each is split by where the page is: pymalloc's arenas (anonymous mappings: objects of
512 bytes or less) or the C heap (`[heap]`: larger blocks, e.g. big code objects,
dict tables, list arrays). Reading another process's page frame numbers needs root.

    sudo .venv/bin/python bench/cow.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import bench  # bench/, next to this file

HERE = Path(__file__).resolve().parent
PAGE = os.sysconf("SC_PAGE_SIZE")
PFN_MASK = (1 << 55) - 1
PRESENT = 1 << 63
MB = 1024 * 1024


def writable_pages(pid: int) -> dict[int, tuple[int, str]]:
    """{page address: (page frame number, "arenas" | "heap")} for the process's
    present pages in its writable private memory that is not a file's."""
    spans = []
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        fields = line.split()
        name = fields[5] if len(fields) > 5 else ""
        if "w" not in fields[1] or fields[1].endswith("s") or name not in ("", "[heap]"):
            continue
        start, end = (int(x, 16) for x in fields[0].split("-"))
        spans.append((start, end, "heap" if name == "[heap]" else "arenas"))
    pages: dict[int, tuple[int, str]] = {}
    with open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for start, end, kind in spans:
            pagemap.seek(start // PAGE * 8)
            entries = pagemap.read((end - start) // PAGE * 8)
            for index, (entry,) in enumerate(struct.iter_unpack("<Q", entries)):
                if entry & PRESENT:
                    pages[start + index * PAGE] = (entry & PFN_MASK, kind)
    return pages


def compare(master: int, worker: int) -> Counter:
    """Bytes of the worker's pages by (what happened, where)."""
    theirs = writable_pages(master)
    mine = writable_pages(worker)
    if mine and not any(frame for frame, _ in mine.values()):
        raise SystemExit("page frame numbers read as 0: run this as root")
    sizes: Counter = Counter()
    with open(f"/proc/{master}/mem", "rb") as master_mem, open(f"/proc/{worker}/mem", "rb") as mem:
        for address, (frame, kind) in mine.items():
            original = theirs.get(address)
            if original is None:
                sizes["new", kind] += PAGE
            elif original[0] == frame:
                sizes["shared", kind] += PAGE
            else:
                master_mem.seek(address)
                mem.seek(address)
                same = master_mem.read(PAGE) == mem.read(PAGE)
                sizes["copied, same bytes" if same else "copied, changed", kind] += PAGE
    return sizes


def private_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Private_Dirty:"):
            return int(line.split()[1]) / 1024
    return 0.0


COLUMNS = ("copied, same bytes", "copied, changed", "new", "shared")


def print_row(stage: str, sizes: Counter, private: float) -> None:
    cells = []
    for what in COLUMNS:
        arenas, heap = sizes[what, "arenas"] / MB, sizes[what, "heap"] / MB
        cells.append(f"{arenas + heap:5.1f} ({arenas:4.1f}+{heap:4.1f})")
    print(f"{stage:<22} {private:8.1f}  " + "  ".join(cells), flush=True)


STAGES = ("start, /healthz", "+ anonymous pages", "+ signed-in pages")


def run_stages(port: int, urls: list[tuple[str, str]], pairing: dict, repeat: int, after) -> None:
    """The stages, in order, calling after(stage) at the end of each: the start (the
    worker booted and answered bench.start_server's /healthz), then `repeat` rounds of
    the anonymous URLs, then signing in and `repeat` rounds of the signed-in ones."""
    after(STAGES[0])
    headers: dict[str, dict[str, str]] = {}
    for stage, signed_in in zip(STAGES[1:], (False, True), strict=True):
        after(stage, starting=True)
        if signed_in:  # signs in, and checks each page once
            headers = bench.signed_in_headers(port, urls, pairing)
        for _ in range(repeat):
            for name, path in urls:
                if (name in bench.SIGNED_IN_URLS) == signed_in:
                    status, _ = bench.get(port, path, headers.get(name))
                    if status != 200:
                        raise RuntimeError(f"{path} answered {status}")
        after(stage)


def memory_pass(port: int, database: Path, log: Path, urls, pairing: dict, repeat: int) -> None:
    proc = bench.start_server(port, 1, database, log)
    try:
        time.sleep(0.5)  # the worker has answered /healthz: let it settle
        (worker,) = bench.children(proc.pid)
        print("MB of the worker's writable memory (pymalloc arenas + C heap), one worker\n")
        print(f"{'after':<22} {'private':>8}  " + "  ".join(f"{c:<18}" for c in COLUMNS))

        def after(stage: str, starting: bool = False) -> None:
            if not starting:
                print_row(stage, compare(proc.pid, worker), private_mb(worker))

        run_stages(port, urls, pairing, repeat, after)
        print(
            f"\nthe master: {private_mb(proc.pid):.1f} MB private "
            f"(the originals of pages the worker copied, and its own)"
        )
    finally:
        bench.stop_server(proc)


def functions_pass(port: int, database: Path, log: Path, urls, pairing: dict, repeat: int) -> None:
    """The same stages under bench/cow_gunicorn.py: distinct functions run, by package."""
    with tempfile.TemporaryDirectory(prefix="portal-cow-functions-") as out:
        settings = {
            "GUNICORN_CMD_ARGS": f"-c {HERE / 'cow_gunicorn.py'}",
            "COW_FUNCTIONS_DIR": out,
            "COW_FIRST_STAGE": STAGES[0],
        }
        saved = {name: os.environ.get(name) for name in settings}
        os.environ.update(settings)  # bench.server_env starts from os.environ
        try:
            proc = bench.start_server(port, 1, database, log)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        try:

            def after(stage: str, starting: bool = False) -> None:
                if starting:  # what the worker runs from here on counts for `stage`
                    bench.get(port, f"/robots.txt?{urlencode({'cow-stage': stage})}")

            run_stages(port, urls, pairing, repeat, after)
        finally:
            bench.stop_server(proc)
        counts: dict[str, Counter] = {}
        for found in Path(out).glob("*.json"):  # one per worker (one, unless it was replaced)
            for stage, packages in json.loads(found.read_text()).items():
                counts.setdefault(stage, Counter()).update(packages)
        if not counts:
            raise RuntimeError(f"the worker wrote no function counts:\n{bench.log_tail(log)}")
    print("\nDistinct Python functions the worker ran for the first time, by stage")
    print("(sys.setprofile, a second run; the 5 packages with the most, then the rest)\n")
    for stage in STAGES:
        packages = counts.get(stage, Counter())
        top = packages.most_common(5)
        rest = sum(packages.values()) - sum(n for _, n in top)
        listed = ", ".join(f"{name} {n}" for name, n in top)
        print(f"{stage:<22} {sum(packages.values()):5}  {listed}, other {rest}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="times each URL is asked for")
    args = parser.parse_args(argv)
    if not 1 <= args.repeat <= 10_000:
        parser.error("need 1 <= --repeat <= 10000")
    if os.geteuid() != 0:
        print(
            "bench/cow.py reads another process's page frame numbers: run it as root",
            file=sys.stderr,
        )
        return 2
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))  # unwind
    # Pages are told apart by their frame numbers: ksmd merging them (where the host
    # runs it) would pass copies off as shared. Its gunicorns offer nothing to it.
    os.environ["GUNICORN_KSM"] = "off"
    try:
        with tempfile.TemporaryDirectory(prefix="portal-cow-") as tmp:
            database, log = Path(tmp) / "cow.sqlite3", Path(tmp) / "gunicorn.log"
            port = bench.free_port()
            made = bench.prepare_database(database, 1_000, port, log, pairing=True)
            ids = {"request_id": made["request_id"], "pairing_id": made["pairing"]["id"]}
            urls = [(name, path.format(**ids)) for name, path in bench.URLS]
            memory_pass(port, database, log, urls, made["pairing"], args.repeat)
            functions_pass(port, database, log, urls, made["pairing"], args.repeat)
    except KeyboardInterrupt:
        print("interrupted; server stopped", file=sys.stderr)
        return 130
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"cow: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
