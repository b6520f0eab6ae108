"""Forms for requests and answers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.members.forms import one_line, tags_validator


class RequestForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            # Its ids start "post-": on the board the filters have a tool and a city too,
            # and each label must point at its own field. The names (what is posted) stay.
            return unbound_field.bind(form=form, id=f"post-{options['name']}", **options)

    kind = RadioField(
        _l("What are you posting?"),
        choices=[
            SelectChoice("seeking", _l("I want to learn a tool (seeking a reverse mentor)")),
            SelectChoice("offering", _l("I can teach a tool (offering to teach)")),
        ],
        validators=[InputRequired(_l("Please choose whether you want to learn or to teach."))],
    )
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Please give your request a title.")),
            Length(max=120),
            one_line,
        ],
        description=_l("One line, like: Help me use ChatGPT for drafting board notes"),
    )
    tool = StringField(
        _l("The tool"),
        validators=[DataRequired(_l("Please name the tool.")), Length(max=60)],
        description=_l("Pick one from the list or type a new one."),
    )
    tags = StringField(
        _l("Topics (optional)"),
        validators=[Optional(), tags_validator],
        description=_l("Separate them with commas, like: drafting, reports"),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[
            DataRequired(_l("Please say a little about what you hope for.")),
            Length(min=20, max=4000, message=_l("Between 20 and 4,000 characters, please.")),
        ],
        description=_l("What you want to do with the tool, and what you bring. Markdown works."),
    )
    cadence = StringField(
        _l("Cadence"),
        default=lambda: str(_l("One tool per quarter")),
        validators=[Optional(), Length(max=80)],
    )
    format = RadioField(
        _l("How you will meet"),
        choices=[SelectChoice("online", _l("Online")), SelectChoice("in_person", _l("In person"))],
        default="online",
        validators=[InputRequired(_l("Please choose online or in person."))],
    )
    # No Optional() here: it would stop validate_city from running on an empty city.
    city = StringField(_l("City (for meeting in person)"), validators=[Length(max=80)])

    def validate_city(self, field) -> None:
        if self.format.data == "in_person" and not (field.data or "").strip():
            raise ValidationError(_l("Please give the city where you can meet."))


class AnswerForm(FlaskForm):
    message = TextAreaField(
        _l("Your answer"),
        validators=[
            DataRequired(_l("Please write a few words.")),
            Length(min=10, max=2000, message=_l("Between 10 and 2,000 characters, please.")),
        ],
        description=_l("Say why you'd be a good match, and when you could meet."),
    )


class AcceptForm(FlaskForm):
    same_organisation_ok = BooleanField()
