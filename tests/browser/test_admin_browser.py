"""The organiser's dashboard at /admin/ in Chromium (issue 12): axe finds nothing to fix,
with every table, chart and form of the page showing figures (and after a bad date)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from portal.clock import utcnow
from portal.members.models import Member
from portal.pairings import services as pairings
from portal.pairings.models import Pairing
from tests.factories import complete_quarter, make_pairing, make_request, new_member
from tests.helpers import as_service, set_columns, sign_in_browser


def a_community(app) -> str:
    """An admin, a pairing from an essay's reader that needs a check-in, a senior with two
    completed quarters, an open request and a suspended member; the admin's email."""
    admin_email, admin_id = new_member(app, "senior", "Anita Rao")
    set_columns(app, Member, admin_id, is_admin=True)
    _, reader = new_member(app, "senior", "Lata Menon", joined_from="teaching-upward")
    _, junior = new_member(app, "junior", "Ravi Kumar", joined_from="one-tool-per-quarter")
    quiet = make_pairing(app, reader, junior, title=f"Teach me ChatGPT {reader}")
    set_columns(app, Pairing, quiet, started_at=utcnow() - timedelta(days=30))
    _, regular = new_member(app, "senior", "Radha Iyer")
    _, teacher = new_member(app, "junior", "Meera Nair")
    pairing = make_pairing(app, regular, teacher, title=f"Teach me Claude {regular}")
    complete_quarter(app, pairing)
    as_service(app, pairing, regular, pairings.renew, "Claude")
    complete_quarter(app, pairing)
    _, asker = new_member(app, "senior", "Kiran Rao", season=True)
    make_request(app, asker)
    set_columns(app, Member, asker, suspended_at=utcnow(), suspension_reason="Rude replies.")
    return admin_email


@pytest.mark.parametrize("width", [1280, 360])
def test_the_dashboard_has_no_accessibility_violations(axe_page, live_server, width):
    admin_email = a_community(live_server.app)
    axe_page.set_viewport_size({"width": width, "height": 800})
    sign_in_browser(axe_page, admin_email, "/admin/")
    expect(axe_page.get_by_role("heading", name="Pairings that need a check-in")).to_be_visible()
    expect(axe_page.get_by_role("img", name="What each essay brought")).to_be_visible()
    expect(axe_page.get_by_role("button", name="Lift the suspension").first).to_be_visible()
    results = Axe().run(axe_page)
    assert results.violations_count == 0, results.generate_report()

    axe_page.goto("/admin/?from=2026-02-30")
    expect(axe_page.get_by_role("alert")).to_contain_text("We couldn't read those dates")
    results = Axe().run(axe_page)
    assert results.violations_count == 0, results.generate_report()
