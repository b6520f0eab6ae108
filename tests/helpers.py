"""Helpers every test module may use (import from here, never from another test module)."""

from __future__ import annotations

from datetime import date

from portal import clock


def text(response) -> str:
    """A response's body as text."""
    return response.get_data(as_text=True)


def today_for(member=None) -> date:
    """Today where the member is (India by default): the date the portal checks session
    dates against. Never the machine's UTC date, which is a day behind in the evening."""
    return clock.today_for(member)
