"""Account emails. The services queue them in the transaction of the change.

The confirmation, sign-in and reset links are written by composers when they are
due, from plain values: the link's hours start when it leaves, and asking for a link
costs the same whether or not the address has an account (the composer finds out,
and drops the mail if not)."""

from __future__ import annotations

from portal import mail
from portal.extensions import db
from portal.members.models import Member
from portal.web.templating import absolute_url


def verification(member: Member, email: str | None = None) -> None:
    """A link confirming the member's address, or (with `email`) a new one."""
    mail.queue_composed(
        "verify", email or member.email, member_id=member.id, member=member.id, email=email
    )


def link(kind: str, email: str) -> None:
    """A sign-in or reset link for whoever has this address, if anyone."""
    mail.queue_composed(kind, email.strip())


def already_member(member: Member) -> None:
    mail.queue(
        member.email,
        "Someone tried to join with your email address",
        "already_member",
        member_id=member.id,
        member=member,
        sign_in=absolute_url("members.login"),
        reset=absolute_url("members.reset_request"),
    )


def account_deleted(email: str) -> None:
    mail.queue(email, "Your account is deleted", "deleted", home=absolute_url("pages.home"))


def _member(member_id) -> Member:
    member = db.session.get(Member, member_id)
    if member is None or member.deleted_at:
        raise mail.Drop("the member left")
    return member


@mail.composer("verify")
def _verify(to: str, data: dict) -> mail.Composed:
    from portal.members import services  # (services queue these mails)

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
    token = services.verify_token(member, new)
    return mail.Composed(
        "Please confirm your email address",
        mail.render(
            "verify", member=member, link=absolute_url("members.confirm_email", token=token)
        ),
    )


def _by_address(to: str) -> Member:
    from portal.members import services  # (services queue these mails)

    member = services.find_by_email(to)
    if member is None or member.deleted_at:
        raise mail.Drop("no account has this address")
    return member


@mail.composer("sign-in")
def _sign_in(to: str, data: dict) -> mail.Composed:
    from portal.members import services  # (services queue these mails)

    member = _by_address(to)
    token = services.sign_in_token(member)
    return mail.Composed(
        "Your sign-in link",
        mail.render(
            "sign_in", member=member, link=absolute_url("members.sign_in_link", token=token)
        ),
    )


@mail.composer("reset")
def _reset(to: str, data: dict) -> mail.Composed:
    from portal.members import services  # (services queue these mails)

    member = _by_address(to)
    token = services.reset_token(member)
    return mail.Composed(
        "Reset your password",
        mail.render(
            "reset", member=member, link=absolute_url("members.reset_password", token=token)
        ),
    )
