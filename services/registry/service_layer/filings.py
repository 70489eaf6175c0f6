"""Filing use cases: check a filing against every rule, publish it in place of the previous one, read them back."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from services.registry.adapters.county_section import registry_rules
from services.registry.adapters.filing_tables import filing_documents, filing_subjects, filing_terms, filings
from services.registry.adapters.orm import institutions
from services.registry.domain import (
    Course,
    FeeItem,
    Filing,
    FilingCheck,
    FilingRejected,
    Session,
    Teacher,
    WeeklySlot,
    review_filing,
)
from services.registry.service_layer.queries import not_found
from shared.bus import new_event
from shared.clock import SYSTEM_CLOCK, Clock
from shared.db import UnitOfWork
from shared.refusals import N_, Conflict, NotFound

LICENSED = "licensed"


class FilingRefused(FilingRejected):
    """The domain's refusal, carrying the whole check: its notices and the rules' version go in the answer."""

    message = N_("The filing was refused: rules broken: %(num)s. Each is listed in violations.")

    def __init__(self, check: FilingCheck):
        super().__init__(check.violations, num=len(check.violations), notices=list(check.notices),
                         config_version=check.config_version)
        self.check = check


def search_key(text: str) -> str:
    """Text folded the way the board compares it: full-width forms and letter case do not matter."""
    return unicodedata.normalize("NFKC", text).casefold()


def name_terms(key: str) -> set[str]:
    """Every character and every pair of adjacent characters of a folded name (what a search can look up)."""
    return set(key) | {key[i:i + 2] for i in range(len(key) - 1)}


def query_terms(key: str, most: int = 4) -> list[str]:
    """Terms every name containing the folded text must have: its pairs (a few suffice), or its one character."""
    pairs = list(dict.fromkeys(key[i:i + 2] for i in range(len(key) - 1)))
    if len(pairs) > most:  # spread over the text: any subset is a necessary condition, LIKE decides
        pairs = [pairs[round(i * (len(pairs) - 1) / (most - 1))] for i in range(most)]
    return pairs or ([key] if key else [])


def to_filing(payload: Mapping[str, Any]) -> Filing:
    """The domain's Filing from a validated request body."""
    return Filing(
        courses=tuple(Course(subject=c["subject"], grade_band=c["grade_band"],
                             materials=tuple(c.get("materials", ()))) for c in payload.get("courses", ())),
        teachers=tuple(Teacher(name=t["name"], qualification_certificate_no=t.get("qualification_certificate_no"),
                               serving_public_school_teacher=t.get("serving_public_school_teacher", False))
                       for t in payload.get("teachers", ())),
        fee_items=tuple(FeeItem(**item) for item in payload.get("fee_items", ())),
        timetable=tuple(WeeklySlot(**slot) for slot in payload.get("timetable", ())),
        sessions=tuple(Session(**item) for item in payload.get("sessions", ())),
    )


def check(filing: Filing, institution: Mapping[str, Any]) -> FilingCheck:
    """Check a filing against every rule for this institution, with the county's values and calendar."""
    config = registry_rules()
    # `audience` arrives with the institutions' own columns; until then the courses' grade bands decide
    return review_filing(filing, institution["category"], institution.get("audience"), config, config.calendar,
                         subject_group=institution.get("subject_group"))


def _hhmm(moment) -> str:
    return moment.strftime("%H:%M")


def document_of(filing: Filing) -> dict[str, Any]:
    """The accepted filing as stored and shown: money in whole fen, times as HH:MM, dates as ISO text."""
    return {
        "courses": [{"subject": c.subject, "grade_band": c.grade_band, "materials": list(c.materials)}
                    for c in filing.courses],
        "teachers": [{"name": t.name, "qualification_certificate_no": t.qualification_certificate_no}
                     for t in filing.teachers],
        "fee_items": [{"name": f.name, "price_per_hour_fen": int(f.price_per_hour_fen), "grade_band": f.grade_band,
                       "class_size_band": f.class_size_band, "hours_per_collection": int(f.hours_per_collection),
                       "months_per_collection": int(f.months_per_collection),
                       "amount_per_collection_fen": int(f.amount_per_collection_fen)} for f in filing.fee_items],
        "timetable": [{"weekday": s.weekday, "start": _hhmm(s.start), "end": _hhmm(s.end), "mode": s.mode,
                       "course": s.course} for s in filing.timetable],
        "sessions": [{"date": s.date.isoformat(), "start": _hhmm(s.start), "end": _hhmm(s.end), "mode": s.mode,
                      "course": s.course} for s in sorted(filing.sessions, key=lambda s: (s.date, s.start))],
    }


def _institution_for_filing(session, institution_id: int) -> Mapping[str, Any]:
    # the row lock orders this filing with any concurrent filing or transition of the same institution
    row = session.execute(sa.select(institutions).where(institutions.c.id == institution_id)
                          .with_for_update()).mappings().first()
    if row is None:
        raise not_found(institution_id)
    if row["state"] != LICENSED:
        raise Conflict(N_("Institution %(institution_id)s is %(state)s; only a licensed institution files."),
                       institution_id=institution_id,
                       code="filing.institution_not_licensed", state=row["state"])
    return row


