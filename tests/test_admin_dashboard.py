"""The organiser's dashboard at /admin/ (SPEC §5, issue 12): members by role, the funnel
of each essay, requests and pairings by status, the pairings that need a check-in, the
seniors who keep showing up; a date range, a CSV of each table, and a fixed number of
queries whatever the size of the community.

The scripted community: essay A ("Teaching upward") brought three members, who posted
two requests, one of which became a pairing that completed a quarter; essay B brought
one member and one request; the others joined from no essay."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.board.models import PairingRequest
from portal.clock import utcnow
from portal.extensions import db
from portal.members.models import Member
from portal.pairings import services as pairings
from portal.pairings.models import Pairing, Quarter, SessionEntry

from .factories import complete_quarter, log_entry, make_pairing, make_request
from .helpers import (
    HTMX,
    as_service,
    client_for,
    handle_of,
    make_app,
    recorded_statements,
    set_columns,
    text,
    today_for,
)

ESSAY_A, TITLE_A = "teaching-upward", "Teaching upward without talking down"
ESSAY_B, TITLE_B = "one-tool-per-quarter", "One tool per quarter"
MODERATOR, ADMIN = "moderator@example.com", "admin@example.com"
PLAIN = "plain@example.com"


def _member(make_member, key: str, role: str, essay: str | None = None, **extra) -> int:
    teaches = ["chatgpt", "claude"] if role == "junior" else []
    return make_member(
        email=f"{key}@example.com",
        name=extra.pop("name", key.title()),
        role=role,
        can_teach=teaches,
        joined_from=essay,
        **extra,
    )


@pytest.fixture
def community(app, make_member):
    m = {
        "a1": _member(make_member, "a1", "senior", ESSAY_A),
        "a2": _member(make_member, "a2", "senior", ESSAY_A),
        "a3": _member(make_member, "a3", "junior", ESSAY_A),
        "b1": _member(make_member, "b1", "junior", ESSAY_B),
        "j0": _member(make_member, "j0", "junior"),
        "j1": _member(make_member, "j1", "junior"),
        "s0": _member(make_member, "s0", "senior"),
        "r": _member(make_member, "r", "senior", name="Radha Regular"),
        "plain": _member(make_member, "plain", "senior", verified=False),
        "moderator": _member(make_member, "moderator", "senior"),
        "admin": _member(make_member, "admin", "both"),
    }
    set_columns(app, Member, m["moderator"], is_moderator=True)
    set_columns(app, Member, m["admin"], is_admin=True)
    # Essay A: a1's request becomes a pairing with a quarter completed (and a second begun);
    # a2's request stays open; a3 posts nothing (but answers s0, which is s0's funnel).
    m["p1"] = make_pairing(app, m["a1"], m["j0"], title="Teach me ChatGPT for board notes")
    complete_quarter(app, m["p1"])
    as_service(app, m["p1"], m["a1"], pairings.renew, "Claude")
    m["r2"] = make_request(app, m["a2"])
    # Essay B: one offer to teach, open.
    m["rb"] = make_request(app, m["b1"], kind="offering", title="I can teach Claude")
    # From no essay: s0 pairs with a3; Radha completes two quarters with j1 and ends.
    m["p2"] = make_pairing(app, m["s0"], m["a3"], title="Help me with ChatGPT")
    m["p3"] = make_pairing(app, m["r"], m["j1"], title="Teach me Claude", tool="Claude")
    complete_quarter(app, m["p3"])
    as_service(app, m["p3"], m["r"], pairings.renew, "ChatGPT")
    complete_quarter(app, m["p3"])
    as_service(app, m["p3"], m["r"], pairings.end_pairing, "Two good quarters; done for now.")
    return m


@pytest.fixture
def admin(app, community):
    return client_for(app, ADMIN)


def table(page: str, caption: str) -> list[list[str]]:
    """The body rows of the table whose caption starts with `caption`, as cell texts."""
    found = re.search(
        rf"<caption[^>]*>{re.escape(caption)}.*?</caption>.*?<tbody>(.*?)</tbody>", page, re.S
    )
    assert found, f"no table {caption!r}"
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def download(client, name: str, query: str = "") -> list[list[str]]:
    response = client.get(f"/admin/dashboard/{name}.csv{query}")
    assert response.status_code == 200, text(response)[:500]
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(text(response))))


def days_ago(days: int):
    return utcnow() - timedelta(days=days)


# --- who may see it ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"), [(None, 404), (PLAIN, 404), (MODERATOR, 200), (ADMIN, 200)]
)
@pytest.mark.parametrize("path", ["/admin/", "/admin/dashboard/funnel.csv"])
def test_only_moderators_and_admins_see_the_dashboard(app, community, who, status, path):
    client = client_for(app, who) if who else app.test_client()
    assert client.get(path).status_code == status


def test_the_overview_keeps_suspensions_and_moderators(app, community, admin):
    suspended = admin.post(
        f"/admin/members/{community['s0']}/suspend", data={"reason": "Rude", "length": "7"}
    )
    assert suspended.status_code == 303
    page = text(admin.get("/admin/"))
    assert "S0</a>" in page and "Lift the suspension" in page
    assert "Moderator (moderator)" in page and "Admin (admin)" in page
    assert "Make a moderator" in page
    assert "Make a moderator" not in text(client_for(app, MODERATOR).get("/admin/"))


# --- the figures -------------------------------------------------------------------------------


def test_the_funnel_of_each_essay_is_exact(admin):
    page = text(admin.get("/admin/"))
    rows = {row[0]: row[1:] for row in table(page, "The funnel of each essay")}
    assert rows[TITLE_A] == ["3", "2", "1", "1"]
    assert rows[TITLE_B] == ["1", "1", "0", "0"]
    assert rows["Why a senior should take a reverse mentor"] == ["0", "0", "0", "0"]
    assert list(rows)[:2] == [TITLE_A, TITLE_B]  # most members first
    # The chart says it too, to a screen reader.
    assert re.search(r'<svg class="chart" role="img"[^>]*aria-labelledby="chart-funnel-title', page)
    desc = re.search(r'<desc id="chart-funnel-desc">(.*?)</desc>', page).group(1)
    assert (
        f"{TITLE_A}: Joined, 3; {TITLE_A}: Posted a request, 2; {TITLE_A}: Pairings, 1; "
        f"{TITLE_A}: Completed quarters, 1"
    ) in desc


def test_members_by_role_and_confirmation(admin):
    page = text(admin.get("/admin/"))
    assert table(page, "Members who joined") == [
        ["A senior who wants to learn", "yes", "5"],
        ["A senior who wants to learn", "not yet", "1"],
        ["A junior who can teach", "yes", "4"],
        ["Both: I learn some tools and teach others", "yes", "1"],
    ]


def test_requests_and_pairings_by_status(admin):
    page = text(admin.get("/admin/"))
    assert table(page, "Requests posted") == [
        ["Open", "1", "1", "2"],
        ["Matched", "3", "0", "3"],
        ["Closed", "0", "0", "0"],
        ["Withdrawn", "0", "0", "0"],
        ["Expired", "0", "0", "0"],
    ]
    assert table(page, "Pairings begun") == [["Active", "2"], ["Completed", "1"], ["Ended", "0"]]


def test_seniors_with_two_completed_quarters_keep_showing_up(app, community, admin):
    page = text(admin.get("/admin/"))
    assert table(page, "1 senior with two or more") == [["Radha Regular", "2", "1"]]
    # a1 has one completed quarter: not yet a regular.
    complete_quarter(app, community["p1"])
    rows = table(text(admin.get("/admin/")), "2 seniors with two or more")
    assert rows == [["A1", "2", "1"], ["Radha Regular", "2", "1"]]


def test_pairings_with_no_session_for_three_weeks_need_a_check_in(app, community, admin):
    assert "Every active pairing has met in the last three weeks." in text(admin.get("/admin/"))
    # p1 began 30 days ago and has never met; p2 began 40 days ago and met 20 days ago.
    set_columns(app, Pairing, community["p1"], started_at=days_ago(30))
    set_columns(app, Pairing, community["p2"], started_at=days_ago(40))
    entry = log_entry(app, community["p2"], community["s0"])
    today = today_for()
    set_columns(app, SessionEntry, entry, held_on=today - timedelta(days=20))
    rows = table(text(admin.get("/admin/")), "1 pairing needs a check-in")
    assert [(r[0], r[1], r[2], r[5], r[6]) for r in rows] == [
        (f"#{community['p1']}", "A1", "J0", "none yet", "30")
    ]
    # Three weeks to the day since p2's last session: it needs one too, after p1.
    set_columns(app, SessionEntry, entry, held_on=today - timedelta(days=21))
    rows = table(text(admin.get("/admin/")), "2 pairings need a check-in")
    assert [(r[0], r[5], r[6]) for r in rows] == [
        (f"#{community['p1']}", "none yet", "30"),
        (f"#{community['p2']}", (today - timedelta(days=21)).strftime("%-d %b %Y"), "21"),
    ]
    # Moderators and admins may open the pairing (to check in, or read a concern).
    moderator = client_for(app, MODERATOR)
    for viewer in (admin, moderator):
        assert f'href="/pairings/{community["p1"]}"' in text(viewer.get("/admin/"))
    assert moderator.get(f"/pairings/{community['p1']}").status_code == 200


# --- the date range ----------------------------------------------------------------------------


def test_a_date_range_counts_only_what_happened_in_it(app, community, admin):
    long_ago = days_ago(100)
    set_columns(app, Member, community["a1"], created_at=long_ago)
    with app.app_context():
        first_request = db.session.get(Pairing, community["p1"]).request_id
        quarter = db.session.scalar(
            sa.select(Quarter.id).where(Quarter.pairing_id == community["p3"], Quarter.number == 1)
        )
    set_columns(app, PairingRequest, first_request, created_at=long_ago)
    set_columns(app, Pairing, community["p1"], started_at=long_ago)
    set_columns(app, Quarter, quarter, completed_at=long_ago)
    today = today_for()
    query = f"?from={(today - timedelta(days=30)).isoformat()}&to={today.isoformat()}"
    page = text(admin.get(f"/admin/{query}"))
    assert "alert" not in page
    rows = {row[0]: row[1:] for row in table(page, "The funnel of each essay")}
    assert rows[TITLE_A] == ["2", "1", "0", "0"]  # a2 and a3 joined in it; a2 posted
    assert table(page, "Requests posted")[:2] == [
        ["Open", "1", "1", "2"],
        ["Matched", "2", "0", "2"],
    ]
    assert table(page, "Pairings begun") == [["Active", "1"], ["Completed", "1"], ["Ended", "0"]]
    assert "No senior has completed two quarters yet." in page  # one of Radha's is older
    # The form keeps the dates, and each CSV link carries them.
    assert f'value="{today.isoformat()}"' in page
    assert f"/admin/dashboard/funnel.csv{query.replace('&', '&amp;')}" in page
    funnel = download(admin, "funnel", query)
    assert [ESSAY_A, TITLE_A, "2", "1", "0", "0"] in funnel
    # All time again: the earlier ones are back.
    rows = {row[0]: row[1:] for row in table(text(admin.get("/admin/")), "The funnel")}
    assert rows[TITLE_A] == ["3", "2", "1", "1"]


@pytest.mark.parametrize(
    "query",
    [
        "?from=2026-13-01",
        "?from=yesterday&to=today",
        "?from=2026-03-01&to=2026-02-01",
        "?from=0001-01-01",
        "?to=9999-12-31",
        "?from=%3Cscript%3E",
    ],
)
def test_bad_dates_say_so_and_show_all_time(admin, query):
    response = admin.get(f"/admin/{query}")
    assert response.status_code == 200
    page = text(response)
    assert "We couldn&#39;t read those dates" in page and "<script>" not in page
    assert "Showing <strong>all time</strong>" in page
    rows = {row[0]: row[1:] for row in table(page, "The funnel of each essay")}
    assert rows[TITLE_A] == ["3", "2", "1", "1"]
    assert download(admin, "funnel", query)[1][:3] == [ESSAY_A, TITLE_A, "3"]


def test_htmx_gets_only_the_figures(admin):
    response = admin.get("/admin/?from=2020-01-01", headers=HTMX)
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    assert page.lstrip().startswith('<div id="dashboard">')
    assert "since 1 January 2020" in page


# --- CSV -----------------------------------------------------------------------------------------


def test_each_table_downloads_as_csv(app, community, admin):
    set_columns(app, Pairing, community["p1"], started_at=days_ago(30))
    assert download(admin, "members")[:2] == [
        ["role", "confirmed", "members"],
        ["senior", "yes", "5"],
    ]
    funnel = download(admin, "funnel")
    assert funnel[0] == ["essay", "title", "joined", "requests", "pairings", "completed quarters"]
    assert funnel[1:3] == [
        [ESSAY_A, TITLE_A, "3", "2", "1", "1"],
        [ESSAY_B, TITLE_B, "1", "1", "0", "0"],
    ]
    assert download(admin, "requests")[1:3] == [["open", "1", "1", "2"], ["matched", "3", "0", "3"]]
    assert download(admin, "pairings") == [
        ["status", "pairings"],
        ["active", "2"],
        ["completed", "1"],
        ["ended", "0"],
    ]
    check_ins = download(admin, "check-ins")
    assert check_ins[0][0] == "pairing" and len(check_ins) == 2
    assert check_ins[1][:3] == [str(community["p1"]), "A1", "J0"] and check_ins[1][-1] == "30"
    handle = handle_of(app, community["r"])
    assert download(admin, "seniors") == [
        ["senior", "profile", "completed quarters", "pairings"],
        ["Radha Regular", handle, "2", "1"],
    ]
    assert admin.get("/admin/dashboard/nothing.csv").status_code == 404


def test_csv_cells_never_start_a_formula(app, community, admin):
    set_columns(app, Member, community["r"], name='=HYPERLINK("http://x")')
    [_, row] = download(admin, "seniors")
    assert row[0] == '\'=HYPERLINK("http://x")'


def test_a_worker_may_keep_the_figures_for_a_while_but_never_the_csv(
    migrated, community, make_member
):
    kept = make_app(migrated, DASHBOARD_CACHE_SECONDS=3600)
    admin = client_for(kept, ADMIN)

    def essay_a() -> list[str]:
        rows = {row[0]: row[1:] for row in table(text(admin.get("/admin/")), "The funnel")}
        return rows[TITLE_A]

    assert essay_a() == ["3", "2", "1", "1"]
    _member(make_member, "a4", "junior", ESSAY_A)
    assert essay_a() == ["3", "2", "1", "1"]  # as counted a moment ago
    assert [ESSAY_A, TITLE_A, "4", "2", "1", "1"] in download(admin, "funnel")
    # Another period is counted afresh.
    page = text(admin.get("/admin/?from=2020-01-01"))
    assert {row[0]: row[1:] for row in table(page, "The funnel")}[TITLE_A][0] == "4"


# --- a fixed number of queries -----------------------------------------------------------------


def count_queries(app, client, path: str = "/admin/") -> int:
    with recorded_statements(app) as seen:
        response = client.get(path)
    assert response.status_code == 200
    return len(seen)


def test_the_dashboard_runs_the_same_few_queries_however_big_the_community(
    app, community, admin, make_member
):
    small = count_queries(app, admin)
    assert small <= 12, small
    # More of everything: members from both essays, requests, pairings that need a
    # check-in, another regular senior, a suspension.
    for n in range(6):
        senior = _member(make_member, f"more-s{n}", "senior", ESSAY_A if n % 2 else ESSAY_B)
        junior = _member(make_member, f"more-j{n}", "junior", ESSAY_B)
        pairing = make_pairing(app, senior, junior, title=f"Teach me ChatGPT, take {n}")
        set_columns(app, Pairing, pairing, started_at=days_ago(40 + n))
        complete_quarter(app, pairing)
        as_service(app, pairing, senior, pairings.renew, "Claude")
        complete_quarter(app, pairing)
        make_request(app, junior, kind="offering", title=f"I can teach Claude, take {n}")
    admin.post(f"/admin/members/{community['s0']}/suspend", data={"reason": "Rude", "length": "7"})
    page = text(admin.get("/admin/"))
    assert "7 seniors with two or more" in page and "6 pairings need a check-in" in page
    assert count_queries(app, admin) == small
    assert count_queries(app, admin, "/admin/?from=2020-01-01&to=2030-12-31") == small
