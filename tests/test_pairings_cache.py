"""The pairing page keeps its rendered main part for what it is made of
(portal/pairings/page_cache.py): a second view is served kept, and every kind of change,
by a member, a moderator, a member leaving or the clock, shows at the next view. The
page runs the same queries however long the pairing.

Fixtures `pair`, `pairing_people`, `as_member`: conftest.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.clock import utcnow
from portal.extensions import db
from portal.members import services as members
from portal.members.models import FORMER_MEMBER, Member
from portal.pairings import services as pairings
from portal.pairings.models import Message, Reflection, SessionEntry
from portal.pairings.page import DATA
from portal.pairings.page_cache import MADE_OF, PLACEHOLDER, PageCache, cache_of

from .factories import complete_quarter, log_entry, make_message
from .helpers import (
    EMAILS,
    HTMX,
    NAMES,
    PASSWORD,
    Pair,
    as_service,
    csrf_field,
    hx_headers,
    make_app,
    recorded_statements,
    set_columns,
    text,
    unescaped,
)

EARLIER_NOTES = "We drafted the March board note together."


def main_of(page: str) -> str:
    found = re.search(r"<main\b.*</main>", page, re.S)
    assert found, page[:500]
    return found.group(0)


def kept(app) -> PageCache:
    cache = cache_of(app)
    assert cache is not None, "the test app must keep pages (templates don't reload)"
    return cache


def view(app, client, pair: Pair) -> str:
    """The page twice: the first as it is now, the second served kept and the same."""
    first = client.get(pair.page)
    assert first.status_code == 200
    hits = kept(app).hits
    second = client.get(pair.page)
    assert kept(app).hits == hits + 1, "the second view was rendered again, not kept"
    assert untokened(second) == untokened(first)
    return unescaped(second)


def untokened(response) -> str:
    """The main part with the page's CSRF token left out: a token carries the second it
    was made, so two views a second apart differ there (each view puts in its own)."""
    page = text(response)
    return main_of(page).replace(hx_headers(page)["X-CSRFToken"], "TOKEN")


@pytest.fixture
def long_pair(app, pair) -> Pair:
    """Quarter 1 complete (two sessions, both reflections), quarter 2 under way with a
    session, and a message from each."""
    log_entry(app, pair.id, pair.senior, covered="Prompts for board notes", notes=EARLIER_NOTES)
    log_entry(app, pair.id, pair.junior, covered="Checking the figures")
    make_message(app, pair.id, pair.junior, "Thursday at seven?")
    complete_quarter(app, pair.id)
    as_service(app, pair.id, pair.senior, pairings.renew, "Claude")
    log_entry(app, pair.id, pair.junior, covered="Claude for meeting minutes")
    make_message(app, pair.id, pair.senior, "Thank you for yesterday.")
    return pair


def fresh_page(app, pair: Pair, who: str = "senior") -> str:
    """The page as an app that has kept nothing renders it."""
    client = make_app(app.config["DATABASE_URL"]).test_client()
    assert cache_of(client.application).pages == {}
    client.post("/login", data={"email": EMAILS[who], "password": PASSWORD})
    return main_of(text(client.get(pair.page)))


# --- kept, and the same -------------------------------------------------------------------------


def test_a_second_view_is_served_kept_and_is_the_page_itself(app, long_pair, as_member):
    senior = as_member("senior")
    page = view(app, senior, long_pair)
    assert "Earlier quarters" in page and EARLIER_NOTES in page
    assert "Thursday at seven?" in page and "Thank you for yesterday." in page
    assert main_of(text(senior.get(long_pair.page))) == fresh_page(app, long_pair)
    assert PLACEHOLDER not in page


def test_each_viewer_has_their_own_page(app, long_pair, as_member):
    clients = [as_member(who) for who in ("senior", "junior", "admin")]  # all signed in
    senior, junior, admin = (view(app, client, long_pair) for client in clients)
    assert "Your goal for the judgement you share" in senior
    assert "Your goal for the tool" in junior
    assert "You are reading this pairing as an admin" in admin
    assert "You are reading this pairing" not in senior + junior
    # Each member's own messages are "You".
    you = re.compile(r'message-mine" id="message-(\d+)"')
    assert set(you.findall(senior)).isdisjoint(you.findall(junior))
    assert len(kept(app).pages) == 3


def test_a_form_with_errors_is_shown_once_and_never_kept(app, long_pair, as_member):
    senior = as_member("senior")
    view(app, senior, long_pair)
    refused = senior.post(f"/pairings/{long_pair.id}/goals/senior", data={"goal": "x" * 601})
    assert refused.status_code == 422
    assert "Up to 600 characters, please." in text(refused)
    assert "Up to 600 characters, please." not in view(app, senior, long_pair)


def test_the_cache_is_bounded_and_drops_the_least_recently_used_page():
    cache = PageCache(max_bytes=3 * 1100)
    pages = {key: chr(ord("a") + n) * 1000 for n, key in enumerate((b"1", b"2", b"3", b"4"))}
    for key in (b"1", b"2", b"3"):
        cache.put(key, pages[key])
    assert cache.get(b"1") == pages[b"1"]  # now the most recently used
    cache.put(b"4", pages[b"4"])
    assert cache.get(b"2") is None
    assert [cache.get(k) for k in (b"1", b"3", b"4")] == [pages[b"1"], pages[b"3"], pages[b"4"]]
    assert cache.bytes <= cache.max_bytes
    cache.put(b"big", "x" * 5000)  # bigger than the whole cache: not kept
    assert cache.get(b"big") is None and cache.get(b"4") == pages[b"4"]


def test_what_the_page_is_made_of_names_everything_it_reads_but_the_forms():
    assert set(MADE_OF) == set(DATA)


# --- every kind of change shows at once ----------------------------------------------------------


def _as(app, member_id: int, change, *args):
    with app.app_context():
        return change(db.session.get(Member, member_id), *args)


def _earlier_notes(app, pair):
    with app.app_context():
        entry = db.session.scalar(
            sa.select(SessionEntry).where(SessionEntry.notes == EARLIER_NOTES)
        )
    set_columns(app, SessionEntry, entry.id, notes="Corrected in the database itself.")
    return "Corrected in the database itself."


def _earlier_reflection(app, pair):
    with app.app_context():
        first = db.session.scalar(sa.select(sa.func.min(Reflection.id)))
    set_columns(app, Reflection, first, learned="A reflection edited since.")
    return "A reflection edited since."


def _goal(app, pair):
    as_service(app, pair.id, pair.junior, pairings.set_goal, "junior", "Minutes in ten minutes.")
    return "Minutes in ten minutes."


def _agenda_item(app, pair):
    as_service(app, pair.id, pair.senior, pairings.add_item, "Summaries of long reports", "")
    return "Summaries of long reports"


def _session(app, pair):
    log_entry(app, pair.id, pair.junior, covered="Tables from scanned pages")
    return "Tables from scanned pages"


def _message(app, pair):
    make_message(app, pair.id, pair.junior, "Sunday instead of Saturday?")
    return "Sunday instead of Saturday?"


def _hidden(app, pair, as_member):
    with app.app_context():
        mine = db.session.scalar(sa.select(Message.id).where(Message.author_id == pair.junior))
    admin = as_member("admin")
    hidden = admin.post(f"/admin/items/message/{mine}/hide", data={f"message{mine}-reason": "x"})
    assert hidden.status_code in (200, 303), text(hidden)[:300]
    return "A message the moderators hid."


def _suspended(app, pair, as_member):
    admin = as_member("admin")
    done = admin.post(f"/admin/members/{pair.junior}/suspend", data={"reason": "x", "length": "7"})
    assert done.status_code in (200, 303), text(done)[:300]
    return "This pairing is paused"


def _left(app, pair):
    _as(app, pair.junior, members.delete_account)
    return f"{pair_names()[0]} and {FORMER_MEMBER}"


def _renamed(app, pair):
    def rename(member):
        members.update_profile(
            member,
            can_teach=member.can_teach,
            wants_to_learn=member.wants_to_learn,
            name="Ravi Shankar",
        )

    _as(app, pair.junior, rename)
    return "Ravi Shankar"


def _sharing(app, pair):
    as_service(app, pair.id, pair.junior, pairings.set_sharing, True)
    return f"{NAMES['junior']}: agrees to show it"


def _ended(app, pair):
    as_service(app, pair.id, pair.junior, pairings.end_pairing, "We are both moving cities.")
    return "Reason given: We are both moving cities."


def pair_names() -> tuple[str, str]:
    return NAMES["senior"], NAMES["junior"]


CHANGES = {
    "an earlier quarter's session, in the database": _earlier_notes,
    "an earlier quarter's reflection, in the database": _earlier_reflection,
    "the partner's goal": _goal,
    "an agenda item": _agenda_item,
    "a session": _session,
    "the partner's message": _message,
    "a moderator hides the partner's message": _hidden,
    "a moderator suspends the partner": _suspended,
    "the partner leaves the club": _left,
    "the partner's new name": _renamed,
    "the partner agrees to show the pairing": _sharing,
    "the partner ends the pairing": _ended,
}


@pytest.mark.parametrize("name", CHANGES)
def test_every_kind_of_change_shows_at_the_next_view(app, long_pair, as_member, name):
    senior = as_member("senior")
    before = view(app, senior, long_pair)
    change = CHANGES[name]
    needs_client = change in (_hidden, _suspended)
    shown = change(app, long_pair, as_member) if needs_client else change(app, long_pair)
    assert shown not in before
    after = view(app, senior, long_pair)
    assert shown in after
    assert main_of(text(senior.get(long_pair.page))) == fresh_page(app, long_pair)


def test_a_change_undone_shows_the_page_as_it_was(app, long_pair, as_member):
    senior = as_member("senior")
    agreed = f"{NAMES['senior']}: agrees to show it"
    as_service(app, long_pair.id, long_pair.senior, pairings.set_sharing, True)
    assert agreed in view(app, senior, long_pair)
    as_service(app, long_pair.id, long_pair.senior, pairings.set_sharing, False)
    assert agreed not in view(app, senior, long_pair)
    as_service(app, long_pair.id, long_pair.senior, pairings.set_sharing, True)
    assert agreed in view(app, senior, long_pair)


def test_a_message_by_someone_else_keys_the_page_on_its_author_too(
    app, long_pair, pairing_people, as_member
):
    """Messages are posted by the pairing's two members; a row from anyone else (made
    here directly) is keyed on its author's row too."""
    senior = as_member("senior")
    with app.app_context():
        db.session.add(
            Message(pairing_id=long_pair.id, author_id=pairing_people["stranger"], body="Hi.")
        )
        db.session.commit()
    assert "Meera Nair" in view(app, senior, long_pair)

    def rename(member):
        members.update_profile(
            member, can_teach=member.can_teach, wants_to_learn=member.wants_to_learn, name="M N"
        )

    _as(app, pairing_people["stranger"], rename)
    page = view(app, senior, long_pair)
    assert "M N" in page and "Meera Nair" not in page


