"""A demo community, made with bulk inserts so that it also fills 100,000 requests
for the scale tests and the benchmark."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from portal.board.models import Answer, BoardState, Kind, PairingRequest, RequestTag, Status
from portal.clock import end_of_quarter, utcnow
from portal.extensions import db
from portal.mail.models import WAITING, OutboxMail
from portal.mail.models import Status as MailStatus
from portal.members import services as members
from portal.members.models import Member, MemberTag, Role
from portal.members.passwords import hash_password
from portal.tools import TOOLS, Tool
from portal.web.database import write_transaction
from portal.web.markdown import render_markdown

PASSWORD = "demo members share this phrase"  # noqa: S105 - printed for the developer
DOMAIN = "demo.example.org"

FIRST = ["Anil", "Asha", "Deepa", "Farhan", "Gaurav", "Harini", "Imran", "Jyoti", "Karthik",
         "Lakshmi", "Manoj", "Neha", "Omkar", "Priya", "Rahul", "Sunita", "Tanvi", "Uday",
         "Vandana", "Yusuf", "Zoya", "Bhavna", "Chetan", "Esha"]  # fmt: skip
LAST = ["Agarwal", "Bhat", "Chatterjee", "D'Souza", "Iyer", "Joshi", "Khan", "Menon", "Nair",
        "Patil", "Reddy", "Sharma", "Singh", "Verma", "Kulkarni", "Ghosh"]  # fmt: skip
CITIES = ["Pune", "Bengaluru", "Chennai", "Kolkata", "Hyderabad", "Indore", "Coimbatore",
          "Jaipur", "Lucknow", "Kochi", "Ahmedabad", "Delhi", "Mumbai"]  # fmt: skip
ORGS = ["", "", "Pune Auto Components", "Deccan Co-operative Bank", "Lakeview IT Services",
        "Mehta & Rao, Chartered Accountants", "District Hospital, Nashik",
        "Surat Weaves", "Kaveri Paints", "Sunrise School Trust"]  # fmt: skip
PURPOSES = ["drafting letters", "board notes", "monthly MIS reports", "meeting minutes",
            "customer emails", "reading contracts", "budget sheets", "team presentations",
            "research for a proposal", "training material"]  # fmt: skip
SEEKING = [
    "I run a team of {n} and keep meaning to learn {tool}. I want to use it for {purpose}, "
    "on my own work, not on toy examples. I can offer what thirty years of {field} taught me.",
    "My juniors use {tool} every day and I would like to understand how. One session a "
    "month suits me. In return, happy to talk about negotiating, hiring and {field}.",
]
OFFERING = [
    "I use {tool} daily for {purpose} and can show you how, patiently. I'd value your "
    "judgement on {field} in return.",
    "I have taught {tool} to my parents and two managers. Bring one real task and we'll "
    "do it together; tell me where my approach misses how your world works.",
]
# Titles as people write them: a question, a wish, an offer (not a template's echo).
SEEKING_TITLES = [
    "{tool} for {purpose}: where do I start?",
    "Show me how {tool} could help with {purpose}",
    "A patient guide to {tool}, please",
    "Learning {tool} on my own work ({purpose})",
    "Is {tool} worth it for {purpose}? Teach me",
]
OFFERING_TITLES = [
    "I'll teach {tool}, using your real {purpose}",
    "{tool} from scratch, at your pace",
    "Learn {tool} with me: {purpose} made quicker",
    "Weekend sessions on {tool}, for anyone who asks",
]
FIELDS = ["banking", "manufacturing", "accounts", "sales", "teaching", "public service"]
# Answers to a senior's request come from someone who can teach, and the other way round.
ANSWERS = {
    Kind.SEEKING: [
        "I'd be glad to help with this. I use it most days and could meet on weekday evenings.",
        "I can teach this, and I'm keen to hear how you run reviews in return. Saturdays suit me.",
    ],
    Kind.OFFERING: [
        "This is exactly what I hoped to find. Could we start with one session this month?",
        "I'd like to learn this for my own reports. Happy to talk about hiring in return.",
    ],
}


def fill(
    *, members: int, requests: int, seed: int = 7, answers_per_request: float = 1.5
) -> dict | None:
    rng = random.Random(seed)
    now = utcnow()
    if db.session.scalar(sa.select(Member.id).where(Member.email_key.like(f"%@{DOMAIN}"))):
        return None  # already here: running it again changes nothing
    password_hash = hash_password(PASSWORD)
    with write_transaction():
        tools = _tools()
        first_id = (db.session.scalar(sa.select(sa.func.max(Member.id))) or 0) + 1
        member_rows, member_tags = [], []
        for n in range(members):
            role = [Role.SENIOR, Role.JUNIOR, Role.BOTH][n % 3]
            name = f"{FIRST[n % len(FIRST)]} {LAST[(n * 7) % len(LAST)]}"
            joined = now - timedelta(days=rng.randint(10, 400))
            member_rows.append({
                "id": first_id + n, "handle": f"demo-{n + 1}", "name": name,
                "email": f"member{n + 1}@{DOMAIN}", "email_key": f"member{n + 1}@{DOMAIN}",
                "password_hash": password_hash, "role": role, "organisation": rng.choice(ORGS),
                "city": rng.choice(CITIES), "language": rng.choice(["en", "hi", "hinglish"]),
                "meeting_mode": rng.choice(["video", "phone", "in_person"]),
                "timezone": "Asia/Kolkata", "notify": {}, "consent_version": "demo",
                "consented_at": joined, "adult_declared": True, "created_at": joined,
                "email_verified_at": joined, "password_changed_at": joined, "is_admin": False,
            })  # fmt: skip
            for tool in rng.sample(tools, 2):
                kind = "teach" if role is Role.JUNIOR else "learn"
                member_tags.append(
                    {"member_id": first_id + n, "kind": kind, "tag": tool.key, "label": tool.name}
                )
        db.session.execute(sa.insert(Member), member_rows)
        db.session.execute(sa.insert(MemberTag), member_tags)

        first_request = (db.session.scalar(sa.select(sa.func.max(PairingRequest.id))) or 0) + 1
        request_rows, tag_rows, answer_rows = [], [], []
        for n in range(requests):
            author = member_rows[rng.randrange(members)]
            kind = Kind.OFFERING if author["role"] is Role.JUNIOR else Kind.SEEKING
            if author["role"] is Role.BOTH:
                kind = rng.choice([Kind.SEEKING, Kind.OFFERING])
            tool = rng.choice(tools)
            purpose = rng.choice(PURPOSES)
            text = rng.choice(SEEKING if kind is Kind.SEEKING else OFFERING).format(
                n=rng.randint(4, 60), tool=tool.name, purpose=purpose, field=rng.choice(FIELDS)
            )
            posted = now - timedelta(minutes=(requests - n) * 37 + rng.randint(0, 30))
            in_person = rng.random() < 0.25
            title = rng.choice(SEEKING_TITLES if kind is Kind.SEEKING else OFFERING_TITLES).format(
                tool=tool.name, purpose=purpose
            )
            request_id = first_request + n
            status = Status.OPEN if rng.random() < 0.8 else Status.MATCHED
            request_rows.append({
                "id": request_id, "author_id": author["id"], "kind": kind, "title": title,
                "tool_id": tool.id, "description": text, "description_html": render_markdown(text),
                "cadence": "One tool per quarter", "in_person": in_person,
                "city": author["city"] if in_person else "", "status": status,
                "answer_count": 0, "created_at": posted, "expires_at": end_of_quarter(now),
            })  # fmt: skip
            tag_rows.append({"request_id": request_id, "tag": purpose.split()[-1]})
            answerers = rng.sample(member_rows, min(members, int(answers_per_request * 2) + 1))
            count = 0
            for answerer in answerers[: rng.randint(0, int(answers_per_request * 2))]:
                if answerer["id"] == author["id"]:
                    continue
                answer_rows.append({
                    "request_id": request_id, "author_id": answerer["id"],
                    "message": rng.choice(ANSWERS[kind]), "status": "open",
                    "created_at": posted + timedelta(minutes=rng.randint(5, 600)),
                })  # fmt: skip
                count += 1
            request_rows[-1]["answer_count"] = count
            if status is Status.MATCHED and count == 0:
                request_rows[-1]["status"] = Status.OPEN
        for chunk in range(0, len(request_rows), 5000):
            db.session.execute(sa.insert(PairingRequest), request_rows[chunk : chunk + 5000])
        for chunk in range(0, len(tag_rows), 5000):
            db.session.execute(sa.insert(RequestTag), tag_rows[chunk : chunk + 5000])
        for chunk in range(0, len(answer_rows), 5000):
            db.session.execute(sa.insert(Answer), answer_rows[chunk : chunk + 5000])
        if db.engine.dialect.name == "postgresql":
            # Ids were given explicitly: move the sequences past them.
            for table in ("members", "pairing_requests"):
                db.session.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        db.session.execute(sa.update(BoardState).values(version=BoardState.version + 1))
    return {"members": members, "requests": requests, "answers": len(answer_rows),
            "password": PASSWORD}  # fmt: skip


def _tools() -> list[Tool]:
    tools = list(db.session.scalars(sa.select(Tool).where(Tool.curated)))
    if not tools:  # a database made without migration 0003's seed
        for name, category in TOOLS:
            db.session.add(Tool(name=name, key=name.lower(), category=category, curated=True))
        db.session.flush()
        tools = list(db.session.scalars(sa.select(Tool).where(Tool.curated)))
    return tools


def drop_demo_mail() -> int:
    """Drop the mail that making the demo queued (its addresses receive nothing)."""
    with write_transaction():
        return db.session.execute(
            sa.update(OutboxMail)
            .where(OutboxMail.to_address.like(f"%@{DOMAIN}"), OutboxMail.status.in_(WAITING))
            .values(status=MailStatus.DROPPED, last_error="demo data")
        ).rowcount


def join_confirmed(
    name: str, email: str, password: str, role: str, teach: list[str], learn: list[str]
) -> Member:
    """A member who joined through the join service and confirmed their email, as a new
    member does (the pairings the benchmark and prod-check make start from these).
    Refuses an address that already has an account: the database must be fresh."""
    joined = members.join(
        name=name,
        email=email,
        password=password,
        role=role,
        can_teach=teach,
        wants_to_learn=learn,
        city="Pune",
    )
    if joined.member is None:
        raise RuntimeError(f"{email} already has an account: not a fresh database")
    member, _session = members.confirm_email(members.verify_token(joined.member))
    return member
