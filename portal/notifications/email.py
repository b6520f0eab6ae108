"""Notice emails: each kind respects the member's choice, and carries a one-click
link (with RFC 8058 headers) that turns that kind alone off."""

from __future__ import annotations

from portal.mail import send as send_mail
from portal.members.tokens import make_token
from portal.web.templating import absolute_url

PURPOSE = "unsubscribe"
MAX_AGE = 10 * 365 * 24 * 3600  # links in old emails keep working


def unsubscribe_url(member, kind: str) -> str:
    token = make_token(PURPOSE, {"m": member.id, "k": kind})
    return absolute_url("notifications.unsubscribe", token=token)


def headers_for(url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def send_notice(member, kind: str, subject: str, template: str, **context) -> None:
    """Email a member a notice of one kind, if they still want that kind; the email
    carries a link (and RFC 8058 headers) that stops that kind alone."""
    if member.deleted_at or not member.wants_notice(kind):
        return
    link = unsubscribe_url(member, kind)
    send_mail(
        member.email,
        subject,
        template,
        headers=headers_for(link),
        member=member,
        preferences=absolute_url("members.account"),
        unsubscribe=link,
        **context,
    )
