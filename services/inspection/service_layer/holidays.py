"""Holiday campaigns from the official calendar, and their reminder, issued once on the reminder day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from services.inspection.adapters.orm import campaigns
from services.inspection.domain import Campaign
from services.inspection.domain.holidays import Calendar, plan_holiday
from services.inspection.domain.rounds import plan_round
from services.inspection.service_layer import rounds
from services.inspection.service_layer.campaigns import launch_campaign
from shared.bus import new_event
from shared.db import Database, UnitOfWork

ROUND_FIELDS = ("teams_per_day", "team_size", "target_count", "tier_percent", "team_departments")


def generate_holiday_campaign(uow: UnitOfWork, fields: dict[str, Any], calendar: Calendar, *, launched_by: str,
                              now: dt.datetime, today: dt.date) -> tuple[dict[str, Any], bool]:
    """A holiday campaign from the reminder day to the holiday's last day, one duty round per day off; says
    whether it was made (a known `external_ref` answers the campaign already made). Generated on or after its
    reminder day, its reminder is issued at once: the scheduled check would only find it later."""
    plan = plan_holiday(calendar, fields["holiday"], fields["year"])
    campaign = {"name": fields.get("name") or f"{fields['year']} {fields['holiday']}", "kind": "holiday",
                "starts_on": plan.remind_on, "ends_on": plan.days[-1], "rounds": len(plan.days),
                "towns": fields["towns"], "departments": fields["departments"], "holiday": plan.holiday,
                "remind_on": plan.remind_on, "external_ref": fields.get("external_ref"),
                "launched_at": fields.get("launched_at")}
    each_round = {key: fields.get(key) for key in ROUND_FIELDS}
    # every rule checked before anything is written, so a refused round leaves no campaign behind
    checked = Campaign.launch(id="-", **{k: v for k, v in campaign.items()
                                         if k not in ("holiday", "remind_on", "external_ref", "launched_at")})
    for number, day in enumerate(plan.days, start=1):
        plan_round(checked, number=number, days=[day], **each_round)
    launched, made = launch_campaign(uow, campaign, launched_by=launched_by, now=now)
    if not made:
        return {**launched, "rounds_scheduled": rounds.list_rounds(uow.session, launched["id"])}, False
    # scheduled with the campaign, when it was generated
    each_round["scheduled_at"] = launched["launched_at"]
    launched["rounds_scheduled"] = [rounds.schedule_round(uow, launched["id"], {**each_round, "days": [day]},
                                                          scheduled_by=launched_by, now=now)
                                    for day in plan.days]
    if plan.remind_on <= today:
        _remind(uow, launched["id"], now)
    return launched, True


def _remind(uow: UnitOfWork, campaign_id: str, now: dt.datetime) -> bool:
    """Publish the campaign's reminder unless it was issued already; say whether this did."""
    # claimed by one update: a second worker, or the same one after a restart, finds it issued
    claimed = uow.session.execute(campaigns.update().where(campaigns.c.id == campaign_id,
                                                          campaigns.c.reminded_at.is_(None)).values(reminded_at=now))
    if claimed.rowcount != 1:
        return False
    row = uow.session.execute(sa.select(campaigns).where(campaigns.c.id == campaign_id)).mappings().one()
    uow.publish(new_event(type="inspection.campaign.reminder_issued", subject=campaign_id,
                          correlation_id=row["correlation_id"],
                          data={"campaign_id": campaign_id, "holiday": row["holiday"],
                                "remind_on": row["remind_on"], "towns": list(row["towns"])}))
    uow.commit()
    return True


def issue_reminders(database: Database, clock) -> int:
    """Publish `inspection.campaign.reminder_issued` once per holiday campaign, from its reminder day on."""
    today = clock.today()
    with database.sessions() as session:
        due = session.scalars(sa.select(campaigns.c.id).where(
            campaigns.c.remind_on <= today, campaigns.c.ends_on >= today, campaigns.c.reminded_at.is_(None))).all()
    issued = 0
    for campaign_id in due:
        with database.unit_of_work() as uow:
            issued += _remind(uow, campaign_id, clock.now())
    return issued
