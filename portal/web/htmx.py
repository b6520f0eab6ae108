"""One URL, two renderings: the full page, or the fragment htmx asked for."""

from __future__ import annotations

from flask import Response, make_response, render_template, request


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment (not boosted, not a history restore)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render(page: str, partial: str, status: int = 200, **context) -> Response:
    """Render `partial` for htmx, `page` otherwise; `Vary: HX-Request` is added globally."""
    template = partial if is_htmx() else page
    return make_response(render_template(template, **context), status)


def redirect_to(target: str):
    """After a successful POST: 303 for a browser, HX-Redirect for htmx (never a 302)."""
    from flask import redirect

    if is_htmx():
        return "", 200, {"HX-Redirect": target}
    return redirect(target, 303)
