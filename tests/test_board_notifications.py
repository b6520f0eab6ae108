"""In-app notifications, written as the specification reads (SPEC.md §3): listed
newest first, counted in the header's badge, marked read one at a time or all at once
(one's own only), behind sign-in; an answer raises its author's count.

The members (`people`) come from conftest.py."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa

from portal.clock import utcnow
from portal.extensions import db
from portal.notifications.models import Notification

from .factories import make_answer, make_request
from .helpers import (
    HTMX,
    SENIOR,
    notifications_of,
    sign_in,
    text,
)

# --- notifications ------------------------------------------------------------------------


def _notes(app, member_id: int, count: int) -> list[int]:
    """`count` notifications for the member, the first one oldest."""
    now = utcnow()
    with app.app_context():
        notes = [
            Notification(
                member_id=member_id,
                text=f"Notice number {n}",
                url="/requests/",
                created_at=now - timedelta(hours=count - n),
            )
            for n in range(count)
        ]
        db.session.add_all(notes)
        db.session.commit()
        return [n.id for n in notes]


def test_notifications_are_listed_newest_first(app, client, people):
    _notes(app, people["senior"], 3)
    _notes(app, people["junior"], 1)
    sign_in(client, SENIOR)
    page = text(client.get("/notifications"))
    positions = [page.index(f"Notice number {n}") for n in (2, 1, 0)]
    assert positions == sorted(positions)
    assert page.count("Notice number") == 3  # not the junior's


def test_the_header_and_the_badge_show_the_unread_count(app, client, people):
    _notes(app, people["senior"], 2)
    sign_in(client, SENIOR)
    header = text(client.get("/requests/"))
    assert re.search(r'id="notification-count".*?<span class="badge">2<', header, re.S)
    badge = client.get("/notifications/count", headers=HTMX)
    assert badge.status_code == 200
    fragment = text(badge)
    assert "<html" not in fragment
    assert fragment.lstrip().startswith('<a id="notification-count"')
    assert '<span class="badge">2<' in fragment


def test_marking_one_notification_read(app, client, people):
    first, second = _notes(app, people["senior"], 2)
    sign_in(client, SENIOR)
    response = client.post("/notifications/read", data={"notification": str(first)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/notifications"
    read = {n["id"]: n["read"] for n in notifications_of(app, people["senior"])}
    assert read == {first: True, second: False}
    assert '<span class="badge">1<' in text(client.get("/notifications/count"))


def test_marking_all_notifications_read_over_htmx(app, client, people):
    _notes(app, people["senior"], 3)
    sign_in(client, SENIOR)
    response = client.post("/notifications/read", headers=HTMX)
    assert response.status_code == 200
    assert 'id="notification-count"' in text(response)
    assert 'class="badge"' not in text(response)
    assert all(n["read"] for n in notifications_of(app, people["senior"]))
    assert 'class="badge"' not in text(client.get("/notifications/count"))


def test_a_member_cannot_mark_another_members_notification(app, client, people):
    [theirs] = _notes(app, people["junior"], 1)
    _notes(app, people["senior"], 1)
    sign_in(client, SENIOR)
    client.post("/notifications/read", data={"notification": str(theirs)})
    assert notifications_of(app, people["junior"])[0]["read"] is False
    client.post("/notifications/read")  # "all" means all of one's own
    assert notifications_of(app, people["junior"])[0]["read"] is False
    assert notifications_of(app, people["senior"])[0]["read"] is True


def test_notifications_need_sign_in(client):
    for url in ("/notifications", "/notifications/count"):
        response = client.get(url)
        assert response.status_code in (302, 303)
        assert urlsplit(response.headers["Location"]).path == "/login"
    htmx = client.get("/notifications/count", headers=HTMX)
    assert htmx.status_code == 401
    assert urlsplit(htmx.headers["HX-Redirect"]).path == "/login"


def test_an_answer_raises_the_authors_count(app, client, people):
    request_id = make_request(app, people["senior"])
    make_answer(app, request_id, people["junior"])
    sign_in(client, SENIOR)
    assert '<span class="badge">1<' in text(client.get("/notifications/count"))
    page = text(client.get("/notifications"))
    assert "Ravi Iyer answered your request" in page


def test_notice_times_are_the_members_own(app, client, people, answered):
    """Issue 11, item 19: the list showed UTC; messages show the member's zone. At 23:30
    UTC it is already 05:00 on 1 December in India, the senior's zone."""
    from datetime import datetime

    with app.app_context():
        db.session.execute(
            sa.update(Notification).values(created_at=datetime(2026, 11, 30, 23, 30))
        )
        db.session.commit()
    sign_in(client, SENIOR)
    page = text(client.get("/notifications"))
    assert "1 Dec, 05:00" in page
    assert "UTC" not in page


