"""The pairing page computes only what a swapped section reads: each section's list of
names must cover everything its partial (and what it includes) uses."""

from __future__ import annotations

import pytest
from jinja2 import meta

from portal.pairings.page import EVERYTHING, SECTIONS


def _names(env, template: str, seen: set[str]) -> set[str]:
    if template in seen:
        return set()
    seen.add(template)
    tree = env.parse(env.loader.get_source(env, template)[0])
    found = set(meta.find_undeclared_variables(tree))
    for child in meta.find_referenced_templates(tree):
        if child:
            found |= _names(env, child, seen)
    return found


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_each_section_is_given_everything_its_template_reads(app, section):
    template, names = SECTIONS[section]
    read = _names(app.jinja_env, template, set()) & set(EVERYTHING)
    assert read - set(names) == set()


def test_the_whole_page_is_given_everything_it_reads(app):
    read = _names(app.jinja_env, "pairings/_page.html", set())
    page_names = {n for n in read if n in EVERYTHING}
    assert page_names <= set(EVERYTHING)
    assert {"quarters", "sessions_by_quarter", "message_form"} <= page_names
