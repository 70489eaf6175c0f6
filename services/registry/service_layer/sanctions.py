"""Carrying out inspection's ban sanctions: one ban per case, and none dropped when it cannot be carried out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.registry.adapters.orm import ban_sanctions, institutions
from services.registry.adapters.repository import InstitutionRepository
from services.registry.domain import IllegalTransition, Institution
from services.registry.domain import lifecycle as lc
from services.registry.service_layer.handlers import commit_institution
from services.registry.service_layer.queries import confine_to_town, not_found
from services.registry.service_layer.texts import BAN_BY_CASE, recorded_text
from shared.clock import SYSTEM_CLOCK, Clock
from shared.refusals import N_, Conflict, NotFound
from shared.unit_of_work import BatchUnitOfWork, UnitOfWork

ACTOR = "inspection"  # who the history names for a ban carried out on a case's decision
BANNED = "banned"  # carried out now
ALREADY_BANNED = "already_banned"  # the institution was banned before (by the registry or another case)
NO_INSTITUTION = "no_institution"  # the case is against a person or an address
UNKNOWN_INSTITUTION = "unknown_institution"  # the id named is not on the registry's books
NOT_BANNABLE = "not_bannable"  # e.g. the institution had already closed
OUTCOMES = (BANNED, ALREADY_BANNED, NO_INSTITUTION, UNKNOWN_INSTITUTION, NOT_BANNABLE)
UNMATCHED = (NO_INSTITUTION, UNKNOWN_INSTITUTION, NOT_BANNABLE)  # what a clerk must look at


def _registry_id(reference: str | None) -> int | None:
    # inspection names institutions by the registry's id as text; anything else is not one of ours
    if reference is None or not reference.isascii() or not reference.isdigit():
        return None
    number = int(reference)
    return number if 0 < number < 2**31 else None


def _ban_date(institution: Institution, decided_on: dt.date, today: dt.date) -> dt.date:
    """The decision's date, kept inside what the history can record: not before its last step, not future."""
    last = institution.history[-1].occurred_on if institution.history else decided_on
    return min(max(decided_on, last), today)


def carry_out_ban(uow: BatchUnitOfWork, *, case_id: str, institution_ref: str | None, decided_on: dt.date,
                  event_id: str, clock: Clock = SYSTEM_CLOCK) -> str:
    """Ban the institution a case's ban sanction names, or record why not; return the outcome.

    A sanction already received for the case changes nothing: one case, one ban.
    """
    session = uow.session
    known = session.scalar(sa.select(ban_sanctions.c.outcome).where(ban_sanctions.c.case_id == case_id))
    if known is not None:
        return known
    repository = InstitutionRepository(session)
    registry_id = _registry_id(institution_ref)
    institution = repository.get(registry_id) if registry_id is not None else None
    if institution_ref is None:
        outcome = NO_INSTITUTION
    elif institution is None:
        outcome = UNKNOWN_INSTITUTION
    else:
        outcome = _ban(institution, case_id, decided_on, clock)
    session.execute(ban_sanctions.insert().values(
        case_id=case_id, institution_ref=institution_ref,
        institution_id=institution.id if institution is not None else None, outcome=outcome,
        decided_on=decided_on, event_id=event_id, correlation_id=uow.correlation_id, received_at=clock.now()))
    if outcome == BANNED:
        repository.save(institution)  # a clerk's concurrent change makes this raise: the message is retried
        uow.track(institution)
    uow.commit()
    return outcome


def _ban(institution: Institution, case_id: str, decided_on: dt.date, clock: Clock) -> str:
    reason = recorded_text(BAN_BY_CASE, case_id=case_id, decided_on=decided_on.isoformat())
    try:
        changed = institution.ban(reason=reason, actor=ACTOR, case_id=case_id, recorded_at=clock.now(),
                                  occurred_on=_ban_date(institution, decided_on, clock.today()))
    except IllegalTransition:
        return ALREADY_BANNED if institution.state == lc.BANNED else NOT_BANNABLE
    return BANNED if changed else ALREADY_BANNED


def resolve_ban_sanction(uow: UnitOfWork, sanction_id: int, *, institution_id: int, actor: str, clock: Clock,
                         occurred_on: dt.date | None = None, reason: str | None = None,
                         town: str | None = None) -> dict[str, Any]:
    """A clerk bans the institution an unmatched ban sanction meant, citing its case: the only ban a clerk makes.

    A sanction already carried out (or resolved) is a Conflict; the institution's own rules (its state, the
    order of its history) refuse as for any ban. With `town`, only an institution of that town.
    """
    session = uow.session
    row = session.execute(sa.select(ban_sanctions).where(ban_sanctions.c.id == sanction_id)
                          .with_for_update()).mappings().first()
    if row is None:
        raise NotFound(N_("There is no ban sanction %(sanction_id)s."), code="ban_sanction.not_found",
                       sanction_id=sanction_id)
    if row["outcome"] not in UNMATCHED:
        raise Conflict(N_("Ban sanction %(sanction_id)s of case %(case_id)s was already carried out: it needs no "
                          "clerk."), code="ban_sanction.not_unmatched", sanction_id=sanction_id, case_id=row["case_id"],
                       outcome=row["outcome"])
    if town is not None:
        confine_to_town(session, institution_id, town)
    repository = InstitutionRepository(session)
    institution = repository.get(institution_id)
    if institution is None:
        raise not_found(institution_id)
    reason = reason or recorded_text(BAN_BY_CASE, case_id=row["case_id"], decided_on=row["decided_on"].isoformat())
    institution.ban(reason=reason, actor=actor, case_id=row["case_id"], recorded_at=clock.now(),
                    occurred_on=occurred_on or clock.today())
    session.execute(ban_sanctions.update().where(ban_sanctions.c.id == sanction_id).values(
        outcome=BANNED, institution_id=institution.id, resolved_by=actor, resolved_at=clock.now()))
    commit_institution(uow, repository, institution)
    return get_ban_sanction(session, sanction_id)


def get_ban_sanction(session: Session, sanction_id: int) -> dict[str, Any]:
    """One ban sanction received, with the institution's name when matched."""
    row = session.execute(sa.select(ban_sanctions, institutions.c.name.label("institution_name"))
                          .join(institutions, institutions.c.id == ban_sanctions.c.institution_id, isouter=True)
                          .where(ban_sanctions.c.id == sanction_id)).mappings().one()
    return dict(row)


def list_ban_sanctions(session: Session, *, page: int, page_size: int, outcome: str | None = None,
                       unmatched: bool | None = None, town: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """A page of the ban sanctions received, newest first, with the institution's name when matched.

    With `town`, only sanctions of that town's institutions (one naming no known institution is in no town).
    """
    query = (sa.select(ban_sanctions, institutions.c.name.label("institution_name"))
             .join(institutions, institutions.c.id == ban_sanctions.c.institution_id, isouter=True))
    if town is not None:
        query = query.where(institutions.c.town == town)
    if outcome is not None:
        query = query.where(ban_sanctions.c.outcome == outcome)
    if unmatched is not None:
        matched = ban_sanctions.c.outcome.in_(UNMATCHED)
        query = query.where(matched if unmatched else ~matched)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(ban_sanctions.c.id.desc()).limit(page_size)
                           .offset((page - 1) * page_size)).mappings()
    return [dict(row) for row in rows], total
