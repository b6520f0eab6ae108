"""How the outbox stands (`flask mail status`, /healthz), and forgetting old rows."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.clock import utcnow
from portal.extensions import db
from portal.jobs import daily, job
from portal.mail.models import WAITING, OutboxMail, Status
from portal.web.database import write_transaction


def counts() -> dict[str, int]:
    found = dict(
        db.session.execute(
            sa.select(OutboxMail.status, sa.func.count()).group_by(OutboxMail.status)
        ).all()
    )
    return {status.value: found.get(status, 0) for status in Status}


def oldest_waiting() -> datetime | None:
    """When the oldest mail still to be delivered was queued."""
    return db.session.scalar(
        sa.select(sa.func.min(OutboxMail.created_at)).where(
            OutboxMail.status.in_((*WAITING, Status.SENDING))
        )
    )


LATE = timedelta(minutes=5)


def queue_health() -> dict:
    """For /healthz: how long the oldest mail still to be delivered has waited, in whole
    minutes, and whether that is late (a worker that is not running shows here first).
    Public, so nothing finer: no counts, no seconds (they would tell an onlooker whether
    a sign-in link they asked for went to a real account)."""
    oldest = oldest_waiting()
    waited = timedelta(0) if oldest is None else max(utcnow() - oldest, timedelta(0))
    return {"oldest_waiting_minutes": int(waited.total_seconds() // 60), "late": waited >= LATE}


def forget_old(days: int = 90) -> int:
    """Delete delivered, dropped and failed rows older than `days` (the cleanup job)."""
    with write_transaction():
        result = db.session.execute(
            sa.delete(OutboxMail).where(
                OutboxMail.status.in_((Status.SENT, Status.DROPPED, Status.FAILED)),
                OutboxMail.created_at < utcnow() - timedelta(days=days),
            )
        )
    return result.rowcount


@job("forget-old-mail", period=daily)
def forget_old_mail(period: str) -> str:
    """Delete outbox rows (sent, dropped, failed) older than 90 days."""
    return f"{forget_old()} old mail row(s) deleted"
