"""Emails about the board, each respecting the member's preferences.

In-app notifications are written by the services, in the same transaction as the
change; emails go after it, and a failure to send loses nothing (it is logged).
"""

from __future__ import annotations

from portal.board.models import Answer, PairingRequest
from portal.notifications.email import send_notice
from portal.web.templating import absolute_url


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
