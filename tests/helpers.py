"""Helpers every test module may use (import from here, never from another test module).

Reading responses and fragments, signing in, apps and a live server, reading and
changing rows, the board's pages and the pairing page's forms. What a test needs built
(members, requests, answers, pairings) is made through the services in `factories.py`,
which may use what is here (never the other way round)."""

from __future__ import annotations

import html
import json
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from werkzeug.serving import make_server

from portal import clock, create_app
from portal.board.models import Answer, AnswerStatus, PairingRequest
from portal.extensions import db
from portal.members.models import Member
from portal.notifications.models import Notification
from portal.pairings import services as pairings
from portal.pairings.models import AgendaItem, Pairing, Quarter, SessionEntry

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

PASSWORD = "a long enough phrase for tests"
HTMX = {"HX-Request": "true"}  # the header htmx sends with every request it makes

# The members most tests make (see the `people` and `pairing_people` fixtures).
SENIOR = "asha@example.com"
JUNIOR = "ravi@example.com"
THIRD = "meera@example.com"
FOURTH = "kiran@example.com"

# What members write, where the words themselves don't matter.
DESCRIPTION = (
    "I write board notes every week and want to draft them faster, without losing my voice."
)
ANSWER = "I use it every day for drafting; happy to meet on Saturday mornings."
REFLECTION = {
    "learned": "How to ask for a first draft and then push back on it.",
    "taught": "Which numbers in a board note a chairman reads first.",
    "next_quarter": "Spreadsheets with formulas we can both check.",
    # Test pairings begin today, so their reflections come early (issue 11, item 22).
    "finish_early": "y",
}


# --- responses and fragments ------------------------------------------------------------


def text(response) -> str:
    """A response's body as text."""
    return response.get_data(as_text=True)


def unescaped(response) -> str:
    """The body as a reader sees it (entities such as &#39; decoded)."""
    return html.unescape(text(response))


def moved(response, status: int = 303) -> None:
    """The response has the status (a redirect unless told), or the test shows the page."""
    assert response.status_code == status, (response.status_code, text(response)[:2000])


def assert_full_page(response) -> None:
    assert "<html" in text(response)


def section_root(response) -> str:
    """The id on a fragment's root element."""
    found = re.match(r'\s*<(section|div)\b[^>]*\bid="([^"]+)"', text(response))
    assert found, text(response)[:300]
    return found.group(2)


def assert_fragment(response, root: str) -> None:
    """An htmx answer: no page around it, and `root` is the id of its root element."""
    assert "<html" not in text(response)
    assert "<body" not in text(response)
    assert section_root(response) == root


def fragment_of(page: str, element_id: str) -> str:
    """One agenda item or session entry (an <li>) of a page."""
    # To the </li> that closes it: the next item or the list's end follows (an error
    # summary inside has <li>s of its own).
    after = r'(?=\s*(?:<li [^>]*class="(?:session-entry|agenda-item)|</ol>))'
    found = re.search(rf'<li [^>]*id="{element_id}"[^>]*>.*?</li>{after}', page, re.S)
    assert found, f"no {element_id} in the page"
    return found.group(0)


