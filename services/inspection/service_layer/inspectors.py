"""Inspectors: who may be drawn, their department, towns, days away and declared conflicts of interest."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from ulid import ULID

from services.inspection.adapters.orm import inspectors
from services.inspection.domain.draw import Inspector
from services.inspection.domain.persons import Person
from shared.refusals import N_, Conflict, NotFound, Refused, Violation


class AccountTaken(Conflict, Refused):
    """Another inspector already signs in with this account (or is known by it as an id): 409, naming `account`."""

    def __init__(self, account: str, holder: str):
        super().__init__([Violation("inspector.account_taken", "account", {"value": account, "inspector_id": holder})],
                         N_("Another inspector (%(inspector_id)s) already answers to the account %(account)s."),
                         code="inspector.account_taken", account=account, inspector_id=holder)


def _out(row: Any) -> dict[str, Any]:
    found = dict(row)
    found["days_away"] = [dt.date.fromisoformat(d) for d in found["days_away"]]
    return found


def inspector_id_of(session: Session, sub: str) -> str:
    """The inspector a person with the inspector role is: the one whose id is their `sub` (a token minted for that
    id), else the one whose `account` is their `sub` (a person signed in through the identity provider). A `sub`
    no inspector answers to is kept as it is: it names no team and no case, so that person sees none.

    This is the one place that decides it: the API and the console ask it for "my tasks", "my cases" and who
    records a result."""
    if "\x00" in sub:
        return sub
    found = session.execute(sa.select(inspectors.c.id, inspectors.c.account)
                            .where(sa.or_(inspectors.c.id == sub, inspectors.c.account == sub))).all()
    by_id = [row.id for row in found if row.id == sub]
    return (by_id or [row.id for row in found] or [sub])[0]


def _holder(session: Session, account: str, but: str | None = None) -> str | None:
    """The other inspector already answering to `account`: by their account, or by their id."""
    query = sa.select(inspectors.c.id).where(sa.or_(inspectors.c.account == account, inspectors.c.id == account))
    if but is not None:
        query = query.where(inspectors.c.id != but)
    return session.scalars(query.limit(1)).first()


def add_inspector(session: Session, fields: dict[str, Any], *, now: dt.datetime) -> tuple[dict[str, Any], bool]:
    """Add an inspector; one whose `external_ref` is already known is answered as it is (a paper record
    imported twice is one inspector). Says whether it was added. An `account` another inspector answers to is
    refused (409)."""
    ref = fields.get("external_ref")
    if ref is not None:
        known = session.execute(sa.select(inspectors).where(inspectors.c.external_ref == ref)).mappings().first()
        if known is not None:
            return _out(known), False
    account = fields.get("account")
    if account is not None and (holder := _holder(session, account)) is not None:
        raise AccountTaken(account, holder)
    inspector_id = str(ULID())
    try:
        with session.begin_nested():
            _insert(session, inspector_id, fields, now)
    except sa.exc.IntegrityError:  # the same paper record (or account) at the same moment: asked again, one wins
        session.rollback()
        return add_inspector(session, fields, now=now)
    session.commit()
    return get_inspector(session, inspector_id), True


def change_account(session: Session, inspector_id: str, account: str | None) -> dict[str, Any]:
    """Give an inspector the account they sign in with (None: none); one another inspector answers to is refused
    (409)."""
    get_inspector(session, inspector_id)
    if account is not None and (holder := _holder(session, account, but=inspector_id)) is not None:
        raise AccountTaken(account, holder)
    try:
        with session.begin_nested():
            session.execute(inspectors.update().where(inspectors.c.id == inspector_id).values(account=account))
    except sa.exc.IntegrityError:  # given to another inspector at the same moment
        session.rollback()
        raise AccountTaken(account, _holder(session, account, but=inspector_id) or "") from None
    session.commit()
    return get_inspector(session, inspector_id)


def _insert(session: Session, inspector_id: str, fields: dict[str, Any], now: dt.datetime) -> None:
    declared = {Person(p["name"].strip(), (p["certificate_no"] or "").strip() or None)
                for p in fields.get("conflict_persons", [])}
    session.execute(inspectors.insert().values(
        id=inspector_id, external_ref=fields.get("external_ref"), account=fields.get("account"),
        name=fields["name"].strip(),
        department=fields["department"],
        certificate_no=fields["certificate_no"].strip(), towns=list(dict.fromkeys(fields.get("towns", []))),
        days_away=sorted({d.isoformat() for d in fields.get("days_away", [])}),
        conflict_institutions=sorted(set(fields.get("conflict_institutions", []))),
        conflict_persons=[p.as_json() for p in sorted(declared, key=lambda p: (p.name, p.certificate_no or ""))],
        created_at=now))


def get_inspector(session: Session, inspector_id: str) -> dict[str, Any]:
    """One inspector."""
    row = None
    if "\x00" not in inspector_id:
        row = session.execute(sa.select(inspectors).where(inspectors.c.id == inspector_id)).mappings().first()
    if row is None:
        raise NotFound(N_("There is no inspector %(inspector_id)s."), code="inspector.not_found",
                       inspector_id=inspector_id.replace("\x00", ""))
    return _out(row)


def list_inspectors(session: Session, *, department: str | None, page: int,
                    page_size: int) -> tuple[list[dict[str, Any]], int]:
    """A page of inspectors by department then name, and the total."""
    query = sa.select(inspectors)
    if department:
        query = query.where(inspectors.c.department == department)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(inspectors.c.department, inspectors.c.name, inspectors.c.id)
                           .limit(page_size).offset((page - 1) * page_size)).mappings().all()
    return [_out(r) for r in rows], total


def declared_persons(row: Any) -> tuple[Person, ...]:
    """The persons an inspector declared a conflict of interest with."""
    return tuple(Person.from_json(p) for p in row["conflict_persons"])


def for_the_draw(session: Session, departments: tuple[str, ...], days: tuple[dt.date, ...],
                 previous_round: dict[str, set[str]], duties: dict[str, int],
                 towns: tuple[str, ...] = ()) -> list[Inspector]:
    """The inspectors of the departments taking part who cover one of the campaign's towns (one who lists no
    town covers them all), as the draw sees them on the round's days."""
    wanted = {d.isoformat() for d in days}
    rows = [row for row in session.execute(sa.select(inspectors).where(inspectors.c.department.in_(departments)))
            .mappings() if not row["towns"] or not towns or set(row["towns"]) & set(towns)]
    return [Inspector(row["id"], row["name"], row["department"],
                      away=frozenset(dt.date.fromisoformat(d) for d in row["days_away"] if d in wanted),
                      conflicts=frozenset(row["conflict_institutions"]),
                      previous_round=frozenset(previous_round.get(row["id"], ())), duties=duties.get(row["id"], 0),
                      conflict_persons=declared_persons(row))
            for row in rows]
