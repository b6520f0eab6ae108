"""Kernel samepage merging (KSM) for gunicorn's preloaded workers (issue 13, memory).

A worker forked from the master shares the master's pages until it writes to one, and
CPython 3.11 writes to every object it uses (reference counts, the bytecode's inline
caches), so each worker ends up holding about 30 MB of copies (`make bench-cow`). Many
of them hold the same bytes as the master's page or as another worker's copy. Linux's
ksmd finds identical pages among the memory offered to it and maps them back to one
read-only copy; a later write copies the page again, as after fork.

`offer_memory()` offers this process's memory, and with it every process it forks:
the whole process with prctl(PR_SET_MEMORY_MERGE) (Linux 6.4 and later), or else each
private anonymous mapping with madvise(MADV_MERGEABLE) (older kernels; the mark is kept
across fork). Offering costs nothing by itself: pages merge only where the host runs
ksmd (/sys/kernel/mm/ksm/run = 1, deploy/tmpfiles.d/portal-ksm.conf)."""

from __future__ import annotations

import ctypes
import os
from pathlib import Path

PR_SET_MEMORY_MERGE = 67
MADV_MERGEABLE = 12
KSM_RUN = Path("/sys/kernel/mm/ksm/run")


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    libc.prctl.argtypes = [ctypes.c_int] + [ctypes.c_ulong] * 4
    return libc


def private_anonymous_mappings(maps: str) -> list[tuple[int, int]]:
    """(start, end) of each writable private mapping with no file behind it in a
    /proc/PID/maps text: the C heap, pymalloc's arenas and other malloc'd blocks. The
    stack and the kernel's own ([vdso], [vvar]...) are left alone."""
    found = []
    for line in maps.splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) < 5 or fields[1] != "rw-p":
            continue
        name = fields[5].strip() if len(fields) == 6 else ""
        if name and name != "[heap]":
            continue
        start, _, end = fields[0].partition("-")
        found.append((int(start, 16), int(end, 16)))
    return found


def offer_with_madvise(libc: ctypes.CDLL | None = None) -> int:
    """Mark each private anonymous mapping of this process mergeable; how many were."""
    libc = libc or _libc()
    marked = 0
    for start, end in private_anonymous_mappings(Path("/proc/self/maps").read_text()):
        if libc.madvise(start, end - start, MADV_MERGEABLE) == 0:
            marked += 1
    return marked


def offer_memory(method: str = "auto") -> str:
    """Offer this process's memory (and its children's) to ksmd. `method`: "auto"
    (prctl, else madvise), "prctl" or "madvise". Says what was done: "prctl",
    "madvise (N mappings)" or "unavailable: why". Never raises: memory that cannot be
    merged is only memory that is not saved."""
    if not hasattr(os, "fork") or not Path("/proc/self/maps").exists():
        return "unavailable: not Linux"
    try:
        libc = _libc()
    except (OSError, AttributeError) as exc:
        return f"unavailable: {exc}"
    if method in ("auto", "prctl"):
        if libc.prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0) == 0:
            return "prctl"
        if method == "prctl":
            return f"unavailable: prctl: {os.strerror(ctypes.get_errno())}"
    try:
        marked = offer_with_madvise(libc)
    except OSError as exc:
        return f"unavailable: {exc}"
    if not marked:
        return "unavailable: madvise marked no mapping (a kernel without KSM?)"
    return f"madvise ({marked} mappings)"


def ksmd_running() -> bool | None:
    """Whether the host's ksmd merges pages (None: this kernel has no KSM)."""
    try:
        return KSM_RUN.read_text().strip() == "1"
    except OSError:
        return None
