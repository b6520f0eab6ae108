"""Forms for joining, signing in and the account. They validate; they never touch the database."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from portal.members.models import LANGUAGES, MEETING_MODES, ROLE_LABELS
from portal.members.names import clean_name, is_reserved
from portal.members.passwords import MAX_LENGTH, password_problem
from portal.members.tags import parse_tags, tag_key
from portal.notifications.models import NOTICES
from portal.web.i18n import HTML_LANG
from portal.web.i18n import NAMES as INTERFACE_LANGUAGES

MAX_TAGS = 12
MAX_TAG_LENGTH = 40
COMMON_ZONES = [
    "Asia/Kolkata",
    "Asia/Dubai",
    "Asia/Singapore",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Australia/Sydney",
]


def _choices(options: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in options.items()]


def tags_validator(form, field) -> None:
    tags = parse_tags(field.data)
    if len(tags) > MAX_TAGS:
        raise ValidationError(_l("Up to %(count)s tags, please.", count=MAX_TAGS))
    if any(max(len(t), len(tag_key(t))) > MAX_TAG_LENGTH for t in tags):
        raise ValidationError(_l("Keep each tag under %(count)s characters.", count=MAX_TAG_LENGTH))


def one_line(form, field) -> None:
    if any(ord(c) < 32 or ord(c) == 127 for c in field.data or ""):
        raise ValidationError(_l("Please use one line, without special characters."))


EMAIL_LABEL = _l("Email")


def _email_field(label=EMAIL_LABEL) -> StringField:
    return StringField(
        label,
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(_l("Please give your email address.")),
            Length(max=254, message=_l("That email address is too long.")),
            Email(
                _l("That doesn't look like an email address (like name@example.com)."),
                check_deliverability=False,
            ),
        ],
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
    )


def _new_password_field(label) -> PasswordField:
    return PasswordField(
        label,
        validators=[InputRequired(_l("Please choose a password."))],
        description=_l(
            "At least 15 characters: a phrase of a few words works well. "
            "Any characters, spaces included."
        ),
        render_kw={"autocomplete": "new-password", "minlength": 15, "maxlength": MAX_LENGTH},
    )


def not_reserved(form, field) -> None:
    if field.data and is_reserved(field.data):
        raise ValidationError(_l("That name is one the portal uses itself. Please choose another."))


class ProfileFields:
    """Fields shared by joining and editing the profile."""

    name = StringField(
        _l("Your name"),
        # Cleaned before anything else (see members/names.py): what is kept is shown.
        filters=[lambda value: clean_name(value) if isinstance(value, str) else value],
        validators=[
            DataRequired(_l("Please tell us your name.")),
            Length(max=80),
            one_line,
            not_reserved,
        ],
        render_kw={"autocomplete": "name"},
    )
    role = RadioField(
        _l("I am joining as"),
        choices=_choices({r.value: label for r, label in ROLE_LABELS.items()}),
        validators=[InputRequired(_l("Please choose how you are joining."))],
    )
    can_teach = StringField(
        _l("Tools or topics I can teach"),
        validators=[Optional(), tags_validator],
        description=_l("Separate them with commas, like: ChatGPT, Excel formulas, prompting"),
    )
    wants_to_learn = StringField(
        _l("Tools or topics I want to learn"),
        validators=[Optional(), tags_validator],
        description=_l("Separate them with commas, like: meeting notes, spreadsheet AI"),
    )
    organisation = StringField(
        _l("Organisation (optional)"),
        validators=[Optional(), Length(max=120)],
        description=_l("Used to warn before pairing two people from the same place."),
        render_kw={"autocomplete": "organization"},
    )
    city = StringField(
        _l("City (optional)"),
        validators=[Optional(), Length(max=80)],
        render_kw={"autocomplete": "address-level2"},
    )
    language = SelectField(_l("Language for meetings"), choices=_choices(LANGUAGES), default="en")
    meeting_mode = SelectField(
        _l("How you like to meet"), choices=_choices(MEETING_MODES), default="video"
    )
    timezone = StringField(_l("Time zone"), default="Asia/Kolkata", validators=[DataRequired()])

    def validate_timezone(self, field) -> None:
        if field.data not in available_timezones():
            raise ValidationError(_l("Choose a time zone from the list, like Asia/Kolkata."))


class JoinForm(ProfileFields, FlaskForm):
    email = _email_field()
    password = _new_password_field(_l("Password"))
    agree = BooleanField(
        _l("I agree to the Community guidelines and the privacy notice"),
        validators=[DataRequired(_l("Please agree to the guidelines and the privacy notice."))],
    )
    adult = BooleanField(
        _l("I am 18 or older"), validators=[DataRequired(_l("Members must be 18 or older."))]
    )
    from_essay = HiddenField()
    # A honeypot: hidden from people, filled by bots.
    website = StringField(
        _l("Leave this empty"), render_kw={"autocomplete": "off", "tabindex": "-1"}
    )

    def validate_password(self, field) -> None:
        problem = password_problem(
            field.data or "", email=self.email.data or "", name=self.name.data or ""
        )
        if problem:
            raise ValidationError(problem)


class ProfileForm(ProfileFields, FlaskForm):
    # The interface's language (not `language`, the one to meet in): pages and emails.
    locale = SelectField(
        _l("Language of the portal and its emails"),
        # Each language named in itself, and marked so (a screen reader says "English"
        # in English on a Hindi page).
        choices=[
            SelectChoice(code, name, {"lang": HTML_LANG[code]})
            for code, name in INTERFACE_LANGUAGES.items()
        ],
        default="en",
    )


class SignInForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Please give your password."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Keep me signed in on this device for 30 days"))
    next = HiddenField()


class EmailOnlyForm(FlaskForm):
    email = _email_field()


class NewPasswordForm(FlaskForm):
    password = _new_password_field(_l("New password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Please give your current password."))],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password_field(_l("New password"))


class ChangeEmailForm(FlaskForm):
    email = _email_field(_l("New email"))
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(_l("Please give your current password."))],
        render_kw={"autocomplete": "current-password"},
    )


class NotificationsForm(FlaskForm):
    answers = BooleanField(NOTICES["answers"])
    accepted = BooleanField(NOTICES["accepted"])
    messages = BooleanField(NOTICES["messages"])
    reflections = BooleanField(NOTICES["reflections"])
    reminders = BooleanField(NOTICES["reminders"])
    digest = BooleanField(NOTICES["digest"])
    reports = BooleanField(NOTICES["reports"])


class DeleteAccountForm(FlaskForm):
    current_password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(_l("Please give your password to delete the account."))],
        render_kw={"autocomplete": "current-password"},
    )


class ConfirmForm(FlaskForm):
    """A button and the CSRF token: consumes an emailed link with a POST."""
