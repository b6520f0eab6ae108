"""A member's pairings in their data export (DPDP: all of their own rows)."""

from __future__ import annotations

from portal.members import tokens
from portal.members.models import Member
from portal.members.sections import export_section
from portal.pairings import services as pairings


@export_section("pairings")
def export_pairings(member: Member) -> list[dict]:
    """The member's pairings: their own goals, reflections, messages and log entries,
    and the shared agenda; nothing the partner wrote except the agenda they share."""
    iso = tokens.stamp
    result = []
    for pairing in pairings.pairings_of(member):
        side = pairing.side_of(member.id)
        quarters = pairings.quarters(pairing)
        ids = [q.id for q in quarters]
        agenda = pairings.agenda(ids)
        reflections = pairings.reflections(ids)
        mine = reflections and {qid: r.get(member.id) for qid, r in reflections.items()}
        result.append(
            {
                "id": pairing.id,
                "role": side,
                "status": pairing.status.value,
                "started_at": iso(pairing.started_at),
                "ended_at": iso(pairing.ended_at),
                "end_reason": pairing.end_reason if pairing.ended_by_id == member.id else "",
                "agreed_to_show": getattr(pairing, f"{side}_shares"),
                "quarters": [
                    {
                        "number": q.number,
                        "tool": q.tool.name,
                        "my_goal": getattr(q, f"{side}_goal"),
                        "agenda": [item.title for item in agenda[q.id]],
                        "completed_at": iso(q.completed_at),
                        "my_reflection": (
                            {
                                "learned": mine[q.id].learned,
                                "taught": mine[q.id].taught,
                                "next_quarter": mine[q.id].next_quarter,
                            }
                            if mine and mine[q.id]
                            else None
                        ),
                    }
                    for q in quarters
                ],
                "sessions_in_my_words": [
                    {"held_on": e.held_on.isoformat(), "covered": e.covered, "notes": e.notes}
                    for e in pairings.sessions(pairing)
                    if (e.updated_by_id or e.author_id) == member.id
                ],
                "my_messages": [
                    {"sent_at": iso(m.created_at), "body": m.body}
                    for m in pairings.messages(pairing, limit=10_000)
                    if m.author_id == member.id
                ],
            }
        )
    return result
