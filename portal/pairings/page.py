"""What the pairing page shows, computed only when asked for: the whole page asks for
everything, and an htmx answer that swaps one section pays for that section alone."""

from __future__ import annotations

from collections import Counter
from functools import cached_property

from flask import render_template
from flask_babel import gettext as _
from markupsafe import Markup

from portal.clock import local_date, today_for
from portal.pairings import services
from portal.pairings.forms import (
    EndForm,
    GoalForm,
    ItemForm,
    MessageForm,
    MoveForm,
    ReflectionForm,
    RenewForm,
    SessionForm,
    SharingForm,
)
from portal.pairings.models import Pairing
from portal.pairings.page_cache import render_kept
from portal.tools import catalogue

# Each section of the page: its partial, and what that partial (with its includes)
# reads. tests/test_pairings_page.py checks these lists against the templates.
SECTIONS = {
    "quarter": (
        "pairings/_quarter.html",
        ("pairing", "quarter", "agenda", "side", "partner", "can_change")
        + ("goal_form", "item_form", "item_forms", "move_form"),
    ),
    "sessions": (
        "pairings/_sessions.html",
        ("pairing", "current", "entries", "can_change", "began_on", "today")
        + ("session_form", "edit_forms"),
    ),
    "reflections": (
        "pairings/_reflections.html",
        ("pairing", "current", "reflections", "side", "can_change", "tools", "window")
        + ("reflection_form", "end_form", "renew_form"),
    ),
    "messages": (
        "pairings/_messages.html",
        ("pairing", "messages", "side", "partner", "message_form"),
    ),
    "sharing": ("pairings/_sharing.html", ("pairing", "side", "sharing_form")),
    "agenda_choices": ("pairings/_agenda_choices.html", ("current", "can_change", "session_form")),
}

# What the page shows (DATA), and its forms, made from the rest (what is saved, the
# agenda, today): the page's cache keys on DATA and builds the forms only to render.
DATA = (
    "pairing",
    "began_on",
    "today",
    "quarters",
    "current",
    "quarter",
    "agenda",
    "entries",
    "sessions_by_quarter",
    "reflections",
    "window",
    "messages",
    "side",
    "partner",
    "can_change",
    "tools",
)
FORMS = (
    "goal_form",
    "item_form",
    "item_forms",
    "move_form",
    "session_form",
    "edit_forms",
    "reflection_form",
    "end_form",
    "renew_form",
    "message_form",
    "sharing_form",
)
EVERYTHING = DATA + FORMS


def session_form(items, viewer, entry=None, bound: bool = False) -> SessionForm:
    """The form to log a session (entry None) or to correct one; `bound` reads the POST."""
    source = {} if bound else {"formdata": None}
    if entry is None:
        form = SessionForm(**source)
        if not bound:
            form.held_on.data = today_for(viewer)
    else:
        form = SessionForm(
            **source,
            prefix=f"s{entry.id}",
            data={
                "held_on": entry.held_on,
                "agenda_item": str(entry.agenda_item_id or ""),
                "covered": entry.covered,
                "notes": entry.notes,
            },
        )
    form.agenda_item.choices = [("", _("Something else"))] + [(str(i.id), i.title) for i in items]
    return form


