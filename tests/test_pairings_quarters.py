"""A quarter's end and what follows, written as the specification reads (SPEC.md §4):
reflections (the partner's hidden until yours is written; the second completes the
quarter), renewing for the next quarter, ending a pairing (completed or ended), and a
member leaving the club in the middle of one.

Fixtures `pair`, `pairing_people`, `as_member`, `other_pair`: conftest.py (which also
says how a change answers: plain form and htmx, 422 / 403 / 409)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.clock import utcnow
from portal.extensions import db
from portal.members.models import Member
from portal.pairings.models import PairingStatus, Quarter, Reflection

from .factories import complete_quarter, log_entry, ready
from .helpers import (
    CHANGES,
    COMPLETE,
    HTMX,
    JUNIOR,
    REFLECTION,
    SENIOR,
    TEMPLATE_TITLES,
    agenda,
    agenda_titles,
    assert_fragment,
    fetch,
    notices,
    pairing_row,
    quarters,
    snapshot,
    text,
)

# --- reflections and a quarter's completion -----------------------------------------------


@pytest.mark.parametrize("field", ["learned", "taught", "next_quarter"])
def test_each_reflection_field_is_required_and_nothing_is_written(
    app, pair, as_member, smtp, field
):
    data = {**REFLECTION, field: "  "}
    before = snapshot(app)
    response = as_member("senior").post(f"{pair.page}/reflection", data=data)
    assert response.status_code == 422
    page = text(response)
    assert f'id="{field}-error">Please write a sentence or two here.' in page
    for name, value in REFLECTION.items():
        if name != field:
            assert value in page
    assert snapshot(app) == before
    assert smtp.to(JUNIOR) == []


def test_the_first_reflection_tells_the_partner_in_the_app_and_by_email(app, pair, as_member, smtp):
    response = as_member("senior").post(f"{pair.page}/reflection", data=REFLECTION)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{pair.page}#reflections"
    [reflection] = fetch(app, Reflection)
    assert reflection["member_id"] == pair.senior
    assert reflection["learned"] == REFLECTION["learned"]
    [notice] = notices(app, pair, pair.junior)
    assert "Asha Kulkarni reflected" in notice["text"]
    assert notice["url"] == f"{pair.page}#reflections"
    mail = smtp.last(JUNIOR)
    assert "reflected" in mail["Subject"]
    assert f"http://portal.test{pair.page}#reflections" in mail.get_content()
    assert "/unsubscribe/" in smtp.link(JUNIOR, contains="/unsubscribe/")
    assert "/unsubscribe/" in mail["List-Unsubscribe"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert quarters(app, pair)[0]["completed_at"] is None
    assert smtp.to(SENIOR) == []


def test_the_partners_reflection_is_hidden_until_yours_is_written(app, pair, as_member):
    secret = "I learned to say no to the first draft."
    as_member("senior").post(f"{pair.page}/reflection", data={**REFLECTION, "learned": secret})
    assert secret in text(as_member("senior").get(pair.page))
    waiting = text(as_member("junior").get(pair.page))
    assert secret not in waiting
    assert "Written. You will see it once yours is saved." in waiting
    assert secret in text(as_member("admin").get(pair.page))
    as_member("junior").post(f"{pair.page}/reflection", data=REFLECTION)
    assert secret in text(as_member("junior").get(pair.page))


def test_the_second_reflection_completes_the_quarter(app, pair, as_member, smtp):
    as_member("junior").post(f"{pair.page}/reflection", data=REFLECTION)
    response = as_member("senior").post(f"{pair.page}/reflection", data=REFLECTION)
    assert response.status_code == 303
    assert quarters(app, pair)[0]["completed_at"] is not None
    assert "is complete" in notices(app, pair, pair.junior)[-1]["text"]
    assert [m for m in smtp.to(JUNIOR) if "reflected" in m["Subject"]] == []
    for who in ("senior", "junior"):
        page = text(as_member(who).get(pair.page))
        assert re.search(COMPLETE, page)
        assert f'action="{pair.page}/renew"' in page
        assert "Start quarter 2" in page
        assert f'action="{pair.page}/reflection"' not in page
    assert pairing_row(app, pair.id)["status"] is PairingStatus.ACTIVE


def test_a_reflection_over_htmx_also_updates_the_quarters_heading(app, pair, as_member):
    first = as_member("junior").post(f"{pair.page}/reflection", data=REFLECTION, headers=HTMX)
    assert first.status_code == 200
    assert_fragment(first, "reflections")
    second = as_member("senior").post(f"{pair.page}/reflection", data=REFLECTION, headers=HTMX)
    assert second.status_code == 200
    assert_fragment(second, "reflections")
    body = text(second)
    oob = re.search(
        r'<section id="quarter-current"[^>]*hx-swap-oob="true"[^>]*>.*?</section>', body, re.S
    )
    assert oob, body
    assert re.search(COMPLETE, oob.group(0))
    assert body.index('id="reflections"') < body.index('id="quarter-current"')
    assert body.count('id="quarter-current"') == 1
    log = re.search(r'<section id="sessions"[^>]*hx-swap-oob="true"[^>]*>.*?</section>', body, re.S)
    assert log, "the log follows: it takes no more sessions this quarter"
    assert f'action="{pair.page}/sessions"' not in log.group(0)


def test_a_first_reflection_swaps_only_the_reflections_under_htmx(app, pair, as_member):
    response = as_member("senior").post(f"{pair.page}/reflection", data=REFLECTION, headers=HTMX)
    assert response.status_code == 200
    assert 'hx-swap-oob="true"' not in text(response)


def test_a_reflection_can_be_changed_until_the_partner_writes_theirs(app, pair, as_member, smtp):
    as_member("senior").post(f"{pair.page}/reflection", data=REFLECTION)
    changed = {**REFLECTION, "learned": "Second thoughts, better ones."}
    assert as_member("senior").post(f"{pair.page}/reflection", data=changed).status_code == 303
    [reflection] = fetch(app, Reflection)
    assert reflection["learned"] == "Second thoughts, better ones."
    assert len(notices(app, pair, pair.junior)) == 1
    assert len([m for m in smtp.to(JUNIOR) if "reflected" in m["Subject"]]) == 1


def test_a_reflection_on_a_complete_quarter_is_refused(app, pair, as_member):
    complete_quarter(app, pair.id)
    before = snapshot(app)
    response = as_member("senior").post(f"{pair.page}/reflection", data=REFLECTION)
    assert response.status_code == 409
    assert snapshot(app) == before


# --- an early reflection is asked about (issue 11, item 22) -------------------------------

ON_TIME = {name: value for name, value in REFLECTION.items() if name != "finish_early"}


def began_days_ago(app, pair, days: int) -> None:
    with app.app_context():
        db.session.execute(
            sa.update(Quarter)
            .where(Quarter.pairing_id == pair.id)
            .values(started_at=utcnow() - timedelta(days=days))
        )
        db.session.commit()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_reflection_on_the_first_day_asks_before_finishing_early(
    app, pair, as_member, smtp, htmx
):
    before = snapshot(app)
    headers = HTMX if htmx else {}
    response = as_member("senior").post(f"{pair.page}/reflection", data=ON_TIME, headers=headers)
    assert response.status_code == 422
    page = text(response)
    error = page.split('id="finish_early-error">', 1)[1].split("</p>", 1)[0]
    assert error.startswith("It&#39;s early to reflect") or error.startswith("It's early")
    assert "no sessions so far" in error and "after your third session" in error
    assert 'name="finish_early"' in page and 'aria-invalid="true"' in page
    for value in ON_TIME.values():  # nothing typed is lost
        assert value in page
    assert snapshot(app) == before
    assert notices(app, pair, pair.junior) == []
    assert smtp.to(JUNIOR) == []


def test_saying_so_finishes_early_and_both_reflections_complete_the_quarter(app, pair, as_member):
    as_member("junior").post(f"{pair.page}/reflection", data={**ON_TIME, "finish_early": "y"})
    response = as_member("senior").post(
        f"{pair.page}/reflection", data={**ON_TIME, "finish_early": "y"}
    )
    assert response.status_code == 303
    assert quarters(app, pair)[0]["completed_at"] is not None


def test_an_early_quarter_says_when_reflections_open(app, pair, as_member):
    page = text(as_member("senior").get(pair.page))
    reflections = page.split('id="reflections"', 1)[1].split("</section>", 1)[0]
    with app.app_context():
        started = db.session.scalar(sa.select(Quarter.started_at))
    opens = (started + timedelta(hours=5, minutes=30)).date() + timedelta(days=61)
    assert f'Reflections open on <time datetime="{opens.isoformat()}">' in reflections
    assert "after your third session (none logged so far)" in reflections
    assert "We are finishing this quarter early" in reflections


def test_after_the_third_session_a_reflection_is_on_time(app, pair, as_member):
    for n in range(3):
        log_entry(app, pair.id, pair.senior, covered=f"Session {n + 1}")
    page = text(as_member("senior").get(pair.page))
    assert "We are finishing this quarter early" not in page
    assert "Reflections open on" not in page
    response = as_member("senior").post(f"{pair.page}/reflection", data=ON_TIME)
    assert response.status_code == 303


def test_two_sessions_are_still_early(app, pair, as_member):
    for n in range(2):
        log_entry(app, pair.id, pair.senior, covered=f"Session {n + 1}")
    response = as_member("senior").post(f"{pair.page}/reflection", data=ON_TIME)
    assert response.status_code == 422
    assert "2 sessions so far" in text(response)


@pytest.mark.parametrize(("days", "status"), [(60, 422), (62, 303)])
def test_in_the_quarters_last_month_a_reflection_is_on_time(app, pair, as_member, days, status):
    began_days_ago(app, pair, days)
    response = as_member("junior").post(f"{pair.page}/reflection", data=ON_TIME)
    assert response.status_code == status


# --- renewing -----------------------------------------------------------------------------


def test_renewing_before_the_quarter_is_complete_is_refused(app, pair, as_member):
    as_member("junior").post(f"{pair.page}/reflection", data=REFLECTION)
    before = snapshot(app)
    response = as_member("senior").post(f"{pair.page}/renew", data={"tool": "Claude"})
    assert response.status_code == 409
    assert "Finish this quarter first" in text(response)
    assert snapshot(app) == before
    assert len(quarters(app, pair)) == 1


def test_renewing_a_complete_quarter_starts_the_next_from_the_template(app, pair, as_member):
    as_member("senior").post(f"{pair.page}/goals/senior", data={"goal": "Judgement on numbers."})
    complete_quarter(app, pair.id)
    response = as_member("junior").post(f"{pair.page}/renew", data={"tool": "  Claude "})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{pair.page}#quarter-current"
    first, second = quarters(app, pair)
    assert second["number"] == 2
    assert (second["junior_goal"], second["senior_goal"], second["completed_at"]) == ("", "", None)
    assert [row["title"] for row in agenda(app, pair)] == TEMPLATE_TITLES
    assert "started quarter 2" in notices(app, pair, pair.senior)[-1]["text"]
    page = text(as_member("senior").get(pair.page))
    assert "Quarter 2: Claude" in page
    assert agenda_titles(page) == TEMPLATE_TITLES
    earlier = page.split('id="earlier"', 1)[1]
    assert "Quarter 1: ChatGPT" in earlier
    assert "Judgement on numbers." in earlier
    assert f'action="{pair.page}/reflection"' in page


def test_renewing_needs_a_tool(app, pair, as_member):
    complete_quarter(app, pair.id)
    before = snapshot(app)
    response = as_member("senior").post(f"{pair.page}/renew", data={"tool": "   "})
    assert response.status_code == 422
    assert "Please name the tool for the next quarter." in text(response)
    assert snapshot(app) == before


def test_renewing_after_the_partner_renewed_names_the_quarter_they_started(app, pair, as_member):
    complete_quarter(app, pair.id)
    first = as_member("junior").post(f"{pair.page}/renew", data={"tool": "Excel", "quarter": "1"})
    assert first.status_code == 303
    before = snapshot(app)
    second = as_member("senior").post(f"{pair.page}/renew", data={"tool": "Canva", "quarter": "1"})
    assert second.status_code == 409
    assert "has already started quarter 2: Excel" in text(second)
    assert snapshot(app) == before


# --- ending -------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "  ", "ok", "  ok  ", "x" * 501])
def test_ending_needs_a_reason_of_3_to_500_characters(app, pair, as_member, reason):
    before = snapshot(app)
    response = as_member("senior").post(f"{pair.page}/end", data={"reason": reason})
    assert response.status_code == 422
    assert 'id="reason-error"' in text(response)
    assert snapshot(app) == before


def test_ending_a_pairing_keeps_its_page_as_a_record_with_the_reason(
    app, pair, as_member, pairing_people
):
    reason = "My new job leaves no Saturdays free."
    entry = log_entry(app, pair.id, pair.senior, covered="Our one session")
    response = as_member("junior").post(f"{pair.page}/end", data={"reason": reason})
    assert response.status_code == 303
    assert response.headers["Location"] == pair.page
    row = pairing_row(app, pair.id)
    assert row["status"] is PairingStatus.ENDED
    assert (row["end_reason"], row["ended_by_id"]) == (reason, pairing_people["junior"])
    assert row["ended_at"] is not None
    [notice] = notices(app, pair, pair.senior)
    assert "Ravi Iyer ended your pairing" in notice["text"]
    for who in ("senior", "junior", "admin"):
        page = text(as_member(who).get(pair.page))
        assert "This pairing has ended." in page
        assert f"Reason given: {reason}" in page
        for form in ("goals", "agenda", "sessions", "reflection", "end", "renew", "messages"):
            assert f'action="{pair.page}/{form}' not in page
        assert "Our one session" in page
        assert "Correct this entry" not in page
    assert as_member("senior").get(f"{pair.page}/sessions/{entry}/edit").status_code == 409
    assert "Ended" in text(as_member("senior").get("/pairings/"))


def test_a_pairing_ended_after_every_quarter_is_complete_is_completed(app, pair, as_member):
    complete_quarter(app, pair.id)
    response = as_member("senior").post(f"{pair.page}/end", data={"reason": "A good year."})
    assert response.status_code == 303
    assert pairing_row(app, pair.id)["status"] is PairingStatus.COMPLETED
    assert "This pairing is complete." in text(as_member("junior").get(pair.page))


@pytest.mark.parametrize("name", [n for n in CHANGES if n != "sharing"])
def test_after_the_end_every_change_is_refused_with_409(app, pair, as_member, smtp, name):
    """Ending twice included; and messages: an ended pairing is a record, and its
    partner is not to be emailed any more."""
    url, data = ready(app, pair, name, side="junior")
    as_member("senior").post(f"{pair.page}/end", data={"reason": "We both moved on."})
    before, mails = snapshot(app), len(smtp.messages)
    for headers in ({}, HTMX):
        response = as_member("junior").post(url, data=data, headers=headers)
        assert response.status_code == 409, text(response)[:300]
    assert snapshot(app) == before
    assert len(smtp.messages) == mails


def test_after_the_end_each_member_can_still_withdraw_consent_to_show_it(app, pair, as_member):
    """Withdrawing consent is as easy as giving it (DPDP), even for a finished pairing."""
    for who in ("senior", "junior"):
        as_member(who).post(f"{pair.page}/sharing", data={"shares": "y"})
    as_member("senior").post(f"{pair.page}/end", data={"reason": "We both moved on."})
    assert as_member("junior").post(f"{pair.page}/sharing", data={}).status_code == 303
    assert pairing_row(app, pair.id)["junior_shares"] is False


# --- a member leaves the club -------------------------------------------------------------


def test_a_departure_completes_a_pairing_whose_quarters_are_all_complete_and_tells_the_partner(
    app, pair
):
    complete_quarter(app, pair.id)
    with app.app_context():
        from portal.members import services as members

        members.delete_account(db.session.get(Member, pair.senior))
    assert pairing_row(app, pair.id)["status"] is PairingStatus.COMPLETED
    latest = notices(app, pair, pair.junior)[-1]
    assert latest["text"].startswith("Your pairing partner has left the club")
    assert "Asha" not in latest["text"]  # the member who left takes their name along


def test_a_departure_mid_quarter_ends_the_pairing(app, pair):
    with app.app_context():
        from portal.members import services as members

        members.delete_account(db.session.get(Member, pair.junior))
    assert pairing_row(app, pair.id)["status"] is PairingStatus.ENDED
