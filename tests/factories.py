"""What tests need built, made the way members make it: through the services, never by
inserting rows. A member joins, a request is posted and answered, an answer accepted
starts a pairing, sessions are logged and both members reflect.

Each takes the app to build in (a test's `app`, or `live_server.app`) and returns ids."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import url_for

from portal.board import services as board
from portal.board.models import PairingRequest
from portal.clock import utcnow
from portal.essays import snapshot, today
from portal.extensions import db
from portal.mail.models import OutboxMail
from portal.members import services as members
from portal.members.models import Member
from portal.notifications.email import unsubscribe_url
from portal.pairings import services as pairings
from portal.pairings.models import Pairing

from .helpers import (
    ANSWER,
    DESCRIPTION,
    PASSWORD,
    REFLECTION,
    Pair,
    age,
    as_service,
    change,
    today_for,
)

# --- members ----------------------------------------------------------------------------


def make_member(
    app,
    email="asha@example.com",
    name="Asha Kulkarni",
    password=PASSWORD,
    role="senior",
    verified=True,
    **extra,
) -> int:
    """A member who joined (and confirmed their email, unless `verified=False`)."""
    with app.app_context():
        result = members.join(
            name=name,
            email=email,
            password=password,
            role=role,
            can_teach=extra.pop("can_teach", []),
            wants_to_learn=extra.pop("wants_to_learn", ["chatgpt"]),
            **extra,
        )
        member = result.member
        # A member the test starts with joined long ago: their confirmation mail is gone.
        db.session.execute(sa.delete(OutboxMail).where(OutboxMail.member_id == member.id))
        if verified:
            member.email_verified_at = utcnow()
        db.session.commit()
        return member.id


def new_member(app, role: str, name: str = "", *, season: bool = False, **extra):
    """A verified member with an email no other test uses (for a database that lives
    for the whole session); returns (email, id). A junior can teach ChatGPT, a senior
    wants to learn it. `season` ages them past the new-member limits."""
    email = f"{role}-{secrets.token_hex(5)}@example.com"
    member_id = make_member(
        app,
        email=email,
        name=name or f"{role.title()} {secrets.token_hex(2)}",
        role=role,
        can_teach=extra.pop("can_teach", ["chatgpt"] if role == "junior" else []),
        wants_to_learn=extra.pop("wants_to_learn", [] if role == "junior" else ["chatgpt"]),
        **extra,
    )
    if season:
        age(app, member_id)
    return email, member_id


# --- the board --------------------------------------------------------------------------


def make_request(app, author_id: int, **changes) -> int:
    """A request posted through the service, as the view would (a unique title unless
    told: a member can't post the same title twice in ten minutes)."""
    values = {
        "kind": "seeking",
        "title": f"Teach me ChatGPT for reports {utcnow().isoformat()}",
        "tool": "ChatGPT",
        "description": DESCRIPTION,
        "tags": [],
    }
    values.update(changes)
    with app.app_context():
        member = db.session.get(Member, author_id)
        return board.post_request(member, board.RequestInput(**values)).id


def make_answer(app, request_id: int, author_id: int, message: str = ANSWER) -> int:
    with app.app_context():
        member = db.session.get(Member, author_id)
        item = db.session.get(PairingRequest, request_id)
        return board.answer_request(member, item, message).id


# --- pairings ---------------------------------------------------------------------------


def make_pairing(
    app,
    senior_id: int,
    junior_id: int,
    tool: str = "ChatGPT",
    kind: str = "seeking",
    *,
    title: str | None = None,
    message: str = ANSWER,
) -> int:
    """A pairing begun on the board: a request, an answer and its acceptance (quarter 1,
    with the three-session template). For "seeking" the senior asks and the junior
    answers; for "offering" the other way round."""
    author_id, answerer_id = (senior_id, junior_id) if kind == "seeking" else (junior_id, senior_id)
    with app.app_context():
        author = db.session.get(Member, author_id)
        answerer = db.session.get(Member, answerer_id)
        data = board.RequestInput(
            kind=kind,
            title=title or f"{kind.title()} {tool}",
            tool=tool,
            description=DESCRIPTION,
        )
        mails_before = db.session.scalar(sa.select(sa.func.max(OutboxMail.id))) or 0
        item = board.post_request(author, data)
        answer = board.answer_request(answerer, item, message)
        result = pairings.accept_answer(author, item, answer)
        assert (result.pairing.senior_id, result.pairing.junior_id) == (senior_id, junior_id)
        # A pairing the test starts with began a while ago: its mails have gone.
        db.session.execute(sa.delete(OutboxMail).where(OutboxMail.id > mails_before))
        db.session.commit()
        return result.pairing.id


def log_entry(
    app,
    pairing_id: int,
    author_id: int,
    covered: str = "Prompts for board notes",
    notes: str = "",
    item: int | None = None,
) -> int:
    """A session logged today, as `author_id` logs it on the page; the entry's id."""
    data = pairings.SessionInput(
        held_on=today_for(), agenda_item_id=item, covered=covered, notes=notes
    )
    return as_service(app, pairing_id, author_id, pairings.log_session, data, today_for())


def complete_quarter(app, pairing_id: int, reflection: dict = REFLECTION) -> None:
    """Both members reflect on the current quarter (the senior first), which completes it."""
    with app.app_context():
        found = db.session.get(Pairing, pairing_id)
        sides = (found.senior_id, found.junior_id)
    for member_id in sides:
        texts = (reflection["learned"], reflection["taught"], reflection["next_quarter"])
        as_service(app, pairing_id, member_id, pairings.reflect, *texts, True)  # early


def ready(app, pair: Pair, name: str, side: str = "senior", **data) -> tuple:
    """The state in which change `name` succeeds for a member (a logged entry to
    correct; a complete quarter to renew), and its URL and data (see helpers.change)."""
    entry = log_entry(app, pair.id, pair.senior)
    if name == "renew":
        complete_quarter(app, pair.id)
    return change(name, pair, side, entry, **data)


def make_message(app, pairing_id: int, author_id: int, body: str) -> int:
    """A message in a pairing, as its author sends it on the page; the message's id."""
    with app.app_context():
        found = db.session.get(Pairing, pairing_id)
        posted = pairings.post_message(found, db.session.get(Member, author_id), body)
        return posted.message.id


# --- every page ---------------------------------------------------------------------------


def _handle_of(member_id: int) -> str:
    return db.session.get(Member, member_id).handle


def route_examples(app, people: dict, site: str) -> dict[str, list[str]]:
    """One real thing (or a few states of it) for every GET rule of the app that takes
    arguments (`people` as conftest's fixture makes them), as URLs on `site`: for tests
    that walk every page (test_no_anonymous_cookie, test_htmx_pages)."""
    pairing_id = make_pairing(app, people["senior"], people["junior"])
    open_request = make_request(app, people["senior"], title="Teach me ChatGPT")
    answer = make_answer(app, open_request, people["third"])
    closed_request = make_request(app, people["fourth"], title="Excel", kind="offering")
    entry = log_entry(app, pairing_id, people["senior"])
    message = make_message(app, pairing_id, people["junior"], "See you on Saturday.")
    unverified = make_member(app, email="new@example.com", name="New", verified=False)
    with app.app_context():
        board.close_request(
            db.session.get(Member, people["fourth"]), board.get_request(closed_request)
        )
        matched_request = db.session.get(Pairing, pairing_id).request_id
        senior, junior = db.session.get(Member, people["senior"]), _handle_of(people["junior"])
        essay = next(e for e in snapshot().published(today()) if e.tags)
        with app.test_request_context(base_url=site):
            return {
                "/<any(about, guidelines, privacy):name>": [
                    url_for("pages.page", name=name) for name in ("about", "guidelines", "privacy")
                ],
                "/essays/<slug>": [f"/essays/{essay.slug}"],
                "/language/<lang>": ["/language/hi?next=/essays/", "/language/en"],
                "/essays/authors/<author_slug>": [f"/essays/authors/{essay.author_slug}"],
                "/essays/tags/<tag>": [f"/essays/tags/{essay.tags[0]}"],
                # Open and answered, closed, and matched: each says something else at its end.
                "/requests/<int:request_id>": [
                    f"/requests/{open_request}",
                    f"/requests/{closed_request}",
                    f"/requests/{matched_request}",
                ],
                "/requests/<int:request_id>/pairing": [f"/requests/{matched_request}/pairing"],
                "/requests/<int:item_id>/report": [f"/requests/{open_request}/report"],
                "/answers/<int:item_id>/report": [f"/answers/{answer}/report"],
                "/messages/<int:item_id>/report": [f"/messages/{message}/report"],
                "/members/<handle>": [f"/members/{senior.handle}", f"/members/{junior}"],
                "/members/<handle>/report": [f"/members/{senior.handle}/report"],
                "/members/<handle>/taught-upward": [f"/members/{junior}/taught-upward"],
                "/pairings/<int:pairing_id>": [f"/pairings/{pairing_id}"],
                "/pairings/<int:pairing_id>/concern": [f"/pairings/{pairing_id}/concern"],
                "/pairings/<int:pairing_id>/sessions/<int:entry_id>/edit": [
                    f"/pairings/{pairing_id}/sessions/{entry}/edit"
                ],
                "/admin/dashboard/<table>.csv": ["/admin/dashboard/members.csv"],
                # Links from emails, live (dead ones: test_dead_links_from_emails_...).
                "/login/link/<token>": [
                    url_for("members.sign_in_link", token=members.sign_in_token(senior)),
                ],
                "/reset/<token>": [
                    url_for("members.reset_password", token=members.reset_token(senior))
                ],
                "/verify/<token>": [
                    url_for(
                        "members.confirm_email",
                        token=members.verify_token(db.session.get(Member, unverified)),
                    ),
                ],
                "/unsubscribe/<token>": [
                    unsubscribe_url(senior, "answers").removeprefix(app.config["SITE_URL"])
                ],
                "/static/<path:filename>": [url_for("static", filename="css/portal.css")],
                "/vendor/htmx/<path:filename>": [url_for("vendor.static", filename="htmx.min.js")],
            }
