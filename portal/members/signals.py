"""What membership announces, so that features above it can react without members
importing them. Each is sent inside the write transaction of the change: a receiver's
writes commit or roll back with it. Receivers connect when their feature's package is
imported, which `create_app` does for every feature; receivers must not depend on
running in any particular order (blinker keeps no order)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# sender: the Member who is deleting their account (still with their data).
member_leaving = _signals.signal("member-leaving")

# sender: the Member whose public profile (name, tags, organisation...) is changing;
# sent first in the transaction, before the new values are written (a receiver that
# takes a lock, like the board's version, takes it first).
member_changed = _signals.signal("member-changed")
