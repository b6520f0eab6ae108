"""How a pairing begins: the author of a request accepts an answer on the board."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from portal.board.models import Answer, Kind, PairingRequest
from portal.board.services import check_can_accept, match, same_organisation
from portal.domain import Conflict, NeedsConfirmation
from portal.extensions import db
from portal.members.models import Member
from portal.notifications.services import notify
from portal.pairings import emails
from portal.pairings.models import Pairing
from portal.pairings.services.agenda import start_quarter
from portal.web.database import write_transaction

log = logging.getLogger("portal.pairings")


@dataclass
class Accepted:
    pairing: Pairing
    chosen: Answer
    others: list[Answer]  # told kindly that the request found its match


def accept_answer(
    member: Member, request: PairingRequest, answer: Answer, *, same_organisation_ok: bool = True
) -> Accepted:
    """The request is matched and a pairing begins, with its first quarter planned
    from the three-session template, in one transaction. Two accepts at the same moment
    make one pairing (the board's guarded update, and the unique request id here).

    With `same_organisation_ok=False`, two members of one organisation are not paired
    until the author confirms (`NeedsConfirmation`): a reporting line makes teaching
    upward harder."""
    check_can_accept(member, request, answer)
    if not same_organisation_ok and same_organisation(member, answer.author):
        raise NeedsConfirmation(_("You both work at the same organisation."))
    try:
        with write_transaction():
            matched = match(member, request, answer)
            seeking = request.kind is Kind.SEEKING
            pairing = Pairing(
                request_id=request.id,
                answer_id=answer.id,
                senior_id=request.author_id if seeking else answer.author_id,
                junior_id=answer.author_id if seeking else request.author_id,
                tool_id=request.tool_id,
            )
            db.session.add(pairing)
            db.session.flush()
            start_quarter(pairing, request.tool)
            notify(
                answer.author_id,
                _l(
                    "%(name)s accepted your answer to \u201c%(title)s\u201d. Your pairing begins.",
                    name=member.name,
                    title=request.title,
                ),
                f"/pairings/{pairing.id}",
                actor=member,
            )
            emails.accepted(request, pairing, matched.chosen, matched.others)
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(
            _("This request is no longer open: an answer was already accepted.")
        ) from exc
    db.session.refresh(request)
    db.session.refresh(answer)
    log.info("Request %s matched: pairing %s", request.id, pairing.id)
    return Accepted(pairing, matched.chosen, matched.others)
