"""Rounds of a campaign: scheduled as records of their own, each with a seed committed by its SHA-256."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from ulid import ULID

from services.inspection.adapters.orm import campaigns, rounds
from services.inspection.domain import Campaign, CampaignKind
from services.inspection.domain.draw import RoundPlan, new_seed, sha256_hex
from services.inspection.domain.rounds import happened, plan_round
from services.inspection.service_layer.campaigns import get_campaign
from shared.db import UnitOfWork
from shared.refusals import N_, NotFound

# What anyone may read of a round: never the seed, which only the published draw reveals after the round.
PUBLIC_COLUMNS = ("id", "campaign_id", "number", "days", "teams_per_day", "team_size", "target_count",
                  "tier_percent", "team_departments", "seed_sha256", "scheduled_by", "scheduled_at")


def campaign_of(row: dict[str, Any]) -> Campaign:
    """The domain's campaign from its stored row."""
    return Campaign(id=row["id"], name=row["name"], kind=CampaignKind(row["kind"]), starts_on=row["starts_on"],
                    ends_on=row["ends_on"], towns=tuple(row["towns"]), departments=tuple(row["departments"]),
                    rounds=row["rounds"])


def _out(row: Any) -> dict[str, Any]:
    found = {key: row[key] for key in PUBLIC_COLUMNS}
    found["days"] = [dt.date.fromisoformat(d) for d in found["days"]]
    return found


def schedule_round(uow: UnitOfWork, campaign_id: str, fields: dict[str, Any], *, scheduled_by: str,
                   now: dt.datetime) -> dict[str, Any]:
    """Schedule the campaign's next round and commit its seed (answered by its SHA-256 only); now, or at
    `scheduled_at` (a paper record's: never ahead, never before the campaign was launched)."""
    fields = dict(fields)
    stored = get_campaign(uow.session, campaign_id)
    scheduled_at = happened(fields.pop("scheduled_at", None), now, "scheduled_at", after=stored["launched_at"])
    campaign = campaign_of(stored)
    # one round at a time per campaign: the row lock keeps two supervisors from taking the same number
    uow.session.execute(sa.select(campaigns.c.id).where(campaigns.c.id == campaign_id).with_for_update())
    number = (uow.session.scalar(sa.select(sa.func.max(rounds.c.number))
                                 .where(rounds.c.campaign_id == campaign_id)) or 0) + 1
    plan_round(campaign, number=number, **fields)
    seed = new_seed()
    round_id = str(ULID())
    uow.session.execute(rounds.insert().values(
        id=round_id, campaign_id=campaign_id, number=number, days=[d.isoformat() for d in fields["days"]],
        teams_per_day=fields["teams_per_day"], team_size=fields["team_size"],
        target_count=fields.get("target_count"), tier_percent=fields.get("tier_percent"),
        team_departments=dict(fields.get("team_departments") or {}), seed=seed, seed_sha256=sha256_hex(seed),
        scheduled_by=scheduled_by, scheduled_at=scheduled_at))
    uow.commit()
    return get_round(uow.session, round_id)


def _row(session: Session, round_id: str) -> Any:
    row = None
    if "\x00" not in round_id:
        row = session.execute(sa.select(rounds).where(rounds.c.id == round_id)).mappings().first()
    if row is None:
        raise NotFound(N_("There is no round %(round_id)s."), code="round.not_found",
                       round_id=round_id.replace("\x00", ""))
    return row


def get_round(session: Session, round_id: str) -> dict[str, Any]:
    """One round, without its seed."""
    return _out(_row(session, round_id))


def list_rounds(session: Session, campaign_id: str) -> list[dict[str, Any]]:
    """The campaign's rounds in order."""
    get_campaign(session, campaign_id)
    rows = session.execute(sa.select(rounds).where(rounds.c.campaign_id == campaign_id)
                           .order_by(rounds.c.number)).mappings().all()
    return [_out(r) for r in rows]


def round_with_seed(session: Session, round_id: str) -> tuple[Any, Campaign, RoundPlan]:
    """The round's stored row (seed included), its campaign and its plan for the draw."""
    row = _row(session, round_id)
    campaign = campaign_of(get_campaign(session, row["campaign_id"]))
    plan = RoundPlan(campaign_id=campaign.id, round=row["number"],
                     days=tuple(dt.date.fromisoformat(d) for d in row["days"]), teams_per_day=row["teams_per_day"],
                     team_size=row["team_size"], towns=campaign.towns, departments=campaign.departments,
                     target_count=row["target_count"], tier_percent=row["tier_percent"],
                     team_departments=row["team_departments"])
    return row, campaign, plan
