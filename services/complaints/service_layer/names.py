"""Complaints' replica of institution names: fed by registry events, searched by the desk."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.complaints.adapters.orm import institution_names
from services.complaints.domain import name_key
from services.complaints.domain.matching import Known, name_core, pinyin_of, simplified
from shared.replica import keep_newest


def _keep(session: Session, event, row: dict[str, Any]) -> None:
    # a lifecycle event that got here first keeps its name and state; the registration adds the credit code
    # and the address (lifecycle events carry no address, so they leave it as it is)
    core = name_core(row["name"])
    keep_newest(session, institution_names, {"institution_id": event.data["institution_id"]},
                {**row, "name_key": name_key(row["name"]), "name_core": core, "name_pinyin": pinyin_of(core),
                 "updated_at": datetime.now(UTC)}, event.sequence, fill_in=("credit_code", "address", "address_key"))


def institution_registered(event, session: Session) -> None:
    """Remember a registered institution's name (a redelivery changes nothing)."""
    data = event.data
    _keep(session, event, {"name": data["name"], "credit_code": data["credit_code"], "town": data["town"],
                           "category": data["category"], "state": data["state"], "address": data["address"],
                           "address_key": simplified(data["address"])})


def institution_changed(event, session: Session) -> None:
    """Follow an institution's name, town and state through its lifecycle; older news is ignored."""
    data = event.data
    _keep(session, event, {"name": data["name"], "town": data["town"], "category": data["category"],
                           "state": data["to_state"]})


def search_names(session: Session, *, q: str | None, town: str | None, page: int,
                 page_size: int) -> tuple[list[dict[str, Any]], int]:
    """A page of institution names containing `q` however it is written, by name, and the total."""
    query = sa.select(institution_names.c.institution_id, institution_names.c.name,
                      institution_names.c.credit_code, institution_names.c.town,
                      institution_names.c.category, institution_names.c.state)
    if q:
        key = name_key(q)
        if key:  # a query of punctuation only matches everything, as no query does
            query = query.where(institution_names.c.name_key.contains(key, autoescape=True))
    if town:
        query = query.where(institution_names.c.town == town)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(institution_names.c.name, institution_names.c.institution_id)
                           .limit(page_size).offset((page - 1) * page_size)).mappings().all()
    return [dict(r) for r in rows], total


def known_institutions(session: Session, town: str | None = None) -> list[Known]:
    """Every institution matching may suggest (of one town when given), with the keys stored for it."""
    query = sa.select(institution_names.c.institution_id, institution_names.c.name, institution_names.c.name_core,
                      institution_names.c.name_pinyin, institution_names.c.address_key)
    if town:
        query = query.where(institution_names.c.town == town)
    return [Known(row.institution_id, row.name, row.name_core or "", row.name_pinyin or "", row.address_key or "")
            for row in session.execute(query)]
