"""Emails about the board, each respecting the member's preferences.

In-app notifications are written by the services, in the same transaction as the
change; emails go after it, and a failure to send loses nothing (it is logged).
"""

from __future__ import annotations

from portal.board.models import Answer, PairingRequest
from portal.board.services import Accepted
from portal.members import mail
from portal.web.templating import absolute_url


def _mail(member, kind: str, subject: str, template: str, **context) -> None:
    """Email a member about the board, if they still want that kind of notice."""
    if member.deleted_at or not member.wants_notice(kind):
        return
    mail.send(
        member.email,
        subject,
        template,
        member=member,
        preferences=absolute_url("members.account"),
        **context,
    )


def answered(item: PairingRequest, answer: Answer) -> None:
    _mail(
        item.author,
        "answers",
        f"A new answer to \u201c{item.title}\u201d",
        "answered",
        answer=answer,
        item=item,
        link=absolute_url("board.request_page", request_id=item.id),
    )


def accepted(item: PairingRequest, result: Accepted) -> None:
    _mail(
        result.chosen.author,
        "pairings",
        f"Your answer to \u201c{item.title}\u201d was accepted",
        "accepted",
        item=item,
        link=absolute_url("pairings.pairing", pairing_id=result.pairing.id),
    )
    for other in result.others:
        _mail(
            other.author,
            "answers",
            f"\u201c{item.title}\u201d found its match",
            "matched_elsewhere",
            item=item,
            link=absolute_url("board.board"),
        )
