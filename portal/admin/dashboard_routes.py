"""The organiser's overview at /admin/ (issue 12): the dashboard for a date range, with
its charts and a CSV of each table, above the moderators' own business (suspensions,
moderators). Moderators and admins only; everyone else gets a 404."""

from __future__ import annotations

import time

from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from portal.admin import bp, queue
from portal.admin.charts import bar_chart
from portal.admin.csvs import csv_download
from portal.admin.dashboard import (
    Dashboard,
    Period,
    check_ins,
    funnel,
    members,
    pairings,
    parse_period,
    regulars,
    requests,
    staff_and_suspended,
)
from portal.admin.forms import RoleForm
from portal.admin.routes import staff_required
from portal.clock import today_for, utcnow, zone_of
from portal.essays import snapshot
from portal.essays import today as essays_today
from portal.web.forms import ActionForm
from portal.web.htmx import is_htmx
from portal.web.i18n import language

ROLE_NAMES = {"senior": _l("Seniors"), "junior": _l("Juniors"), "both": _l("Both")}
STAGES = (_l("Joined"), _l("Posted a request"), _l("Pairings"), _l("Completed quarters"))
CACHED_PERIODS = 32  # periods a worker keeps figures for (more: it starts again)


def _period() -> tuple[Period, str | None]:
    return parse_period(request.args.get("from"), request.args.get("to"), zone_of(current_user))


def _titles() -> dict[str, str]:
    """Each published essay's title, by slug (essays are files: no query)."""
    return {e.slug: e.title for e in snapshot().published(essays_today())}


def _charts(board: Dashboard) -> dict:
    funnel_rows: list[tuple[str, int | None]] = []
    for row in board.funnel:
        funnel_rows.append((row.title, None))
        funnel_rows += zip(
            map(str, STAGES), (row.joined, row.requests, row.pairings, row.quarters), strict=True
        )
    return {
        "members": bar_chart(
            "chart-members",
            _("Members by role, and whether they have confirmed their email"),
            [
                (
                    _("%(role)s, confirmed", role=ROLE_NAMES[role])
                    if ok
                    else _("%(role)s, not yet confirmed", role=ROLE_NAMES[role]),
                    n,
                )
                for role, ok, n in board.members
            ],
        ),
        "funnel": bar_chart("chart-funnel", _("What each essay brought"), funnel_rows),
        "requests": bar_chart(
            "chart-requests",
            _("Requests by status"),
            [(_(status.value).capitalize(), total) for status, _s, _o, total in board.requests],
        ),
        "pairings": bar_chart(
            "chart-pairings",
            _("Pairings by status"),
            [(_(status.value).capitalize(), n) for status, n in board.pairings],
        ),
    }


def _figures(period: Period, problem: str | None) -> tuple[Dashboard, str]:
    """The figures and their rendered part of the page, counted and drawn afresh, or as
    this worker drew them less than DASHBOARD_CACHE_SECONDS ago (a minute in production:
    a busy dashboard costs its queries and its drawing once a minute; never in
    development and tests). Admins and moderators see slightly different links."""
    seconds = current_app.config["DASHBOARD_CACHE_SECONDS"]
    today = today_for(current_user)

    def draw() -> tuple[Dashboard, str]:
        board = Dashboard.build(period, today, utcnow(), _titles())
        html = render_template(
            "admin/dashboard_figures.html", board=board, charts=_charts(board), problem=problem
        )
        return board, html

    if not seconds:
        return draw()
    cache = current_app.extensions.setdefault("portal.admin.dashboard", {})
    key = (period, today, bool(current_user.is_admin), problem, language())
    now = time.monotonic()
    kept = cache.get(key)
    if kept is None or kept[0] <= now:
        if len(cache) >= CACHED_PERIODS:
            cache.clear()
        kept = cache[key] = (now + seconds, draw())
    return kept[1]


@bp.get("/admin/")
@staff_required
def overview():
    period, problem = _period()
    board, figures = _figures(period, problem)
    if is_htmx():
        return figures
    staff, suspended = staff_and_suspended(utcnow())
    return render_template(
        "admin/overview.html",
        board=board,
        figures=Markup(figures),  # noqa: S704 (our own template, escaped as it was drawn)
        staff=staff,
        suspended=suspended,
        open_items=queue.open_count(),
        role_form=RoleForm(formdata=None),
        action=ActionForm(formdata=None),
    )


# --- each table as CSV ---------------------------------------------------------------------------


def _table(name: str, period: Period) -> tuple[list[str], list[tuple]]:
    """A table's header and every one of its rows (the page shows the first few)."""
    if name == "members":
        rows = [(role.value, "yes" if ok else "no", n) for role, ok, n in members(period)]
        return ["role", "confirmed", "members"], rows
    if name == "funnel":
        rows = [
            (f.slug, f.title, f.joined, f.requests, f.pairings, f.quarters)
            for f in funnel(period, _titles())
        ]
        return ["essay", "title", "joined", "requests", "pairings", "completed quarters"], rows
    if name == "requests":
        rows = [(status.value, *counts) for status, *counts in requests(period)]
        return ["status", "seeking", "offering", "all"], rows
    if name == "pairings":
        return ["status", "pairings"], [(s.value, n) for s, n in pairings(period)]
    if name == "check-ins":
        found, _ = check_ins(today_for(current_user), period.zone)
        header = ["pairing", "senior", "junior", "tool", "began", "last session", "quiet days"]
        return header, [
            (c.pairing_id, c.senior, c.junior, c.tool, c.started, c.last_session or "")
            + (c.quiet_days,)
            for c in found
        ]
    if name == "seniors":
        found, _ = regulars(period)
        return ["senior", "profile", "completed quarters", "pairings"], [
            (r.name, r.handle or "", r.quarters, r.pairings) for r in found
        ]
    abort(404)


@bp.get("/admin/dashboard/<table>.csv")
@staff_required
def dashboard_csv(table: str):
    period, _ = _period()
    header, rows = _table(table, period)
    span = "-".join(period.args.values()) or "all-time"
    return csv_download(f"{table}-{span}.csv", header, rows)