def field_error(page: str, field: str) -> str | None:
    """The error shown under a form field (the `_forms.html` macros), or None."""
    found = re.search(rf'<p class="error" id="{re.escape(field)}-error"[^>]*>(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)) if found else None


def checkbox(page: str, field: str) -> str:
    found = re.search(rf'<input[^>]*\bid="{field}"[^>]*>', page)
    assert found, f"no checkbox {field!r} on the page"
    return found.group(0)


def csrf_field(page: str) -> str:
    """The CSRF token in the first form of `page` that carries one."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def hx_headers(page: str) -> dict:
    """The headers htmx sends from this page (the CSRF token), as <body> names them."""
    found = re.search(r"<body[^>]*hx-headers='([^']+)'", page)
    assert found, "no hx-headers on <body>"
    return json.loads(html.unescape(found.group(1)))


def assert_sent_to_login(response, requested: str | None = None) -> None:
    """Redirected to sign in, and (if `requested`) back to that page afterwards."""
    assert response.status_code == 303, (requested, response.status_code)
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login", (requested, response.headers["Location"])
    if requested:
        assert parse_qs(location.query).get("next") == [requested]


# --- dates ------------------------------------------------------------------------------


def today_for(member=None) -> date:
    """Today where the member is (India by default): the date the portal checks session
    dates against. Never the machine's UTC date, which is a day behind in the evening."""
    return clock.today_for(member)


# --- signing in -------------------------------------------------------------------------


def sign_in(client, email=SENIOR, password=PASSWORD, remember=False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response


def client_for(app, email: str):
    """A new test client of `app`, signed in as `email`."""
    client = app.test_client()
    sign_in(client, email)
    return client


def sign_in_browser(page, email: str, next_path: str = "/requests/") -> None:
    """Through the /login form of a Playwright page, as a member would."""
    from playwright.sync_api import expect

    page.goto(f"/login?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def watch_csp(context) -> list[str]:
    """Content Security Policy violations a browser context's pages report to the console
    (the list fills as they come)."""
    violations: list[str] = []

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", on_console)
    return violations


def set_marker(page) -> None:
    """A value that lives only as long as this document: a page load loses it."""
    page.evaluate("window.testMarker = 'still here'")


def marker_survived(page) -> bool:
    return page.evaluate("window.testMarker") == "still here"


# --- apps and a live server -------------------------------------------------------------

_apps: list = []  # every app make_app built; conftest's `_dispose_engines` closes them


def make_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "SITE_URL": "http://portal.test",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "ESSAYS_DIR": str(ROOT / "content" / "essays"),
        "PAGES_DIR": str(ROOT / "content" / "pages"),
    }
    config.update(overrides)
    app = create_app(config)
    _apps.append(app)
    return app


def join_data(**overrides) -> dict:
    """Everything a person fills in on /join; override or drop (None) any field."""
    data = {
        "name": "Meera Iyer",
        "email": "meera@example.com",
        "password": PASSWORD,
        "role": "senior",
        "can_teach": "Negotiation, Board papers",
        "wants_to_learn": "ChatGPT, Excel formulas",
        "organisation": "Iyer & Sons",
        "city": "Chennai",
        "language": "en",
        "meeting_mode": "video",
        "timezone": "Asia/Kolkata",
        "agree": "y",
        "adult": "y",
        "from_essay": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def free_port() -> int:
    """A port nobody listens on (bound for a moment, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mail_send(app) -> str:
    """Run `flask mail send` once with this app's settings; its output."""
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def outbox_rows(app, **where) -> list:
    """The outbox's rows (filtered by column values), oldest first."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.mail.models import OutboxMail

    with app.app_context():
        query = sa.select(OutboxMail).filter_by(**where).order_by(OutboxMail.id)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def make_due(app) -> None:
    """Bring every mail waiting for a retry forward to now (the backoff has passed)."""
    import sqlalchemy as sa

    from portal.clock import utcnow
    from portal.extensions import db
    from portal.mail.models import OutboxMail

    with app.app_context():
        db.session.execute(sa.update(OutboxMail).values(next_attempt_at=utcnow()))
        db.session.commit()


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        # Track request threads, so that closing the server waits for each one to
        # finish (and return its database connection) before the test moves on.
        self.server.daemon_threads = False
        self.server.block_on_close = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)
        self.server.server_close()


# --- rows -------------------------------------------------------------------------------


def fetch(app, model, *where, order=None) -> list[dict]:
    """Rows of `model` as plain dicts (column name → value), by id unless told."""
    with app.app_context():
        query = sa.select(model).where(*where).order_by(*(order or [model.id]))
        return [
            {column.name: getattr(row, column.name) for column in model.__table__.columns}
            for row in db.session.scalars(query)
        ]


def set_columns(app, model, row_id: int, **values) -> None:
    """Change one row's columns directly (dates in the past, a status the test needs)."""
    with app.app_context():
        db.session.execute(sa.update(model).where(model.id == row_id).values(**values))
        db.session.commit()


def age(app, *member_ids: int, days: int = 30) -> None:
    """Make members old enough that the new-member limits no longer apply."""
    with app.app_context():
        db.session.execute(
            sa.update(Member)
            .where(Member.id.in_(member_ids))
            .values(created_at=clock.utcnow() - timedelta(days=days))
        )
        db.session.commit()


def handle_of(app, member_id: int) -> str:
    with app.app_context():
        return db.session.get(Member, member_id).handle


def make_admin(app, member_id: int) -> None:
    set_columns(app, Member, member_id, is_admin=True)


def notifications_of(app, member_id: int) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Notification)
            .where(Notification.member_id == member_id)
            .order_by(Notification.id)
        )
        return [{"id": n.id, "text": n.text, "url": n.url, "read": bool(n.read_at)} for n in rows]


# --- the board --------------------------------------------------------------------------


def form_data(**changes) -> dict:
    """The form to post a request, as a member fills it in; None drops a field."""
    data = {
        "kind": "seeking",
        "title": "Help me draft board notes with ChatGPT",
        "tool": "ChatGPT",
        "tags": "Drafting, reports",
        "description": DESCRIPTION,
        "format": "online",
        "city": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def card_ids(page: str) -> list[int]:
    # A card in "Suggested" has its ids prefixed "suggested-" (ids are unique on a page).
    found = re.findall(r'<li class="request-card" id="(?:suggested-)?request-(\d+)"', page)
    return [int(n) for n in found]


def suggested_ids(page: str) -> list[int]:
    found = re.search(r'<section class="panel suggestions".*?</section>', page, re.S)
    return card_ids(found.group(0)) if found else []


def list_ids(page: str) -> list[int]:
    found = re.search(r'<section id="request-list".*?</section>', page, re.S)
    assert found, page
    return card_ids(found.group(0))


def request_row(app, request_id: int) -> dict:
    with app.app_context():
        item = db.session.get(PairingRequest, request_id)
        return {
            "author_id": item.author_id,
            "kind": item.kind,
            "title": item.title,
            "tool": item.tool.name,
            "tool_curated": item.tool.curated,
            "tags": item.tag_list,
            "description": item.description,
            "description_html": item.description_html,
            "cadence": item.cadence,
            "in_person": item.in_person,
            "city": item.city,
            "status": item.status,
            "answer_count": item.answer_count,
            "created_at": item.created_at,
            "expires_at": item.expires_at,
            "closed_at": item.closed_at,
        }


def request_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(PairingRequest))


def answer_statuses(app, request_id: int) -> dict[int, AnswerStatus]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Answer.id, Answer.status).where(Answer.request_id == request_id)
        )
        return {row.id: row.status for row in rows}


