"""Forms every feature uses."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token travels."""


class ReadForm(FlaskForm):
    """Mark one notification read (or, without an id, all of them)."""

    notification = HiddenField()
