"""Forms on the pairing page. Dates are checked against the pairing in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.members.forms import one_line
from portal.web.numbers import whole_number


class GoalForm(FlaskForm):
    goal = TextAreaField(
        _l("Your goal"),
        validators=[Optional(), Length(max=600, message=_l("Up to 600 characters, please."))],
    )


class ItemForm(FlaskForm):
    title = StringField(
        _l("Item"),
        validators=[
            DataRequired(_l("Please give the item a short title.")),
            Length(max=120, message=_l("Up to 120 characters, please.")),
            one_line,
        ],
    )
    detail = TextAreaField(
        _l("Details (optional)"),
        validators=[Optional(), Length(max=1000, message=_l("Up to 1,000 characters, please."))],
    )


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[InputRequired()])


class SessionForm(FlaskForm):
    held_on = DateField(
        _l("Date"),
        validators=[InputRequired(_l("Please give the date of the session (like 2026-11-30)."))],
        render_kw={"autocomplete": "off"},
    )
    agenda_item = SelectField(_l("Agenda item"), choices=[], validate_choice=False)
    covered = StringField(
        _l("What you covered"),
        validators=[
            DataRequired(_l("Please say in a line what you covered.")),
            Length(max=300, message=_l("Up to 300 characters, please.")),
            one_line,
        ],
    )
    notes = TextAreaField(
        _l("Notes (optional)"),
        validators=[Optional(), Length(max=4000, message=_l("Up to 4,000 characters, please."))],
        description=_l("Both of you can read and correct the log."),
    )

    def agenda_item_id(self) -> int | None:
        raw = self.agenda_item.data or ""
        return whole_number(raw)


def _reflection_field(label, hint) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            DataRequired(_l("Please write a sentence or two here.")),
            Length(max=2000, message=_l("Up to 2,000 characters, please.")),
        ],
        description=hint,
    )


class ReflectionForm(FlaskForm):
    learned = _reflection_field(
        _l("What I learned"), _l("The tool, the judgement, or about yourself.")
    )
    taught = _reflection_field(_l("What I taught"), _l("What you think landed with your partner."))
    next_quarter = _reflection_field(
        _l("What to do next quarter"),
        _l("A next tool, a change of pace, or a reason to stop here."),
    )
    # Asked only while reflecting is early (see services.reflection_window).
    finish_early = BooleanField(_l("We are finishing this quarter early"))


class EndForm(FlaskForm):
    reason = TextAreaField(
        _l("Why end the pairing?"),
        validators=[
            DataRequired(_l("Please give a short reason; your partner will see it.")),
            Length(min=3, max=500, message=_l("Between 3 and 500 characters, please.")),
        ],
        description=_l("Your partner sees this on the pairing page. Kindness helps."),
    )


class RenewForm(FlaskForm):
    quarter = HiddenField()  # the quarter the member saw end
    tool = StringField(
        _l("The next tool"),
        validators=[
            DataRequired(_l("Please name the tool for the next quarter.")),
            Length(max=60, message=_l("Up to 60 characters, please.")),
            one_line,
        ],
        description=_l("Pick one from the list or type a new one."),
    )


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Message"),
        validators=[
            DataRequired(_l("Please write a message.")),
            Length(max=2000, message=_l("Up to 2,000 characters, please.")),
        ],
    )


class SharingForm(FlaskForm):
    shares = BooleanField(_l("Show this pairing on the junior's taught-upward page"))


class RecordForm(FlaskForm):
    public = BooleanField(_l("Show my participation record on my public profile"))
