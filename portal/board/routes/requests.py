"""The board (filters, search, load more), posting a request, a request's page, and
closing, withdrawing or renewing it."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal.board import bp, queries, services
from portal.board.forms import AnswerForm, RequestForm
from portal.board.models import Answer, AnswerStatus
from portal.extensions import db
from portal.members.blocks import hidden_from
from portal.members.forms import parse_tags
from portal.members.models import MemberTag
from portal.members.security import posting_limited, verified_required
from portal.moderation import can_see, is_staff
from portal.tools import catalogue
from portal.web.caching import BoundedCache, etag_for, serve_page, shares_pages
from portal.web.forms import ActionForm
from portal.web.htmx import is_htmx, redirect_to
from portal.web.kept import serve_kept
from portal.web.numbers import whole_number


def page_number() -> int:
    number = whole_number(request.args.get("page", "1"), low=1, high=10_000)
    if number is None:
        abort(404)
    g.page_number = number  # for the canonical link
    return number


def board_context(form: RequestForm | None = None) -> dict:
    filters = queries.Filters.from_args(request.args)
    signed_in = current_user.is_authenticated
    return {
        "filters": filters,
        "page": queries.board(
            filters, page_number(), viewer_id=current_user.id if signed_in else None
        ),
        "suggested": queries.suggestions(current_user) if signed_in else [],
        "form": form or (new_request_form() if signed_in else None),
        "tools": catalogue(),
    }


def new_request_form() -> RequestForm:
    form = RequestForm(formdata=None)
    role = current_user.role.value
    form.kind.data = "offering" if role == "junior" else "seeking"
    return form


ANONYMOUS_PAGES = 64  # rendered anonymous board pages kept per worker


@bp.get("/requests/")
def board():
    if is_htmx():
        # Load more swaps just the next cards; filters and search swap the whole list.
        more = request.headers.get("HX-Target") == "load-more"
        template = "board/_cards.html" if more else "board/_request_list.html"
        return render_template(template, **board_context())
    if not current_app.config.get("BOARD_PAGE_CACHE", True):
        return render_template("board/board.html", **board_context())
    # The same page for every anonymous reader until the board changes: cached per
    # worker under the board's version (one small query), rendered again after.
    version = services.board_version()
    filters = queries.Filters.from_args(request.args)
    key = (version, tuple(sorted(filters.as_args().items())), page_number())
    cache = current_app.extensions.setdefault("portal.board_pages", BoundedCache(ANONYMOUS_PAGES))
    return serve_page(
        cache,
        key,
        lambda: render_template("board/board.html", **board_context()),
        etag=etag_for(*key),
        max_age=10,
    )


@bp.get("/requests/new")
@verified_required
def new_request():
    return render_template("board/new_request.html", form=new_request_form(), tools=catalogue())


@bp.post("/requests/")
@posting_limited("RATELIMIT_REQUESTS")
@verified_required
def post_request():
    form = RequestForm()
    if form.validate():
        data = services.RequestInput(
            kind=form.kind.data,
            title=form.title.data,
            tool=form.tool.data,
            description=form.description.data,
            tags=parse_tags(form.tags.data),
            cadence=form.cadence.data or "",
            in_person=form.format.data == "in_person",
            city=form.city.data or "",
        )
        created = services.post_request(current_user, data)
        if is_htmx():
            # The new card goes on top of the list; a fresh form replaces the old one.
            return render_template(
                "board/_posted.html",
                item=created,
                form=new_request_form(),
                tools=catalogue(),
            )
        return redirect(url_for("board.request_page", request_id=created.id), 303)
    if is_htmx():
        response = render_template("board/_request_form.html", form=form, tools=catalogue())
        return response, 422, {"HX-Retarget": "#request-form", "HX-Reswap": "outerHTML"}
    return render_template("board/new_request.html", form=form, tools=catalogue()), 422


def hidden_ids() -> frozenset[int]:
    """The members the signed-in viewer blocked or was blocked by: read once a request,
    for the request's author and for every answer's."""
    if "hidden_ids" not in g:
        signed_in = current_user.is_authenticated
        g.hidden_ids = frozenset(
            db.session.scalars(hidden_from(current_user.id)) if signed_in else ()
        )
    return g.hidden_ids


def load_request(request_id: int):
    """The request, if this viewer may see it: hidden by the moderators, or posted by a
    suspended member, it is there for its author and the moderators only; across a
    block, it isn't there at all."""
    item = services.get_request(request_id)
    if item is None:
        abort(404)
    if not is_staff(current_user) and (
        not can_see(item, item.author_id, current_user)
        or item.author.is_suspended()
        or item.author_id in hidden_ids()
    ):
        abort(404)
    return item


