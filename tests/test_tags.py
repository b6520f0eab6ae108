"""Tags are shown as their member wrote them ("ChatGPT", "Notion AI") and matched
without regard to case (issue 11, item 28): on the profile, the request card and page,
the account form, the data export, the board's suggestions and its tag filter."""

from __future__ import annotations

import sqlalchemy as sa

from portal.board.models import RequestTag
from portal.extensions import db
from portal.members.models import Member, MemberTag
from portal.members.tags import parse_tags, tag_key

from .factories import make_request
from .helpers import (
    JUNIOR,
    SENIOR,
    age,
    card_ids,
    join_data,
    list_ids,
    sign_in,
    suggested_ids,
    text,
)


def test_parse_tags_keeps_the_spelling_and_drops_repeats_in_any_case():
    assert parse_tags(" ChatGPT,  Notion   AI ,chatgpt, ,CHATGPT") == ["ChatGPT", "Notion AI"]
    assert parse_tags("") == []
    assert tag_key("Notion AI") == "notion ai"


def test_a_members_tags_read_as_written_on_the_profile_and_the_account(app, client):
    response = client.post(
        "/join", data=join_data(can_teach="PowerPoint, Board papers", wants_to_learn="ChatGPT")
    )
    assert response.status_code == 303
    with app.app_context():
        member = db.session.scalar(sa.select(Member))
        rows = {(t.kind, t.tag, t.label) for t in member.tags}
        handle = member.handle
    assert rows == {
        ("teach", "powerpoint", "PowerPoint"),
        ("teach", "board papers", "Board papers"),
        ("learn", "chatgpt", "ChatGPT"),
    }
    profile = text(client.get(f"/members/{handle}"))
    assert '<li dir="auto">PowerPoint</li>' in profile and '<li dir="auto">ChatGPT</li>' in profile
    assert (
        '<li dir="auto">chatgpt</li>' not in profile
        and '<li dir="auto">powerpoint</li>' not in profile
    )
    sign_in(client, "meera@example.com")
    account = text(client.get("/account"))
    assert 'value="Board papers, PowerPoint"' in account  # in the order of their keys
    export = client.get("/account/export").get_json()
    assert sorted(export["member"]["can_teach"]) == ["Board papers", "PowerPoint"]


def test_a_requests_topics_read_as_written(app, client, people):
    request_id = make_request(app, people["senior"], title="Slides", tags=["PowerPoint", "SQL"])
    with app.app_context():
        rows = db.session.execute(
            sa.select(RequestTag.tag, RequestTag.label).where(RequestTag.request_id == request_id)
        ).all()
    assert sorted(rows) == [("powerpoint", "PowerPoint"), ("sql", "SQL")]
    board = text(client.get("/requests/"))
    assert '<li dir="auto">PowerPoint</li>' in board and '<li dir="auto">SQL</li>' in board
    assert "Topics</dt><dd>PowerPoint, SQL</dd>" in text(client.get(f"/requests/{request_id}"))


def test_the_tag_filter_matches_any_case(app, client, people):
    age(app, people["senior"])
    tagged = make_request(app, people["senior"], title="Slides", tags=["PowerPoint"])
    other = make_request(app, people["senior"], title="Sheets", tags=["Excel"])
    for asked in ("PowerPoint", "powerpoint", "POWERPOINT"):
        found = list_ids(text(client.get(f"/requests/?tag={asked}")))
        assert tagged in found and other not in found, asked


def test_suggestions_match_tags_in_any_case(app, client, make_member):
    make_member(email=JUNIOR, name="Ravi", role="junior", can_teach=["NOTION AI"])
    senior = make_member(email=SENIOR, name="Asha", role="senior", wants_to_learn=[])
    age(app, senior)
    by_tag = make_request(app, senior, title="Notes", tool="Claude", tags=["Notion ai"])
    by_tool = make_request(app, senior, title="Notion", tool="Notion AI")
    sign_in(client, JUNIOR)
    assert sorted(suggested_ids(text(client.get("/requests/")))) == sorted([by_tag, by_tool])


def test_a_tag_from_before_labels_shows_its_key(app, client, people):
    """Rows written before migration 0007 have no label: they show the key."""
    request_id = make_request(app, people["senior"], title="Old one", tags=["Excel"])
    with app.app_context():
        db.session.execute(sa.update(RequestTag).values(label=""))
        db.session.execute(sa.update(MemberTag).values(label=""))
        db.session.commit()
    assert request_id in card_ids(text(client.get("/requests/?tag=excel")))
    assert '<li dir="auto">excel</li>' in text(client.get("/requests/"))


def test_a_tag_too_long_once_lower_cased_is_refused_with_the_form_kept(app, client):
    # "İ" lower-cases to two characters: 30 of them make a 60-character key.
    long_tag = "İ" * 30
    response = client.post("/join", data=join_data(can_teach=f"Excel, {long_tag}"))
    assert response.status_code == 422
    page = text(response)
    assert "Keep each tag under 40 characters." in page
    assert long_tag in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == 0
