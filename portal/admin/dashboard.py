"""The organiser's dashboard (SPEC §5, issue 12): the community's figures for a date
range. Each figure is one query that the database counts with GROUP BY, so the page
costs the same number of queries whatever the size of the community.

A period is a range of the organiser's own dates, both ends included; either end may
be left open (no dates at all: all time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from portal.board.models import Kind, PairingRequest, Status
from portal.extensions import db
from portal.members.models import Member, Role
from portal.pairings.jobs import QUIET_FOR
from portal.pairings.models import Pairing, PairingStatus, Quarter, SessionEntry
from portal.tools import Tool
from portal.web.i18n import format_day

REGULAR_QUARTERS = 2  # completed quarters, as the senior, that make a regular
BAD_DATES = _l(
    "We couldn't read those dates. Please give them as YYYY-MM-DD, the first no later "
    "than the second. Showing all time instead."
)


@dataclass(frozen=True)
class Period:
    start: date | None = None  # the first day, included
    end: date | None = None  # the last day, included
    zone: ZoneInfo = ZoneInfo("Asia/Kolkata")

    def _moment(self, day: date) -> datetime:
        """The start of `day` in the organiser's zone, as the naive UTC moment stored."""
        return datetime.combine(day, time.min, self.zone).astimezone(UTC).replace(tzinfo=None)

    def covers(self, column) -> list:
        """Conditions keeping `column` (a stored UTC moment) inside the period."""
        found = [column >= self._moment(self.start)] if self.start else []
        if self.end:
            found.append(column < self._moment(self.end + timedelta(days=1)))
        return found

    @property
    def args(self) -> dict[str, str]:
        """The query string that asks for this period again."""
        return {k: d.isoformat() for k, d in (("from", self.start), ("to", self.end)) if d}

    @property
    def label(self) -> str:
        first, last = (format_day(d) if d else "" for d in (self.start, self.end))
        if first and last:
            return _("%(first)s to %(last)s", first=first, last=last)
        if first:
            return _("since %(day)s", day=first)
        return _("until %(day)s", day=last) if last else _("all time")


def parse_period(start: str | None, end: str | None, zone: ZoneInfo) -> tuple[Period, str | None]:
    """The period asked for by `?from=YYYY-MM-DD&to=YYYY-MM-DD` (either may be empty), or
    all time and a message saying why not."""
    try:
        first, last = (
            date.fromisoformat(t.strip()) if t and t.strip() else None for t in (start, end)
        )
    except ValueError:
        return Period(zone=zone), str(BAD_DATES)
    if any(d and not 1900 <= d.year <= 2999 for d in (first, last)) or (
        first and last and first > last
    ):
        return Period(zone=zone), str(BAD_DATES)
    return Period(first, last, zone), None


# --- the figures: one query each ---------------------------------------------------------------


def members(period: Period) -> list[tuple]:
    """(role, confirmed, members) of the members who joined in the period."""
    confirmed = Member.email_verified_at.is_not(None)
    rows = db.session.execute(
        sa.select(Member.role, confirmed, sa.func.count())
        .where(Member.deleted_at.is_(None), *period.covers(Member.created_at))
        .group_by(Member.role, confirmed)
    ).all()
    order = {role: n for n, role in enumerate(Role)}
    return sorted((tuple(row) for row in rows), key=lambda r: (order[r[0]], not r[1]))


@dataclass(frozen=True)
class Funnel:
    slug: str
    title: str
    joined: int = 0
    requests: int = 0
    pairings: int = 0
    quarters: int = 0


def funnel(period: Period, titles: dict[str, str]) -> list[Funnel]:
    """Per essay: the readers who joined from it in the period, the requests they posted,
    the pairings made from those requests, and those pairings' completed quarters.
    Every essay in `titles` (slug → title) has a row, even with nobody yet."""
    rows = db.session.execute(
        sa.select(
            Member.joined_from,
            *(sa.func.count(sa.distinct(c.id)) for c in (Member, PairingRequest, Pairing, Quarter)),
        )
        .select_from(Member)
        .outerjoin(PairingRequest, PairingRequest.author_id == Member.id)
        .outerjoin(Pairing, Pairing.request_id == PairingRequest.id)
        .outerjoin(
            Quarter, sa.and_(Quarter.pairing_id == Pairing.id, Quarter.completed_at.is_not(None))
        )
        .where(Member.joined_from.is_not(None), *period.covers(Member.created_at))
        .group_by(Member.joined_from)
    ).all()
    found = {slug: Funnel(slug, titles.get(slug, slug), *counts) for slug, *counts in rows}
    for slug, title in titles.items():
        found.setdefault(slug, Funnel(slug, title))
    return sorted(found.values(), key=lambda f: (-f.joined, f.title.lower(), f.slug))


def requests(period: Period) -> list[tuple[Status, int, int, int]]:
    """(status, seeking, offering, all) of the requests posted in the period, every
    status listed."""
    rows = db.session.execute(
        sa.select(
            PairingRequest.status,
            sa.func.count().filter(PairingRequest.kind == Kind.SEEKING),
            sa.func.count().filter(PairingRequest.kind == Kind.OFFERING),
            sa.func.count(),
        )
        .where(*period.covers(PairingRequest.created_at))
        .group_by(PairingRequest.status)
    ).all()
    counts = {row[0]: tuple(row[1:]) for row in rows}
    return [(status, *counts.get(status, (0, 0, 0))) for status in Status]


