"""A seeded fuzzer over every route (issue 11, "Done when"): about 2,500 requests with
strange ids, numbers, text and form fields, signed out and signed in, and not one
server error. The seed is fixed, so a failure is the same on every run; the suite runs
it on SQLite and again on PostgreSQL."""

from __future__ import annotations

import random
import re
from urllib.parse import quote

import pytest
from werkzeug.routing import IntegerConverter

from .factories import log_entry, make_pairing, make_request
from .helpers import JUNIOR, SENIOR, sign_in

SEED = 20261201
ROUNDS = 12  # each rule, each way, this many times

TEXT = [
    "",
    " ",
    "a",
    "x" * 5000,
    "\u00b2",
    "\u0662\u0663",
    "\u202eevil",
    "\u200b",
    "अनुराग",
    "<script>alert(1)</script>",
    "[`" * 300,
    "'; DROP TABLE members; --",
    "%00",
    "../../etc/passwd",
    "-1",
    "0",
    "2147483648",
    "9223372036854775808",
    "1e9",
    "null",
    "😀" * 50,
    "\r\n\r\n",
]
IDS = ["1", "2", "0", "99999", "2147483647", "2147483648", "9223372036854775808", "abc", "\u00b2"]
FIELDS = [
    "email", "password", "name", "title", "tool", "tags", "description", "message", "body",
    "kind", "role", "page", "q", "topic", "notification", "agenda_item", "quarter", "held_on",
    "covered", "notes", "learned", "taught", "next_quarter", "reason", "direction", "next",
    "current_password", "email-email", "delete-current_password", "side", "goal", "city",
]  # fmt: skip


def _path(rule, rng: random.Random) -> str:
    """The rule with each variable filled: ids that exist, ids that can't, and text."""

    def fill(match) -> str:
        spec = match.group(1)
        converter = rule._converters[spec.split(":")[-1].split(")")[-1]]
        items = getattr(converter, "items", None)
        if items:
            value = rng.choice(sorted(items))
        elif isinstance(converter, IntegerConverter):
            value = rng.choice(IDS)
        else:
            value = rng.choice([*TEXT[2:10], "asha", "teaching-upward"])
        return quote(value, safe="")

    return re.sub(r"<([^>]+)>", fill, rule.rule)


def _query(rng: random.Random) -> dict:
    return {
        rng.choice(["page", "q", "tool", "topic", "kind", "status", "from", "next"]): rng.choice(
            TEXT
        )
        for _ in range(rng.randint(0, 3))
    }  # noqa: E501


def _form(rng: random.Random) -> dict:
    return {rng.choice(FIELDS): rng.choice(TEXT) for _ in range(rng.randint(0, 6))}


@pytest.fixture
def world(app, people):
    """Something for the ids to find: requests, a pairing with a log entry."""
    pairing = make_pairing(app, people["senior"], people["junior"])
    make_request(app, people["third"], kind="offering", title="Learn Claude with me")
    log_entry(app, pairing, people["senior"])
    return pairing


@pytest.mark.parametrize("who", ["signed out", "senior", "junior"])
def test_no_request_makes_a_server_error(app, world, who):
    rng = random.Random(f"{SEED}-{who}")
    client = app.test_client()
    if who != "signed out":
        sign_in(client, SENIOR if who == "senior" else JUNIOR)
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint not in ("static", "members.logout")),
        key=lambda r: r.rule,
    )
    sent = 0
    errors = []
    for _ in range(ROUNDS):
        for rule in rules:
            for method in sorted(rule.methods & {"GET", "POST"}):
                path = _path(rule, rng)
                if method == "GET":
                    response = client.get(path, query_string=_query(rng))
                else:
                    headers = {"HX-Request": "true"} if rng.random() < 0.3 else {}
                    response = client.post(path, data=_form(rng), headers=headers)
                sent += 1
                if response.status_code >= 500 and response.status_code != 503:
                    errors.append(f"{method} {path} -> {response.status_code}")
    assert sent >= 800  # 2,400 and more over the three visitors
    assert errors == []