def pairings_of(app, request_id: int) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Pairing).where(Pairing.request_id == request_id))
        return [
            {
                "id": p.id,
                "answer_id": p.answer_id,
                "senior_id": p.senior_id,
                "junior_id": p.junior_id,
                "tool_id": p.tool_id,
            }
            for p in rows
        ]


def as_tag(payload: str) -> str:
    """The payload as one topic tag: no commas, at most 40 characters, lower-cased."""
    return " ".join(payload.replace(",", " ").split())[:40].strip().lower()


# Markup a member might type to make the portal run it (the board's XSS tests, in the
# test client and in a browser).
XSS_PAYLOADS = [
    # script tags, in several spellings
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<ScRiPt >alert(document.cookie)</sCrIpT >",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script/src=data:,alert(1)></script>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    '<IMG SRC="x" ONERROR="alert(1)">',
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)//",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>x</details>",
    "<input autofocus onfocus=alert(1)>",
    "<a onmouseover=alert(1)>hover me</a>",
    # javascript: and data: URLs, in Markdown and in raw HTML
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1) 'title')",
    "![pic](javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pic](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "[ref link][x]\n\n[x]: javascript:alert(1)",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    "<a href=data:text/html,%3Cscript%3Ealert(1)%3C/script%3E>click</a>",
    # HTML entities that decode into javascript:
    '<a href="&#106;avascript:alert(1)">click</a>',
    '<a href="&#x6A;&#x61;vascript&#58;alert(1)">click</a>',
    '<a href="java&#x09;script:alert(1)">click</a>',
    "[click](&#106;avascript:alert(1))",
    "[click](jav&#x0A;ascript:alert(1))",
    # Markdown autolinks, and a title attribute breakout
    "<javascript:alert(1)>",
    '[ok](https://example.com "x\\" onmouseover=\\"alert(1)")',
    # htmx attributes
    '<div hx-get="/logout" hx-trigger="load">x</div>',
    '<div hx-post="/logout" hx-trigger="load">x</div>',
    '<div data-hx-post="/logout" data-hx-trigger="load">x</div>',
    '<button hx-on:click="alert(1)">x</button>',
    '<p hx-on::load="alert(1)" hx-get="/logout">x</p>',
    # styles
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1))">x</div>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    # frames, plugins, forms, meta, base
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html,<script>alert(1)</script>">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">go</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    # SVG and MathML
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text y="20">x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    # unclosed tags and attribute breakouts
    "<img src=x onerror=alert(1) ",
    '<a href="javascript:alert(1)',
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)" x="',
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    # template, noscript, comment and CDATA tricks
    "<template><img src=x onerror=alert(1)></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<!--><img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
]


