"""Accounts: joining, passwords, the profile, notice choices and deletion.

Plain functions that take plain values, change rows in one transaction, and raise
`FieldError` (shown beside a form field)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

import portal.mail as mail
from portal.clock import utcnow
from portal.domain import FieldError
from portal.extensions import db
from portal.members import emails
from portal.members.models import FORMER_MEMBER, Member, MemberTag, Role
from portal.members.names import clean_name, handle_base, normal_handle
from portal.members.passwords import hash_password, needs_rehash, password_problem, verify_password
from portal.members.services.sessions import add_session, end_all_sessions, remembered
from portal.members.signals import member_changed, member_leaving
from portal.members.tags import tag_key
from portal.web.database import write_transaction

log = logging.getLogger("portal.members")

CONSENT_VERSION = "2026-11-25"


def email_key(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> Member | None:
    return db.session.scalar(
        sa.select(Member).where(Member.email_key == email_key(email), Member.deleted_at.is_(None))
    )


def find_by_handle(handle: str) -> Member | None:
    """A current member by handle; a deleted or unknown one is None."""
    return db.session.scalar(
        sa.select(Member).where(Member.handle == normal_handle(handle), Member.deleted_at.is_(None))
    )


def _handle_for(name: str) -> str:
    return f"{handle_base(name)}-{secrets.token_hex(3)}"


def _set_tags(member: Member, teach: list[str], learn: list[str]) -> None:
    member.tags = [
        MemberTag(kind=kind, tag=tag_key(label), label=label)
        for kind, labels in (("teach", teach), ("learn", learn))
        for label in labels
    ]


@dataclass
class JoinResult:
    member: Member | None  # None when the email already had an account
    existing: Member | None


def join(
    *,
    name: str,
    email: str,
    password: str,
    role: str,
    can_teach: list[str],
    wants_to_learn: list[str],
    organisation: str = "",
    city: str = "",
    language: str = "en",
    meeting_mode: str = "video",
    timezone: str = "Asia/Kolkata",
    locale: str = "en",
    joined_from: str | None = None,
    browser: str | None = None,
) -> JoinResult:
    """Create a member, or find the one who already has this email (any case).

    The unique index on the lower-cased email decides races: of twenty joins at
    the same moment, one inserts and the others find it.
    """
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise FieldError("password", problem)
    password_hash = hash_password(password)  # also spent for a known email
    existing = find_by_email(email)
    if existing:
        # Same answer as a new join (no enumeration), with one write too; the owner hears.
        _tell_owner(existing)
        return JoinResult(None, existing)
    now = utcnow()
    member = Member(
        handle=_handle_for(name),
        name=name.strip(),
        email=email.strip(),
        email_key=email_key(email),
        password_hash=password_hash,
        role=Role(role),
        organisation=organisation.strip(),
        city=city.strip(),
        language=language,
        meeting_mode=meeting_mode,
        timezone=timezone,
        locale=locale,
        notify={},
        joined_from=joined_from,
        consent_version=CONSENT_VERSION,
        consented_at=now,
        adult_declared=True,
        created_at=now,
        password_changed_at=now,
    )
    _set_tags(member, can_teach, wants_to_learn)
    try:
        with write_transaction():
            _add_with_confirmation(member, browser)
    except IntegrityError:
        db.session.rollback()
        existing = find_by_email(email)
        if existing is None:  # the clash was on the handle: try once more with another
            member.handle = _handle_for(name)
            with write_transaction():
                _add_with_confirmation(member, browser)
            return JoinResult(member, None)
        _tell_owner(existing)
        return JoinResult(None, existing)
    log.info("Member %s joined (from essay %s)", member.id, joined_from or "-")
    return JoinResult(member, None)


def _tell_owner(member: Member) -> None:
    try:
        with write_transaction():
            emails.already_member(member)
    except IntegrityError:  # a join at the same moment queued this hour's note already
        db.session.rollback()


def _add_with_confirmation(member: Member, browser: str | None) -> None:
    db.session.add(member)
    db.session.flush()
    emails.verification(member, browser=browser)


def make_admin(email: str, name: str = "") -> tuple[Member, bool]:
    """`flask create-admin`: make the member with this email an admin, or create a
    confirmed admin with no password yet (they sign in by a link). Returns the member
    and whether anything changed; a second run changes nothing."""
    existing = find_by_email(email)
    if existing is not None:
        if existing.is_admin:
            return existing, False
        with write_transaction():
            existing.is_admin = True
        log.info("Member %s made an admin", existing.id)
        return existing, True
    now = utcnow()
    name = clean_name(name) or email.split("@", 1)[0]
    member = Member(
        handle=_handle_for(name),
        name=name[:80],
        email=email.strip(),
        email_key=email_key(email),
        password_hash=None,
        role=Role.BOTH,
        notify={},
        consent_version=CONSENT_VERSION,
        consented_at=now,
        adult_declared=True,
        created_at=now,
        email_verified_at=now,
        password_changed_at=now,
        is_admin=True,
    )
    with write_transaction():
        db.session.add(member)
    log.info("Member %s created as an admin", member.id)
    return member, True


def authenticate(email: str, password: str) -> Member | None:
    """The member whose email and password these are, or None (one hash either way)."""
    member = find_by_email(email)
    if not verify_password(member.password_hash if member else None, password):
        log.info("Sign-in failed")
        return None
    if needs_rehash(member.password_hash):
        with write_transaction():
            member.password_hash = hash_password(password)
    return member


def set_password(
    member: Member, password: str, *, current_session: str | None, user_agent: str = ""
) -> tuple[str, bool]:
    """Change the password: every session ends, this browser's too (a copy of its cookie
    must not outlive the change), and reset links are spent. Returns the token of the
    new session for this browser, and whether it is remembered like the old one."""
    problem = password_problem(password, email=member.email, name=member.name)
    if problem:
        raise FieldError("password", problem)
    with write_transaction():
        remember = remembered(current_session)
        change_password(member, password)
        token = add_session(member, remember=remember, user_agent=user_agent)
    log.info("Member %s changed their password", member.id)
    return token, remember


def change_password(member: Member, password: str, *, keep_session: str | None = None) -> None:
    member.password_hash = hash_password(password)
    member.password_changed_at = utcnow()
    end_all_sessions(member, keep=keep_session)


def check_password(member: Member, password: str, field: str = "current_password") -> None:
    if not verify_password(member.password_hash, password):
        raise FieldError(field, _("That password isn't right."))


def update_profile(member: Member, *, can_teach: list[str], wants_to_learn: list[str], **fields):
    with write_transaction():
        member_changed.send(member)  # e.g. the board's cached cards show the name
        for name, value in fields.items():
            setattr(member, name, value.strip() if isinstance(value, str) else value)
        _set_tags(member, can_teach, wants_to_learn)


def set_locale(member: Member, locale: str) -> None:
    """The member's interface language ('en' or 'hi'): their pages and their mails."""
    with write_transaction():
        member.locale = locale


def set_notifications(member: Member, choices: dict[str, bool]) -> None:
    with write_transaction():
        member.notify = dict(choices)


def delete_account(member: Member) -> None:
    """Remove personal data; what others see of the member's content becomes
    "a former member". Every session ends."""
    with write_transaction():
        # Features above let go first: open requests leave the board, pairings end.
        member_leaving.send(member)
        end_all_sessions(member)
        mail.forget_member(member.id, member.email_key)
        emails.account_deleted(member.email, member.locale)
        member.name = FORMER_MEMBER
        member.email = f"deleted-{member.id}@invalid"
        member.email_key = f"deleted-{member.id}-{secrets.token_hex(4)}@invalid"
        member.handle = f"former-{secrets.token_hex(6)}"
        member.password_hash = None
        member.organisation = ""
        member.city = ""
        member.joined_from = None
        member.notify = {}
        member.tags = []
        member.deleted_at = utcnow()
    log.info("Member %s deleted their account", member.id)
