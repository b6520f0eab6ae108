"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Sync workers behind a reverse proxy (see the README's deployment notes).
"""

import os
import tempfile

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "sync"
# The proxy buffers slow clients; a sync worker only waits on the app.
timeout = 30
graceful_timeout = 20
# Recycle workers now and then so that a slow leak can never grow for long.
max_requests = 5000
max_requests_jitter = 500
accesslog = "-"
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
