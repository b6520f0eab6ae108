"""Forms for requests and answers."""

from __future__ import annotations

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
        "What are you posting?",
        choices=[
            SelectChoice("seeking", "I want to learn a tool (seeking a reverse mentor)"),
            SelectChoice("offering", "I can teach a tool (offering to teach)"),
        ],
        validators=[InputRequired("Please choose whether you want to learn or to teach.")],
    )
    title = StringField(
        "Title",
        validators=[
            DataRequired("Please give your request a title."),
            Length(max=120),
            one_line,
        ],
        description="One line, like: Help me use ChatGPT for drafting board notes",
    )
    tool = StringField(
        "The tool",
        validators=[DataRequired("Please name the tool."), Length(max=60)],
        description="Pick one from the list or type a new one.",
    )
    tags = StringField(
        "Topics (optional)",
        validators=[Optional(), tags_validator],
        description="Separate them with commas, like: drafting, reports",
    )
    description = TextAreaField(
        "Description",
        validators=[
            DataRequired("Please say a little about what you hope for."),
            Length(min=20, max=4000, message="Between 20 and 4,000 characters, please."),
        ],
        description="What you want to do with the tool, and what you bring. Markdown works.",
    )
    cadence = StringField(
        "Cadence", default="One tool per quarter", validators=[Optional(), Length(max=80)]
    )
    format = RadioField(
        "How you will meet",
        choices=[SelectChoice("online", "Online"), SelectChoice("in_person", "In person")],
        default="online",
        validators=[InputRequired("Please choose online or in person.")],
    )
    # No Optional() here: it would stop validate_city from running on an empty city.
    city = StringField("City (for meeting in person)", validators=[Length(max=80)])

    def validate_city(self, field) -> None:
        if self.format.data == "in_person" and not (field.data or "").strip():
            raise ValidationError("Please give the city where you can meet.")


class AnswerForm(FlaskForm):
    message = TextAreaField(
        "Your answer",
        validators=[
            DataRequired("Please write a few words."),
            Length(min=10, max=2000, message="Between 10 and 2,000 characters, please."),
        ],
        description="Say why you'd be a good match, and when you could meet.",
    )


class AcceptForm(FlaskForm):
    same_organisation_ok = BooleanField()
