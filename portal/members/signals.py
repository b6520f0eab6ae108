"""What membership announces, so that features above it can react without members
importing them. Each is sent inside the write transaction of the change: a receiver's
writes commit or roll back with it."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the Member who is deleting their account (still with their data).
member_leaving = _signals.signal("member-leaving")

# sender: the Member whose public profile (name, tags, organisation...) changed.
member_changed = _signals.signal("member-changed")