# --- the pairing page -------------------------------------------------------------------

# The members of the pairing tests (the `pairing_people` fixture): the stranger is in no
# pairing of theirs, the admin reads every pairing.
STRANGER = THIRD
ADMIN = FOURTH
EMAILS = {"senior": SENIOR, "junior": JUNIOR, "stranger": STRANGER, "admin": ADMIN}
NAMES = {"senior": "Asha Kulkarni", "junior": "Ravi Iyer"}

TEMPLATE_TITLES = ["Show me", "Try it on my real work", "Teach it back"]
COMPLETE = r'<span class="badge[^"]*">Complete</span>'
ADMIN_NOTICE = "You are reading this pairing as an admin. Only its two members can change it."


@dataclass
class Pair:
    id: int
    senior: int
    junior: int
    items: list[int]  # quarter 1's agenda, in order
    since: int  # the last notification made before the pairing began (for the answer)

    @property
    def page(self) -> str:
        return f"/pairings/{self.id}"


def pair_of(app, pairing_id: int) -> Pair:
    """A pairing just begun, as the pairing tests hold it."""
    with app.app_context():
        pairing = db.session.get(Pairing, pairing_id)
        quarter = pairings.current_quarter(pairing)
        items = [item.id for item in pairings.agenda([quarter.id])[quarter.id]]
        since = db.session.scalar(sa.select(sa.func.max(Notification.id)))
        return Pair(pairing.id, pairing.senior_id, pairing.junior_id, items, since)


def as_service(app, pairing_id: int, member_id: int, change, *args) -> int | None:
    """Run a pairing service as `member_id`, as the view would; the id of what it made."""
    with app.app_context():
        found = db.session.get(Pairing, pairing_id)
        made = change(found, db.session.get(Member, member_id), *args)
        return getattr(made, "id", None)


def pairing_row(app, pairing_id: int) -> dict:
    return fetch(app, Pairing, Pairing.id == pairing_id)[0]


def quarters(app, pair: Pair) -> list[dict]:
    return fetch(app, Quarter, Quarter.pairing_id == pair.id, order=[Quarter.number])


def agenda(app, pair: Pair) -> list[dict]:
    """The current quarter's agenda, in order."""
    current = quarters(app, pair)[-1]["id"]
    return fetch(
        app,
        AgendaItem,
        AgendaItem.quarter_id == current,
        order=[AgendaItem.position, AgendaItem.id],
    )


def entries(app, pair: Pair) -> list[dict]:
    return fetch(app, SessionEntry, SessionEntry.pairing_id == pair.id)


def notices(app, pair: Pair, member_id: int) -> list[dict]:
    """The member's in-app notices about the pairing, since it began."""
    return fetch(
        app, Notification, Notification.member_id == member_id, Notification.id > pair.since
    )


WATCHED = (
    "pairings",
    "pairing_quarters",
    "agenda_items",
    "pairing_sessions",
    "reflections",
    "pairing_messages",
    "notifications",
    "tools",
)


