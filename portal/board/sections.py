"""The board's part of a member's public profile: their open requests (none across a
block)."""

from __future__ import annotations

from portal.board.queries import open_requests_by
from portal.members.blocks import blocked_either_way
from portal.members.sections import profile_section
from portal.moderation import is_staff


@profile_section("board/_profile_requests.html", order=10)
def open_requests(member, viewer) -> dict:
    signed_in = getattr(viewer, "is_authenticated", False)
    own = signed_in and viewer.id == member.id
    shown = (
        own
        or is_staff(viewer)
        or not (member.is_suspended() or (signed_in and blocked_either_way(viewer.id, member.id)))
    )
    requests = open_requests_by(member.id, hidden_too=own or is_staff(viewer)) if shown else []
    return {"open_requests": requests}
