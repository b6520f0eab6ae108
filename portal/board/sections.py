"""The board's part of a member's public profile: their open requests."""

from __future__ import annotations

from portal.board.queries import open_requests_by
from portal.members.sections import profile_section


@profile_section("board/_profile_requests.html", order=10)
def open_requests(member, viewer) -> dict:
    return {"open_requests": open_requests_by(member.id)}
