"""Institutions in and out of the database: the aggregate with its history, licence and reminders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.registry.adapters.orm import institution_history, institutions, licence_reminders, licences
from services.registry.domain import HistoryEntry, Institution, Licence, LicenceHalf
from shared.bus.tables import insert_for


class ConcurrentChange(Exception):
    """Another writer changed the institution after it was loaded; nothing was written."""

    def __init__(self, institution_id: int, seen_version: int):
        super().__init__(f"institution {institution_id} changed after version {seen_version} was read")
        self.institution_id, self.seen_version = institution_id, seen_version


@dataclass
class _Loaded:
    """What was read, so that saving writes only what changed and only over the version it read."""

    version: int
    history_length: int
    licence: Licence | None
    reminders: dict[str, dt.date] = field(default_factory=dict)


_HISTORY_FIELDS = ("action", "from_state", "to_state", "occurred_on", "recorded_at", "actor", "reason", "case_id",
                   "deadline", "document_number")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def state_step(institution: Institution) -> HistoryEntry:
    """The step that brought the institution to its current state (renewals and overdue flags do not)."""
    return next(entry for entry in reversed(institution.history) if entry.from_state != entry.to_state)


class InstitutionRepository:
    """Loads and saves Institution aggregates in one session (the unit of work's)."""

    def __init__(self, session: Session):
        self.session = session
        self._loaded: dict[int, _Loaded] = {}

    def next_id(self) -> int:
        """A new institution id, taken before the aggregate is built (its registration event carries it)."""
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            # the serial column's own sequence: never handed out twice, no lock held, rows inserted later
            return connection.scalar(sa.text("SELECT nextval(pg_get_serial_sequence('institutions', 'id'))"))
        # SQLite (the embedded default) serialises writers; a lost race fails on the primary key
        return (connection.scalar(sa.select(sa.func.max(institutions.c.id))) or 0) + 1

    def holder_of(self, credit_code: str) -> int | None:
        """The id of the institution registered under this credit code, if any."""
        return self.session.scalar(sa.select(institutions.c.id).where(institutions.c.credit_code == credit_code))

    def add(self, institution: Institution) -> None:
        """Insert a newly registered institution with its first history entry."""
        registration = institution.history[0]
        now = _now()
        self.session.execute(institutions.insert().values(
            id=institution.id, name=institution.name, credit_code=institution.credit_code,
            division_code=institution.division_code, town=institution.town, address=institution.address,
            category=institution.category, subject_group=institution.subject_group, audience=institution.audience,
            contact_phone=institution.contact_phone, legal_representative=institution.legal_representative,
            registered_state=institution.state, registered_category=institution.category,
            occurred_on=registration.occurred_on, recorded_at=registration.recorded_at, updated_at=now,
            **self._changing_columns(institution)))
        self._insert_history(institution, 0)
        self._loaded[institution.id] = _Loaded(institution.version, len(institution.history), None)

    def get(self, institution_id: int) -> Institution | None:
        """The institution with its history, current licence and reminders, or None."""
        row = self.session.execute(sa.select(institutions).where(institutions.c.id == institution_id)).first()
        if row is None:
            return None
        history = [HistoryEntry(**{name: getattr(entry, name) for name in _HISTORY_FIELDS}) for entry in
                   self.session.execute(sa.select(institution_history)
                                        .where(institution_history.c.institution_id == institution_id)
                                        .order_by(institution_history.c.position))]
        licence = self._current_licence(institution_id)
        reminders = {r.kind: r.valid_until for r in self.session.execute(
            sa.select(licence_reminders).where(licence_reminders.c.institution_id == institution_id))}
        institution = Institution(
            id=row.id, name=row.name, credit_code=row.credit_code, division_code=row.division_code, town=row.town,
            address=row.address, category=row.category, subject_group=row.subject_group, audience=row.audience,
            contact_phone=row.contact_phone, legal_representative=row.legal_representative, state=row.state,
            version=row.version, licence=licence, rectification_deadline=row.rectification_deadline,
            rectification_overdue_flagged=row.rectification_overdue_flagged, ban_case_id=row.ban_case_id,
            licence_reminders=reminders, history=history)
        self._loaded[institution.id] = _Loaded(row.version, len(history), licence, dict(reminders))
        return institution

    def save(self, institution: Institution) -> None:
        """Write the changes since `get`, only if nobody else wrote since; else raise ConcurrentChange."""
        loaded = self._loaded[institution.id]
        if institution.version == loaded.version:
            return
        changed = self.session.execute(
            institutions.update()
            .where(institutions.c.id == institution.id, institutions.c.version == loaded.version)
            .values(category=institution.category, subject_group=institution.subject_group, updated_at=_now(),
                    **self._changing_columns(institution)))
        if changed.rowcount != 1:  # PostgreSQL re-checks the WHERE after a concurrent writer commits
            raise ConcurrentChange(institution.id, loaded.version)
        self._insert_history(institution, loaded.history_length)
        if institution.licence is not loaded.licence and institution.licence is not None:
            self._replace_licence(institution.id, institution.licence)
        for kind, valid_until in institution.licence_reminders.items():
            if loaded.reminders.get(kind) != valid_until:
                self._remember_reminder(institution.id, kind, valid_until)
        self._loaded[institution.id] = _Loaded(institution.version, len(institution.history), institution.licence,
                                               dict(institution.licence_reminders))

    # -- internals ----------------------------------------------------------------------------------------

    @staticmethod
    def _changing_columns(institution: Institution) -> dict[str, Any]:
        step = state_step(institution)
        return {"state": institution.state, "version": institution.version, "state_since": step.occurred_on,
                "state_reason": step.reason, "rectification_deadline": institution.rectification_deadline,
                "rectification_overdue_flagged": institution.rectification_overdue_flagged,
                "ban_case_id": institution.ban_case_id}

    def _insert_history(self, institution: Institution, start: int) -> None:
        rows = [{"institution_id": institution.id, "position": position,
                 **{name: getattr(entry, name) for name in _HISTORY_FIELDS}}
                for position, entry in enumerate(institution.history) if position >= start]
        if rows:
            self.session.execute(institution_history.insert(), rows)

    def _current_licence(self, institution_id: int) -> Licence | None:
        row = self.session.execute(sa.select(licences).where(
            licences.c.institution_id == institution_id, licences.c.superseded_at.is_(None))).first()
        if row is None:
            return None
        return Licence(
            school_licence=LicenceHalf(number=row.school_number, issued_on=row.school_issued_on,
                                       valid_until=row.school_valid_until),
            registration=LicenceHalf(number=row.registration_number, issued_on=row.registration_issued_on,
                                     valid_until=row.registration_valid_until),
            registration_kind=row.registration_kind)

    def _replace_licence(self, institution_id: int, licence: Licence) -> None:
        now = _now()
        self.session.execute(licences.update().where(
            licences.c.institution_id == institution_id, licences.c.superseded_at.is_(None)).values(superseded_at=now))
        school, registration = licence.school_licence, licence.registration
        self.session.execute(licences.insert().values(
            institution_id=institution_id, school_number=school.number, school_issued_on=school.issued_on,
            school_valid_until=school.valid_until, registration_kind=licence.registration_kind,
            registration_number=registration.number, registration_issued_on=registration.issued_on,
            registration_valid_until=registration.valid_until, recorded_at=now))

    def _remember_reminder(self, institution_id: int, kind: str, valid_until: dt.date) -> None:
        insert = insert_for(self.session.connection().dialect.name)
        values = {"institution_id": institution_id, "kind": kind, "valid_until": valid_until, "reminded_at": _now()}
        statement = insert(licence_reminders).values(**values).on_conflict_do_update(
            index_elements=["institution_id", "kind"],
            set_={"valid_until": valid_until, "reminded_at": values["reminded_at"]})
        self.session.execute(statement)
