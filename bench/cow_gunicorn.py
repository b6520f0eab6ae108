"""gunicorn settings for `bench/cow.py`'s second pass: the repository's gunicorn.conf.py,
plus a count of the distinct Python functions each worker runs.

Each worker records every code object it calls (`sys.setprofile`) under the current
stage, which a request for `/robots.txt?cow-stage=<name>` sets (seen in gunicorn's
`pre_request`, before the app). When the worker stops, it writes
{stage: {package: functions first run in that stage}} as JSON to
`$COW_FUNCTIONS_DIR/<pid>.json`. The profiler changes what the worker allocates, so
this pass is never the one whose memory is measured.
"""

import json
import os
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import parse_qs

_ROOT = Path(__file__).resolve().parent.parent
exec(compile((_ROOT / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"))  # noqa: S102

_repo_post_fork = post_fork  # noqa: F821 (defined by gunicorn.conf.py above)
_seen: dict = {}
_stage = [os.environ.get("COW_FIRST_STAGE", "start")]  # until the first marker


def _package(code) -> str:
    name = code.co_filename
    if "site-packages/" in name:
        return name.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if name.startswith(str(_ROOT / "portal")):
        return "portal (templates included)"
    return "standard library" if name.startswith(("<frozen", sys.prefix, sys.base_prefix)) else name


def _profile(frame, event, arg):
    if event == "call" and frame.f_code not in _seen:
        _seen[frame.f_code] = _stage[0]


def post_fork(server, worker):
    _repo_post_fork(server, worker)
    sys.setprofile(_profile)


def pre_request(worker, req):
    stage = parse_qs(req.query or "").get("cow-stage")
    if stage:
        _stage[0] = stage[0]


def worker_exit(server, worker):
    sys.setprofile(None)
    counts: dict = defaultdict(lambda: defaultdict(int))
    for code, stage in list(_seen.items()):
        counts[stage][_package(code)] += 1
    path = Path(os.environ["COW_FUNCTIONS_DIR"]) / f"{os.getpid()}.json"
    path.write_text(json.dumps(counts))
