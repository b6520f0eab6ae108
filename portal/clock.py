"""Time in one place. Moments are stored as naive UTC; dates are a member's own,
in their time zone (India's when theirs is unknown), never the server's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Kolkata"


def utcnow() -> datetime:
    """Now, as the naive UTC moment the database stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def time_zone(name: str | None) -> ZoneInfo:
    """The zone called `name`, or India's if the name is empty or unknown."""
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def zone_of(member) -> ZoneInfo:
    """A member's zone; India's for anyone signed out (or no member at all)."""
    return time_zone(getattr(member, "timezone", None))


def today_for(member=None) -> date:
    """Today's date where the member is (India's date for nobody in particular)."""
    return datetime.now(zone_of(member)).date()


def local(moment: datetime | None, member=None) -> datetime | None:
    """A stored UTC moment in the member's zone."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(zone_of(member))


def local_date(moment: datetime, member=None) -> date:
    """A stored UTC moment as a date in the member's zone."""
    return local(moment, member).date()


def end_of_quarter(moment: datetime) -> datetime:
    """The first instant after the calendar quarter `moment` is in."""
    first_month_next = ((moment.month - 1) // 3 + 1) * 3 + 1
    year = moment.year + (first_month_next > 12)
    return datetime(year, (first_month_next - 1) % 12 + 1, 1)
