"""Handling a clue: suggestions and triage, referral, the answer (the desk's or an inspection's), closing,
the overdue check, and the reporter's rating by token."""

from __future__ import annotations

import datetime as dt
from typing import Any

import structlog

from services.complaints.adapters import clue_rows
from services.complaints.adapters.county_section import complaints_rules
from services.complaints.domain import Category
from services.complaints.domain.clue import OUTCOME_OF_INSPECTION, Clue
from services.complaints.domain.matching import Suggestion
from services.complaints.service_layer.names import KnownNames
from shared.clock import LOCAL_TZ
from shared.refusals import N_, NotFound, Refused, Violation
from shared.unit_of_work import BatchUnitOfWork

log = structlog.get_logger("offcampus.complaints.handling")


def _clue(uow, clue_id: str, town_claim: str | None = None) -> Clue:
    clue = clue_rows.load(uow.session, clue_id)
    if clue is None or (town_claim and clue.place.town != town_claim):
        raise NotFound(N_("There is no clue %(clue_id)s."), code="clue.not_found", clue_id=clue_id)
    # one complaint's journey has one id: every event about the clue carries the one it was born with
    uow.correlation_id = clue.correlation_id or uow.correlation_id
    return clue


def suggestions(session, names: KnownNames, clue_id: str, written: str, *, limit: int = 3) -> list[Suggestion]:
    """The institutions the desk most likely means by what the reporter wrote (computed at triage only).

    Every town's institutions are candidates: a reporter may place a clue in the wrong town. `names` is the
    process's indexed copy of the replica, refreshed here with what changed."""
    if clue_rows.public_row(session, clue_id) is None:
        raise NotFound(N_("There is no clue %(clue_id)s."), code="clue.not_found", clue_id=clue_id)
    return names.index(session).suggest(written, limit=limit)


def triage(uow, clue_id: str, *, category: str, institution_id: str | None, now: dt.datetime,
           town_claim: str | None, department: str | None = None, triaged_at: dt.datetime | None = None,
           by: str | None = None) -> dict[str, Any]:
    """Settle category, institution and department (by category, as the county file routes it, unless the desk
    names one); link the clue to earlier ones it repeats (within the county file's window). Now, or when it
    happened (a paper register's triage). No event: nothing outside the desk counts a triage, and what it
    settles travels with the referral or the answer."""
    rules = complaints_rules()
    window_days = rules.duplicate_window_days
    with uow:
        clue = _clue(uow, clue_id, town_claim)
        at = _happened(triaged_at, now, "triaged_at", clue)
        clue.institution_id, clue.category = institution_id, Category(category)
        earlier = clue_rows.duplicates_of(uow.session, clue, clue.received_at - dt.timedelta(days=window_days))
        earlier = [other for other in earlier if other != clue.id]
        first = earlier[0] if earlier else None
        clue.triage(category=Category(category), institution_id=institution_id,
                    department=department or rules.department_for(Category(category)), duplicate_of=first, now=at,
                    by=by)
        clue_rows.save(uow.session, uow.track(clue))
        uow.commit()
    return {"duplicates": earlier}


def refer(uow, clue_id: str, *, priority: str, reason: str, now: dt.datetime, town_claim: str | None,
          place: str | None = None, department: str | None = None, referred_at: dt.datetime | None = None,
          by: str | None = None) -> None:
    """Refer the clue for inspection (`complaints.clue.referred`), now or on the day it happened; the reason
    goes into the clue's history."""
    with uow:
        clue = _clue(uow, clue_id, town_claim)
        at = _happened(referred_at, now, "referred_at", clue)
        clue.refer(priority=priority, place=place, department=department, now=at, reason=reason,
                   on=at.astimezone(LOCAL_TZ).date(), by=by)
        clue_rows.save(uow.session, uow.track(clue))
        uow.commit()


def _happened(at: dt.datetime | None, now: dt.datetime, item: str, clue: Clue) -> dt.datetime:
    """When a desk action happened: now, or earlier for a paper record entered late (never ahead, never before
    the clue's previous step)."""
    if at is None:
        return now
    if at > now + dt.timedelta(minutes=1):  # a minute's clock skew is allowed, as for received_at
        raise Refused([Violation("handled_at_in_future", item, {"now": now.isoformat()})])
    previous = clue.last_step_at()
    if at < previous:
        raise Refused([Violation("handled_before_previous_step", item,
                                 {"previous": previous.astimezone(LOCAL_TZ).isoformat()})])
    return at


