"""Reading the board: filters, search, pages and suggestions, in a fixed few queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.board.models import Kind, PairingRequest, RequestTag, Status
from portal.extensions import db
from portal.members.blocks import hidden_from
from portal.members.models import Member, suspended_ids
from portal.tools import Tool

PER_PAGE = 20
SUGGESTIONS = 3


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    tool: str = ""
    tag: str = ""
    city: str = ""
    status: str = "open"
    q: str = ""

    @classmethod
    def from_args(cls, args) -> Filters:
        def clean(name: str, limit: int = 60) -> str:
            return " ".join(str(args.get(name, "")).split())[:limit]

        kind = clean("kind")
        status = clean("status") or "open"
        return cls(
            kind=kind if kind in {k.value for k in Kind} else "",
            tool=clean("tool").lower(),
            tag=clean("tag").lower(),
            city=clean("city", 80),
            status=status if status in {s.value for s in Status} | {"any"} else "open",
            q=clean("q", 100),
        )

    def as_args(self, **changes) -> dict:
        values = {**self.__dict__, **changes}
        return {k: v for k, v in values.items() if v and not (k == "status" and v == "open")}

    @property
    def active(self) -> bool:
        return bool(self.as_args())


@dataclass
class Page:
    requests: list[PairingRequest]
    number: int
    has_more: bool


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def on_the_board() -> tuple:
    """What the board shows anyone: nothing hidden by the moderators, nothing by a
    suspended member."""
    return (
        PairingRequest.hidden_at.is_(None),
        PairingRequest.author_id.not_in(suspended_ids()),
    )


def not_blocked(viewer_id: int | None):
    """Nothing by a member on either side of a block with the viewer (signed in)."""
    if viewer_id is None:
        return sa.true()
    return PairingRequest.author_id.not_in(hidden_from(viewer_id))


def board(
    filters: Filters, number: int = 1, per_page: int = PER_PAGE, *, viewer_id: int | None = None
) -> Page:
    """One page of the board, newest first, as `viewer_id` sees it. Author and tool come
    joined, tags in one more query: the same few queries whatever the page holds."""
    query = sa.select(PairingRequest).where(*on_the_board(), not_blocked(viewer_id))
    if filters.status != "any":
        query = query.where(PairingRequest.status == Status(filters.status))
    if filters.kind:
        query = query.where(PairingRequest.kind == Kind(filters.kind))
    if filters.tool:
        tool_id = sa.select(Tool.id).where(Tool.key == filters.tool).scalar_subquery()
        query = query.where(PairingRequest.tool_id == tool_id)
    if filters.tag:
        tagged = sa.select(RequestTag.request_id).where(RequestTag.tag == filters.tag)
        query = query.where(PairingRequest.id.in_(tagged))
    if filters.city:
        query = query.where(sa.func.lower(PairingRequest.city) == filters.city.lower())
    if filters.q:
        like = f"%{_escape_like(filters.q.lower())}%"
        query = query.where(
            sa.or_(
                sa.func.lower(PairingRequest.title).like(like, escape="\\"),
                sa.func.lower(PairingRequest.description).like(like, escape="\\"),
                PairingRequest.tool_id.in_(
                    sa.select(Tool.id).where(Tool.key.like(like, escape="\\"))
                ),
            )
        )
    query = (
        query.order_by(PairingRequest.created_at.desc(), PairingRequest.id.desc())
        .offset((number - 1) * per_page)
        .limit(per_page + 1)
    )
    rows = list(db.session.scalars(query).unique())
    return Page(rows[:per_page], number, len(rows) > per_page)


def suggestions(
    member: Member, limit: int = SUGGESTIONS, since: datetime | None = None
) -> list[PairingRequest]:
    """Open requests this member could help with, or learn from: seekers' requests
    matching what they can teach, offers matching what they want to learn (posted
    since `since`, if given)."""
    teach, learn = member.tag_keys("teach"), member.tag_keys("learn")
    if not teach and not learn:
        return []

    def matching(kind: Kind, tags: list[str]):
        if not tags:
            return sa.false()
        tagged = sa.select(RequestTag.request_id).where(RequestTag.tag.in_(tags))
        tools = sa.select(Tool.id).where(Tool.key.in_(tags))
        return sa.and_(
            PairingRequest.kind == kind,
            sa.or_(PairingRequest.id.in_(tagged), PairingRequest.tool_id.in_(tools)),
        )

    query = (
        sa.select(PairingRequest)
        .where(
            PairingRequest.status == Status.OPEN,
            PairingRequest.author_id != member.id,
            *on_the_board(),
            not_blocked(member.id),
            sa.or_(matching(Kind.SEEKING, teach), matching(Kind.OFFERING, learn)),
            PairingRequest.created_at >= since if since else sa.true(),
        )
        .order_by(PairingRequest.created_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query).unique())


def open_requests_by(member_id: int, *, hidden_too: bool = False) -> list[PairingRequest]:
    """A member's open requests (those the moderators hid only with `hidden_too`: for
    the member and the moderators)."""
    query = sa.select(PairingRequest).where(
        PairingRequest.author_id == member_id, PairingRequest.status == Status.OPEN
    )
    if not hidden_too:
        query = query.where(PairingRequest.hidden_at.is_(None))
    return list(db.session.scalars(query.order_by(PairingRequest.created_at.desc())).unique())
