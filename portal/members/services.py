"""Membership rules: plain functions that change rows in one transaction.

They take plain values, never touch `request` or templates, and raise
`FieldError` (shown by a form field) or `TokenError` (an emailed link is spent).
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.members import tokens
from portal.members.models import (
    FORMER_MEMBER,
    NOTICES,
    Member,
    MemberSession,
    MemberTag,
    Role,
    utcnow,
)
from portal.members.passwords import hash_password, needs_rehash, password_problem, verify_password
from portal.web.database import write_transaction

log = logging.getLogger("portal.members")

CONSENT_VERSION = "2026-11-25"
REMEMBER_FOR = timedelta(days=30)
SESSION_FOR = timedelta(hours=12)


class FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def email_key(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> Member | None:
    return db.session.scalar(
        sa.select(Member).where(Member.email_key == email_key(email), Member.deleted_at.is_(None))
    )


def _handle_for(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:24] or "member"
    return f"{base}-{secrets.token_hex(3)}"


def _set_tags(member: Member, teach: list[str], learn: list[str]) -> None:
    member.tags = [MemberTag(kind="teach", tag=t) for t in teach] + [
        MemberTag(kind="learn", tag=t) for t in learn
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
    joined_from: str | None = None,
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
            db.session.add(member)
    except IntegrityError:
        db.session.rollback()
        existing = find_by_email(email)
        if existing is None:  # the clash was on the handle: try once more with another
            member.handle = _handle_for(name)
            with write_transaction():
                db.session.add(member)
            return JoinResult(member, None)
        return JoinResult(None, existing)
    log.info("Member %s joined (from essay %s)", member.id, joined_from or "-")
    return JoinResult(member, None)


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


# --- sessions -----------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(member: Member, *, remember: bool, user_agent: str = "") -> str:
    """A new server-side session for a member; returns the token the cookie carries."""
    with write_transaction():
        return _add_session(member, remember=remember, user_agent=user_agent)


def _add_session(member: Member, *, remember: bool, user_agent: str) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        MemberSession(
            token_hash=_hash(token),
            member_id=member.id,
            created_at=now,
            expires_at=now + (REMEMBER_FOR if remember else SESSION_FOR),
            remember=remember,
            user_agent=user_agent[:200],
        )
    )
    member.last_sign_in_at = now
    member.session_token = token
    log.info("Member %s signed in at %sZ", member.id, now.isoformat(timespec="seconds"))
    return token


def load_session(token: str) -> Member | None:
    row = db.session.execute(
        sa.select(MemberSession, Member)
        .join(Member, Member.id == MemberSession.member_id)
        .where(
            MemberSession.token_hash == _hash(token),
            MemberSession.expires_at > utcnow(),
            Member.deleted_at.is_(None),
        )
    ).first()
    if row is None:
        return None
    member = row.Member
    member.session_token = token
    return member


def end_session(token: str | None) -> None:
    if token:
        with write_transaction():
            db.session.execute(
                sa.delete(MemberSession).where(MemberSession.token_hash == _hash(token))
            )


def end_all_sessions(member: Member, keep: str | None = None) -> None:
    query = sa.delete(MemberSession).where(MemberSession.member_id == member.id)
    if keep:
        query = query.where(MemberSession.token_hash != _hash(keep))
    db.session.execute(query)


# --- emailed links ------------------------------------------------------------------


def _locked(member_id) -> Member | None:
    """The member row, locked until the transaction ends (SQLite: BEGIN IMMEDIATE
    already serialises writers), so that a link checked here is spent only once."""
    member = db.session.get(Member, member_id, with_for_update=True, populate_existing=True)
    return None if member is None or member.deleted_at else member


def verify_token(member: Member, new_email: str | None = None) -> str:
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
        },
    )


def confirm_email(token: str, *, user_agent: str = "", signed_in_as: int | None = None):
    """Confirm the address in the token and, unless that member is already signed in
    here, start a session. Returns (member, session token or None). Spent once done."""
    data = tokens.read_token("verify", token, tokens.VERIFY_MAX_AGE)
    with write_transaction():
        member = _locked(data.get("m"))
        if member is None or data.get("p") != tokens.fingerprint(
            tokens.stamp(member.password_changed_at)
        ):
            raise tokens.TokenError("This link is not valid any more.")
        target = data.get("e", "")
        if member.email_key == target:
            if member.is_verified:
                raise tokens.TokenError("This email address is already confirmed.")
        elif member.email_key != data.get("c"):
            raise tokens.TokenError("This link is for an email address you no longer use.")
        else:
            clash = find_by_email(target)
            if clash and clash.id != member.id:
                raise tokens.TokenError("That email address now belongs to another account.")
            member.email = target
            member.email_key = target
        member.email_verified_at = utcnow()
        session_token = None
        if signed_in_as != member.id:
            session_token = _add_session(member, remember=False, user_agent=user_agent)
    return member, session_token


def reset_token(member: Member) -> str:
    return tokens.make_token(
        "reset", {"m": member.id, "p": tokens.fingerprint(member.password_hash)}
    )


def member_for_reset(token: str) -> Member:
    """The member a reset link is for (read only: the link is spent by `reset_password`)."""
    data = tokens.read_token("reset", token, tokens.RESET_MAX_AGE)
    member = db.session.get(Member, data.get("m"))
    if (
        member is None
        or member.deleted_at
        or data.get("p") != tokens.fingerprint(member.password_hash)
    ):
        raise tokens.TokenError("This link has already been used, or the password has changed.")
    return member


def reset_password(token: str, password: str) -> Member:
    """Set a new password from a reset link, once: every session ends."""
    data = tokens.read_token("reset", token, tokens.RESET_MAX_AGE)
    problem = None
    with write_transaction():
        member = _locked(data.get("m"))
        if member is None or data.get("p") != tokens.fingerprint(member.password_hash):
            raise tokens.TokenError("This link has already been used, or the password has changed.")
        problem = password_problem(password, email=member.email, name=member.name)
        if problem is None:
            _change_password(member, password)
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
            raise tokens.TokenError("This sign-in link has already been used.")
        session_token = _add_session(member, remember=False, user_agent=user_agent)
    return member, session_token


# --- the account ----------------------------------------------------------------------


def set_password(member: Member, password: str, *, keep_session: str | None = None) -> None:
    """Change the password and sign out every other browser (and spend reset links)."""
    problem = password_problem(password, email=member.email, name=member.name)
    if problem:
        raise FieldError("password", problem)
    with write_transaction():
        _change_password(member, password, keep_session=keep_session)
    log.info("Member %s changed their password", member.id)


def _change_password(member: Member, password: str, *, keep_session: str | None = None) -> None:
    member.password_hash = hash_password(password)
    member.password_changed_at = utcnow()
    end_all_sessions(member, keep=keep_session)


def check_password(member: Member, password: str, field: str = "current_password") -> None:
    if not verify_password(member.password_hash, password):
        raise FieldError(field, "That password isn't right.")


def _board_shows_member_changed() -> None:
    # Cards on the board show the author's name: cached board pages must go.
    from portal.board.services import board_changed

    board_changed()


def update_profile(member: Member, *, can_teach: list[str], wants_to_learn: list[str], **fields):
    with write_transaction():
        _board_shows_member_changed()
        for name, value in fields.items():
            setattr(member, name, value.strip() if isinstance(value, str) else value)
        _set_tags(member, can_teach, wants_to_learn)


def set_notifications(member: Member, choices: dict[str, bool]) -> None:
    with write_transaction():
        member.notify = dict(choices)


def delete_account(member: Member) -> None:
    """Remove personal data; what others see of the member's content becomes
    "a former member". Every session ends."""
    from portal.board.services import retire_member

    with write_transaction():
        retire_member(member)  # their open requests and answers leave the board
        end_all_sessions(member)
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


def export(member: Member) -> dict:
    """Everything the portal holds about the member, as JSON-ready data."""
    from portal.pairings.export import export_pairings

    sessions = db.session.scalars(
        sa.select(MemberSession).where(MemberSession.member_id == member.id)
    ).all()
    iso = tokens.stamp
    return {
        "member": {
            "handle": member.handle,
            "name": member.name,
            "email": member.email,
            "email_verified_at": iso(member.email_verified_at),
            "role": member.role.value,
            "can_teach": member.can_teach,
            "wants_to_learn": member.wants_to_learn,
            "organisation": member.organisation,
            "city": member.city,
            "language": member.language,
            "meeting_mode": member.meeting_mode,
            "timezone": member.timezone,
            "notifications": {k: member.wants_notice(k) for k in NOTICES},
            "participation_record_public": member.record_public,
            "joined_from_essay": member.joined_from,
            "joined_at": iso(member.created_at),
            "consent": {
                "notice_version": member.consent_version,
                "agreed_at": iso(member.consented_at),
                "declared_18_or_older": member.adult_declared,
            },
            "last_sign_in_at": iso(member.last_sign_in_at),
            "password_changed_at": iso(member.password_changed_at),
        },
        "pairings": export_pairings(member),
        "sessions": [
            {
                "started_at": iso(s.created_at),
                "expires_at": iso(s.expires_at),
                "remember": s.remember,
                "browser": s.user_agent,
            }
            for s in sessions
        ],
    }
