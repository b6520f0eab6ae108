"""The pairing the benchmark measures, and signing in as its senior over HTTP.

`bench.py` runs this file as a script, after the demo fill, with the environment
gunicorn will get (so on the same prepared SQLite database, before the server
starts). Inside `create_app()`'s app context it makes a pairing through the
portal's own services, as members would: two members join and confirm their
email, the senior posts a request, the junior answers, the senior accepts
(quarter 1 with the three-session template). Then, for each of four quarters:
both goals, two agenda items added to the template (one moved up), ten sessions
in the log and seven or eight messages; quarters 1-3 get both reflections (which
completes them) and a renewal with the next tool; quarter 4 stays in progress.
It prints one line of JSON: the pairing's id, what was made (counted back from
the database) and the page's <h1>. The senior signs in with SENIOR and PASSWORD.

The services date everything "now", and a session can't be dated before the
pairing began, so the fixture moves the pairing's and each quarter's start
(and each completed quarter's completion) back in time, by direct updates of
those dates only: the pairing began about a year ago and every session falls
inside its quarter. Every row is still made by the services.

`sign_in()` and `check_page()` run in bench.py against the started server: see
`sign_in()` for why the benchmark signs in over HTTP.
"""

from __future__ import annotations

import http.client
import json
import re
import sys
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve()

PASSWORD = "two bench members share this phrase"  # noqa: S105 - a throw-away database
# Plain ASCII names: the page's <h1> is checked as text, and nothing here needs escaping.
SENIOR = ("Meera Krishnan", "meera.krishnan@bench.example.org")
JUNIOR = ("Arjun Rao", "arjun.rao@bench.example.org")
TOOLS = ("ChatGPT", "Copilot in Excel", "Otter.ai", "NotebookLM")  # one per quarter
PURPOSES = ("board notes", "monthly MIS reports", "meeting minutes", "research for a proposal")
QUARTER_SPACING = timedelta(days=91)  # QUARTER_DAYS in portal/pairings/models.py
BEGAN_DAYS_AGO = 360  # quarter 4 began ~87 days ago; its last session ~11 days ago
SESSIONS_PER_QUARTER = 10
SESSION_EVERY_DAYS = 8  # sessions on days 4, 12, ..., 76 of their quarter
COMPLETED_AFTER_DAYS = 88  # a completed quarter's reflections were both in by this day
MESSAGES_PER_QUARTER = (8, 8, 7, 7)  # 30 in all

MESSAGES = (
    "Shall we keep Thursday evening for the next session? 7 pm suits me.",
    "I tried {tool} on {purpose} this morning. The first draft was good; the second was "
    "better once I told it who reads them.",
    "Here is the real example I promised for {tool}: last month's {purpose}, names removed.",
    "Thank you for yesterday. What you said about checking figures before trusting them "
    "changed how I read my own work.",
    "Could we move Saturday's session to Sunday? Family wedding, I'm afraid.",
    "I noticed {tool} was confident and wrong about a date. Worth a few minutes next time?",
    "Before we meet: I would like your view on asking my manager for a bigger project.",
    "Notes from today are in the log. I added one item to the agenda for {tool}.",
)
REFLECTION = {
    "learned": (
        "How to use {tool} for {purpose} on my own work, and where not to trust it: "
        "it writes fluently, so I check every figure and name against the source."
    ),
    "taught": (
        "What thirty years in banking taught me about {purpose}: the reader, the decision "
        "it supports, and the sentence that will be quoted back at you."
    ),
    "next_quarter": (
        "Keep using {tool} every week, and take up a new tool next quarter with the same "
        "three sessions; meet on Thursdays again."
    ),
}


# --------------------------------------------------------------------------- building


