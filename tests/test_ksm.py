"""portal/web/ksm.py: which mappings are offered to the kernel's samepage merging, and
both ways of offering them (prctl on Linux 6.4 and later, madvise before), each in a
process of its own (an offer lasts for the life of the process)."""

from __future__ import annotations

import json
import platform
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from portal.web.ksm import private_anonymous_mappings

MAPS = """\
55d0c0a00000-55d0c0a21000 r--p 00000000 08:01 1234   /usr/bin/python3.11
55d0c0a21000-55d0c0c00000 r-xp 00021000 08:01 1234   /usr/bin/python3.11
55d0c0e00000-55d0c0e40000 rw-p 00200000 08:01 1234   /usr/bin/python3.11
55d0c1000000-55d0c1800000 rw-p 00000000 00:00 0      [heap]
7f1a2c000000-7f1a2c100000 rw-p 00000000 00:00 0
7f1a2d000000-7f1a2d001000 rw-s 00000000 00:05 99     /dev/zero (deleted)
7f1a2e000000-7f1a2e010000 ---p 00000000 00:00 0
7ffd1a000000-7ffd1a021000 rw-p 00000000 00:00 0      [stack]
7ffd1a1f0000-7ffd1a1f4000 r--p 00000000 00:00 0      [vvar]
"""


def test_only_private_writable_memory_with_no_file_behind_it_is_offered():
    assert private_anonymous_mappings(MAPS) == [
        (0x55D0C1000000, 0x55D0C1800000),  # the C heap
        (0x7F1A2C000000, 0x7F1A2C100000),  # an anonymous mapping (pymalloc's arenas)
    ]
    assert private_anonymous_mappings("") == []
    assert private_anonymous_mappings("not a maps line\n") == []


def _in_a_new_process(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


COUNT_MARKED = """
import os, re
def marked(pid="self"):
    text = open(f"/proc/{pid}/smaps").read()
    return sum(" mg" in f" {line} " for line in re.findall(r"^VmFlags:(.*)$", text, re.M))
"""


def _linux_at_least(major: int, minor: int) -> bool:
    found = re.match(r"(\d+)\.(\d+)", platform.release())
    return bool(found) and (int(found.group(1)), int(found.group(2))) >= (major, minor)


# A kernel built with KSM has this folder; PR_SET_MEMORY_MERGE came with Linux 6.4.
KSM_KERNEL = Path("/sys/kernel/mm/ksm").is_dir()


def _offer_then_fork(method: str) -> tuple[str, int, int, int]:
    """In a new process: what offer_memory(method) says, and how many mappings are
    marked mergeable before, after, and in a child forked after."""
    out = _in_a_new_process(
        COUNT_MARKED
        + f"""
import json
from portal.web.ksm import offer_memory
before = marked()
said = offer_memory({method!r})
pid = os.fork()
if pid == 0:
    print(marked(), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
print(json.dumps([said, before, marked()]))
"""
    )
    child, parent = out.splitlines()
    said, before, after = json.loads(parent)
    return said, before, after, int(child)


def test_prctl_offers_the_whole_process_and_its_children():
    said, before, after, child = _offer_then_fork("prctl")
    if said != "prctl":  # a kernel without it: said, not raised, and nothing marked
        assert not (KSM_KERNEL and _linux_at_least(6, 4)), said
        assert said.startswith("unavailable: prctl: ") and after == before == 0
        return
    assert before == 0
    assert after > 10 and child > 10  # the heap, pymalloc's arenas, ...


def test_madvise_offers_each_private_anonymous_mapping_and_fork_keeps_it():
    said, before, after, child = _offer_then_fork("madvise")
    if not KSM_KERNEL:
        assert said == "unavailable: madvise marked no mapping (a kernel without KSM?)"
        assert after == child == 0
        return
    mappings = int(re.fullmatch(r"madvise \((\d+) mappings\)", said).group(1))
    # Each mapping the call marked says so in smaps (a mapping may have been split
    # or merged since), and the forked child's copies of them too.
    assert before == 0
    assert mappings >= 2 and after >= 2 and child >= 2
