"""Essays are files, not rows: Markdown with YAML front matter in one folder.

`Library` scans the folder, parses each file once per version (path, mtime, size)
and keeps the result; a file that changes is parsed again, a broken file is
skipped and reported as a `Problem`. Nothing here touches Flask's request.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from portal.essays.parsing import Essay, EssayError, Problem, parse_essay

log = logging.getLogger("portal.essays")

__all__ = ["Essay", "EssayError", "Library", "Problem", "Snapshot", "parse_essay"]


@dataclass
class Snapshot:
    """Everything loaded from the folder at one moment; replaced when a file changes."""

    essays: dict[str, Essay]
    problems: tuple[Problem, ...]
    version: str
    cache: dict = field(default_factory=dict)

    def published(self, today: date) -> list[Essay]:
        key = ("published", today)
        if key not in self.cache:
            self.cache[key] = sorted(
                (e for e in self.essays.values() if e.is_published(today)),
                key=lambda e: (e.date, e.slug),
                reverse=True,
            )
        return self.cache[key]

    def find(self, slug: str, today: date) -> Essay | None:
        essay = self.essays.get(slug)
        return essay if essay and essay.is_published(today) else None


class Library:
    """A folder of Markdown files, parsed once per file version."""

    def __init__(
        self,
        directory: str | os.PathLike,
        *,
        default_author: str,
        min_interval=0.0,
        require_date: bool = True,
    ) -> None:
        self.directory = Path(directory)
        self.default_author = default_author
        self.min_interval = min_interval
        self.require_date = require_date
        self._parsed: dict[str, tuple[tuple[int, int], Essay | Problem]] = {}
        self._snapshot: Snapshot | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def current(self) -> Snapshot:
        """The latest snapshot, rescanning the folder at most every `min_interval` seconds."""
        now = time.monotonic()
        snapshot = self._snapshot
        if snapshot is not None and now - self._checked_at < self.min_interval:
            return snapshot
        with self._lock:
            self._checked_at = now
            return self._rescan()

    def _stamps(self) -> dict[str, tuple[int, int]]:
        stamps = {}
        try:
            entries = list(os.scandir(self.directory))
        except FileNotFoundError:
            log.warning("Essays folder %s does not exist", self.directory)
            return {}
        for entry in entries:
            if entry.name.endswith(".md") and not entry.name.startswith("."):
                try:
                    st = entry.stat()
                except FileNotFoundError:  # removed while we looked
                    continue
                stamps[entry.path] = (st.st_mtime_ns, st.st_size)
        return stamps

    def _rescan(self) -> Snapshot:
        stamps = self._stamps()
        if self._snapshot is not None and stamps == {p: s for p, (s, _) in self._parsed.items()}:
            return self._snapshot
        parsed = {}
        for path, stamp in stamps.items():
            old = self._parsed.get(path)
            parsed[path] = old if old and old[0] == stamp else (stamp, self._load(Path(path)))
        self._parsed = parsed
        self._snapshot = self._build(parsed)
        return self._snapshot

    def _load(self, path: Path) -> Essay | Problem:
        try:
            text = path.read_text(encoding="utf-8")
            essay = parse_essay(
                path, text, default_author=self.default_author, require_date=self.require_date
            )
            for warning in essay.warnings:
                log.warning("Essay %s: %s", path.name, warning)
            return essay
        except UnicodeDecodeError:
            problem = Problem(path.name, "not UTF-8 text")
        except EssayError as exc:
            problem = Problem(path.name, str(exc))
        except OSError as exc:
            problem = Problem(path.name, f"cannot be read ({exc.strerror})")
        except Exception as exc:  # a broken file must never take the site down
            log.exception("Unexpected error while reading essay %s", path.name)
            problem = Problem(path.name, f"could not be rendered ({type(exc).__name__})")
        log.warning("Skipping essay %s: %s", problem.path, problem.reason)
        return problem

    def _build(self, parsed: dict) -> Snapshot:
        essays: dict[str, Essay] = {}
        problems: list[Problem] = []
        for path in sorted(parsed):
            item = parsed[path][1]
            if isinstance(item, Problem):
                problems.append(item)
            elif item.slug in essays:
                other = Path(essays[item.slug].path).name
                problem = Problem(Path(path).name, f"duplicate slug {item.slug!r} (also {other})")
                log.warning("Skipping essay %s: %s", problem.path, problem.reason)
                problems.append(problem)
            else:
                essays[item.slug] = item
        digest = hashlib.sha1(usedforsecurity=False)
        for path in sorted(parsed):
            digest.update(f"{path}:{parsed[path][0]}".encode())
        return Snapshot(essays=essays, problems=tuple(problems), version=digest.hexdigest()[:16])