def build() -> dict:
    """Make the pairing (call inside the app context); return what was made."""
    import sqlalchemy as sa
    from markupsafe import escape

    from portal.board import services as board
    from portal.board.demo import join_confirmed
    from portal.clock import utcnow
    from portal.extensions import db
    from portal.pairings import services as pairings
    from portal.pairings.models import (
        AgendaItem,
        Message,
        Pairing,
        Quarter,
        Reflection,
        SessionEntry,
    )
    from portal.web.database import write_transaction

    def join(name: str, email: str, role: str, teach: list[str], learn: list[str]):
        return join_confirmed(name, email, PASSWORD, role, teach, learn)

    senior = join(*SENIOR, "senior", ["banking"], ["chatgpt"])
    junior = join(*JUNIOR, "junior", ["chatgpt", "excel"], ["banking"])
    request = board.post_request(
        senior,
        board.RequestInput(
            kind="seeking",
            title=f"Learning {TOOLS[0]} for {PURPOSES[0]}",
            tool=TOOLS[0],
            description=(
                f"I chair a co-operative bank's credit committee and want to use {TOOLS[0]} "
                f"for {PURPOSES[0]}, on my own work. In return: thirty years of banking."
            ),
        ),
    )
    answer = board.answer_request(
        junior, request, "I use it most days and could meet on weekday evenings."
    )
    pairing = pairings.accept_answer(senior, request, answer).pairing

    began = utcnow() - timedelta(days=BEGAN_DAYS_AGO)
    with write_transaction():  # dates only: see the module's docstring
        db.session.execute(
            sa.update(Pairing).where(Pairing.id == pairing.id).values(started_at=began)
        )
    db.session.refresh(pairing)
    sides = (senior, junior)
    sent = 0
    for number, tool in enumerate(TOOLS, start=1):
        quarter = pairings.current_quarter(pairing)
        start = began + (number - 1) * QUARTER_SPACING
        with write_transaction():
            quarter.started_at = start
        purpose = PURPOSES[number - 1]
        fill = {"tool": tool, "purpose": purpose}
        pairings.set_goal(
            pairing,
            senior,
            "senior",
            f"Use {tool} for {purpose} myself, and know when its answer needs a second look.",
        )
        pairings.set_goal(
            pairing,
            junior,
            "junior",
            f"Learn how a committee reads {purpose}, and teach {tool} without jargon.",
        )
        pairings.add_item(
            pairing,
            senior,
            f"Our {tool} checklist",
            "Write down together what to check before a draft from the tool goes out.",
        )
        added = pairings.add_item(
            pairing,
            junior,
            f"A month of {purpose}",
            f"Redo last month's {purpose} with {tool} and compare them side by side.",
        )
        pairings.move_item(pairing, junior, added.id, "up")
        # Sessions follow the agenda; one in six is "Something else" (no item).
        items = [*pairings.agenda([quarter.id])[quarter.id], None]
        for k in range(SESSIONS_PER_QUARTER):
            held = (start + timedelta(days=4 + SESSION_EVERY_DAYS * k)).date()
            item = items[k % len(items)]
            author = sides[k % 2]
            topic = item.title if item else "open questions"
            pairings.log_session(
                pairing,
                author,
                pairings.SessionInput(
                    held_on=held,
                    agenda_item_id=item.id if item else None,
                    covered=f"Session {k + 1} on {tool}: {topic}",
                    notes=(
                        f"We worked through a real piece of {purpose} with {tool}. "
                        "The senior drove; the junior watched and asked why.\n\n"
                        "Last ten minutes the other way: what the senior would check "
                        "before putting their name to it, and why."
                    ),
                ),
                today=pairings.today_for(author),
            )
        for k in range(MESSAGES_PER_QUARTER[number - 1]):
            body = MESSAGES[k % len(MESSAGES)].format(**fill)
            pairings.post_message(pairing, sides[(k + number) % 2], f"{body} (Q{number})")
            sent += 1
        if number < len(TOOLS):
            for member in sides:
                pairings.reflect(
                    pairing, member, **{k: v.format(**fill) for k, v in REFLECTION.items()}
                )
            with write_transaction():
                quarter.completed_at = start + timedelta(days=COMPLETED_AFTER_DAYS)
            pairings.renew(pairing, senior, TOOLS[number])

    def count(model, *where) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    quarter_ids = sa.select(Quarter.id).where(Quarter.pairing_id == pairing.id)
    made = {
        "id": pairing.id,
        "quarters": count(Quarter, Quarter.pairing_id == pairing.id),
        "complete_quarters": count(
            Quarter, Quarter.pairing_id == pairing.id, Quarter.completed_at.is_not(None)
        ),
        "sessions": count(SessionEntry, SessionEntry.pairing_id == pairing.id),
        "agenda_items": count(AgendaItem, AgendaItem.quarter_id.in_(quarter_ids)),
        "reflections": count(Reflection, Reflection.quarter_id.in_(quarter_ids)),
        "messages": count(Message, Message.pairing_id == pairing.id),
        # What the page's <h1> says (pairing.html), escaped as Jinja escapes it.
        "heading": str(escape(f"{pairing.senior.display_name} and {pairing.junior.display_name}")),
    }
    if sent != made["messages"]:
        raise RuntimeError(f"sent {sent} messages, found {made['messages']}")
    return made


