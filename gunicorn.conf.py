"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Sync workers behind a reverse proxy (see the README's deployment notes).
"""

import contextlib
import ctypes
import gc
import os
import tempfile

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "sync"
# The proxy buffers slow clients; a sync worker only waits on the app.
timeout = 30
graceful_timeout = 20
# Memory (issue 13): the master loads the app once and forks each worker from it, so
# the code, the templates and the essays read at start-up are one copy shared by every
# worker. A worker still copies the pages it writes to, and CPython writes into every
# object it uses, so its own share grows with the code it runs (`make bench-cow` shows
# it). Each worker's PSS (its own pages plus its share of the shared ones; target
# <= 40 MB) is what `make bench` reports: 43 MB with three workers and 47 with two after
# a full load, 31-37 with three at rest once ksmd has merged the copies that are alike
# (`ksm` below; bench/README.md says what else was tried). The price of preloading: HUP starts new
# workers from the code already loaded, so a deploy restarts the service instead
# (deploy/systemd/portal.socket holds the port meanwhile: no connection is refused).
preload_app = True
# Large blocks (a password's hash takes 19 MiB, members/passwords.py) come from mmap
# and go back to the system when freed. glibc would otherwise raise its threshold to
# the largest block freed so far, serve the next hash from the heap, and keep it
# there: each worker that checked a password held 19 MiB more for good.
MMAP_THRESHOLD = 1024 * 1024
M_MMAP_THRESHOLD = -3  # mallopt's parameter (malloc.h)
with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to set
    ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
# No collection while the master loads the app: freed holes in its memory would be
# filled, and so copied, by each worker (see when_ready and pre_fork).
gc.disable()
# Kernel samepage merging: much of what a worker copies from the master (CPython writes
# to every object it uses) ends with the same bytes as the master's page or another
# worker's copy. The master offers its memory to the kernel's ksmd (portal/web/ksm.py;
# the workers inherit the offer), which maps identical pages back to one copy where
# the host runs it (deploy/tmpfiles.d/portal-ksm.conf), for about 2 % of a core: with
# three workers 31-37 MB PSS each at rest, 35-40 under light traffic; under sustained
# full load they copy the pages again as fast as ksmd merges them (43 MB; bench.py --ksm on,
# bench/README.md). GUNICORN_KSM=off leaves the memory unoffered.
ksm = os.environ.get("GUNICORN_KSM", "on").lower() not in ("off", "0", "false", "no")
# Recycle workers now and then so that a slow leak can never grow for long.
max_requests = 5000
max_requests_jitter = 500
# The access log. Behind nginx (PROXY_COUNT >= 1) nginx writes each request's line
# (deploy/nginx: the `portal` format, tokens left out, the same request id), and
# gunicorn's own line would cost a third of a cheap request: off. Straight to gunicorn,
# gunicorn writes it. GUNICORN_ACCESS_LOG=- (stderr) or a file turns it on, =off off.
_proxied = int(os.environ.get("PROXY_COUNT") or 0) > 0
_access = os.environ.get("GUNICORN_ACCESS_LOG", "off" if _proxied else "-")
accesslog = None if _access.lower() in ("off", "") else _access
# gunicorn's usual line, then the request id the portal's own log lines carry.
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
)
# Emailed links carry single-use tokens in their paths: never write those to a log.
logger_class = "portal.web.accesslog.RedactingLogger"

# Prometheus metrics from every worker, added up at /metrics (prometheus_client's
# multiprocess mode): a fresh directory for each start, unless one is given.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="portal-metrics-")


def child_exit(server, worker):
    """A worker that is gone stops counting towards the live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def when_ready(server):
    """The app is loaded (preload_app): do its start-up work once, before any fork."""
    from portal.web.warmup import warm_up

    warm_up(server.app.wsgi())
    gc.freeze()
    gc.enable()
    if ksm:
        from portal.web.ksm import ksmd_running, offer_memory

        running = {True: "merging", False: "not running", None: "not in this kernel"}
        server.log.info(
            "Memory offered to KSM: %s (ksmd: %s)", offer_memory(), running[ksmd_running()]
        )


def pre_fork(server, worker):
    """Before each fork (workers are also replaced now and then): move everything the
    master holds out of the garbage collector's sight, so that a worker's collections
    never write to (and so copy) the pages it shares with the master."""
    gc.freeze()


def post_fork(server, worker):
    """In each new worker: give up any database connection inherited from the master
    (SQLAlchemy's advice for fork): a connection is never shared by two processes."""
    from portal.extensions import db

    app = worker.app.wsgi()
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
