"""The board's part of a member's public profile: their open requests."""

from __future__ import annotations

from portal.board.queries import open_requests_by
from portal.members.sections import profile_section
from portal.moderation import is_staff


@profile_section("board/_profile_requests.html", order=10)
def open_requests(member, viewer) -> dict:
    own = getattr(viewer, "is_authenticated", False) and viewer.id == member.id
    shown = own or is_staff(viewer) or not member.is_suspended()
    requests = open_requests_by(member.id, hidden_too=own or is_staff(viewer)) if shown else []
    return {"open_requests": requests}