def test_the_viewers_time_zone_shows_at_once(app, long_pair, as_member):
    senior = as_member("senior")
    with app.app_context():
        message = db.session.scalar(sa.select(Message).where(Message.author_id == long_pair.senior))
        set_columns(app, Message, message.id, created_at=datetime(2026, 3, 1, 4, 30))
    assert "1 Mar 2026, 10:00" in view(app, senior, long_pair)  # India

    def move(member):
        members.update_profile(
            member,
            can_teach=member.can_teach,
            wants_to_learn=member.wants_to_learn,
            timezone="Europe/London",
        )

    _as(app, long_pair.senior, move)
    assert "1 Mar 2026, 04:30" in view(app, senior, long_pair)


def test_a_suspension_that_ends_by_itself_unpauses_the_page(app, long_pair, as_member):
    senior = as_member("senior")
    _suspended(app, long_pair, as_member)
    # It ends two minutes from now; the page is kept while it lasts (the same day, but
    # for the few minutes before midnight in India, when the date changes the page too).
    ends = utcnow().replace(microsecond=0) + timedelta(minutes=2)
    set_columns(app, Member, long_pair.junior, suspended_until=ends)
    with time_machine.travel(ends.replace(tzinfo=UTC) - timedelta(minutes=1), tick=False):
        assert "This pairing is paused" in view(app, senior, long_pair)
    with time_machine.travel(ends.replace(tzinfo=UTC) + timedelta(minutes=1), tick=False):
        assert "This pairing is paused" not in view(app, senior, long_pair)


