"""The account mails written when they are due, by the worker: the confirmation, the
sign-in link and the reset link. Each finds its member again and drops the mail
(with the reason) when there is nobody to send it to any more."""

from __future__ import annotations

from flask_babel import gettext as _

import portal.mail as mail
from portal.extensions import db
from portal.members import services
from portal.members.models import Member
from portal.web.i18n import in_language
from portal.web.templating import absolute_url


def _member(member_id) -> Member:
    member = db.session.get(Member, member_id)
    if member is None or member.deleted_at:
        raise mail.Drop("the member left")
    return member


@mail.composer("verify")
def _verify(to: str, data: dict) -> mail.Composed:
    member = _member(data.get("member"))
    new = data.get("email")
    if new:
        owner = services.find_by_email(new)
        if owner is not None and owner.id != member.id:
            raise mail.Drop("the address belongs to another account")
        if services.email_key(new) == member.email_key and member.is_verified:
            raise mail.Drop("already confirmed")
    elif member.is_verified:
        raise mail.Drop("already confirmed")
    elif services.email_key(to) != member.email_key:
        raise mail.Drop("the member's address changed")
    token = services.verify_token(member, new, browser=data.get("browser"))
    with in_language(member.locale):
        return mail.Composed(
            _("Please confirm your email address"),
            mail.render(
                "verify", member=member, link=absolute_url("members.confirm_email", token=token)
            ),
        )


def _by_address(to: str) -> Member:
    member = services.find_by_email(to)
    if member is None or member.deleted_at:
        raise mail.Drop("no account has this address")
    return member


@mail.composer("sign-in")
def _sign_in(to: str, data: dict) -> mail.Composed:
    member = _by_address(to)
    token = services.sign_in_token(member)
    with in_language(member.locale):
        return mail.Composed(
            _("Your sign-in link"),
            mail.render(
                "sign_in", member=member, link=absolute_url("members.sign_in_link", token=token)
            ),
            to=member.email,
        )


@mail.composer("reset")
def _reset(to: str, data: dict) -> mail.Composed:
    member = _by_address(to)
    token = services.reset_token(member)
    with in_language(member.locale):
        return mail.Composed(
            _("Reset your password"),
            mail.render(
                "reset", member=member, link=absolute_url("members.reset_password", token=token)
            ),
            to=member.email,
        )
