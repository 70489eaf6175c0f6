"""The desk's use cases: record a complaint taken by phone, letter or in person, register public reports,
list clues, and read one with its reporter (each reading remembered)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.complaints.adapters import clue_rows
from services.complaints.adapters.county_section import complaints_rules
from services.complaints.adapters.vault import Vault
from services.complaints.domain import Category, Channel
from services.complaints.domain.clue import Clue, Place, Reporter, deadline
from services.complaints.service_layer.intake import place_in_town
from shared.bus.envelope import new_ulid
from shared.clock import LOCAL_TZ
from shared.refusals import N_, Conflict, NotFound, Refused, Violation


def _town(given: str | None, address: str | None, towns: Collection[str]) -> str | None:
    if given is not None and given not in towns:
        raise Refused([Violation("town_unknown", "town", {"town": given})])
    return given or place_in_town(address, towns)


def _not_found(clue_id: str) -> NotFound:
    return NotFound(N_("There is no clue %(clue_id)s."), code="clue.not_found", clue_id=clue_id)


def record(uow, vault: Vault, *, data: dict[str, Any], now: dt.datetime, calendar,
           towns: Collection[str]) -> tuple[str, str | None]:
    """Record a complaint the desk took; answers its id and the reporter's token (None for a repeated import)."""
    received_at = data.get("received_at") or now
    address = data.get("address")
    place = Place(address=address, town=_town(data.get("town"), address, towns))
    reporter = Reporter(**data.get("reporter", {}))
    with uow:
        if data.get("external_ref"):
            existing = clue_rows.id_by_external_ref(uow.session, data["external_ref"])
            if existing:
                return existing, None
        clue, token = Clue.record_at_desk(
            id=new_ulid(), category=Category(data["category"]), channel=Channel(data["channel"]),
            description=data["description"], place=place, reporter=reporter, received_at=received_at, now=now,
            due=deadline(calendar, received_at.astimezone(LOCAL_TZ).date(),
                         complaints_rules().answer_within_working_days),
            external_ref=data.get("external_ref"), correlation_id=uow.correlation_id)
        clue_rows.add(uow.session, vault, uow.track(clue), token)
        try:
            uow.commit()
        except IntegrityError:  # the same reference imported at the same moment by someone else
            uow.rollback()
            existing = clue_rows.id_by_external_ref(uow.session, data["external_ref"] or "")
            if existing is None:
                raise
            return existing, None
    return clue.id, token


def _ref_taken(external_ref: str, holder: str) -> Conflict:
    return Conflict(N_("Clue %(existing_id)s is registered under %(external_ref)s."), code="clue.external_ref_taken",
                    external_ref=external_ref, existing_id=holder)


def register(uow, clue_id: str, *, town: str | None, category: str | None, now: dt.datetime, calendar,
             towns: Collection[str], town_claim: str | None, external_ref: str | None = None) -> None:
    """Register a public report as a clue: placed in a town, given its deadline (and the desk's reference, by
    which its list finds it), announced on the bus."""
    with uow:
        clue = clue_rows.load(uow.session, clue_id)
        if clue is None or (town_claim and clue.place.town not in (None, town_claim)):
            raise _not_found(clue_id)
        holder = clue_rows.id_by_external_ref(uow.session, external_ref) if external_ref else None
        if holder not in (None, clue_id):
            raise _ref_taken(external_ref or "", holder)
        # the report's journey keeps the id it was filed with, not the desk session's that registers it
        uow.correlation_id = clue.correlation_id or uow.correlation_id
        chosen = _town(town, None, towns) or clue.place.town
        if town_claim and chosen not in (None, town_claim):
            raise Refused([Violation("town_outside_claim", "town", {"town": chosen})])
        clue.register(town=chosen, category=Category(category) if category else None, now=now,
                      due=deadline(calendar, clue.received_at.astimezone(LOCAL_TZ).date(),
                                   complaints_rules().answer_within_working_days), external_ref=external_ref)
        clue_rows.save(uow.session, uow.track(clue))
        try:
            uow.commit()
        except IntegrityError:  # the same reference given to another report at the same moment
            uow.rollback()
            raise _ref_taken(external_ref or "", clue_rows.id_by_external_ref(uow.session, external_ref or "")
                             or "?") from None


def clue_for_desk(uow, vault: Vault, clue_id: str, *, viewer: str, now: dt.datetime,
                  town_claim: str | None) -> dict[str, Any]:
    """A clue with its reporter and full description; the reading is remembered (who, when, which clue)."""
    with uow:
        row = clue_rows.desk_row(uow.session, clue_id)
        if row is None or (town_claim and row["town"] != town_claim):
            raise _not_found(clue_id)
        sealed = row.pop("sealed")
        opened = vault.open(clue_id, sealed) if sealed is not None else None
        row["reporter"] = opened["reporter"] if opened else None
        row["description"] = opened["description"] if opened else row["description_public"]
        row["history"] = clue_rows.history_of(uow.session, clue_id)
        clue_rows.note_reporter_view(uow.session, clue_id, viewer, now)
        uow.commit()
    return row


def clues_for_desk(session, *, filters: dict[str, Any], page: int, page_size: int) -> tuple[list[dict], int]:
    """A page of clues (public columns: the reporter is read one clue at a time)."""
    rows, total = clue_rows.desk_page(session, filters=filters, page=page, page_size=page_size)
    for row in rows:
        row["description"] = row["description_public"]
    return rows, total
