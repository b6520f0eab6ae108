"""Forms for reporting and for the moderators' actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.admin.models import REASONS


class ReportForm(FlaskForm):
    reason = RadioField(
        _l("Why are you reporting this?"),
        choices=[SelectChoice(value, label) for value, label in REASONS.items()],
        validators=[InputRequired(_l("Please choose a reason."))],
    )
    note = TextAreaField(
        _l("Anything the moderators should know (optional)"),
        validators=[Optional(), Length(max=1000, message=_l("Up to 1,000 characters, please."))],
        description=_l("Only the moderators read this. The author never learns who reported it."),
    )


class HideForm(FlaskForm):
    reason = StringField(
        _l("Reason, shown to the author"),
        validators=[
            DataRequired(_l("Please say why: the author is shown it.")),
            Length(max=200, message=_l("Up to 200 characters, please.")),
        ],
    )


class NoteForm(FlaskForm):
    """Restore and dismiss: an optional word for the audit log."""

    reason = StringField(
        _l("Note for the audit log (optional)"), validators=[Optional(), Length(max=500)]
    )


class SuspendForm(FlaskForm):
    reason = StringField(
        _l("Reason, told to the member"),
        validators=[
            DataRequired(_l("Please give a reason: the member is told it.")),
            Length(max=500, message=_l("Up to 500 characters, please.")),
        ],
    )
    length = RadioField(
        _l("For how long"),
        choices=[
            SelectChoice("7", _l("7 days")),
            SelectChoice("30", _l("30 days")),
            SelectChoice("lifted", _l("Until lifted")),
        ],
        default="7",
        validators=[InputRequired(_l("Please choose how long."))],
    )


class RoleForm(FlaskForm):
    email = StringField(
        _l("Member's email"),
        validators=[DataRequired(_l("Please give the member's email address.")), Length(max=254)],
    )


class ConcernForm(FlaskForm):
    note = TextAreaField(
        _l("What worries you?"),
        validators=[
            DataRequired(_l("Please tell the moderators what worries you.")),
            Length(max=1000, message=_l("Up to 1,000 characters, please.")),
        ],
        description=(
            _l("Only the moderators read this. Your partner is never told that you wrote, or what.")
        ),
    )


class ReviewForm(FlaskForm):
    note = TextAreaField(
        _l("Why should the moderators look again? (optional)"),
        validators=[Optional(), Length(max=1000, message=_l("Up to 1,000 characters, please."))],
    )