# --- the CSRF token is the request's own -------------------------------------------------------


def test_a_kept_page_carries_the_token_of_the_session_that_reads_it(migrated, smtp, long_pair):
    app = make_app(migrated, WTF_CSRF_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)

    def signed_in():
        client = app.test_client()
        token = csrf_field(text(client.get("/login")))
        data = {"email": EMAILS["senior"], "password": PASSWORD, "csrf_token": token}
        assert client.post("/login", data=data).status_code == 303
        return client

    first, second = signed_in(), signed_in()  # two sessions (two browsers) of one member
    first.get(long_pair.page)
    hits = kept(app).hits
    page = text(second.get(long_pair.page))
    assert kept(app).hits == hits + 1
    token = hx_headers(page)["X-CSRFToken"]
    tokens = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', main_of(page)))
    assert tokens == {token}
    assert token != hx_headers(text(first.get(long_pair.page)))["X-CSRFToken"]
    posted = second.post(
        f"/pairings/{long_pair.id}/messages",
        data={"body": "Sent from a kept page.", "csrf_token": token},
    )
    assert posted.status_code == 303, text(posted)[:300]
    htmx = second.post(
        f"/pairings/{long_pair.id}/messages",
        data={"body": "And with htmx."},
        headers={**HTMX, "X-CSRFToken": token},
    )
    assert htmx.status_code == 200, text(htmx)[:300]
    assert "And with htmx." in view(app, second, long_pair)


