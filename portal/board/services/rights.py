"""What a member may do with a request and its answers, decided once here so that
templates show a button only where the service would allow the action."""

from __future__ import annotations

from dataclasses import dataclass

from portal.board.models import Answer, AnswerStatus, PairingRequest, Status


@dataclass(frozen=True)
class RequestRights:
    item: PairingRequest
    viewer_id: int | None  # None for someone signed out
    mine: Answer | None  # the viewer's own answer, if any
    accepted_author_id: int | None  # whose answer was accepted, if one was

    @property
    def is_author(self) -> bool:
        return self.viewer_id is not None and self.viewer_id == self.item.author_id

    @property
    def takes_answers(self) -> bool:
        return self.item.status is Status.OPEN

    @property
    def can_close(self) -> bool:
        """Close or withdraw: the author, while the request is open."""
        return self.is_author and self.item.status is Status.OPEN

    @property
    def can_renew(self) -> bool:
        return self.is_author and self.item.status is Status.EXPIRED

    @property
    def has_open_answer(self) -> bool:
        return self.mine is not None and self.mine.status is AnswerStatus.OPEN

    @property
    def can_answer(self) -> bool:
        return (
            self.viewer_id is not None
            and self.takes_answers
            and not self.is_author
            and not self.has_open_answer
        )

    @property
    def became_my_pairing(self) -> bool:
        """A matched request leads its two members to the pairing it became."""
        return (
            self.viewer_id is not None
            and self.item.status is Status.MATCHED
            and self.viewer_id in (self.item.author_id, self.accepted_author_id)
        )

    def can_accept(self, answer: Answer) -> bool:
        return self.can_close and answer.status is AnswerStatus.OPEN

    def can_withdraw(self, answer: Answer) -> bool:
        return (
            self.viewer_id is not None
            and self.viewer_id == answer.author_id
            and answer.status is AnswerStatus.OPEN
        )


def rights_for(item: PairingRequest, viewer, answers: list[Answer]) -> RequestRights:
    """`answers`: the thread as the page shows it (the viewer's answer is found in it)."""
    viewer_id = viewer.id if viewer.is_authenticated else None
    mine = next((a for a in answers if viewer_id and a.author_id == viewer_id), None)
    accepted = next((a.author_id for a in answers if a.status is AnswerStatus.ACCEPTED), None)
    return RequestRights(item, viewer_id, mine, accepted)
