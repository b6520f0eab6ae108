"""The board at scale: 100,000 requests and about 300,000 answers.

Run alone with `pytest tests/test_board_scale.py` (add `-s` to see the fill time);
set DATABASE_URL to run it on PostgreSQL. The demo community is filled once for the
module (about a minute) and deleted afterwards, as other tests share the database.

Every board page and a request page must run the same small number of queries
whatever the page holds (no N+1), and the board's main query and the thread's
answers query must be answered from an index, not by reading every request.
"""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from .helpers import make_app, recorded_statements, sign_in

MEMBERS = 2_000
REQUESTS = 100_000
ANSWERS_PER_REQUEST = 3.0  # demo.fill answers 0 to 2 x this many per request: ~300,000
MIN_ANSWERS = 250_000
MAX_QUERIES = 10  # per page view: a small bound that must not grow with the page


# --------------------------------------------------------------------------- fixtures


def _delete_demo(app) -> None:
    """Delete the demo members and every row that refers to them, to their
    requests or to their answers, children first (whatever tables exist)."""
    from portal.board.demo import DOMAIN
    from portal.extensions import db

    with app.app_context():
        metadata = db.metadata
        members = metadata.tables["members"]
        requests = metadata.tables["pairing_requests"]
        answers = metadata.tables["answers"]
        made = {"members": sa.select(members.c.id).where(members.c.email_key.like(f"%@{DOMAIN}"))}
        made["pairing_requests"] = sa.select(requests.c.id).where(
            requests.c.author_id.in_(made["members"])
        )
        made["answers"] = sa.select(answers.c.id).where(
            sa.or_(
                answers.c.author_id.in_(made["members"]),
                answers.c.request_id.in_(made["pairing_requests"]),
            )
        )
        with db.engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                refs = [
                    fk.parent.in_(made[fk.column.table.name])
                    for fk in table.foreign_keys
                    if fk.column.table.name in made
                ]
                if table.name == "members":
                    refs.append(members.c.email_key.like(f"%@{DOMAIN}"))
                if refs:
                    conn.execute(table.delete().where(sa.or_(*refs)))
        if db.engine.dialect.name == "postgresql":
            _analyze(db.engine)  # the planner's row counts, back to the small tables
        db.session.remove()
        db.engine.dispose()


def _analyze(engine) -> None:
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE members, member_tags, tools, pairing_requests"))
        conn.execute(sa.text("ANALYZE request_tags, answers"))
        conn.commit()


@pytest.fixture(scope="module")
def scale(migrated):
    """An app on the migrated database holding the demo community at full size."""
    from portal.board.demo import fill
    from portal.extensions import db

    # The anonymous board cache would hide the queries these tests count.
    app = make_app(migrated, BOARD_PAGE_CACHE=False)
    _delete_demo(app)  # left over from an interrupted run
    try:
        with app.app_context():
            started = time.perf_counter()
            made = fill(
                members=MEMBERS,
                requests=REQUESTS,
                seed=11,
                answers_per_request=ANSWERS_PER_REQUEST,
            )
            seconds = time.perf_counter() - started
            if db.engine.dialect.name == "postgresql":
                _analyze(db.engine)
            print(
                f"\nscale fill on {db.engine.dialect.name}: {made['members']} members, "
                f"{made['requests']} requests, {made['answers']} answers in {seconds:.1f} s"
            )
            db.session.remove()
        yield {"app": app, "made": made, "password": made["password"], "seconds": seconds}
    finally:
        _delete_demo(app)


def get(app, client, url: str) -> tuple[str, list[tuple[str, object]]]:
    with recorded_statements(app) as seen:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True), seen


def cards(html: str) -> int:
    return html.count('class="request-card"')


@pytest.fixture
def per_page(monkeypatch):
    """per_page(5): the board shows 5 requests a page (the view uses the default)."""
    from portal.board import queries

    original = queries.board

    def set_size(size: int) -> None:
        monkeypatch.setattr(
            queries,
            "board",
            lambda filters, number=1, **given: original(filters, number, per_page=size, **given),
        )

    return set_size


