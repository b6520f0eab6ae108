"""The essays' part of the monthly digest: what was published since the last one."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.clock import local_date
from portal.essays import snapshot, today
from portal.notifications.digest import Section, digest_section
from portal.web.templating import absolute_url


@digest_section
def new_essays(member, since: datetime) -> Section | None:
    first = local_date(since)
    fresh = [essay for essay in snapshot().published(today()) if essay.date >= first]
    return Section(
        _l("New essays"),
        [(essay.title, absolute_url("essays.essay", slug=essay.slug)) for essay in fresh[:5]],
    )
