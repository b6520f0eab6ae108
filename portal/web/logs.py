"""The portal's log lines: each carries the id of the request it was written in (the
`X-Request-ID` the response sends back, and the access log prints), as JSON in
production (one object a line, for a log collector) or as text in development."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from flask import g, has_request_context

FORMATS = ("json", "text")
TEXT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


class RequestId(logging.Filter):
    """Adds `request_id` to every record: the request's, or "-" outside one (the worker)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def make_handler(log_format: str) -> logging.Handler:
    handler = logging.StreamHandler()
    handler.addFilter(RequestId())
    handler.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(TEXT))
    return handler
