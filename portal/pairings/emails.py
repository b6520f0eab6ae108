"""Emails about a pairing, queued by the services inside the transaction of the
change; each respects its kind's preference."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.board.models import Answer, PairingRequest
from portal.members.models import Member
from portal.notifications.email import send_notice
from portal.pairings.models import Message, Pairing, Quarter
from portal.web.templating import absolute_url


def messaged(pairing: Pairing, author: Member, message: Message) -> None:
    send_notice(
        pairing.partner_of(author.id),
        "messages",
        _l("%(name)s sent you a message", name=author.display_name),
        "pairing_message",
        author=author,
        message=message,
        link=absolute_url("pairings.pairing", pairing_id=pairing.id, _anchor="messages"),
    )


def reflected(pairing: Pairing, author: Member, quarter: Quarter) -> None:
    """The partner hears when their reflection is the one still waiting."""
    send_notice(
        pairing.partner_of(author.id),
        "reflections",
        _l("%(name)s reflected on your quarter: yours is waiting", name=author.display_name),
        "reflection_waiting",
        author=author,
        quarter=quarter,
        link=absolute_url("pairings.pairing", pairing_id=pairing.id, _anchor="reflections"),
    )


def accepted(item: PairingRequest, pairing: Pairing, chosen: Answer, others: list[Answer]) -> None:
    """The chosen answerer hears their pairing begins; the others, kindly, that the
    request found its match."""
    send_notice(
        chosen.author,
        "accepted",
        _l("Your answer to \u201c%(title)s\u201d was accepted", title=item.title),
        "accepted",
        item=item,
        link=absolute_url("pairings.pairing", pairing_id=pairing.id),
    )
    for other in others:
        send_notice(
            other.author,
            "answers",
            _l("\u201c%(title)s\u201d found its match", title=item.title),
            "matched_elsewhere",
            item=item,
            link=absolute_url("board.board"),
        )
