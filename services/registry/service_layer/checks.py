"""The worker's scheduled checks: rectifications past their deadline, licences about to expire."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import sqlalchemy as sa
import structlog

from services.registry.adapters.county_section import registry_rules
from services.registry.adapters.orm import institutions, licence_reminders, licences
from services.registry.adapters.repository import ConcurrentChange, InstitutionRepository
from services.registry.domain import Institution
from services.registry.domain import lifecycle as lc
from services.registry.domain.licence import SCHOOL_RUNNING_LICENCE
from shared.clock import SYSTEM_CLOCK, Clock
from shared.db import Database

log = structlog.get_logger("offcampus.registry.checks")


def _each(database: Database, ids: Iterable[int], record: Callable[[Institution], bool], check: str) -> int:
    """Apply `record` to each institution in its own transaction; return how many recorded something."""
    recorded = 0
    for institution_id in ids:
        with database.unit_of_work() as uow:
            repository = InstitutionRepository(uow.session)
            institution = repository.get(institution_id)
            if institution is None or not record(institution):
                continue
            try:
                repository.save(institution)
            except ConcurrentChange:  # a clerk or another worker got there first; the next round looks again
                log.info("scheduled_check_skipped", check=check, institution_id=institution_id)
                continue
            uow.track(institution)
            uow.commit()
            recorded += 1
    return recorded


def flag_overdue_rectifications(database: Database, clock: Clock = SYSTEM_CLOCK) -> int:
    """Publish `registry.institution.rectification_overdue` once for each rectification past its deadline."""
    today = clock.today()
    with database.sessions() as session:
        ids = session.scalars(sa.select(institutions.c.id).where(
            institutions.c.state == lc.RECTIFICATION, institutions.c.rectification_deadline < today,
            institutions.c.rectification_overdue_flagged.is_(False)).order_by(institutions.c.id)).all()
    return _each(database, ids, lambda institution: institution.flag_rectification_overdue(
        today, recorded_at=clock.now()),
                 "rectification_overdue")


def _not_reminded(kind: sa.ColumnElement, valid_until: sa.ColumnElement) -> sa.ColumnElement:
    return ~sa.exists(sa.select(licence_reminders.c.kind).where(
        licence_reminders.c.institution_id == licences.c.institution_id, licence_reminders.c.kind == kind,
        licence_reminders.c.valid_until == valid_until))


def remind_expiring_licences(database: Database, clock: Clock = SYSTEM_CLOCK,
                             within_days: int | None = None) -> int:
    """Publish `registry.licence.expiring` once per licence half and expiry date, `within_days` ahead."""
    today = clock.today()
    if within_days is None:
        within_days = registry_rules().licence_expiry_reminder_days
    horizon = today + dt.timedelta(days=within_days)
    school_due = sa.and_(licences.c.school_valid_until <= horizon,
                         _not_reminded(sa.literal(SCHOOL_RUNNING_LICENCE), licences.c.school_valid_until))
    registration_due = sa.and_(licences.c.registration_valid_until <= horizon,
                               _not_reminded(licences.c.registration_kind, licences.c.registration_valid_until))
    with database.sessions() as session:
        ids = session.scalars(
            sa.select(institutions.c.id).join(licences, licences.c.institution_id == institutions.c.id)
            .where(institutions.c.state == lc.LICENSED, licences.c.superseded_at.is_(None),
                   sa.or_(school_due, registration_due)).order_by(institutions.c.id)).all()
    return _each(database, ids, lambda institution: bool(institution.remind_licence_expiry(today, within_days)),
                 "licence_expiry")
