"""Addresses the portal builds or follows."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """A path inside the portal, whatever was given (never //host, /\\host, scheme:...)."""
    if not target:
        return default
    target = target.strip().replace("\\", "/")
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or any(ord(c) < 32 for c in target)
    ):
        return default
    return target