def main() -> None:
    sys.path.insert(0, str(ROOT))  # the portal package, however the venv installed it
    from portal import create_app

    app = create_app()
    with app.app_context():
        print(json.dumps(build()))


# --------------------------------------------------------------------------- signing in


def _request(
    port: int, method: str, path: str, cookies: dict[str, str], form: dict | None = None
) -> tuple[int, http.client.HTTPMessage, str]:
    """One request with the cookies in `cookies`, which the response's Set-Cookie
    headers then update, as a browser's cookie jar would."""
    headers = {"Host": f"127.0.0.1:{port}", "User-Agent": "bench"}
    if cookies:
        headers["Cookie"] = cookie_header(cookies)
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", errors="replace")
    finally:
        conn.close()
    for line in response.headers.get_all("Set-Cookie") or []:
        jar = SimpleCookie()
        jar.load(line)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                cookies.pop(name, None)  # a deleted cookie
            else:
                cookies[name] = morsel.value
    return response.status, response.headers, text


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def sign_in(port: int, email: str, password: str) -> dict[str, str]:
    """Sign in over HTTP with the form, as a browser does; return the cookie jar.

    Over HTTP rather than by making a MemberSession row and a cookie by hand: the
    session cookie is Flask's signed cookie under a production-only name
    (__Host-session) holding what Flask-Login puts in it, and building it outside
    the server would copy those details and break silently when they change. The
    form goes through the real path: the CSRF token from GET /login (the server's
    CSRF protection is on, as in production), POST /login, and the session row the
    view makes. The Secure flag on the cookie binds browsers, not http.client, so
    the benchmark can send it over plain HTTP. bench.py turns the limiter off.
    """
    cookies: dict[str, str] = {}
    status, _, page = _request(port, "GET", "/login", cookies)
    field = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page)
    token = re.search(r'value="([^"]+)"', field.group(0)) if field else None
    if status != 200 or token is None:
        raise RuntimeError(f"GET /login answered {status} without a CSRF token")
    form = {"csrf_token": token.group(1), "email": email, "password": password, "next": "/"}
    before = dict(cookies)
    status, headers, page = _request(port, "POST", "/login", cookies, form)
    location = headers.get("Location") or ""
    if status not in (302, 303) or "/login" in location or cookies == before:
        raise RuntimeError(
            f"POST /login as {email} answered {status} (Location: {location or '-'}), "
            "not a redirect with a session cookie: the sign-in failed"
        )
    return cookies


def check_page(port: int, path: str, cookies: dict[str, str], heading: str) -> None:
    """GET `path` signed in; fail unless it answers 200 with `heading` as its <h1> (or,
    for a page that is not the pairing's, `heading` given as "text:..." anywhere in
    it). A redirect to /login would otherwise be measured as a fast (and fake) page."""
    status, headers, page = _request(port, "GET", path, cookies)
    wanted = heading[5:] if heading.startswith("text:") else f"<h1>{heading}</h1>"
    if status != 200 or wanted not in page:
        where = headers.get("Location")
        raise RuntimeError(
            f"GET {path} signed in answered {status}"
            + (f" (Location: {where})" if where else "")
            + f", without {wanted}: not measuring it"
        )


if __name__ == "__main__":
    main()
