"""Mail that always leaves: a transactional outbox, delivered by the worker.

Every email is a row in `outbox`, written in the same transaction as the change
that causes it (`queue`, inside the service's `write_transaction`), so a member who
joins always has their confirmation queued and a rolled-back change sends nothing.
No page talks to the mail server: `flask worker` (or `flask mail send`) claims due
rows and delivers them over SMTP, or to instance/outbox/*.eml without MAIL_SERVER,
with retries for temporary failures (see `delivery`).

Most mails are rendered when queued, from the values given, with no request
context (a worker has none). A few are written at delivery by a *composer* from the
plain values stored with them (`queue_composed`): the sign-in and reset links, so
that asking for one costs the same whether or not the address has an account, and
so that the link's minutes start when it leaves. Bodies are never logged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formataddr, make_msgid
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext, ngettext

from portal.clock import utcnow
from portal.extensions import db
from portal.mail.models import WAITING, OutboxMail, Status
from portal.web.i18n import in_language


@dataclass
class Composed:
    """What a composer writes for one due mail."""

    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    to: str | None = None  # the member's address as they wrote it, if not the row's


class Drop(Exception):
    """Raised by a composer when the mail should not go (the reason is kept)."""


FORGOTTEN = "(forgotten)"  # the address of a row whose member has left
FORGOTTEN_REASON = "the member left"

COMPOSERS: dict[str, Callable[[str, dict], Composed]] = {}


def composer(kind: str):
    """Register the function that writes mails of `kind` when they are due:
    fn(to_address, data) -> Composed, or raise Drop(reason)."""

    def register(fn):
        COMPOSERS[kind] = fn
        return fn

    return register


def render(template: str, **context) -> str:
    """An email body from `emails/<template>.txt` and the given values alone (no context
    processor runs: they read the request, which a worker does not have)."""
    return current_app.jinja_env.get_template(f"emails/{template}.txt").render(**context)


def sender() -> str:
    config = current_app.config
    if config.get("MAIL_DEFAULT_SENDER"):
        return config["MAIL_DEFAULT_SENDER"]
    return formataddr((config["SITE_NAME"], f"no-reply@{_host()}"))


def _host() -> str:
    return urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"


def _row(to: str, kind: str, member_id, dedupe_key, **fields) -> OutboxMail | None:
    if dedupe_key and db.session.scalar(
        sa.select(OutboxMail.id).where(OutboxMail.dedupe_key == dedupe_key)
    ):
        return None
    row = OutboxMail(
        kind=kind,
        to_address=to,
        member_id=member_id,
        dedupe_key=dedupe_key,
        message_id=make_msgid(domain=_host()),
        **fields,
    )
    db.session.add(row)
    return row


def queue(
    to: str,
    subject: str,
    template: str,
    *,
    member_id: int | None = None,
    language: str | None = None,
    headers: dict[str, str] | None = None,
    dedupe_key: str | None = None,
    forget_address: bool = False,
    **context,
) -> OutboxMail | None:
    """Write one mail to the outbox in the caller's transaction (committed with it).

    Subject and body are written in `language`, the recipient's ('en' or 'hi';
    Member.locale): pass the subject as a lazy string (`lazy_gettext`).
    `member_id` names the member it is for (their queued mail is dropped if they
    leave); `dedupe_key` makes a second call with the same key write nothing (jobs);
    `forget_address` blanks the address once the mail has gone (a goodbye).
    """
    with in_language(language):
        subject, body = str(subject), render(template, **context)
    return _row(
        to,
        template,
        member_id,
        dedupe_key,
        # Subjects quote what members typed: a line break there would break the header.
        subject=" ".join(subject.split())[:300],
        body=body,
        headers=dict(headers or {}),
        data={"forget_address": True} if forget_address else {},
    )


def queue_composed(
    kind: str, to: str, *, member_id: int | None = None, dedupe_key: str | None = None, **data
) -> OutboxMail | None:
    """Write a mail that the `kind` composer writes when it is due, from `data`
    (plain values only: they are stored as JSON)."""
    if kind not in COMPOSERS:
        raise LookupError(f"No composer for {kind!r} mail")
    return _row(to, kind, member_id, dedupe_key, subject=None, body=None, headers={}, data=data)


def forget_member(member_id: int, email_key: str) -> None:
    """A member leaves (call in the transaction that deletes them): mail still waiting
    for them, or in a worker's hands, is dropped (the worker's claim no longer holds),
    and no row keeps their address, what was sent to them, or a server's reply that
    quotes the address. Rows for their address without their id (a sign-in link asked
    for by address) are found by the address."""
    theirs = sa.or_(
        OutboxMail.member_id == member_id, sa.func.lower(OutboxMail.to_address) == email_key
    )
    db.session.execute(
        sa.update(OutboxMail)
        .where(theirs, OutboxMail.status.in_((*WAITING, Status.SENDING)))
        .values(status=Status.DROPPED, claimed_by=None, claimed_until=None)
    )
    db.session.execute(
        sa.update(OutboxMail)
        .where(theirs)
        .values(
            to_address=FORGOTTEN,
            subject="",
            body="",
            data={},
            headers={},
            last_error=FORGOTTEN_REASON,
        )
    )


def ago(moment) -> str:
    """ "just now", "2 minutes ago", "3 hours ago", "2 days ago" (in the interface's language)."""
    seconds = max(int((utcnow() - moment).total_seconds()), 0)
    if seconds >= 86400:
        return ngettext("%(num)d day ago", "%(num)d days ago", seconds // 86400)
    if seconds >= 3600:
        return ngettext("%(num)d hour ago", "%(num)d hours ago", seconds // 3600)
    if seconds >= 60:
        return ngettext("%(num)d minute ago", "%(num)d minutes ago", seconds // 60)
    return gettext("just now")


def latest(member_id: int, kind: str, to: str | None = None) -> OutboxMail | None:
    """The newest mail of `kind` for a member (to one address, if given)."""
    query = sa.select(OutboxMail).where(OutboxMail.member_id == member_id, OutboxMail.kind == kind)
    if to is not None:
        query = query.where(OutboxMail.to_address == to)
    return db.session.scalar(query.order_by(OutboxMail.id.desc()).limit(1))