def test_the_export_holds_the_members_requests_answers_notices_and_emails(
    app, client, people, answered, smtp
):
    """Issue 11, item 21: the export left these out; the README promises everything."""
    import json

    smtp.messages  # noqa: B018 - the answered notices have gone out
    sign_in(client, SENIOR)
    data = json.loads(client.get("/account/export").get_data(as_text=True))
    assert [r["title"] for r in data["requests"]] == ["Teach me ChatGPT"]
    assert data["requests"][0]["tool"] == "ChatGPT"
    assert data["answers"] == []  # the senior answered nothing; the answers are others'
    assert len(data["notifications"]) == 2
    assert all("answered your request" in n["text"] for n in data["notifications"])
    assert {e["subject"] for e in data["emails"]} == {
        "A new answer to \u201cTeach me ChatGPT\u201d"
    }
    assert {e["status"] for e in data["emails"]} == {"sent"}

    junior = app.test_client()
    sign_in(junior, "ravi@example.com")
    theirs = json.loads(junior.get("/account/export").get_data(as_text=True))
    assert [a["request_title"] for a in theirs["answers"]] == ["Teach me ChatGPT"]
    assert theirs["requests"] == []
    assert "Teach me ChatGPT" not in json.dumps(theirs["notifications"])


def test_opening_the_notifications_reads_them_and_says_which_were_new(
    app, client, people, answered
):
    """Issue 11, item 24: opening the page didn't mark them read."""
    sign_in(client, SENIOR)
    assert [n["read"] for n in notifications_of(app, people["senior"])] == [False, False]
    first = text(client.get("/notifications"))
    assert first.count(">New</strong>") == 2
    assert [n["read"] for n in notifications_of(app, people["senior"])] == [True, True]
    assert "badge" not in text(client.get("/notifications/count"))
    again = text(client.get("/notifications"))
    assert ">New</strong>" not in again
    assert "answered your request" in again  # still listed, as read


def test_small_buttons_look_like_things_to_press():
    """Issue 11, item 24: "Withdraw my answer", "Move up", "Remove" looked like text."""
    from pathlib import Path

    css = (Path(__file__).parent.parent / "portal" / "static" / "css" / "portal.css").read_text()
    rule = css.split(".link-button {", 1)[1].split("}", 1)[0]
    # Issue 14: a button's shape, an edge and a background, not underlined text.
    assert "border: 1px solid var(--field-line)" in rule
    assert "background: var(--surface)" in rule
    assert "color: var(--accent)" in rule
    assert "underline" not in rule


def test_a_member_who_leaves_takes_their_name_out_of_others_notices(app, client, people, answered):
    """Issue 11, item 20: a deleted member's name stayed in other members' notices."""
    from .helpers import PASSWORD

    ravi = app.test_client()
    sign_in(ravi, "ravi@example.com")
    assert (
        ravi.post("/account/delete", data={"delete-current_password": PASSWORD}).status_code == 303
    )
    texts = [n["text"] for n in notifications_of(app, people["senior"])]
    assert not [t for t in texts if "Ravi Iyer" in t]
    assert "a former member answered your request \u201cTeach me ChatGPT\u201d." in texts
    assert "Meera Nair answered your request \u201cTeach me ChatGPT\u201d." in texts  # others stay
