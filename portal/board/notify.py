"""Emails about the board, each respecting the member's preferences.

In-app notifications are written by the services, in the same transaction as the
change; emails go after it, and a failure to send loses nothing (it is logged).
"""

from __future__ import annotations

from portal.board.models import Answer, PairingRequest
from portal.board.services import Accepted
from portal.members import mail
from portal.members.unsubscribe import headers_for, unsubscribe_url
from portal.web.templating import absolute_url


def send_notice(member, kind: str, subject: str, template: str, **context) -> None:
    """Email a member a notice of one kind, if they still want that kind; the email
    carries a link (and RFC 8058 headers) that stops that kind alone."""
    if member.deleted_at or not member.wants_notice(kind):
        return
    unsubscribe = unsubscribe_url(member, kind)
    mail.send(
        member.email,
        subject,
        template,
        headers=headers_for(unsubscribe),
        member=member,
        preferences=absolute_url("members.account"),
        unsubscribe=unsubscribe,
        **context,
    )


def answered(item: PairingRequest, answer: Answer) -> None:
    send_notice(
        item.author,
        "answers",
        f"A new answer to \u201c{item.title}\u201d",
        "answered",
        answer=answer,
        item=item,
        link=absolute_url("board.request_page", request_id=item.id),
    )


def accepted(item: PairingRequest, result: Accepted) -> None:
    send_notice(
        result.chosen.author,
        "accepted",
        f"Your answer to \u201c{item.title}\u201d was accepted",
        "accepted",
        item=item,
        link=absolute_url("pairings.pairing", pairing_id=result.pairing.id),
    )
    for other in result.others:
        send_notice(
            other.author,
            "answers",
            f"\u201c{item.title}\u201d found its match",
            "matched_elsewhere",
            item=item,
            link=absolute_url("board.board"),
        )
