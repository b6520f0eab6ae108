"""Account emails. The services queue them in the transaction of the change.

The confirmation, sign-in and reset links are written when they are due, from plain
values (`composers.py`): the link's hours start when it leaves, and asking for a link
costs the same whether or not the address has an account."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l

import portal.mail as mail
from portal.clock import utcnow
from portal.members.models import Member
from portal.web.templating import absolute_url


def verification(member: Member, email: str | None = None, browser: str | None = None) -> None:
    """A link confirming the member's address, or (with `email`) a new one. `browser`
    names the browser that joined: the link signs in there, and elsewhere only while
    it is as fresh as a sign-in link."""
    mail.queue_composed(
        "verify",
        email or member.email,
        member_id=member.id,
        member=member.id,
        email=email,
        browser=browser,
    )


def link(kind: str, email: str) -> None:
    """A sign-in or reset link for whoever has this address, if anyone."""
    mail.queue_composed(kind, email.strip())


def already_member(member: Member) -> None:
    """ "Someone tried to join with your address", at most once an hour: a script (or a
    double click) joining with it many times sends one. The hour's key settles a race."""
    last = mail.latest(member.id, "already_member")
    if last is not None and last.created_at > utcnow() - timedelta(hours=1):
        return
    mail.queue(
        member.email,
        _l("Someone tried to join with your email address"),
        "already_member",
        member_id=member.id,
        language=member.locale,
        dedupe_key=f"already-member:{member.id}:{utcnow():%Y-%m-%dT%H}",
        member=member,
        sign_in=absolute_url("members.login"),
        reset=absolute_url("members.reset_request"),
    )


def account_deleted(email: str, language: str | None = None) -> None:
    """The goodbye, to an address the portal forgets once the mail has left."""
    mail.queue(
        email,
        _l("Your account is deleted"),
        "deleted",
        language=language,
        forget_address=True,
        home=absolute_url("pages.home"),
    )
