"""What the moderators read: open reports grouped by item, oldest first, with the item,
its author and their history; the audit log."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from portal.admin.items import MODELS, Item, involves, load
from portal.admin.models import AuditEntry, Outcome, Report
from portal.extensions import db
from portal.members.models import Member

QUEUE_ITEMS = 50


@dataclass
class Group:
    kind: str
    item_id: int
    item: Item | None  # None: gone since (deleted)
    author: Member | None
    reports: list[Report] = field(default_factory=list)
    hidden_before: int = 0  # the author's items hidden by the moderators before

    @property
    def first_at(self) -> datetime:
        return self.reports[0].created_at

    @property
    def reasons(self) -> Counter:
        return Counter(r.reason_label for r in self.reports)


def for_viewer(groups: list[Group], viewer_id: int) -> list[Group]:
    """Leave out what is about the moderator looking (their items, their pairings)."""
    return [g for g in groups if g.item is None or not involves(g.item, viewer_id)]


def open_groups(limit: int = QUEUE_ITEMS) -> list[Group]:
    return _grouped(sa.true(), limit)


def group_for(kind: str, item_id: int) -> Group | None:
    """One item's open reports, as the queue shows them (None if it has none)."""
    found = _grouped(sa.and_(Report.item_kind == kind, Report.item_id == item_id), 1)
    return found[0] if found else None


def _grouped(where, limit: int) -> list[Group]:
    """Open reports matching `where`, grouped by item, oldest first (`limit` items), with
    each item, its author, and how many of the author's items were hidden before."""
    reports = db.session.scalars(
        sa.select(Report)
        .where(Report.closed_at.is_(None), where)
        .order_by(Report.created_at, Report.id)
    ).all()
    groups: dict[tuple[str, int], Group] = {}
    for report in reports:
        key = (report.item_kind, report.item_id)
        if key not in groups:
            if len(groups) >= limit:
                continue
            groups[key] = Group(report.item_kind, report.item_id, None, None)
        groups[key].reports.append(report)
    author_ids = {r.author_id for g in groups.values() for r in g.reports if r.author_id}
    authors = {
        m.id: m for m in db.session.scalars(sa.select(Member).where(Member.id.in_(author_ids)))
    }
    hidden = dict(
        db.session.execute(
            sa.select(Report.author_id, sa.func.count(sa.distinct(Report.item_id)))
            .where(Report.author_id.in_(author_ids), Report.outcome == Outcome.HIDDEN.value)
            .group_by(Report.author_id)
        ).all()
    )
    for group in groups.values():
        group.item = load(group.kind, group.item_id)
        author_id = group.reports[0].author_id
        group.author = authors.get(author_id)
        group.hidden_before = hidden.get(author_id, 0)
    return list(groups.values())


def hidden_groups(limit: int = 20) -> list[Group]:
    """What is hidden now, newest first (a few of each kind): where a moderator restores
    what was hidden by mistake, reports or not."""
    found = []
    for kind, model in MODELS.items():
        if not hasattr(model, "hidden_at"):
            continue
        rows = db.session.scalars(
            sa.select(model.id)
            .where(model.hidden_at.is_not(None))
            .order_by(model.hidden_at.desc())
            .limit(limit)
        )
        for item_id in rows:
            item = load(kind, item_id)
            if item is not None:
                author = db.session.get(Member, item.author_id)
                found.append(Group(kind.value, item_id, item, author))
    found.sort(key=lambda g: g.item.row.hidden_at, reverse=True)
    return found[:limit]


def open_count() -> int:
    """How many items wait for a moderator."""
    items = (
        sa.select(Report.item_kind, Report.item_id)
        .where(Report.closed_at.is_(None))
        .distinct()
        .subquery()
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(items)) or 0


def audit_entries(limit: int | None = 200) -> list[AuditEntry]:
    query = sa.select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))
