"""Prometheus metrics (prometheus_client): requests by endpoint, method and status, their
latency, and the mail queue, at `/metrics`.

`/metrics` answers only a scraper on the same machine talking straight to gunicorn (a
loopback address and no `X-Forwarded-For`): through nginx, which does not pass the path
on, or from anywhere else it is a 404. Under gunicorn each worker counts on its own and
`/metrics` adds them up (prometheus_client's multiprocess mode: `gunicorn.conf.py` gives
the workers a shared `PROMETHEUS_MULTIPROC_DIR`)."""

from __future__ import annotations

import os
import time

import sqlalchemy as sa
from flask import Flask, Response, abort, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from portal.clock import utcnow
from portal.extensions import db
from portal.mail.models import OutboxMail
from portal.mail.status import oldest_waiting

LOOPBACK = {"127.0.0.1", "::1"}

REQUESTS = Counter("portal_requests_total", "Requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram(
    "portal_request_seconds",
    "Time to answer a request",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class MailQueue:
    """The outbox, read when scraped: how many mails are in each state, and how long the
    oldest still to go has waited (the worker is another process; the table is the truth)."""

    def collect(self):
        counts = GaugeMetricFamily("portal_mail", "Mails in the outbox by state", labels=["state"])
        try:
            rows = db.session.execute(
                sa.select(OutboxMail.status, sa.func.count()).group_by(OutboxMail.status)
            ).all()
            oldest = oldest_waiting()
        finally:
            db.session.close()
        for status, count in rows:
            counts.add_metric([getattr(status, "value", str(status))], count)
        yield counts
        waited = (utcnow() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "portal_mail_oldest_waiting_seconds",
            "How long the oldest mail still to be delivered has waited",
            value=max(waited, 0.0),
        )


WARM_UP = "portal.warm_up"  # set on the master's own start-up requests (web/warmup.py)
_series: dict[tuple, tuple] = {}  # (endpoint, method, status) → its counter and histogram


def register_metrics(app: Flask) -> None:
    @app.before_request
    def _start_clock() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response):
        started = g.pop("metrics_started", None)
        counted = request.endpoint != "metrics" and WARM_UP not in request.environ
        if started is not None and counted:
            endpoint = request.endpoint or "none"
            key = (endpoint, request.method, response.status_code)
            series = _series.get(key)
            if series is None:  # a worker's first request of this kind
                series = _series[key] = (
                    REQUESTS.labels(endpoint, request.method, str(response.status_code)),
                    LATENCY.labels(endpoint),
                )
            series[0].inc()
            series[1].observe(time.perf_counter() - started)
        return response

    @app.get("/metrics", endpoint="metrics")
    def metrics():
        direct = request.remote_addr in LOOPBACK and "X-Forwarded-For" not in request.headers
        if not direct:
            abort(404)
        registry = CollectorRegistry()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            multiprocess.MultiProcessCollector(registry)
        else:
            registry.register(REQUESTS)
            registry.register(LATENCY)
        registry.register(MailQueue())
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
