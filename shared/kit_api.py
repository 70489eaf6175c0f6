"""Endpoints every service has: who am I, and how is my bus doing."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask.views import MethodView

from shared.api import Blueprint
from shared.auth import current_principal, requires

blp = Blueprint("kit", __name__, url_prefix="/v1", description="Identity and operations of this service")


class WhoamiSchema(ma.Schema):
    """The caller's verified claims."""

    sub = ma.fields.String(required=True)
    dept = ma.fields.String(required=True)
    roles = ma.fields.List(ma.fields.String(), required=True)
    aud = ma.fields.List(ma.fields.String(), required=True)
    town = ma.fields.String(allow_none=True)
    service = ma.fields.String(required=True)


class BusStatusSchema(ma.Schema):
    """How far the service's bus has settled."""

    class Meta:
        unknown = ma.INCLUDE

    service = ma.fields.String(required=True)
    transport = ma.fields.String(required=True, metadata={"description": "`amqp` or `memory`"})
    outbox_pending = ma.fields.Integer(required=True, metadata={"description": "events not yet published"})
    outbox_failing = ma.fields.Integer(metadata={"description": "unpublished events that failed at least once"})
    outbox_oldest_age_s = ma.fields.Float(allow_none=True)
    queue_depth = ma.fields.Integer(allow_none=True, metadata={
        "description": "ready messages in its queues (the work queue and the interactive one)"})
    interactive_depth = ma.fields.Integer(allow_none=True, metadata={
        "description": "of which in its interactive queue (null where it has none)"})
    unacked = ma.fields.Integer(allow_none=True, metadata={
        "description": "messages delivered and not acked yet, where the broker tells (the in-memory one)"})
    consumers_holding_unacked = ma.fields.Integer(allow_none=True, metadata={
        "description": "consumer processes holding delivered, not yet acked messages (PostgreSQL)"})
    retrying = ma.fields.Integer(allow_none=True, metadata={"description": "messages waiting to be retried"})
    dead_letters = ma.fields.Integer(allow_none=True)
    broker = ma.fields.String(metadata={"description": "`ok`, or what is wrong with the broker"})
    settled = ma.fields.Boolean(metadata={
        "description": "nothing in flight: outbox, queue, unacked deliveries and retries empty"})


@blp.route("/whoami")
class Whoami(MethodView):
    """The caller as this service sees them."""

    @requires()
    @blp.response(200, WhoamiSchema)
    def get(self):
        """Echo the caller's claims."""
        principal = current_principal()
        return {"sub": principal.sub, "dept": principal.dept, "roles": list(principal.roles),
                "aud": list(principal.aud), "town": principal.town,
                "service": current_app.extensions["offcampus.spec"].name}


@blp.route("/ops/bus")
class BusStatus(MethodView):
    """Outbox, queue and dead letters: how a client knows the bus has settled."""

    @requires("admin")
    @blp.response(200, BusStatusSchema)
    def get(self):
        """Report outbox pending, queue depth and dead letters."""
        from shared.bus.ops import bus_status

        spec = current_app.extensions["offcampus.spec"]
        database = current_app.extensions["offcampus.db"]
        settings = current_app.extensions["offcampus.settings"]
        transport = current_app.extensions.get("offcampus.bus")
        return bus_status(database.engine, transport or settings.amqp_url, spec.name,
                          namespace=settings.bus_namespace)