def demo_member(app, kind: str) -> str:
    """The email of a demo member who has `kind` ("teach" or "learn") tags."""
    from portal.board.demo import DOMAIN
    from portal.extensions import db
    from portal.members.models import Member, MemberTag

    with app.app_context():
        email = db.session.scalar(
            sa.select(Member.email)
            .join(MemberTag, MemberTag.member_id == Member.id)
            .where(Member.email_key.like(f"%@{DOMAIN}"), MemberTag.kind == kind)
            .order_by(Member.id)
            .limit(1)
        )
        db.session.remove()
    assert email
    return email


def explain(app, statement: str, parameters) -> str:
    from portal.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            plan = "\n".join(row[-1] for row in rows)
        else:
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
            plan = "\n".join(row[0] for row in rows)
        conn.rollback()
    return plan


def board_query(found) -> tuple[str, object]:
    """The board's main SELECT: a page of pairing_requests, newest first."""
    for statement, parameters in found:
        flat = " ".join(statement.split())
        if (
            flat.startswith("SELECT")
            and "FROM pairing_requests" in flat
            and "ORDER BY pairing_requests.created_at DESC, pairing_requests.id DESC" in flat
        ):
            return statement, parameters
    raise AssertionError("no board query among:\n" + "\n".join(s for s, _ in found))


def assert_uses_index(app, statement: str, parameters, table: str, index: str = "") -> str:
    """The plan reads `table` through an index (`index`, if named), never whole;
    on SQLite the index also gives the order (no sort of every matching row)."""
    plan = explain(app, statement, parameters)
    if _is_sqlite(app):
        assert re.search(rf"(SEARCH|SCAN) {table}\b.* USING (COVERING )?INDEX", plan), plan
        assert not re.search(rf"SCAN {table}\s*$", plan, re.MULTILINE), plan
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
    else:
        indexed = re.search(rf"Index (Only )?Scan (Backward )?using \w+ on {table}\b", plan)
        bitmap = re.search(rf"Bitmap Heap Scan on {table}\b", plan) and "Bitmap Index Scan" in plan
        assert indexed or bitmap, plan
        assert not re.search(rf"Seq Scan on {table}\b", plan), plan
    if index:
        assert index in plan, plan
    return plan


def _is_sqlite(app) -> bool:
    from portal.extensions import db

    with app.app_context():
        return db.engine.dialect.name == "sqlite"


# --------------------------------------------------------------------------- tests


def test_scale_fill_made_the_full_board(scale):
    from portal.board.models import Answer, PairingRequest
    from portal.extensions import db

    app = scale["app"]
    assert scale["made"]["requests"] == REQUESTS
    assert scale["made"]["answers"] >= MIN_ANSWERS
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PairingRequest.id))) >= REQUESTS
        assert db.session.scalar(sa.select(sa.func.count(Answer.id))) >= MIN_ANSWERS
        db.session.remove()


BOARD_URLS = [
    "/requests/",
    "/requests/?kind=seeking&tool=chatgpt",
    "/requests/?tag={tag}",
    "/requests/?city=Pune",
]


def common_tag(app) -> str:
    from portal.board.models import RequestTag
    from portal.extensions import db

    with app.app_context():
        tag = db.session.scalar(
            sa.select(RequestTag.tag)
            .group_by(RequestTag.tag)
            .order_by(sa.func.count().desc(), RequestTag.tag)
            .limit(1)
        )
        db.session.remove()
    return tag


@pytest.mark.parametrize("url", BOARD_URLS)
def test_scale_board_pages_run_the_same_few_queries_at_any_page_size(scale, per_page, url):
    app = scale["app"]
    url = url.format(tag=common_tag(app))
    client = app.test_client()
    client.get(url)  # warm: the first request of an app may load things once
    counts = {}
    for size in (5, 20):
        per_page(size)
        html, found = get(app, client, url)
        assert cards(html) == size, (url, size)  # the filter matches more than a page
        assert "Load more requests" in html
        counts[size] = len(found)
        assert len(found) <= MAX_QUERIES, "\n".join(s for s, _ in found)
    assert counts[5] == counts[20], (url, counts)


