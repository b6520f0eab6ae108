"""What can be reported and hidden, one shape for all four kinds: a request, an answer,
a message in a pairing, a profile."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.admin.models import ItemKind
from portal.board.models import Answer, PairingRequest
from portal.extensions import db
from portal.members.blocks import blocked_either_way
from portal.members.models import Member
from portal.pairings.models import Message, Pairing

MODELS = {
    ItemKind.REQUEST: PairingRequest,
    ItemKind.ANSWER: Answer,
    ItemKind.MESSAGE: Message,
    ItemKind.MEMBER: Member,
    ItemKind.PAIRING: Pairing,
}


@dataclass
class Item:
    kind: ItemKind
    row: PairingRequest | Answer | Message | Member
    author_id: int
    title: str
    text: str
    url: str

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def can_hide(self) -> bool:
        return self.kind is not ItemKind.PAIRING


def load(kind: str, item_id: int, *, lock: bool = False) -> Item | None:
    """The item, or None if there is no such thing (a deleted member's profile included).
    `lock` holds its row until the transaction ends: reports on one item queue there."""
    try:
        kind = ItemKind(kind)
    except ValueError:
        return None
    model = MODELS[kind]
    query = sa.select(model).where(model.id == item_id)
    if lock:
        query = query.with_for_update(of=model)  # not the rows joined in for display
    row = db.session.scalar(query)
    if row is None:
        return None
    if kind is ItemKind.REQUEST:
        return Item(kind, row, row.author_id, row.title, row.description, f"/requests/{row.id}")
    if kind is ItemKind.ANSWER:
        return Item(
            kind,
            row,
            row.author_id,
            _("An answer to request %(id)s", id=row.request_id),
            row.message,
            f"/requests/{row.request_id}#answer-{row.id}",
        )
    if kind is ItemKind.MESSAGE:
        return Item(
            kind,
            row,
            row.author_id,
            _("A message in pairing %(id)s", id=row.pairing_id),
            row.body,
            f"/pairings/{row.pairing_id}#message-{row.id}",
        )
    if kind is ItemKind.PAIRING:
        title = _(
            "%(senior)s and %(junior)s",
            senior=row.senior.display_name,
            junior=row.junior.display_name,
        )
        return Item(kind, row, 0, title, "", f"/pairings/{row.id}")
    if row.deleted_at is not None:
        return None
    about = ", ".join(
        part for part in (row.organisation, row.city, ", ".join(row.can_teach)) if part
    )
    return Item(kind, row, row.id, row.name, about, f"/members/{row.handle}")


def involves(item: Item, member_id: int) -> bool:
    """Whether the item is about this member (theirs, or their pairing): a moderator
    never sees or decides reports about themselves."""
    if item.kind is ItemKind.PAIRING:
        return item.row.side_of(member_id) is not None
    return item.author_id == member_id


def can_report(item: Item, member: Member) -> bool:
    """Whether `member` can see this item, and so report it: nothing hidden, nothing by a
    suspended member or across a block (as the board shows it), a message only in their
    own pairing, an answer only on a request they can see; never their own."""
    if item.kind is ItemKind.PAIRING:
        return item.row.side_of(member.id) is not None
    if item.author_id == member.id or not _visible(item.row, item.author_id, member):
        return False
    if item.kind is ItemKind.MESSAGE:
        pairing = db.session.get(Pairing, item.row.pairing_id)
        return pairing is not None and pairing.side_of(member.id) is not None
    if item.kind is ItemKind.ANSWER:
        request = db.session.get(PairingRequest, item.row.request_id)
        return request is not None and _visible(request, request.author_id, member)
    return True


def _visible(row, author_id: int, member: Member) -> bool:
    if row.is_hidden or blocked_either_way(member.id, author_id):
        return False
    author = row if isinstance(row, Member) else db.session.get(Member, author_id)
    return author is not None and not author.is_suspended()
