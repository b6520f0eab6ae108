"""Forms for reporting and for the moderators' actions."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.admin.models import REASONS


class ReportForm(FlaskForm):
    reason = RadioField(
        "Why are you reporting this?",
        choices=[SelectChoice(value, label) for value, label in REASONS.items()],
        validators=[InputRequired("Please choose a reason.")],
    )
    note = TextAreaField(
        "Anything the moderators should know (optional)",
        validators=[Optional(), Length(max=1000, message="Up to 1,000 characters, please.")],
        description="Only the moderators read this. The author never learns who reported it.",
    )


class HideForm(FlaskForm):
    reason = StringField(
        "Reason, shown to the author",
        validators=[
            DataRequired("Please say why: the author is shown it."),
            Length(max=200, message="Up to 200 characters, please."),
        ],
    )


class NoteForm(FlaskForm):
    """Restore and dismiss: an optional word for the audit log."""

    reason = StringField(
        "Note for the audit log (optional)", validators=[Optional(), Length(max=500)]
    )


class SuspendForm(FlaskForm):
    reason = StringField(
        "Reason, told to the member",
        validators=[
            DataRequired("Please give a reason: the member is told it."),
            Length(max=500, message="Up to 500 characters, please."),
        ],
    )
    length = RadioField(
        "For how long",
        choices=[
            SelectChoice("7", "7 days"),
            SelectChoice("30", "30 days"),
            SelectChoice("lifted", "Until lifted"),
        ],
        default="7",
        validators=[InputRequired("Please choose how long.")],
    )


class RoleForm(FlaskForm):
    email = StringField(
        "Member's email",
        validators=[DataRequired("Please give the member's email address."), Length(max=254)],
    )


class ConcernForm(FlaskForm):
    note = TextAreaField(
        "What worries you?",
        validators=[
            DataRequired("Please tell the moderators what worries you."),
            Length(max=1000, message="Up to 1,000 characters, please."),
        ],
        description=(
            "Only the moderators read this. Your partner is never told that you wrote, or what."
        ),
    )


class ReviewForm(FlaskForm):
    note = TextAreaField(
        "Why should the moderators look again? (optional)",
        validators=[Optional(), Length(max=1000, message="Up to 1,000 characters, please.")],
    )