# --- a fixed number of queries ------------------------------------------------------------------


def statements_of(app, client, path: str) -> list[str]:
    with recorded_statements(app, skip=()) as seen:
        assert client.get(path).status_code == 200
    return [statement for statement, _ in seen]


def test_the_page_runs_the_same_queries_however_long_the_pairing(app, pair, as_member):
    senior = as_member("senior")

    def counted() -> tuple[int, int]:
        """Statements of a view that renders (nothing kept), then of one served kept."""
        senior.get(pair.page)  # reads the notices of what was just made
        kept(app).clear()
        rendered = statements_of(app, senior, pair.page)
        hits = kept(app).hits
        served = statements_of(app, senior, pair.page)
        assert kept(app).hits == hits + 1
        return len(rendered), len(served)

    log_entry(app, pair.id, pair.junior)
    make_message(app, pair.id, pair.junior, "Hello!")
    small = counted()

    for n in range(6):
        log_entry(app, pair.id, (pair.senior, pair.junior)[n % 2], covered=f"Session {n}")
    complete_quarter(app, pair.id)
    as_service(app, pair.id, pair.senior, pairings.renew, "Claude")
    for n in range(6):
        log_entry(app, pair.id, pair.senior, covered=f"Claude {n}")
    with app.app_context():  # more than the page shows: 105 messages
        db.session.add_all(
            Message(
                pairing_id=pair.id,
                author_id=(pair.senior, pair.junior)[n % 2],
                body=f"Message {n}",
                created_at=utcnow() - timedelta(minutes=200 - n),
            )
            for n in range(104)
        )
        db.session.commit()
    set_columns(app, Message, _latest_message(app, pair), hidden_at=utcnow(), hidden_reason="x")
    large = counted()

    assert large == small
    assert small[1] < small[0]
    page = view(app, senior, pair)
    assert "The latest 100 messages are shown here." in page
    assert "<p>Message 5</p>" in page and "<p>Message 4</p>" not in page
    assert "A message the moderators hid." in page


def _latest_message(app, pair) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(Message.id)
            .where(Message.pairing_id == pair.id, Message.author_id == pair.junior)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(1)
        )
