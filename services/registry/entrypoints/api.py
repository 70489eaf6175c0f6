"""The institutions API: the registry's book, each institution's lifecycle, history, licence and notices."""

from __future__ import annotations

import re

from flask import request, url_for
from flask.views import MethodView
from flask_babel import gettext

from services.registry.domain import render
from services.registry.entrypoints.schemas import (
    ACTION_DATA,
    InstitutionDetailOut,
    InstitutionIn,
    InstitutionListArgs,
    InstitutionOut,
    NoticeOut,
    PrePlatformBanIn,
    TransitionIn,
)
from services.registry.service_layer import handlers, notices, queries
from shared.api import Blueprint
from shared.auth import confine_write_to_town, current_principal, requires
from shared.clock import current_clock
from shared.db import request_session, request_uow
from shared.errors import explain_violations_with, fields_under
from shared.pagination import PageArgs, paginate

READERS = ("clerk", "admin", "integrator", "supervisor")
_ETAG = {"ETag": {"description": "The institution's version; send it back in `If-Match` to change it safely.",
                  "schema": {"type": "string"}}}
_VERSION_TAG = re.compile(r"v(\d{1,9})")

blp = Blueprint("institutions", __name__, url_prefix="/v1/institutions",
                description="Institutions on the registry's books: registration, lifecycle, history, notices")


@blp.before_request
def within_the_readers_town() -> None:
    """A town claim is a boundary for one institution too: another town's institution (its details, history,
    notices, filings, lifecycle) is 404 to a town officer, exactly as if it did not exist."""
    institution_id = (request.view_args or {}).get("institution_id")
    principal = current_principal()
    if institution_id is not None and principal is not None and principal.town:
        queries.confine_to_town(request_session(), institution_id, principal.town)


def etag(version: int) -> str:
    """The institution's entity tag, derived from its version."""
    return f'"v{version}"'


def if_match_versions() -> set[int] | None:
    """The versions `If-Match` accepts; None when absent or `*` (any version will do)."""
    if "If-Match" not in request.headers or request.if_match.star_tag:
        return None
    # a weak or foreign tag never matches (If-Match compares strongly): an empty set, so 412
    return {int(found.group(1)) for tag in request.if_match.as_set()
            if (found := _VERSION_TAG.fullmatch(tag))}


def _detail(institution_id: int, status: int = 200):
    found = queries.institution_detail(request_session(), institution_id)
    headers = {"ETag": etag(found["version"])}
    if status == 201:
        headers["Location"] = url_for("institutions.Institution", institution_id=institution_id)
    return found, status, headers


@blp.route("")
class Institutions(MethodView):
    """The registry's book of institutions."""

    @requires(*READERS)
    @blp.arguments(InstitutionListArgs, location="query")
    @blp.response(200, paginate(InstitutionOut))
    def get(self, args):
        """List institutions, newest first: by state, category, town, county, or part of the name."""
        # a town claim is a boundary, not a default: a town officer sees only their own town
        town = current_principal().town or args.get("town")
        filters = {name: args.get(name) for name in ("state", "category", "division_code", "q")}
        items, total = queries.list_institutions(request_session(), page=args["page"],
                                                 page_size=args["page_size"], town=town, **filters)
        return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}

    @requires("clerk")
    @blp.arguments(InstitutionIn)
    @blp.response(201, InstitutionDetailOut, headers={
        **_ETAG, "Location": {"description": "The new institution", "schema": {"type": "string"}}})
    def post(self, data):
        """Register an institution: one already on the books (`stock`) or a new application (`under_review`).

        A credit code failing its check character is 422 naming `credit_code`; one already registered, 409.
        A town officer registers in their own town only: another town is 403 (`town_outside_claim`).
        """
        confine_write_to_town(data["town"])
        with request_uow() as uow:
            institution_id = handlers.register_institution(uow, data, actor=current_principal().sub,
                                                           recorded_at=current_clock().now())
        return _detail(institution_id, 201)


@blp.route("/<pk:institution_id>")
class Institution(MethodView):
    """One institution."""

    @requires(*READERS)
    @blp.response(200, InstitutionDetailOut, headers=_ETAG)
    def get(self, institution_id: int):
        """Read one institution with its licence and its full history (who, when it happened, when recorded, why).

        To a town officer (a token with `town`) an institution of another town is 404, here and on every
        path below it.
        """
        return _detail(institution_id)


@blp.route("/<pk:institution_id>/transitions")
class Transitions(MethodView):
    """The institution's lifecycle."""

    @requires("clerk")
    @blp.arguments(TransitionIn)
    @blp.response(200, InstitutionDetailOut, headers=_ETAG)
    def post(self, body, institution_id: int):
        """Take an action: `start_review`, `license`, `renew_licence`, `order_rectification`, `ban`, `close`,
        `convert`.

        An action the current state does not allow is 409 naming the state and the allowed actions. With
        `If-Match`, an institution changed since it was read is 412; without it, of two concurrent
        transitions one wins and the other is 409.
        """
        with request_uow() as uow, fields_under("data."):
            handlers.take_action(uow, institution_id, body["action"], body["data"], actor=current_principal().sub,
                                 if_match=if_match_versions(), recorded_at=current_clock().now())
        return _detail(institution_id)


@blp.route("/<pk:institution_id>/pre-platform-ban")
class PrePlatformBan(MethodView):
    """A ban decided before the platform existed."""

    @requires("admin")
    @blp.arguments(PrePlatformBanIn)
    @blp.response(200, InstitutionDetailOut, headers=_ETAG)
    def post(self, body, institution_id: int):
        """Record a ban decided on paper before the platform, with the decision's document number (admin).

        The history shows it with its `document_number`; the institution's rules apply as to any ban (409 when
        its state allows no ban, 422 naming `occurred_on` for a date before its last step or in the future).
        Every other ban comes from an inspection case (`/v1/ban-sanctions`).
        """
        with request_uow() as uow:
            handlers.record_pre_platform_ban(uow, institution_id, document_number=body["document_number"],
                                             decided_on=body["occurred_on"], reason=body["reason"],
                                             actor=current_principal().sub, recorded_at=current_clock().now())
        return _detail(institution_id)


@blp.route("/<pk:institution_id>/notices")
class Notices(MethodView):
    """What the registry told an institution (for an institution app or an SMS gateway)."""

    @requires(*READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, paginate(NoticeOut))
    def get(self, args, institution_id: int):
        """List the institution's notices, newest first, each with its text in the reader's language."""
        items, total = queries.list_notices(request_session(), institution_id, page=args["page"],
                                            page_size=args["page_size"])
        for item in items:
            template = notices.MESSAGES.get(item["kind"])
            item["message"] = gettext(template) % item if template else item["kind"]
        return {"items": items, "total": total, "page": args["page"], "page_size": args["page_size"]}


def register(api, app) -> None:
    """Mount the institutions API; the kit answers refusals, worded by the registry's rule texts."""
    api.register_blueprint(blp)
    for schema in dict.fromkeys(ACTION_DATA.values()):  # what `data` may hold, per action, in the document
        api.spec.components.schema(schema.__name__, schema=schema)
    explain_violations_with(app, render)
