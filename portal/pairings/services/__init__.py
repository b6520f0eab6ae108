"""Pairing rules: who may change what, from which state, in one transaction each.

Only the two members change a pairing (admins read it); each side writes its own
goal and reflection; an ended pairing is kept as a record and changes no more.
Refusals are `portal.domain`'s `NotAllowed` (403) and `Conflict` (409); a bad value
for a form field is a `FieldError` naming the field.

Split by what they do (queries, access, start, agenda, log, quarters, messages);
everything a view or a test calls is importable from here.
"""

from __future__ import annotations

from portal.clock import local_date, today_for
from portal.domain import Conflict, FieldError, NeedsConfirmation, NotAllowed
from portal.pairings.services.access import (
    check_can_change,
    check_quarter_open,
    lock,
    open_for_changes,
    open_quarter,
    side_of,
)
from portal.pairings.services.agenda import (
    SIDES,
    add_item,
    check_own_goal,
    delete_item,
    edit_item,
    item_of,
    move_item,
    set_goal,
    start_quarter,
)
from portal.pairings.services.log import (
    SessionInput,
    check_entry_open,
    edit_session,
    log_session,
    session_of,
)
from portal.pairings.services.messages import (
    DUPLICATE_MESSAGE_WINDOW,
    Posted,
    post_message,
    set_record_public,
    set_sharing,
)
from portal.pairings.services.quarters import (
    Reflected,
    end_for_departure,
    end_pairing,
    final_status,
    reflect,
    reflection_window,
    renew,
)
from portal.pairings.services.queries import (
    agenda,
    can_view,
    current_quarter,
    latest_quarters,
    mark_seen,
    messages,
    page_rows,
    pairing_for_request,
    pairings_of,
    quarters,
    reflections,
    sessions,
)
from portal.pairings.services.start import Accepted, accept_answer

__all__ = [
    "DUPLICATE_MESSAGE_WINDOW",
    "SIDES",
    "Accepted",
    "Conflict",
    "FieldError",
    "NeedsConfirmation",
    "NotAllowed",
    "Posted",
    "Reflected",
    "SessionInput",
    "accept_answer",
    "add_item",
    "agenda",
    "can_view",
    "check_can_change",
    "check_entry_open",
    "check_own_goal",
    "check_quarter_open",
    "current_quarter",
    "delete_item",
    "edit_item",
    "edit_session",
    "end_for_departure",
    "end_pairing",
    "final_status",
    "item_of",
    "latest_quarters",
    "local_date",
    "lock",
    "log_session",
    "mark_seen",
    "messages",
    "move_item",
    "open_for_changes",
    "open_quarter",
    "page_rows",
    "pairing_for_request",
    "pairings_of",
    "post_message",
    "quarters",
    "reflect",
    "reflection_window",
    "reflections",
    "renew",
    "session_of",
    "sessions",
    "set_goal",
    "set_record_public",
    "set_sharing",
    "side_of",
    "start_quarter",
    "today_for",
]
