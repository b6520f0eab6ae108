"""The three-session template every new quarter starts from (the pair edits it freely).

Each session ends with a few minutes of judgement the other way: the junior teaches
the tool, the senior shares what years of work have taught them about using it well.

The items are written into the quarter in the pair's language when it begins (lazy
strings here; services.agenda.start_quarter).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TEMPLATE = (
    (
        _l("Show me"),
        _l(
            "The junior shows how they really use the tool, from a blank page to a finished "
            "piece of work. Last ten minutes, the other way: the senior says where it would "
            "help in their own work, and what they would be careful about."
        ),
    ),
    (
        _l("Try it on my real work"),
        _l(
            "The senior uses the tool on a real task from this week, hands on the keyboard, "
            "with the junior beside them. Last ten minutes, the other way: would the senior "
            "put their name to the result? What would they check first, and why?"
        ),
    ),
    (
        _l("Teach it back"),
        _l(
            "The senior teaches the tool back as if to a colleague; the junior fills the "
            "gaps. Last ten minutes, the other way: the junior brings one question about "
            "their own career, and the senior answers it honestly."
        ),
    ),
)
