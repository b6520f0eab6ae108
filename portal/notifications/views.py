"""In-app notifications: the list, the unread count in the header, marking read."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.notifications import bp, services
from portal.web.forms import ReadForm
from portal.web.htmx import is_htmx
from portal.web.urls import safe_next


@bp.get("/notifications")
@login_required
def notifications():
    return render_template(
        "notifications/page.html",
        items=services.notifications(current_user),
        form=ReadForm(formdata=None),
    )


@bp.get("/notifications/count")
@login_required
def notification_count():
    """Polled by htmx from the header; the same badge the layout renders."""
    return render_template("notifications/_count.html")


@bp.post("/notifications/read")
@login_required
def mark_read():
    form = ReadForm()
    if form.validate():
        raw = form.notification.data or ""
        services.mark_read(current_user, int(raw) if raw.isdigit() else None)
    target = safe_next(request.form.get("next"), url_for("notifications.notifications"))
    if is_htmx():
        return render_template("notifications/_count.html")
    return redirect(target, 303)
