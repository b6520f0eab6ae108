"""Bar charts drawn on the server as SVG (`admin/dashboard_chart.html` draws them): no
JavaScript, a <title> and a <desc> that say what the bars say, and a table beside each
chart as its text alternative. Here only the geometry, in the SVG's own units."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

WIDTH = 520  # the viewBox's width, and the SVG's own (it shrinks to a narrow column)
LABEL_WIDTH = 210  # room for a label left of the bars
BAR_SPACE = 250  # the longest bar; its value is written after it
ROW = 26
LABEL_CHARS = 26  # a longer label is cut short (the table has it in full) ...
HEADING_CHARS = 60  # ... a heading's runs over the bars' space (it has none)


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | None  # None: a heading row that groups the bars below it
    y: int
    width: float


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    desc: str
    bars: list[Bar]
    height: int
    width: int = WIDTH
    label_width: int = LABEL_WIDTH


def _short(label: str, room: int) -> str:
    return label if len(label) <= room else label[: room - 1].rstrip() + "…"


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, int | None]]) -> Chart:
    """A horizontal bar per (label, value), all on one scale; (heading, None) starts a
    group. The description reads every bar out, for screen readers."""
    top = max((value for _, value in rows if value), default=0)
    bars = [
        Bar(
            _short(label, HEADING_CHARS if value is None else LABEL_CHARS),
            value,
            n * ROW,
            (value / top * BAR_SPACE) if value and top else 0,
        )
        for n, (label, value) in enumerate(rows)
    ]
    parts, group = [], ""
    for label, value in rows:
        if value is None:
            group = f"{label}: "
        else:
            parts.append(f"{group}{label}, {value}")
    desc = "; ".join(parts) + "." if parts else _("Nothing to show yet.")
    return Chart(chart_id, title, desc, bars, max(len(bars), 1) * ROW + 4)
