"""What moderation asks of every feature's content (kernel): an item can be hidden by the
moderators, and then only its author and the moderators see it. The admin feature sets
these columns; each feature leaves hidden items out of what it shows."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column

from portal.domain import NotAllowed


class Hideable:
    """Columns for content the moderators can hide (with the reason its author is shown)."""

    hidden_at: Mapped[datetime | None] = mapped_column()
    hidden_reason: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


def is_staff(viewer) -> bool:
    """A moderator or an admin (anyone else, signed out included: no)."""
    return bool(
        viewer is not None
        and getattr(viewer, "is_authenticated", False)
        and (viewer.is_admin or viewer.is_moderator)
    )


def require_staff(member) -> None:
    """For the moderators' services: anyone else is refused (403)."""
    if not is_staff(member):
        raise NotAllowed(_("Only moderators can do that."))


def can_see(item: Hideable, author_id: int | None, viewer) -> bool:
    """Whether `viewer` sees `item`: anyone while it isn't hidden; then its author and
    the moderators only."""
    if not item.is_hidden:
        return True
    if is_staff(viewer):
        return True
    return bool(getattr(viewer, "is_authenticated", False) and viewer.id == author_id)
