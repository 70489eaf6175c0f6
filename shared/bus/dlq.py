"""Dead letters for operators: `offcampus dlq list <svc>` and `offcampus dlq replay <svc> [--id ID]`."""

from __future__ import annotations

from typing import Any

from shared.bus.transport import Transport, transport_from_url


def _transport(url_or_transport: str | Transport | None, namespace: str) -> Transport:
    if url_or_transport is None or isinstance(url_or_transport, str):
        return transport_from_url(url_or_transport, namespace=namespace)
    return url_or_transport


def list_dead(url_or_transport: str | Transport | None, namespace: str, service: str,
              limit: int = 100) -> list[dict[str, Any]]:
    """The service's first dead letters: id, type, subject, correlation id, reason, error, attempts, time."""
    return _transport(url_or_transport, namespace).list_dead(service, limit)


def replay_dead(url_or_transport: str | Transport | None, namespace: str, service: str,
                event_id: str | None = None) -> int:
    """Send the service's dead letters (or the one with `event_id`) back to its queue; return how many."""
    return _transport(url_or_transport, namespace).replay_dead(service, event_id)
