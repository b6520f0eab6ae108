"""A pairing with a history, made through the real services: the demo community's
showcase (`flask board demo`) and the benchmark's large pairing page."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.board import services as board
from portal.clock import utcnow
from portal.extensions import db
from portal.members.models import Member
from portal.pairings import services
from portal.pairings.models import Pairing, Quarter
from portal.web.database import write_transaction

MESSAGES = [
    "Saturday at ten still works for me. Shall we use last month's budget sheet as our example?",
    "Yes, I'll bring it. Could you send the link for the call?",
    "Sent. I've also added three formulas to the agenda that we might try first.",
    "Thank you. I tried two of them on my own already: one worked, one didn't. Let's start there.",
    "Good idea. And next time, tell me how you decide which numbers the board sees.",
]
TOOLS = ["ChatGPT", "Excel", "Google Sheets", "Canva", "Notion", "WhatsApp Business"]
COVERED = [
    "Walked through a real task from start to finish",
    "Tried it on this week's report, hands on the keyboard",
    "Taught it back; filled the gaps together",
    "Went over what went wrong last time and why",
]
NOTES = (
    "We spent the first half on the tool and the last fifteen minutes the other way: "
    "how to tell when a draft is ready to go out under your own name."
)


def make_pairing(
    senior: Member,
    junior: Member,
    *,
    quarters: int = 2,
    sessions_per_quarter: int = 3,
    messages: int = 4,
    complete_last: bool = False,
) -> Pairing:
    """A pairing begun about a quarter per `quarters` ago, each quarter with both goals,
    its sessions and (but for the last, unless `complete_last`) both reflections."""
    item = board.post_request(
        senior,
        board.RequestInput(
            kind="seeking",
            title=f"Teach me {TOOLS[0]} for my weekly reports",
            tool=TOOLS[0],
            description="I want to use it on my own work, and I can share what I know "
            "about running a team in return.",
        ),
    )
    answer = board.answer_request(junior, item, "I use it every day; happy to meet on Saturdays.")
    pairing = services.accept_answer(senior, item, answer).pairing
    began = utcnow() - timedelta(days=92 * quarters)
    with write_transaction():
        pairing.started_at = began
    for number in range(1, quarters + 1):
        quarter = services.current_quarter(pairing)
        start = began + timedelta(days=92 * (number - 1))
        with write_transaction():
            db.session.execute(
                sa.update(Quarter).where(Quarter.id == quarter.id).values(started_at=start)
            )
        tool = quarter.tool.name
        services.set_goal(
            pairing, junior, "junior", f"{senior.name} drafts a real piece of work in {tool}."
        )
        services.set_goal(
            pairing, senior, "senior", "Share how I judge whether work is ready to send."
        )
        items = services.agenda([quarter.id])[quarter.id]
        for n in range(sessions_per_quarter):
            held = (start + timedelta(days=7 + n * (80 // max(sessions_per_quarter, 1)))).date()
            services.log_session(
                pairing,
                (junior, senior)[n % 2],
                services.SessionInput(
                    held_on=min(held, utcnow().date()),
                    agenda_item_id=items[n % len(items)].id if items else None,
                    covered=COVERED[n % len(COVERED)],
                    notes=NOTES,
                ),
                today=utcnow().date() + timedelta(days=1),
            )
        last = number == quarters
        if not last or complete_last:
            learned = f"How {senior.name} decides."
            # The demo's quarters are back-dated; the newest may still be early.
            services.reflect(
                pairing, junior, learned, f"{tool}, step by step.", "Next tool.", finish_early=True
            )
            services.reflect(
                pairing,
                senior,
                f"{tool} on my own work.",
                "How I review a draft.",
                "Keep going.",
                finish_early=True,
            )
            with write_transaction():  # the quarter ended back then, not today
                db.session.execute(
                    sa.update(Quarter)
                    .where(Quarter.id == quarter.id, Quarter.completed_at.is_not(None))
                    .values(completed_at=min(start + timedelta(days=88), utcnow()))
                )
        if not last:
            services.renew(pairing, senior, TOOLS[number % len(TOOLS)])
    for n in range(messages):
        author = (senior, junior)[n % 2]
        services.post_message(pairing, author, MESSAGES[n % len(MESSAGES)])
    services.set_sharing(pairing, senior, True)
    services.set_sharing(pairing, junior, True)
    return pairing
