"""Board rules: who may do what to a request or an answer, from which state.

Split by what they change (requests, answers, new-member limits, the board's
version) and what a member may do (rights); everything a view or a test calls
is importable from here.
"""

from __future__ import annotations

from portal.board.services import departures  # noqa: F401  (subscribes to members' signals)
from portal.board.services.answers import (
    Matched,
    answer_request,
    check_can_accept,
    match,
    same_organisation,
    withdraw_answer,
)
from portal.board.services.limits import (
    NEW_MEMBER_ANSWERS_A_DAY,
    NEW_MEMBER_DAYS,
    NEW_MEMBER_OPEN_REQUESTS,
    has_been_paired,
    is_new,
)
from portal.board.services.requests import (
    RequestInput,
    close_request,
    expire_requests,
    get_request,
    post_request,
    renew_request,
    withdraw_request,
)
from portal.board.services.rights import RequestRights, rights_for
from portal.board.services.version import board_changed, board_version
from portal.domain import Conflict, NotAllowed

__all__ = [
    "NEW_MEMBER_ANSWERS_A_DAY",
    "NEW_MEMBER_DAYS",
    "NEW_MEMBER_OPEN_REQUESTS",
    "Conflict",
    "Matched",
    "NotAllowed",
    "RequestInput",
    "RequestRights",
    "answer_request",
    "board_changed",
    "board_version",
    "check_can_accept",
    "close_request",
    "expire_requests",
    "get_request",
    "has_been_paired",
    "is_new",
    "match",
    "post_request",
    "renew_request",
    "rights_for",
    "same_organisation",
    "withdraw_answer",
    "withdraw_request",
]
