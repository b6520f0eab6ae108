"""The refusals every feature's services raise. Views never catch the first two:
`web/errors.py` answers them for every route (403 or 409, as a page or an htmx
fragment, with the message), after rolling back whatever was begun."""

from __future__ import annotations


class NotAllowed(Exception):
    """403: this member may not do this."""


class Conflict(Exception):
    """409: not from the state the thing is in now (someone changed it first)."""


class FieldError(ValueError):
    """A value for one form field is wrong: the view shows `message` beside `field`."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class NeedsConfirmation(Exception):
    """Allowed, but the member should confirm first (the view asks, then posts again
    with the confirmation): for example pairing two people from one organisation."""