def pairings(period: Period) -> list[tuple[PairingStatus, int]]:
    """(status, pairings) of the pairings begun in the period, every status listed."""
    counts = dict(
        db.session.execute(
            sa.select(Pairing.status, sa.func.count())
            .where(*period.covers(Pairing.started_at))
            .group_by(Pairing.status)
        ).all()
    )
    return [(status, counts.get(status, 0)) for status in PairingStatus]


def _shown(member) -> sa.ColumnElement:
    """A member's name as the portal shows it ("a former member" once they have left)."""
    return sa.case((member.deleted_at.is_not(None), _("a former member")), else_=member.name)


def _counted(query) -> tuple[list[tuple], int]:
    """The rows of a query whose last column is `count() over ()`, and that count."""
    rows = db.session.execute(query).all()
    return [tuple(row[:-1]) for row in rows], (rows[0][-1] if rows else 0)


@dataclass(frozen=True)
class CheckIn:
    pairing_id: int
    senior: str
    junior: str
    tool: str
    started: date
    last_session: date | None
    quiet_days: int


def check_ins(today: date, zone: ZoneInfo, limit: int | None = None) -> tuple[list[CheckIn], int]:
    """Active pairings with no session for three weeks (counted from the day they began if
    they never met, in `zone`, as the reminders count), quietest first; and how many there
    are. Today's list, whatever the period."""
    last = (
        sa.select(SessionEntry.pairing_id, sa.func.max(SessionEntry.held_on).label("held_on"))
        .group_by(SessionEntry.pairing_id)
        .subquery()
    )
    cutoff = today - QUIET_FOR
    began_by = Period(zone=zone)._moment(cutoff + timedelta(days=1))
    quiet = sa.or_(
        last.c.held_on <= cutoff, sa.and_(last.c.held_on.is_(None), Pairing.started_at < began_by)
    )
    senior, junior = aliased(Member), aliased(Member)
    shown = (Pairing.id, _shown(senior), _shown(junior), Tool.name, Pairing.started_at)
    rows, total = _counted(
        sa.select(*shown, last.c.held_on, sa.func.count().over())
        .join(senior, senior.id == Pairing.senior_id)
        .join(junior, junior.id == Pairing.junior_id)
        .join(Tool, Tool.id == Pairing.tool_id)
        .outerjoin(last, last.c.pairing_id == Pairing.id)
        .where(Pairing.status == PairingStatus.ACTIVE, quiet)
        .order_by(sa.func.coalesce(last.c.held_on, Pairing.started_at), Pairing.id)
        .limit(limit)
    )
    found = []
    for *who, started_at, held in rows:
        began = started_at.replace(tzinfo=UTC).astimezone(zone).date()
        found.append(CheckIn(*who, began, held, (today - (held or began)).days))
    return found, total


@dataclass(frozen=True)
class Regular:
    name: str
    handle: str | None  # None for a former member (no profile to link to)
    quarters: int
    pairings: int


def regulars(period: Period, limit: int | None = None) -> tuple[list[Regular], int]:
    """The seniors who keep showing up: two or more quarters completed as the senior
    (completed in the period), most first; and how many there are."""
    quarters = sa.func.count(Quarter.id)
    handle = sa.case((Member.deleted_at.is_(None), Member.handle))
    shown = (_shown(Member), handle, quarters, sa.func.count(sa.distinct(Pairing.id)))
    rows, total = _counted(
        sa.select(*shown, sa.func.count().over())
        .select_from(Quarter)
        .join(Pairing, Pairing.id == Quarter.pairing_id)
        .join(Member, Member.id == Pairing.senior_id)
        .where(Quarter.completed_at.is_not(None), *period.covers(Quarter.completed_at))
        .group_by(Member.id, Member.name, Member.handle, Member.deleted_at)
        .having(quarters >= REGULAR_QUARTERS)
        .order_by(quarters.desc(), Member.name, Member.id)
        .limit(limit)
    )
    return [Regular(*row) for row in rows], total


def staff_and_suspended(now: datetime) -> tuple[list[Member], list[Member]]:
    """The moderators and admins, and the members suspended now: two queries, each on its
    partial index (a handful of rows, whatever the membership)."""
    staff = db.session.scalars(
        sa.select(Member)
        .where(Member.deleted_at.is_(None), Member.is_admin | Member.is_moderator)
        .order_by(Member.name, Member.id)
    ).all()
    suspended = db.session.scalars(
        sa.select(Member).where(Member.suspended_at.is_not(None)).order_by(Member.name, Member.id)
    ).all()
    return list(staff), [m for m in suspended if m.is_suspended(now)]


SHOWN = 50  # rows of a long table on the page; its CSV has them all


@dataclass
class Dashboard:
    """The figures of the page for one period (six queries), counted at `as_of`."""

    period: Period
    as_of: datetime
    members: list[tuple]
    funnel: list[Funnel]
    requests: list[tuple]
    pairings: list[tuple]
    check_ins: list[CheckIn]
    check_in_total: int
    regulars: list[Regular]
    regular_total: int

    @classmethod
    def build(
        cls, period: Period, today: date, now: datetime, titles: dict[str, str], shown: int = SHOWN
    ) -> Dashboard:
        return cls(
            period,
            now,
            members(period),
            funnel(period, titles),
            requests(period),
            pairings(period),
            *check_ins(today, period.zone, shown),
            *regulars(period, shown),
        )
