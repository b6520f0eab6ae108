"""Concerns raised inside a pairing (private to the moderators), authors asking for a
second look at something hidden, what reporters hear when their report is dealt with,
and a suspended partner's pairing shown as paused (issue 12)."""

from __future__ import annotations

import pytest

from portal.admin.models import Report
from portal.members.models import Member

from .factories import make_message
from .helpers import (
    ADMIN,
    JUNIOR,
    SENIOR,
    fetch,
    notifications_of,
    set_columns,
    sign_in,
    text,
)


@pytest.fixture
def moderator(app, pairing_people):
    """The pairing tests' "admin" member, made a moderator instead."""
    set_columns(app, Member, pairing_people["admin"], is_admin=False, is_moderator=True)
    client = app.test_client()
    sign_in(client, ADMIN)
    return client


def test_a_junior_raises_a_concern_only_the_moderators_read(app, pair, as_member, moderator, smtp):
    page = text(as_member("junior").get(pair.page))
    assert "Raise a concern with the moderators" in page
    form = as_member("junior").get(f"{pair.page}/concern")
    assert form.status_code == 200 and "never told" in text(form)
    worry = "He asks me to do his reports for him, not to learn."
    seniors_notices, seniors_mail = notifications_of(app, pair.senior), smtp.to(SENIOR)
    response = as_member("junior").post(f"{pair.page}/concern", data={"note": worry})
    assert response.status_code == 303 and response.headers["Location"] == pair.page
    [row] = fetch(app, Report)
    assert (row["item_kind"], row["reason"], row["author_id"]) == (
        "pairing",
        "concern",
        pair.senior,
    )
    # The partner sees nothing: no notice, no mail, nothing on the page.
    assert notifications_of(app, pair.senior) == seniors_notices
    assert smtp.to(SENIOR) == seniors_mail
    assert worry not in text(as_member("senior").get(pair.page))
    queue = text(moderator.get("/admin/reports"))
    assert worry in queue and "A concern raised in the pairing" in queue
    assert "Close: I have dealt with it" in queue and ">Hide<" not in queue
    assert moderator.get(pair.page).status_code == 200  # the moderator can read it
    assert "reading this pairing as a moderator" in text(moderator.get(pair.page))
    closed = moderator.post(f"/admin/items/pairing/{pair.id}/dismiss")
    assert closed.status_code == 303
    assert (
        "A moderator has looked at the concern you raised"
        in (notifications_of(app, pair.junior)[-1]["text"])
    )
    assert notifications_of(app, pair.senior) == seniors_notices


def test_a_concern_needs_words_and_comes_only_from_the_pair(app, pair, as_member):
    empty = as_member("junior").post(f"{pair.page}/concern", data={"note": "  "})
    assert empty.status_code == 422
    assert "Please tell the moderators what worries you." in text(empty)
    long = as_member("junior").post(f"{pair.page}/concern", data={"note": "w" * 1001})
    assert long.status_code == 422 and "w" * 1001 in text(long)
    assert as_member("stranger").post(f"{pair.page}/concern", data={"note": "x"}).status_code == 404
    assert as_member("anonymous").post(f"{pair.page}/concern", data={"note": "x"}).status_code in (
        302,
        303,
    )
    assert fetch(app, Report) == []
    as_member("junior").post(f"{pair.page}/concern", data={"note": "First."})
    again = as_member("junior").post(f"{pair.page}/concern", data={"note": "Second."})
    assert again.status_code == 409 and "raised a concern about this pairing already" in text(again)


def test_an_author_asks_for_a_review_and_hears_the_answer(app, pair, as_member, moderator):
    message_id = make_message(app, pair.id, pair.senior, "Call me on my personal number.")
    as_member("junior").post(f"/messages/{message_id}/report", data={"reason": "personal_data"})
    moderator.post(
        f"/admin/items/message/{message_id}/hide",
        data={f"message{message_id}-reason": "Phone numbers stay out of messages."},
    )
    partner_view = text(as_member("junior").get(pair.page))
    assert "A message the moderators hid." in partner_view
    assert "Call me on my personal number." not in partner_view
    own = text(as_member("senior").get(pair.page))
    assert "Hidden by the moderators: Phone numbers stay out of messages." in own
    assert "Ask the moderators to look again" in own
    asked = as_member("senior").post(f"/messages/{message_id}/review", data={"note": "It's mine."})
    assert asked.status_code == 303
    assert as_member("junior").post(f"/messages/{message_id}/review").status_code == 404
    queue = text(moderator.get("/admin/reports"))
    assert "The author asks for a review" in queue and "It&#39;s mine." in queue
    moderator.post(f"/admin/items/message/{message_id}/dismiss")
    assert "stays hidden" in notifications_of(app, pair.senior)[-1]["text"]


def test_reporters_hear_how_their_report_ended_unless_they_said_no(
    app, pair, as_member, moderator, smtp
):
    message_id = make_message(app, pair.id, pair.senior, "Buy my course at example.com")
    as_member("junior").post(f"/messages/{message_id}/report", data={"reason": "spam"})
    moderator.post(
        f"/admin/items/message/{message_id}/hide",
        data={f"message{message_id}-reason": "Advertising."},
    )
    assert "hid it. Thank you." in notifications_of(app, pair.junior)[-1]["text"]
    [mail] = [m for m in smtp.to(JUNIOR) if "looked at your report" in m["Subject"]]
    assert "List-Unsubscribe" in mail

    set_columns(app, Member, pair.junior, notify={"reports": False})
    second = make_message(app, pair.id, pair.senior, "Another one, at example.org")
    as_member("junior").post(f"/messages/{second}/report", data={"reason": "spam"})
    moderator.post(f"/admin/items/message/{second}/dismiss")
    assert "left it up" in notifications_of(app, pair.junior)[-1]["text"]
    assert len([m for m in smtp.to(JUNIOR) if "looked at your report" in m["Subject"]]) == 1


def test_a_suspended_partners_pairing_shows_as_paused(app, pair, as_member, moderator):
    moderator.post(
        f"/admin/members/{pair.senior}/suspend", data={"reason": "Spam.", "length": "30"}
    )
    page = text(as_member("junior").get(pair.page))
    assert "This pairing is paused" in page and "Spam." not in page
