"""Emails about the board, each respecting the member's preferences. The services
queue them inside the transaction of the change they tell of."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.board.models import Answer, PairingRequest
from portal.notifications.email import send_notice
from portal.web.templating import absolute_url


def answered(item: PairingRequest, answer: Answer) -> None:
    send_notice(
        item.author,
        "answers",
        _l("A new answer to \u201c%(title)s\u201d", title=item.title),
        "answered",
        answer=answer,
        item=item,
        link=absolute_url("board.request_page", request_id=item.id),
    )
