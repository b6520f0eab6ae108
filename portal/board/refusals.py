"""Service refusals as HTTP answers: NotAllowed → 403, Conflict → 409, with the message."""

from __future__ import annotations

from functools import wraps

from flask import render_template

from portal.board import services
from portal.extensions import db
from portal.web.htmx import is_htmx


def refusal(status: int, message: str):
    template = "board/_refusal.html" if is_htmx() else "board/refusal.html"
    return render_template(template, message=message, status=status), status


def domain_errors(view):
    """NotAllowed → 403, Conflict → 409, each with the message; nothing changed."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except services.NotAllowed as error:
            db.session.rollback()
            return refusal(403, str(error))
        except services.Conflict as error:
            db.session.rollback()
            return refusal(409, str(error))

    return wrapped
