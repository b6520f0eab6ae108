"""Reporting (any verified member), and the moderators' pages under /admin/: the queue,
its actions, suspensions, roles and the audit log. Everything under /admin/ is a 404
to anyone who is not a moderator or an admin."""

from __future__ import annotations

from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.admin import bp, queue, services
from portal.admin.csvs import csv_download
from portal.admin.forms import HideForm, NoteForm, RoleForm, SuspendForm
from portal.admin.items import load
from portal.admin.models import ItemKind
from portal.clock import utcnow
from portal.extensions import db
from portal.members.models import Member
from portal.members.services import find_by_email
from portal.moderation import is_staff
from portal.web.htmx import is_htmx
from portal.web.numbers import whole_number


def staff_required(view):
    """Moderators and admins only; for anyone else the page does not exist."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not is_staff(current_user):
            abort(404)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not (current_user.is_authenticated and current_user.is_admin):
            abort(404)
        return view(*args, **kwargs)

    return wrapped


# --- the organiser's pages -------------------------------------------------------------------


def _group_context(group, **forms) -> dict:
    return {
        "group": group,
        "hide_form": forms.get("hide_form") or HideForm(formdata=None, prefix=_prefix(group)),
        "note_form": NoteForm(formdata=None, prefix=_prefix(group) + "n"),
        "suspend_form": forms.get("suspend_form")
        or SuspendForm(formdata=None, prefix=_prefix(group) + "s"),
        "outcome": forms.get("outcome"),
    }


def _prefix(group) -> str:
    return f"{group.kind}{group.item_id}-"


@bp.get("/admin/reports")
@staff_required
def reports():
    groups = queue.for_viewer(queue.open_groups(), current_user.id)
    waiting = {(g.kind, g.item_id) for g in groups}
    hidden = [
        g
        for g in queue.for_viewer(queue.hidden_groups(), current_user.id)
        if (g.kind, g.item_id) not in waiting
    ]
    return render_template(
        "admin/reports.html",
        groups=groups,
        contexts=[_group_context(g) for g in groups],
        hidden=[_group_context(g) for g in hidden],
    )


def _find_group(kind: str, item_id: int, *, gone_ok: bool = False):
    group = queue.group_for(kind, item_id)
    if group is not None:
        return group
    item = load(kind, item_id)
    if item is None:
        if gone_ok:  # closed just now, and gone since it was reported
            return queue.Group(kind, item_id, None, None)
        abort(404)
    author = db.session.get(Member, item.author_id)
    return queue.Group(kind, item_id, item, author)


def _after(kind: str, item_id: int, message: str, group=None):
    """After an action: the group, in place (htmx), or back to the queue."""
    if is_htmx():
        group = group or _find_group(kind, item_id, gone_ok=True)
        return render_template("admin/_group.html", **_group_context(group, outcome=message))
    flash(message, "success")
    return redirect(url_for("admin.reports"), 303)


def _kind(kind: str) -> str:
    if kind not in {k.value for k in ItemKind}:
        abort(404)
    return kind


@bp.post("/admin/items/<kind>/<int:item_id>/hide")
@staff_required
def hide(kind: str, item_id: int):
    group = _find_group(_kind(kind), item_id)
    form = HideForm(prefix=_prefix(group))
    if form.validate():
        services.hide(current_user, kind, item_id, form.reason.data)
        return _after(kind, item_id, _("Hidden. The author has been told why."))
    context = _group_context(group, hide_form=form)
    if is_htmx():
        return render_template("admin/_group.html", **context), 422
    groups = queue.for_viewer(queue.open_groups(), current_user.id)
    contexts = [
        context if g.item_id == item_id and g.kind == kind else _group_context(g) for g in groups
    ]
    return render_template("admin/reports.html", groups=groups, contexts=contexts), 422


@bp.post("/admin/items/<kind>/<int:item_id>/restore")
@staff_required
def restore(kind: str, item_id: int):
    group = _find_group(_kind(kind), item_id)
    form = NoteForm(prefix=_prefix(group) + "n")
    form.validate()
    services.restore(current_user, kind, item_id, form.reason.data or "")
    return _after(kind, item_id, _("Restored: everyone can see it again."))


@bp.post("/admin/items/<kind>/<int:item_id>/dismiss")
@staff_required
def dismiss(kind: str, item_id: int):
    group = _find_group(_kind(kind), item_id)
    form = NoteForm(prefix=_prefix(group) + "n")
    form.validate()
    services.dismiss(current_user, kind, item_id, form.reason.data or "")
    return _after(kind, item_id, _("Dismissed: the reports are closed."))


@bp.post("/admin/members/<int:member_id>/suspend")
@staff_required
def suspend(member_id: int):
    prefix = request.form.get("prefix", "")
    if prefix and not all(c.isalnum() or c == "-" for c in prefix):
        abort(400)
    # From the queue, with htmx: the item it came from is swapped in place afterwards.
    kind = request.form.get("kind", "")
    item_id = whole_number(request.form.get("item", ""))
    in_place = is_htmx() and kind in {k.value for k in ItemKind} and item_id is not None
    form = SuspendForm(prefix=prefix)
    if form.validate():
        member = services.suspend(current_user, member_id, form.reason.data, form.length.data)
        message = _("%(name)s is suspended; their sessions have ended.", name=member.name)
        if in_place:
            return _after(kind, item_id, message)
        flash(message, "success")
        return redirect(url_for("admin.reports"), 303)
    flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("admin.reports"), 303)


@bp.post("/admin/members/<int:member_id>/unsuspend")
@staff_required
def unsuspend(member_id: int):
    member = services.unsuspend(current_user, member_id)
    flash(_("%(name)s's suspension is lifted.", name=member.name), "success")
    return redirect(url_for("admin.overview"), 303)


@bp.post("/admin/moderators")
@admin_required
def add_moderator():
    form = RoleForm()
    member = find_by_email(form.email.data or "") if form.validate() else None
    if member is None:
        flash(_("There is no member with that email address."), "error")
    else:
        services.set_moderator(current_user, member.id, True)
        flash(_("%(name)s is now a moderator.", name=member.name), "success")
    return redirect(url_for("admin.overview"), 303)


@bp.post("/admin/members/<int:member_id>/unmoderate")
@admin_required
def remove_moderator(member_id: int):
    member = services.set_moderator(current_user, member_id, False)
    flash(_("%(name)s is no longer a moderator.", name=member.name), "success")
    return redirect(url_for("admin.overview"), 303)


# --- the audit log -----------------------------------------------------------------------------


@bp.get("/admin/audit")
@admin_required
def audit():
    return render_template("admin/audit.html", entries=queue.audit_entries())


@bp.get("/admin/audit.csv")
@admin_required
def audit_csv():
    rows = (
        [
            entry.created_at.isoformat(timespec="seconds"),
            entry.actor.email if entry.actor else "the portal",
            entry.action,
            f"{entry.item_kind} {entry.item_id}" if entry.item_kind else "",
            entry.member.email if entry.member else "",
            entry.reason,
        ]
        for entry in queue.audit_entries(limit=None)
    )
    header = ["when (UTC)", "who", "action", "item", "member", "reason"]
    return csv_download(f"audit-{utcnow():%Y%m%d}.csv", header, rows)
