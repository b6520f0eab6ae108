"""Issue 15: an anonymous reader never gets a cookie.

A cookie (the session's, with a CSRF token or a flashed message in it) makes every
cache pass the reader by from then on: nginx's micro-cache and the portal's own keep
anonymous pages only for requests that carry no session. So every GET route of the
app, walked from `app.url_map` with a real example for each rule that takes arguments,
is opened by a browser with no cookies, in production settings (CSRF on, `__Host-`
cookies), and must answer without `Set-Cookie`; only pages whose form such a reader can
send may set one, and they are named below with the reason. A rule added later without
an example fails the walk rather than going unchecked."""

from __future__ import annotations

from flask import url_for

from . import factories
from .helpers import HTMX, JUNIOR, PASSWORD, csrf_field, text

SITE = "https://portal.test"

# Pages with a form an anonymous reader can send: the CSRF token that form carries lives
# in the session, so these set the session cookie (and nothing else may).
SETS_A_COOKIE = {
    "/join": "the join form",
    "/login": "the sign-in form",
    "/login/link": "the form asking for an emailed sign-in link",
    "/login/link/<token>": "a live sign-in link's button (a POST: scanners can't spend it)",
    "/reset": "the form asking for a password reset link",
    "/reset/<token>": "a live reset link's new-password form",
    "/verify/<token>": "a live confirmation link's button",
}
# The language switch's link sets the `lang` cookie (and only that): the reader asked for
# it. It carries no session, so caches still share pages with them (in that language).
SETS_THE_LANGUAGE = {"/language/<lang>": "the language switch a reader followed"}


def _walk(app, examples) -> dict[str, list[tuple[str, object]]]:
    """Every GET rule → [(url, response)], each from a browser with no cookies."""
    seen: dict[str, list] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        if rule.arguments:
            urls = examples.get(rule.rule, [])
        else:
            with app.test_request_context(base_url=SITE):
                urls = [url_for(rule.endpoint)]
        for url in urls:
            # As a page, and as htmx asks for it (the board's filters, a field's check).
            for headers in ({}, HTMX):
                response = app.test_client().get(url, base_url=SITE, headers=headers)
                response.close()
                seen.setdefault(rule.rule, []).append((url, response))
    return seen


def test_no_route_gives_an_anonymous_reader_a_cookie(app, people, production_app):
    site = production_app()
    examples = factories.route_examples(app, people, SITE)
    seen = _walk(site, examples)

    get_rules = {r.rule for r in site.url_map.iter_rules() if "GET" in r.methods}
    needing = {r.rule for r in site.url_map.iter_rules() if "GET" in r.methods and r.arguments}
    # A rule with arguments and no example would go unchecked: the walk refuses.
    assert needing - examples.keys() == set(), "GET rules without an example to open"
    assert examples.keys() - needing == set(), "examples for rules that are gone"
    assert SETS_A_COOKIE.keys() <= get_rules
    assert seen.keys() == get_rules

    cookies, broken = [], []
    for rule, visits in seen.items():
        for url, response in visits:
            if response.status_code >= 500:
                broken.append(f"{url} -> {response.status_code}")
            if rule in SETS_THE_LANGUAGE:
                assert response.status_code == 303, (url, response.status_code)
                names = [c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie")]
                assert names == ["lang"], (url, names)
            elif rule in SETS_A_COOKIE:
                # The list names only pages that need it (else it would hide a new one).
                assert response.status_code == 200, (url, response.status_code)
                names = [c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie")]
                assert names == ["__Host-session"], (url, names)
            elif "Set-Cookie" in response.headers:
                cookies.append(f"{url} ({response.status_code}): {response.headers['Set-Cookie']}")
    assert broken == []
    assert cookies == [], "anonymous pages that set a cookie:\n" + "\n".join(cookies)

    # The walk saw the pages that matter, as readers see them (an example that 404s
    # would check an error page instead).
    status = {}
    for visits in seen.values():
        for url, response in visits[::2]:  # the plain GETs (htmx's follow each)
            status[url] = response.status_code
    for url in (
        "/",
        "/essays/",
        examples["/essays/<slug>"][0],
        "/requests/",
        *examples["/requests/<int:request_id>"],
        *examples["/members/<handle>"],
        examples["/members/<handle>/taught-upward"][0],
        examples["/unsubscribe/<token>"][0],
        "/sitemap.xml",
        "/feed.xml",
        "/robots.txt",
    ):
        assert status[url] == 200, (url, status[url])
    # Pages for members send a reader to sign in (without a flashed message: no cookie).
    for url in ("/account", "/requests/new", examples["/pairings/<int:pairing_id>"][0]):
        assert status[url] == 303, (url, status[url])


def test_dead_links_from_emails_set_no_cookie(production_app):
    site = production_app()
    for url in ("/login/link/not-a-token", "/reset/not-a-token", "/verify/not-a-token"):
        response = site.test_client().get(url, base_url=SITE)
        assert response.status_code == 400, url
        assert "That link didn" in text(response)
        assert "Set-Cookie" not in response.headers, url


def test_after_a_request_page_the_next_essay_is_still_the_shared_one(app, people, production_app):
    """The issue's reader: opening a request page used to give them a session (its forms'
    CSRF token), and every essay after it was rendered for them alone."""
    request_id = factories.make_request(app, people["senior"], title="Teach me ChatGPT")
    factories.make_answer(app, request_id, people["junior"])
    reader = production_app().test_client()

    page = reader.get(f"/requests/{request_id}", base_url=SITE)
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers
    assert page.cache_control.public
    assert reader.get_cookie("__Host-session", domain="portal.test") is None

    essay = reader.get("/essays/teaching-upward", base_url=SITE)
    assert essay.status_code == 200
    assert "Set-Cookie" not in essay.headers
    assert essay.cache_control.public and essay.cache_control.max_age > 0
    assert "no-store" not in essay.headers["Cache-Control"]
    again = reader.get(
        "/essays/teaching-upward", base_url=SITE, headers={"If-None-Match": essay.headers["ETag"]}
    )
    assert again.status_code == 304


def test_signing_in_still_sets_the_session_and_forms_still_carry_their_token(
    app, people, production_app
):
    """The other side: once someone signs in they get the session, and the request page's
    forms (answer, close) carry a CSRF token that a POST needs."""
    request_id = factories.make_request(app, people["senior"], title="Teach me ChatGPT")
    site = production_app()
    junior = site.test_client()
    login = junior.get("/login", base_url=SITE)
    assert junior.get_cookie("__Host-session", domain="portal.test") is not None
    signed_in = junior.post(
        "/login",
        base_url=SITE,
        data={"email": JUNIOR, "password": PASSWORD, "csrf_token": csrf_field(text(login))},
        headers={"Referer": f"{SITE}/login"},
    )
    assert signed_in.status_code == 303
    page = junior.get(f"/requests/{request_id}", base_url=SITE)
    assert 'id="answer-form"' in text(page) and 'name="csrf_token"' in text(page)
    assert "no-store" in page.headers["Cache-Control"]
