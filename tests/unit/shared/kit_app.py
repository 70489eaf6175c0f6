"""A tiny service built with the kit, for testing the kit's HTTP behaviour without any real service."""

from __future__ import annotations

from pathlib import Path

import marshmallow as ma
import sqlalchemy as sa
from flask.views import MethodView

from shared.api import Blueprint
from shared.audit import define_audit_table
from shared.auth import public, requires
from shared.idempotency import define_idempotency_table
from shared.service import ServiceSpec

metadata = sa.MetaData()
define_idempotency_table(metadata)
define_audit_table(metadata)
blp = Blueprint("things", __name__, url_prefix="/v1/things")
created: list[dict] = []


class ThingIn(ma.Schema):
    """A thing to create."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=50))
    count = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0))


class ThingOut(ThingIn):
    """A created thing."""

    id = ma.fields.Integer(required=True)


@blp.route("")
class Things(MethodView):
    """Things."""

    @requires("clerk")
    @blp.arguments(ThingIn)
    @blp.response(201, ThingOut)
    def post(self, data):
        """Create a thing."""
        thing = {"id": len(created) + 1, **data}
        created.append(thing)
        return thing


class SearchArgs(ma.Schema):
    """Search text."""

    q = ma.fields.String()


@blp.route("/public")
class PublicThings(MethodView):
    """Open to everybody."""

    @public
    @blp.arguments(SearchArgs, location="query")
    @blp.response(200, ThingOut(many=True))
    def get(self, args):
        """List things without a token."""
        return [t for t in created if args.get("q", "") in t["name"]]


@blp.route("/by-form")
class ThingsByForm(MethodView):
    """Things sent as a form, as Open311 clients send them."""

    @requires("clerk")
    @blp.arguments(ThingIn, location="form")
    @blp.response(201, ThingOut)
    def post(self, data):
        """Create a thing from a form."""
        thing = {"id": len(created) + 1, **data}
        created.append(thing)
        return thing


@blp.route("/<pk:thing_id>")
class OneThing(MethodView):
    """One thing by its id."""

    @requires("clerk")
    @blp.response(200, ThingOut)
    def get(self, thing_id: int):
        """Show one thing."""
        return created[thing_id - 1] if thing_id <= len(created) else {"id": thing_id, "name": "?", "count": 0}


@blp.route("/boom")
class Boom(MethodView):
    """Always fails."""

    @requires()
    def get(self):
        """Raise an unexpected error."""
        raise RuntimeError("secret internal detail")


def register_api(api, app):
    """Mount the test blueprint."""
    api.register_blueprint(blp)


SPEC = ServiceSpec(name="registry", port=8001, title="kit test", metadata=metadata,
                   migrations=Path("/nonexistent"), register_api=register_api)
