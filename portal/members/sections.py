"""Places where features above membership add their part to a member's pages, without
members importing them: the data export and the public profile.

A feature registers at import time (its package is imported by `create_app`):

    @export_section("pairings")
    def export_pairings(member) -> list[dict]: ...

    @profile_section("pairings/_record_section.html", order=20)
    def record_section(member, viewer) -> dict: ...   # the template's context
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_export: dict[str, Callable[[Any], Any]] = {}
_profile: list[ProfileSection] = []


@dataclass(frozen=True)
class ProfileSection:
    template: str
    order: int
    context: Callable[[Any, Any], dict]


def export_section(name: str):
    """Register `fn(member)` to fill `name` in the member's data export."""

    def register(fn):
        _export[name] = fn
        return fn

    return register


def export_sections(member) -> dict[str, Any]:
    return {name: fn(member) for name, fn in _export.items()}


def profile_section(template: str, order: int):
    """Register `fn(member, viewer) -> context` to render `template` on the profile."""

    def register(fn):
        if not any(s.template == template for s in _profile):
            _profile.append(ProfileSection(template, order, fn))
            _profile.sort(key=lambda s: s.order)
        return fn

    return register


def profile_sections(member, viewer) -> list[tuple[str, dict]]:
    """(template, context) for each section, in order."""
    return [(s.template, s.context(member, viewer)) for s in _profile]
