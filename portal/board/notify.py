"""Emails about the board, each respecting the member's preferences.

In-app notifications are written by the services, in the same transaction as the
change; emails go after it, and a failure to send loses nothing (it is logged).
"""

from __future__ import annotations

from portal.board.models import Answer, PairingRequest
from portal.board.services import Accepted
from portal.members import mail
from portal.web.templating import absolute_url


def answered(item: PairingRequest, answer: Answer) -> None:
    author = item.author
    if author.wants_notice("answers") and not author.deleted_at:
        mail.send(
            author.email,
            f"A new answer to \u201c{item.title}\u201d",
            "answered",
            member=author,
            answer=answer,
            item=item,
            link=absolute_url("board.request_page", request_id=item.id),
            preferences=absolute_url("members.account"),
        )


def accepted(item: PairingRequest, result: Accepted) -> None:
    chosen = result.chosen.author
    if chosen.wants_notice("pairings") and not chosen.deleted_at:
        mail.send(
            chosen.email,
            f"Your answer to \u201c{item.title}\u201d was accepted",
            "accepted",
            member=chosen,
            item=item,
            link=absolute_url("pairings.pairing", pairing_id=result.pairing.id),
            preferences=absolute_url("members.account"),
        )
    for other in result.others:
        member = other.author
        if member.wants_notice("answers") and not member.deleted_at:
            mail.send(
                member.email,
                f"\u201c{item.title}\u201d found its match",
                "matched_elsewhere",
                member=member,
                item=item,
                link=absolute_url("board.board"),
                preferences=absolute_url("members.account"),
            )