def load_tags(members) -> None:
    """The tags of every member the page shows (the request's author and the answerers)
    in one query, for those whose tags aren't loaded yet."""
    wanted = {m.id: m for m in members if "tags" in sa.inspect(m).unloaded}
    if not wanted:
        return
    found: dict[int, list[MemberTag]] = {member_id: [] for member_id in wanted}
    query = sa.select(MemberTag).where(MemberTag.member_id.in_(wanted)).order_by(MemberTag.tag)
    for tag in db.session.scalars(query):
        found[tag.member_id].append(tag)
    for member_id, tags in found.items():
        set_committed_value(wanted[member_id], "tags", tags)


def request_context(item, **overrides) -> dict:
    """Everything the request page shows: the thread (answerers and their tags come
    in two queries, whatever the thread's length) and the forms."""
    query = (
        db.select(Answer)
        .where(Answer.request_id == item.id, Answer.status != AnswerStatus.WITHDRAWN)
        # The authors in the same query (a join); their tags in one more, below.
        .options(joinedload(Answer.author))
        .order_by(Answer.created_at)
    )
    staff = is_staff(current_user)
    hidden = () if staff else hidden_ids()
    answers = [
        answer
        for answer in db.session.scalars(query)
        if staff
        or (
            answer.author_id not in hidden
            and can_see(answer, answer.author_id, current_user)
            and not answer.author.is_suspended()
        )
    ]
    load_tags([item.author, *(answer.author for answer in answers)])
    signed_in = current_user.is_authenticated
    context = {
        "item": item,
        "answers": answers,
        "rights": services.rights_for(item, current_user, answers),
        # A form writes its CSRF token into the session the moment it is built: only
        # members, who can send them, get forms (a reader gets "sign in to answer").
        "answer_form": AnswerForm(formdata=None) if signed_in else None,
        "action": ActionForm(formdata=None) if signed_in else None,
    }
    context.update(overrides)
    return context


ANONYMOUS_REQUEST_PAGES = 128  # rendered anonymous request pages kept per worker
MEMBER_PAGE_BYTES = 2_000_000  # and members' own (about 20,000 bytes each)


@bp.get("/requests/<int:request_id>")
def request_page(request_id: int):
    def render() -> str:
        return render_template("board/request.html", **request_context(load_request(request_id)))

    if not current_app.config.get("BOARD_PAGE_CACHE", True):
        return render()
    if not shares_pages():
        # A member's own page, kept for them while the board, the blocks between them
        # and others, and what the page shows of them stay the same.
        def made_of() -> tuple:
            return (services.board_version(), request_id, sorted(hidden_ids()))

        return serve_kept("portal.member_request_pages", MEMBER_PAGE_BYTES, made_of, render)
    # Like the board: the same page for every anonymous reader until the board changes
    # (every change to a request, its answers or their authors bumps the version).
    # The path too: /requests/05 is request 5, and its page names that path (canonical
    # link, sign-in's way back).
    key = (services.board_version(), request_id, request.path)
    cache = current_app.extensions.setdefault(
        "portal.request_pages", BoundedCache(ANONYMOUS_REQUEST_PAGES)
    )
    return serve_page(cache, key, render, etag=etag_for("request", *key), max_age=10)


def _end(request_id: int, change, message: str):
    item = load_request(request_id)
    if not ActionForm().validate():
        abort(400)
    change(current_user, item)
    flash(message, "success")
    return redirect_to(url_for("board.request_page", request_id=item.id))


@bp.post("/requests/<int:request_id>/close")
@login_required
def close(request_id: int):
    return _end(request_id, services.close_request, _("Your request is closed."))


@bp.post("/requests/<int:request_id>/withdraw")
@login_required
def withdraw(request_id: int):
    return _end(request_id, services.withdraw_request, _("Your request is withdrawn."))


@bp.post("/requests/<int:request_id>/renew")
@login_required
def renew(request_id: int):
    return _end(request_id, services.renew_request, _("Your request is back on the board."))
