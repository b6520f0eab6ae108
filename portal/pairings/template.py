"""The three-session template every new quarter starts from (the pair edits it freely).

Each session ends with a few minutes of judgement the other way: the junior teaches
the tool, the senior shares what years of work have taught them about using it well.
"""

from __future__ import annotations

TEMPLATE: tuple[tuple[str, str], ...] = (
    (
        "Show me",
        "The junior shows how they really use the tool, from a blank page to a finished "
        "piece of work. Last ten minutes, the other way: the senior says where it would "
        "help in their own work, and what they would be careful about.",
    ),
    (
        "Try it on my real work",
        "The senior uses the tool on a real task from this week, hands on the keyboard, "
        "with the junior beside them. Last ten minutes, the other way: would the senior "
        "put their name to the result? What would they check first, and why?",
    ),
    (
        "Teach it back",
        "The senior teaches the tool back as if to a colleague; the junior fills the gaps. "
        "Last ten minutes, the other way: the junior brings one question about their own "
        "career, and the senior answers it honestly.",
    ),
)
