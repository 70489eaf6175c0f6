"""The kit's own console pages, in every service: the home page and the admin's bus, dead letters and audit log."""

from __future__ import annotations

import contextlib

import structlog
from flask import current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from shared.audit import audit_page, audit_query, audit_table
from shared.console.kit import ConsoleBlueprint, page

log = structlog.get_logger(__name__)
PEOPLE = ("clerk", "desk", "inspector", "supervisor", "leader", "admin")
AUDIT_PAGE = 50

blp = ConsoleBlueprint("console_kit", __name__)


@blp.screen("", roles=PEOPLE, endpoint="home")
def home():
    """The signed-in person's start: their screens in this service and their other consoles."""
    return page("console/home.html")


def _bus_parts():
    spec = current_app.extensions["offcampus.spec"]
    settings = current_app.extensions["offcampus.settings"]
    return spec, settings, current_app.extensions.get("offcampus.bus") or settings.amqp_url


@blp.screen("/admin/bus", roles=("admin",), title=_l("Bus"))
def bus():
    """How far this service's bus is from settled: outbox, queue, unacked, dead letters."""
    from shared.bus.ops import bus_status

    spec, settings, transport = _bus_parts()
    try:
        state = bus_status(current_app.extensions["offcampus.db"].engine, transport, spec.name,
                            namespace=settings.bus_namespace)
    except Exception as exc:  # a broker that is down is what the admin came to see, not a 500
        log.warning("console_bus_unreachable", error=exc.__class__.__name__)
        state = None
    return page("console/admin_bus.html", state=state, service=spec.name)


@blp.screen("/admin/dead-letters", roles=("admin",), title=_l("Dead letters"))
def dead_letters():
    """The service's dead letters, each with why it was refused."""
    from shared.bus.dlq import list_dead

    spec, settings, transport = _bus_parts()
    try:
        letters = list_dead(transport, settings.bus_namespace, spec.name, limit=100)
    except Exception as exc:
        log.warning("console_bus_unreachable", error=exc.__class__.__name__)
        letters = None
    return page("console/admin_dead_letters.html", letters=letters, service=spec.name)


@blp.screen("/admin/dead-letters/replay", roles=("admin",), methods=("POST",))
def replay_dead_letters():
    """Send the dead letters (or one) back to the queue."""
    from shared.bus.dlq import replay_dead

    spec, settings, transport = _bus_parts()
    event_id = (request.form.get("event_id") or "").strip() or None
    replayed = replay_dead(transport, settings.bus_namespace, spec.name, event_id)
    return redirect(url_for("console_kit.dead_letters", replayed=replayed), 303)


@blp.screen("/admin/audit", roles=("admin",), title=_l("Audit log"))
def audit():
    """Every write to this service, newest first, filtered by who and path."""
    sub = (request.args.get("sub") or "").strip()[:200] or None
    path = (request.args.get("path") or "").strip()[:500] or None
    number = 1
    with contextlib.suppress(ValueError):
        number = min(max(int(request.args.get("page", "1")), 1), 100_000)
    table = audit_table(current_app.extensions["offcampus.spec"].metadata)
    rows, total = audit_page(current_app.extensions["offcampus.db"], audit_query(table, sub=sub, path=path),
                             number, AUDIT_PAGE)
    return page("console/admin_audit.html", rows=rows, total=total, sub=sub or "", path=path or "",
                page_number=number, pages=max(1, -(-total // AUDIT_PAGE)))
