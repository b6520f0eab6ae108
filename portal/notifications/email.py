"""Notice emails: each kind respects the member's choice, and carries a one-click
link (with RFC 8058 headers) that turns that kind alone off."""

from __future__ import annotations

import portal.mail as mail
from portal.members.tokens import make_token
from portal.web.templating import absolute_url

PURPOSE = "unsubscribe"
MAX_AGE = 366 * 24 * 3600  # a year: links in last year's emails still work


def unsubscribe_url(member, kind: str) -> str:
    token = make_token(PURPOSE, {"m": member.id, "k": kind})
    return absolute_url("notifications.unsubscribe", token=token)


def headers_for(url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def send_notice(
    member, kind: str, subject, template: str, *, dedupe_key: str | None = None, **context
) -> bool:
    """Queue a notice email of one kind for a member, if they still want that kind; it
    carries a link (and RFC 8058 headers) that stops that kind alone. Call inside the
    transaction of the change it tells of. True if a mail was queued. The subject is a
    lazy string, written in the member's language with the body."""
    if member.deleted_at or not member.wants_notice(kind):
        return False
    link = unsubscribe_url(member, kind)
    queued = mail.queue(
        member.email,
        subject,
        template,
        member_id=member.id,
        language=member.locale,
        headers=headers_for(link),
        dedupe_key=dedupe_key,
        member=member,
        preferences=absolute_url("members.account"),
        unsubscribe=link,
        **context,
    )
    return queued is not None
