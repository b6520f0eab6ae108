"""Emailed links: confirming an address, resetting a password, signing in. Each is
signed, short-lived and spent once, even by two requests at the same moment."""

from __future__ import annotations

import logging
import time

from flask_babel import gettext as _

from portal.clock import utcnow
from portal.domain import FieldError
from portal.extensions import db
from portal.members import emails, tokens
from portal.members.models import Member
from portal.members.passwords import password_problem
from portal.members.services.accounts import change_password, email_key, find_by_email
from portal.members.services.sessions import add_session
from portal.web.database import write_transaction

log = logging.getLogger("portal.members")


def _locked(member_id) -> Member | None:
    """The member row, locked until the transaction ends (SQLite: BEGIN IMMEDIATE
    already serialises writers), so that a link checked here is spent only once."""
    member = db.session.get(Member, member_id, with_for_update=True, populate_existing=True)
    return None if member is None or member.deleted_at else member


def verify_token(
    member: Member, new_email: str | None = None, *, browser: str | None = None
) -> str:
    """A link confirming the member's email, or (with `new_email`) a change to it.
    It names the address it confirms, the address the member had when it was sent,
    and their password's age: a password change spends it."""
    target = email_key(new_email or member.email)
    return tokens.make_token(
        "verify",
        {
            "m": member.id,
            "e": target,
            "c": member.email_key,
            "p": tokens.fingerprint(tokens.stamp(member.password_changed_at)),
            "b": browser,  # the joining browser's mark (its session has the same)
            "t": int(time.time()),
        },
    )


def send_verification(member: Member, email: str | None = None) -> None:
    """Queue a confirmation link for the member's address, or for a new one (sent only
    if no other account has it by then)."""
    with write_transaction():
        emails.verification(member, email)


def send_link(kind: str, email: str) -> None:
    """Queue a "sign-in" or "reset" link for whoever has this address: the same write
    whether or not anyone does (the worker finds out)."""
    with write_transaction():
        emails.link(kind, email)


class AlreadyConfirmed(tokens.TokenError):
    """The link's address is confirmed already: nothing went wrong."""


def _check_verify(data: dict, member: Member | None) -> None:
    if member is None or data.get("p") != tokens.fingerprint(
        tokens.stamp(member.password_changed_at)
    ):
        raise tokens.TokenError(_("This link is not valid any more."))
    target = data.get("e", "")
    if member.email_key == target:
        if member.is_verified:
            raise AlreadyConfirmed(_("This email address is already confirmed."))
    elif member.email_key != data.get("c"):
        raise tokens.TokenError(_("This link is for an email address you no longer use."))
    else:
        clash = find_by_email(target)
        if clash and clash.id != member.id:
            raise tokens.TokenError(_("That email address now belongs to another account."))


def check_verify_link(token: str) -> None:
    """Raise TokenError (AlreadyConfirmed included) if the link would not confirm;
    reads only, so the page a link opens can say so before anyone presses a button."""
    data = tokens.read_token("verify", token, tokens.VERIFY_MAX_AGE)
    member = db.session.get(Member, data.get("m"))
    _check_verify(data, None if member is None or member.deleted_at else member)


def check_sign_in_link(token: str) -> None:
    """Raise TokenError if this sign-in link would not sign anyone in (reads only)."""
    data = tokens.read_token("sign-in", token, tokens.SIGN_IN_MAX_AGE)
    member = db.session.get(Member, data.get("m"))
    if member is None or member.deleted_at or data.get("s") != _sign_in_fingerprint(member):
        raise tokens.TokenError(_("This sign-in link has already been used."))


def confirm_email(
    token: str, *, user_agent: str = "", signed_in_as: int | None = None, browser: str | None = None
):
    """Confirm the address in the token. It also signs in (a new session) the browser
    that joined, or any browser within a sign-in link's 10 minutes; after that, whoever
    holds the link confirms the address but must sign in themselves. Returns (member,
    session token or None). Spent once done."""
    data = tokens.read_token("verify", token, tokens.VERIFY_MAX_AGE)
    with write_transaction():
        member = _locked(data.get("m"))
        _check_verify(data, member)
        target = data.get("e", "")
        if member.email_key != target:
            member.email = target
            member.email_key = target
        member.email_verified_at = utcnow()
        session_token = None
        joined_here = bool(browser) and data.get("b") == browser
        fresh = time.time() - data.get("t", 0) <= tokens.SIGN_IN_MAX_AGE
        if signed_in_as != member.id and (joined_here or fresh):
            session_token = add_session(member, remember=False, user_agent=user_agent)
    return member, session_token


def reset_token(member: Member) -> str:
    return tokens.make_token(
        "reset", {"m": member.id, "p": tokens.fingerprint(member.password_hash, member.email_key)}
    )


def member_for_reset(token: str) -> Member:
    """The member a reset link is for (read only: the link is spent by `reset_password`)."""
    data = tokens.read_token("reset", token, tokens.RESET_MAX_AGE)
    member = db.session.get(Member, data.get("m"))
    if (
        member is None
        or member.deleted_at
        or data.get("p") != tokens.fingerprint(member.password_hash, member.email_key)
    ):
        raise tokens.TokenError(_("This link has already been used, or the password has changed."))
    return member


def reset_password(token: str, password: str) -> Member:
    """Set a new password from a reset link, once: every session ends."""
    data = tokens.read_token("reset", token, tokens.RESET_MAX_AGE)
    problem = None
    with write_transaction():
        member = _locked(data.get("m"))
        if member is None or data.get("p") != tokens.fingerprint(
            member.password_hash, member.email_key
        ):
            raise tokens.TokenError(
                _("This link has already been used, or the password has changed.")
            )
        problem = password_problem(password, email=member.email, name=member.name)
        if problem is None:
            change_password(member, password)
    if problem:
        raise FieldError("password", problem)
    log.info("Member %s reset their password", member.id)
    return member


def _sign_in_fingerprint(member: Member) -> str:
    return tokens.fingerprint(
        tokens.stamp(member.last_sign_in_at), tokens.stamp(member.password_changed_at)
    )


def sign_in_token(member: Member) -> str:
    return tokens.make_token("sign-in", {"m": member.id, "s": _sign_in_fingerprint(member)})


def sign_in_with_link(token: str, *, user_agent: str = "") -> tuple[Member, str]:
    """Check a sign-in link and start a session in one transaction: used once only,
    even by two requests at the same moment (signing in spends it)."""
    data = tokens.read_token("sign-in", token, tokens.SIGN_IN_MAX_AGE)
    with write_transaction():
        member = _locked(data.get("m"))
        if member is None or data.get("s") != _sign_in_fingerprint(member):
            raise tokens.TokenError(_("This sign-in link has already been used."))
        session_token = add_session(member, remember=False, user_agent=user_agent)
    return member, session_token
