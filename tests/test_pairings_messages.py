"""Messages between the two members and agreeing to show the pairing, written as the
specification reads (SPEC.md §4): a message reaches the partner in the app and by email
(one email for a burst, none for someone who stopped them), twice the same is refused;
each side agrees to show the pairing, and may stop.

Fixtures `pair`, `pairing_people`, `as_member`, `other_pair`: conftest.py (which also
says how a change answers: plain form and htmx, 422 / 403 / 409)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.clock import utcnow
from portal.pairings.models import Message

from .helpers import (
    HTMX,
    JUNIOR,
    NAMES,
    SENIOR,
    assert_fragment,
    fetch,
    notices,
    pairing_row,
    set_columns,
    snapshot,
    text,
)

# --- messages -----------------------------------------------------------------------------


def message_mails(smtp, address: str) -> list:
    return [m for m in smtp.to(address) if "sent you a message" in m["Subject"]]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_message_reaches_the_partner_in_the_app_and_by_email(app, pair, as_member, smtp, htmx):
    body = "Shall we meet on Saturday at ten?"
    response = as_member("senior").post(
        f"{pair.page}/messages", data={"body": body}, headers=HTMX if htmx else {}
    )
    if htmx:
        assert response.status_code == 200
        assert_fragment(response, "messages")
        assert body in text(response)
    else:
        assert response.status_code == 303
        assert response.headers["Location"] == f"{pair.page}#messages"
    [message] = fetch(app, Message)
    assert (message["author_id"], message["body"]) == (pair.senior, body)
    assert body in text(as_member("junior").get(pair.page))
    [notice] = notices(app, pair, pair.junior)
    assert notice["url"] == f"{pair.page}#messages"
    [mail] = message_mails(smtp, JUNIOR)
    assert mail["Subject"] == "Asha Kulkarni sent you a message"
    assert body in mail.get_content()
    assert smtp.link(JUNIOR, contains="/unsubscribe/")
    assert message_mails(smtp, SENIOR) == []


def test_a_burst_of_messages_sends_one_email_until_the_notice_is_read(app, pair, as_member, smtp):
    url = f"{pair.page}/messages"
    for body in ("Hello!", "Saturday?", "Or Sunday?"):
        assert as_member("senior").post(url, data={"body": body}).status_code == 303
    assert len(fetch(app, Message)) == 3
    assert len(message_mails(smtp, JUNIOR)) == 1
    assert len([n for n in notices(app, pair, pair.junior) if not n["read_at"]]) == 1
    assert as_member("junior").post("/notifications/read", data={}).status_code == 303
    as_member("senior").post(url, data={"body": "Sunday it is."})
    as_member("senior").post(url, data={"body": "At ten."})
    assert len(message_mails(smtp, JUNIOR)) == 2
    assert "Sunday it is." in message_mails(smtp, JUNIOR)[-1].get_content()


def test_opening_the_pairing_page_reads_the_message_notice(app, pair, as_member, smtp):
    url = f"{pair.page}/messages"
    as_member("senior").post(url, data={"body": "Hello!"})
    as_member("senior").post(url, data={"body": "Saturday?"})
    assert len(message_mails(smtp, JUNIOR)) == 1
    as_member("junior").get(pair.page)
    assert [n["read_at"] is not None for n in notices(app, pair, pair.junior)] == [True]
    as_member("senior").post(url, data={"body": "Or Sunday?"})
    assert len(message_mails(smtp, JUNIOR)) == 2


def test_a_partner_who_stopped_message_emails_still_gets_the_notice(app, pair, as_member, smtp):
    url = f"{pair.page}/messages"
    as_member("senior").post(url, data={"body": "Hello!"})
    unsubscribe = smtp.link(JUNIOR, contains="/unsubscribe/")
    assert as_member("anonymous").post(unsubscribe).status_code == 200
    as_member("junior").post("/notifications/read", data={})
    as_member("senior").post(url, data={"body": "Are you there?"})
    assert len(message_mails(smtp, JUNIOR)) == 1
    unread = [n for n in notices(app, pair, pair.junior) if not n["read_at"]]
    assert [n["url"] for n in unread] == [f"{pair.page}#messages"]
    reply = as_member("junior").post(url, data={"body": "Yes, here."})
    assert reply.status_code == 303
    assert len(message_mails(smtp, SENIOR)) == 1  # only the junior stopped them


def test_the_same_message_twice_within_two_minutes_is_refused(app, pair, as_member):
    url = f"{pair.page}/messages"
    assert as_member("senior").post(url, data={"body": "Hello!"}).status_code == 303
    again = as_member("senior").post(url, data={"body": "  Hello!  "}, headers=HTMX)
    assert again.status_code == 409
    assert "You sent this message a moment ago." in text(again)
    assert len(fetch(app, Message)) == 1
    [message] = fetch(app, Message)
    set_columns(app, Message, message["id"], created_at=utcnow() - timedelta(minutes=3))
    assert as_member("senior").post(url, data={"body": "Hello!"}).status_code == 303
    assert len(fetch(app, Message)) == 2


def test_an_empty_message_is_refused_and_nothing_is_sent(app, pair, as_member, smtp):
    before = snapshot(app)
    response = as_member("senior").post(f"{pair.page}/messages", data={"body": "\n  \n"})
    assert response.status_code == 422
    assert "Please write a message." in text(response)
    assert snapshot(app) == before
    assert message_mails(smtp, JUNIOR) == []


# --- sharing ------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["senior", "junior"])
def test_each_side_agrees_to_show_the_pairing_and_stops(app, pair, as_member, side):
    other = "junior" if side == "senior" else "senior"
    url = f"{pair.page}/sharing"
    agreed = as_member(side).post(url, data={"shares": "y"}, headers=HTMX)
    assert agreed.status_code == 200
    assert_fragment(agreed, "sharing")
    assert f"{NAMES[side]}: agrees to show it" in text(agreed)
    assert f"{NAMES[other]}: has not agreed" in text(agreed)
    row = pairing_row(app, pair.id)
    assert (row[f"{side}_shares"], row[f"{other}_shares"]) == (True, False)
    stopped = as_member(side).post(url, data={})
    assert stopped.status_code == 303
    assert stopped.headers["Location"] == f"{pair.page}#sharing"
    assert pairing_row(app, pair.id)[f"{side}_shares"] is False
    assert f"{NAMES[side]}: has not agreed" in text(as_member(other).get(pair.page))


def test_a_members_posting_is_limited_and_told_how_long_to_wait(migrated, app, pair):
    """Issue 11, item 2: after the first week nothing limited posting; a script could
    send thousands of messages. Only posts that go through count."""
    from .helpers import SENIOR, make_app, sign_in

    limited = make_app(migrated, RATELIMIT_ENABLED=True, RATELIMIT_MESSAGES="3 per hour")
    client = limited.test_client()
    sign_in(client, SENIOR)
    url = f"{pair.page}/messages"
    assert client.post(url, data={"body": "   "}).status_code == 422  # not counted
    for n in range(3):
        assert client.post(url, data={"body": f"Message number {n}"}).status_code == 303
    refused = client.post(url, data={"body": "One more"})
    assert refused.status_code == 429
    assert "Try again in an hour." in text(refused)
    assert int(refused.headers["Retry-After"]) > 3000
    other = limited.test_client()
    sign_in(other, "ravi@example.com")
    assert other.post(url, data={"body": "The partner has a turn of their own"}).status_code == 303