def test_scale_page_two_runs_as_many_queries_as_page_one(scale):
    app = scale["app"]
    client = app.test_client()
    client.get("/requests/")
    first_html, first = get(app, client, "/requests/")
    second_html, second = get(app, client, "/requests/?page=2")
    assert cards(first_html) == cards(second_html) == 20
    assert len(first) == len(second) <= MAX_QUERIES
    statement, parameters = board_query(second)
    assert_uses_index(app, statement, parameters, "pairing_requests")


@pytest.mark.parametrize("kind", ["teach", "learn"])
def test_scale_board_signed_in_with_suggestions_has_no_n_plus_one(scale, per_page, kind):
    app = scale["app"]
    client = app.test_client()
    sign_in(client, demo_member(app, kind), scale["password"])
    client.get("/requests/")
    counts = {}
    for size in (5, 20):
        per_page(size)
        html, found = get(app, client, "/requests/")
        assert "Suggested for you" in html
        assert cards(html) == size + suggested(html)
        counts[size] = len(found)
        assert len(found) <= MAX_QUERIES, "\n".join(s for s, _ in found)
    assert counts[5] == counts[20], counts
    statement, parameters = board_query(found)
    assert_uses_index(app, statement, parameters, "pairing_requests")
    suggestions = [(s, p) for s, p in found if "pairing_requests.author_id !=" in s]
    assert suggestions, "\n".join(s for s, _ in found)
    assert_uses_index(app, *suggestions[0], "pairing_requests")


def suggested(html: str) -> int:
    """Cards in the "Suggested for you" panel (they come before the board's list)."""
    panel = html.split('id="suggested-title"', 1)
    if len(panel) == 1:
        return 0
    return cards(panel[1].split("</section>", 1)[0])


@pytest.mark.parametrize(
    "url", ["/requests/", "/requests/?kind=seeking&tool=chatgpt", "/requests/?kind=offering"]
)
def test_scale_board_query_uses_an_index_on_pairing_requests(scale, url):
    app = scale["app"]
    _, found = get(app, app.test_client(), url)
    statement, parameters = board_query(found)
    assert_uses_index(app, statement, parameters, "pairing_requests")


def requests_with_answers(app, count: int) -> int:
    """An open request with exactly `count` live answers."""
    from portal.board.models import Answer, AnswerStatus, PairingRequest, Status
    from portal.extensions import db

    with app.app_context():
        request_id = db.session.scalar(
            sa.select(Answer.request_id)
            .join(PairingRequest, PairingRequest.id == Answer.request_id)
            .where(PairingRequest.status == Status.OPEN, Answer.status != AnswerStatus.WITHDRAWN)
            .group_by(Answer.request_id)
            .having(sa.func.count(Answer.id) == count)
            .order_by(Answer.request_id)
            .limit(1)
        )
        db.session.remove()
    assert request_id, f"no open request with {count} answers"
    return request_id


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_scale_request_page_runs_the_same_few_queries_for_1_or_5_answers(scale, signed_in):
    app = scale["app"]
    client = app.test_client()
    if signed_in:
        sign_in(client, demo_member(app, "teach"), scale["password"])
    one, five = requests_with_answers(app, 1), requests_with_answers(app, 5)
    client.get(f"/requests/{one}")
    counts = {}
    for request_id, answers in ((one, 1), (five, 5)):
        html, found = get(app, client, f"/requests/{request_id}")
        assert html.count('class="answer answer-') == answers
        counts[answers] = len(found)
        assert len(found) <= MAX_QUERIES, "\n".join(s for s, _ in found)
    assert counts[1] == counts[5], counts


def test_scale_request_page_reads_answers_by_ix_answers_request_created(scale):
    app = scale["app"]
    request_id = requests_with_answers(app, 5)
    _, found = get(app, app.test_client(), f"/requests/{request_id}")
    # The thread: answers, with their authors joined in (each by its primary key).
    thread = [
        (s, p)
        for s, p in found
        if " ".join(s.split()).startswith("SELECT")
        and "FROM answers " in " ".join(s.split())
        and "WHERE answers.request_id" in " ".join(s.split())
    ]
    assert thread, "\n".join(s for s, _ in found)
    assert_uses_index(app, *thread[0], "answers", index="ix_answers_request_created")