def snapshot(app) -> dict:
    """Every row a pairing change could touch, to show that a refusal changed nothing."""
    with app.app_context():
        tables = db.metadata.tables
        return {
            name: db.session.execute(
                sa.select(tables[name]).order_by(*tables[name].primary_key.columns)
            ).all()
            for name in WATCHED
        }


def agenda_titles(page: str) -> list[str]:
    found = re.findall(r'class="agenda-title"[^>]*><strong>(.*?)<', page)
    return [html.unescape(t) for t in found]


# The changes a pairing page offers, as (path, form data).
CHANGES: dict[str, tuple[str, dict[str, str]]] = {
    "goal": ("/pairings/{p}/goals/{side}", {"goal": "Draft a board note in ten minutes."}),
    "add item": (
        "/pairings/{p}/agenda",
        {"title": "Minutes from a recording", "detail": "Bring one."},
    ),
    "edit item": (
        "/pairings/{p}/agenda/{item}",
        {"i{item}-title": "Show me, slowly", "i{item}-detail": "From a blank page."},
    ),
    "move item": ("/pairings/{p}/agenda/{item}/move", {"direction": "down"}),
    "delete item": ("/pairings/{p}/agenda/{item}/delete", {}),
    "log session": (
        "/pairings/{p}/sessions",
        {"held_on": "{today}", "agenda_item": "{item}", "covered": "Prompts", "notes": "Good."},
    ),
    "edit session": (
        "/pairings/{p}/sessions/{entry}",
        {
            "s{entry}-held_on": "{today}",
            "s{entry}-agenda_item": "",
            "s{entry}-covered": "Prompts, corrected",
            "s{entry}-notes": "",
        },
    ),
    "reflect": ("/pairings/{p}/reflection", REFLECTION),
    "renew": ("/pairings/{p}/renew", {"tool": "Claude"}),
    "end": ("/pairings/{p}/end", {"reason": "We are both moving cities."}),
    "message": ("/pairings/{p}/messages", {"body": "Saturday at ten?"}),
    "sharing": ("/pairings/{p}/sharing", {"shares": "y"}),
}

# Where a successful plain post lands, and which section an htmx post gets back.
SECTION = {
    "goal": "quarter-current",
    "add item": "quarter-current",
    "edit item": "quarter-current",
    "move item": "quarter-current",
    "delete item": "quarter-current",
    "log session": "sessions",
    "edit session": "sessions",
    "reflect": "reflections",
    "renew": "quarter-current",
    "end": None,
    "message": "messages",
    "sharing": "sharing",
}


def change(name: str, pair: Pair, side: str = "senior", entry: int = 0, **data) -> tuple:
    """The URL and form data of one change, placeholders filled; `data` overrides fields."""
    path, fields = CHANGES[name]
    values = {
        "p": pair.id,
        "side": side,
        "item": pair.items[0],
        "entry": entry,
        "today": today_for().isoformat(),
    }
    filled = {key.format(**values): value.format(**values) for key, value in fields.items()}
    filled.update({key.format(**values): value for key, value in data.items()})
    return path.format(**values), filled


def session_data(**changes) -> dict:
    """The form to log a session, dated today."""
    data = {
        "held_on": today_for().isoformat(),
        "agenda_item": "",
        "covered": "Prompts for a board note",
        "notes": "Asha drafted March's note herself.",
    }
    data.update(changes)
    return data


def edit_data(entry: int, **changes) -> dict:
    """The form to correct session entry `entry`, its fields prefixed with its id."""
    data = {
        "held_on": today_for().isoformat(),
        "agenda_item": "",
        "covered": "Prompts, corrected",
        "notes": "Ravi added the notes.",
    }
    data.update(changes)
    return {f"s{entry}-{key}": value for key, value in data.items()}


# Transaction control, not queries: what the query-counting tests leave out.
CONTROL_STATEMENTS = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")


@contextmanager
def recorded_statements(app, skip: tuple[str, ...] = CONTROL_STATEMENTS) -> Iterator[list]:
    """Every (statement, parameters) the app's engine runs inside the block, except
    statements that start with one of `skip` (pass () to keep everything)."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(skip):
            seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