def publish_filing(uow: UnitOfWork, institution_id: int, payload: Mapping[str, Any],
                   filed_by: str, clock: Clock = SYSTEM_CLOCK) -> dict[str, Any]:
    """Check a filing; when it breaks no rule, make it the institution's current filing and announce it."""
    session = uow.session
    institution = _institution_for_filing(session, institution_id)
    filing = to_filing(payload)
    result = check(filing, institution)
    if not result.accepted:
        raise FilingRefused(result)
    now = clock.now()
    previous = session.execute(sa.update(filings).where(
        filings.c.institution_id == institution_id, filings.c.superseded_at.is_(None),
    ).values(superseded_at=now).returning(filings.c.id)).scalar()
    max_price = filing.max_price_per_hour_fen
    new_id = session.execute(filings.insert().values(
        institution_id=institution_id, supersedes_id=previous, filed_at=now, filed_by=filed_by[:200],
        config_version=result.config_version,
        notices=[n.as_dict() for n in result.notices], subjects="\n".join(filing.subjects),
        teacher_count=len(filing.teachers), max_price_per_hour_fen=max_price, modes=",".join(filing.modes),
        name_key=search_key(institution["name"])[:200], town=institution["town"], listed=True,
    ).returning(filings.c.id)).scalar_one()
    document = document_of(filing)
    session.execute(filing_documents.insert().values(filing_id=new_id, document=document))
    keys = {search_key(subject)[:100]: subject for subject in filing.subjects}
    session.execute(filing_subjects.insert(), [{"filing_id": new_id, "subject_key": key, "subject": subject[:100]}
                                               for key, subject in keys.items()])
    session.execute(filing_terms.insert(), [{"filing_id": new_id, "term": term}
                                            for term in name_terms(search_key(institution["name"])[:200])])
    uow.publish(new_event(
        type="registry.filing.published", subject=str(institution_id), correlation_id=uow.correlation_id,
        data={"institution_id": str(institution_id), "filing_id": str(new_id), "subjects": list(filing.subjects),
              "teacher_count": len(filing.teachers),
              # a filing without fee items charges nothing
              "max_price_per_hour_fen": max_price if max_price is not None else 0,
              "modes": list(filing.modes),
              # exactly the teachers the board shows (a blank number shows as none), for conflicts of interest
              "teachers": [{"name": t["name"], "qualification_certificate_no":
                            t["qualification_certificate_no"] or None} for t in document["teachers"]]}))
    try:
        uow.commit()
    except sa.exc.IntegrityError as exc:  # SQLite has no row lock: two filings raced for "current"
        raise Conflict(N_("Another filing of this institution was published at the same time; send it again."),
                       code="filing.concurrent") from exc
    return get_filing(session, institution_id, new_id)


def _as_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    found = dict(row)
    found.update(found.pop("document"))
    found["subjects"] = found["subjects"].split("\n") if found["subjects"] else []
    found["modes"] = found["modes"].split(",") if found["modes"] else []
    found["current"] = found["superseded_at"] is None
    return found


_COLUMNS = [*(c for c in filings.c if c.name not in ("name_key", "town", "listed")), filing_documents.c.document]
_WITH_DOCUMENT = filings.join(filing_documents, filing_documents.c.filing_id == filings.c.id)


def get_filing(session, institution_id: int, filing_id: int) -> dict[str, Any]:
    """One filing of an institution, current or superseded."""
    row = session.execute(sa.select(*_COLUMNS).select_from(_WITH_DOCUMENT).where(
        filings.c.institution_id == institution_id, filings.c.id == filing_id)).mappings().first()
    if row is None:
        raise NotFound(N_("Institution %(institution_id)s has no filing %(filing_id)s."), code="filing.not_found",
                       institution_id=institution_id, filing_id=filing_id)
    return _as_dict(row)


def current_filing(session, institution_id: int) -> dict[str, Any]:
    """The institution's current filing."""
    _exists(session, institution_id)
    row = session.execute(sa.select(*_COLUMNS).select_from(_WITH_DOCUMENT).where(
        filings.c.institution_id == institution_id, filings.c.superseded_at.is_(None))).mappings().first()
    if row is None:
        raise NotFound(N_("Institution %(institution_id)s has not filed yet."), code="filing.none",
                       institution_id=institution_id)
    return _as_dict(row)


def filing_history(session, institution_id: int, *, page: int, page_size: int) -> tuple[list[dict], int]:
    """Every filing of the institution, newest first, and how many there are."""
    _exists(session, institution_id)
    where = filings.c.institution_id == institution_id
    total = session.scalar(sa.select(sa.func.count()).select_from(filings).where(where))
    rows = session.execute(sa.select(*_COLUMNS).select_from(_WITH_DOCUMENT).where(where).order_by(filings.c.id.desc())
                           .limit(page_size).offset((page - 1) * page_size)).mappings().all()
    return [_as_dict(row) for row in rows], total


def _exists(session, institution_id: int) -> None:
    if session.scalar(sa.select(institutions.c.id).where(institutions.c.id == institution_id)) is None:
        raise not_found(institution_id)
