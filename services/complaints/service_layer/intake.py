"""Public intake (Open311): file a report, follow it by token, read what the public may read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from services.complaints.adapters import clue_rows
from services.complaints.adapters.vault import Vault
from services.complaints.domain import Category, Channel
from services.complaints.domain.clue import Clue, Place, Reporter
from shared.bus.envelope import new_ulid
from shared.refusals import N_, NotFound

WINDOW_DAYS = 90  # Open311's default and widest window for listing requests


def place_in_town(address: str | None, towns: Iterable[str]) -> str | None:
    """The configured town an address names, or None: the desk places what names no town."""
    if not address:
        return None
    named = [town for town in towns if town in address]
    return max(named, key=len) if named else None  # the longest name: 城关镇 inside 老城关镇 is not it


def file_report(uow, vault: Vault, *, at: dt.datetime, channel: Channel, towns: Iterable[str],
                request: dict[str, Any]) -> tuple[str, str]:
    """File a public report; answers the clue's id and the reporter's token (shown once, stored hashed)."""
    place = Place(address=request.get("address_string"), lat=request.get("lat"), long=request.get("long"))
    place.town = place_in_town(place.address, towns)
    reporter = Reporter(first_name=request.get("first_name"), last_name=request.get("last_name"),
                        phone=request.get("phone"), email=request.get("email"), notify=request.get("notify", False))
    clue, token = Clue.file_public_report(
        id=new_ulid(), category=Category(request["service_code"]), channel=channel,
        description=request.get("description") or "", place=place, reporter=reporter, at=at,
        media_url=request.get("media_url"), attributes=request.get("attribute") or {},
        correlation_id=uow.correlation_id)
    with uow:
        clue_rows.add(uow.session, vault, clue, token)
        uow.commit()
    return clue.id, token


def request_id_of(session, token: str) -> str:
    """The request a token follows; a forged or mistyped token is not found."""
    clue_id = clue_rows.id_by_token(session, token)
    if clue_id is None:
        raise NotFound(N_("No request was filed with this token."), code="token.not_found")
    return clue_id


def public_request(session, clue_id: str) -> dict[str, Any]:
    """One request as the public sees it."""
    row = clue_rows.public_row(session, clue_id)
    if row is None:
        raise NotFound(N_("There is no request %(service_request_id)s."), code="request.not_found",
                       service_request_id=clue_id)
    return row


def public_requests(session, *, ids: list[str] | None, category: str | None, status: str | None,
                    start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Requests as the public sees them: the ids asked for, else those received within [start, end]."""
    if ids:
        return clue_rows.public_rows(session, ids=ids)
    return clue_rows.public_rows(session, category=category, open311_status=status, start=start, end=end)