class PairingPage:
    """One pairing as one member (or an admin) sees it."""

    def __init__(self, pairing: Pairing, viewer) -> None:
        self.pairing = pairing
        self.viewer = viewer

    def context(self, names=EVERYTHING, **given) -> dict:
        """The template context for `names`; `given` (forms with errors...) wins."""
        item_forms = given.pop("item_forms", None)
        if "goal_form" in given:
            self.label_goal(given["goal_form"])
        context = {name: getattr(self, name) for name in names if name not in given}
        if item_forms:
            context["item_forms"] = {**context.get("item_forms", {}), **item_forms}
        return {**context, **given}

    def section(self, name: str, **given) -> tuple[str, dict]:
        template, names = SECTIONS[name]
        return template, self.context(names, **given)

    def main(self, **given) -> Markup:
        """The main part (pairings/_page.html), kept for what it is made of (see
        page_cache); with `given` (forms with errors), rendered afresh."""

        def render() -> str:
            return render_template("pairings/_page.html", **self.context(**given))

        if given:
            return Markup(render())  # noqa: S704 - a rendered template
        return render_kept(self, render)

    # --- the pairing and who is looking -------------------------------------------------

    @cached_property
    def side(self) -> str | None:
        return self.pairing.side_of(self.viewer.id)

    @cached_property
    def partner(self):
        return self.pairing.partner_of(self.viewer.id) if self.side else None

    @cached_property
    def can_change(self) -> bool:
        return self.side is not None and self.pairing.is_active

    @cached_property
    def began_on(self):
        """The bounds of a session's date, in the member's own time zone."""
        return local_date(self.pairing.started_at, self.viewer)

    @cached_property
    def today(self):
        return today_for(self.viewer)

    # --- quarters, the agenda, the log, reflections, messages ---------------------------

    @cached_property
    def quarters(self):
        return services.quarters(self.pairing)

    @cached_property
    def current(self):
        return self.quarters[-1] if self.quarters else None

    @property
    def quarter(self):  # the section partial _quarter.html renders `quarter`
        return self.current

    @cached_property
    def agenda(self):
        return services.agenda([q.id for q in self.quarters])

    @cached_property
    def current_items(self):
        return self.agenda.get(self.current.id, []) if self.current else []

    @cached_property
    def entries(self):
        return services.sessions(self.pairing)

    @cached_property
    def sessions_by_quarter(self):
        return Counter(entry.quarter_id for entry in self.entries)

    @cached_property
    def reflections(self):
        return services.reflections([q.id for q in self.quarters])

    @cached_property
    def window(self):
        """When reflecting on the quarter under way stops being early (members only)."""
        if not self.can_change or self.current is None or self.current.is_complete:
            return None
        # The whole page has loaded the log already: counting it saves a query.
        counted = self.sessions_by_quarter[self.current.id] if "entries" in self.__dict__ else None
        return services.reflection_window(self.current, self.viewer, counted)

    @cached_property
    def messages(self):
        return services.messages(self.pairing)

    @cached_property
    def tools(self):
        return catalogue()

    # --- forms, empty or filled with what is saved ---------------------------------------

    @cached_property
    def goal_form(self) -> GoalForm:
        own = getattr(self.current, f"{self.side}_goal") if self.side and self.current else ""
        return self.label_goal(GoalForm(formdata=None, data={"goal": own}))

    def label_goal(self, form: GoalForm) -> GoalForm:
        """Each side's goal says what it is about (a refused form keeps the label too)."""
        if self.side:
            form.goal.label.text = (
                _("Your goal for the tool")
                if self.side == "junior"
                else _("Your goal for the judgement you share")
            )
        return form

    @cached_property
    def item_form(self) -> ItemForm:
        return ItemForm(formdata=None)

    @cached_property
    def item_forms(self) -> dict[int, ItemForm]:
        return {
            item.id: ItemForm(
                formdata=None,
                prefix=f"i{item.id}",
                data={"title": item.title, "detail": item.detail},
            )
            for item in self.current_items
        }

    @cached_property
    def move_form(self) -> MoveForm:
        return MoveForm(formdata=None)

    @cached_property
    def session_form(self) -> SessionForm:
        return session_form(self.current_items, self.viewer)

    @property
    def edit_forms(self) -> dict:
        return {}  # an entry's correction form, shown in place when asked for

    @cached_property
    def reflection_form(self) -> ReflectionForm:
        mine = self.reflections[self.current.id].get(self.viewer.id) if self.current else None
        if mine is None:
            return ReflectionForm(formdata=None)
        return ReflectionForm(
            formdata=None,
            data={
                "learned": mine.learned,
                "taught": mine.taught,
                "next_quarter": mine.next_quarter,
            },
        )

    @cached_property
    def end_form(self) -> EndForm:
        return EndForm(formdata=None)

    @cached_property
    def renew_form(self) -> RenewForm:
        return RenewForm(formdata=None)

    @cached_property
    def message_form(self) -> MessageForm:
        return MessageForm(formdata=None)

    @cached_property
    def sharing_form(self) -> SharingForm:
        return SharingForm(formdata=None)
