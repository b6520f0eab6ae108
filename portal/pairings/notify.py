"""Emails about a pairing, after the change is saved; each respects its kind's preference."""

from __future__ import annotations

from portal.board.models import Pairing
from portal.board.notify import send_notice
from portal.members.models import Member
from portal.pairings.models import Message
from portal.pairings.services import Reflected
from portal.web.templating import absolute_url


def messaged(pairing: Pairing, author: Member, message: Message) -> None:
    send_notice(
        pairing.partner_of(author.id),
        "messages",
        f"{author.display_name} sent you a message",
        "pairing_message",
        author=author,
        message=message,
        link=absolute_url("pairings.pairing", pairing_id=pairing.id, _anchor="messages"),
    )


def reflected(pairing: Pairing, author: Member, result: Reflected) -> None:
    """The partner hears when their reflection is the one still waiting."""
    if not result.first:
        return
    send_notice(
        pairing.partner_of(author.id),
        "reflections",
        f"{author.display_name} reflected on your quarter: yours is waiting",
        "reflection_waiting",
        author=author,
        quarter=result.quarter,
        link=absolute_url("pairings.pairing", pairing_id=pairing.id, _anchor="reflections"),
    )