def answer(uow, clue_id: str, *, outcome: str | None, note: str, now: dt.datetime, town_claim: str | None,
           answered_at: dt.datetime | None = None, by: str | None = None) -> None:
    """The desk answers the reporter itself (`complaints.clue.answered`), now or on the day it happened."""
    with uow:
        clue = _clue(uow, clue_id, town_claim)
        at = _happened(answered_at, now, "answered_at", clue)
        clue.answer(outcome=outcome, note=note, on=at.astimezone(LOCAL_TZ).date(), now=at, by=by)
        clue_rows.save(uow.session, uow.track(clue))
        clue_rows.owe_notice(uow.session, clue.id, "answered", now)
        uow.commit()


def close(uow, clue_id: str, *, outcome: str, note: str, now: dt.datetime, town_claim: str | None,
          closed_at: dt.datetime | None = None, by: str | None = None) -> None:
    """Close the clue with its outcome and a note the reporter reads (`complaints.clue.closed`)."""
    with uow:
        clue = _clue(uow, clue_id, town_claim)
        at = _happened(closed_at, now, "closed_at", clue)
        clue.close(outcome=outcome, note=note, on=at.astimezone(LOCAL_TZ).date(), now=at, by=by)
        clue_rows.save(uow.session, uow.track(clue))
        clue_rows.owe_notice(uow.session, clue.id, "closed", now)
        uow.commit()


def inspection_completed(event, session) -> None:
    """An inspection of a referred clue reported back: the clue is answered with what it found."""
    clue_id = event.data.get("clue_id")
    if not clue_id:
        return  # a routine inspection, no complaint behind it
    clue = clue_rows.load(session, clue_id)
    if clue is None or clue.status.value in ("answered", "closed"):
        log.info("inspection_result_not_applied", clue_id=clue_id)  # not ours, or already answered
        return
    uow = BatchUnitOfWork(session, clue.correlation_id or event.correlationid)
    inspected_on = dt.date.fromisoformat(event.data["inspected_on"])
    outcome = OUTCOME_OF_INSPECTION[event.data["outcome"]]
    # the answer is dated by the inspection, so a late-delivered result does not make a clue late
    at = dt.datetime.combine(inspected_on, dt.time(18, 0), tzinfo=LOCAL_TZ)
    clue.answer(outcome=outcome, note=None, on=inspected_on, now=at)
    clue_rows.save(session, uow.track(clue))
    clue_rows.owe_notice(session, clue.id, "answered", at)
    uow.commit()


def flag_overdue(database, clock) -> int:
    """The scheduled check: publish `complaints.clue.overdue` once for each clue past its deadline."""
    today, now, flagged = clock.today(), clock.now(), 0
    with database.sessions() as session:
        due = clue_rows.ids_due_before(session, today)
    for clue_id in due:  # one transaction per clue: each event carries its own clue's correlation id
        with database.unit_of_work() as uow:
            clue = _clue(uow, clue_id)
            if clue.flag_overdue(today, now):
                clue_rows.save(uow.session, uow.track(clue))
                flagged += 1
            uow.commit()
    return flagged


def erase_reporters(database, clock, *, after_days: int | None = None) -> int:
    """The scheduled check: a closed clue's reporter and full description are erased `after_days` later (the
    county file's `erase_reporter_after_days` unless given)."""
    if after_days is None:
        after_days = complaints_rules().erase_reporter_after_days
    with database.unit_of_work() as uow:
        erased = clue_rows.erase_reporters(uow.session, clock.now() - dt.timedelta(days=after_days))
        uow.commit()
    if erased:
        log.info("reporters_erased", clues=erased)
    return erased


def rate(uow, clue_id: str, *, satisfied: bool, note: str | None, now: dt.datetime) -> None:
    """The reporter's rating of the answer, by token (`complaints.clue.rated`, without the note)."""
    with uow:
        clue = _clue(uow, clue_id)
        clue.rate(satisfied=satisfied, now=now)
        clue_rows.save(uow.session, uow.track(clue))
        clue_rows.rate(uow.session, clue, note)
        uow.commit()
