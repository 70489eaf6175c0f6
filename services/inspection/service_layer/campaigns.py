"""Campaign use cases: one function each, called by the HTTP views (and later the worker) alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from ulid import ULID

from services.inspection.adapters.orm import campaigns
from services.inspection.domain import Campaign
from services.inspection.domain.rounds import happened
from shared.bus import new_event
from shared.db import UnitOfWork
from shared.refusals import N_, NotFound


def launch_campaign(uow: UnitOfWork, fields: dict[str, Any], *, launched_by: str,
                    now: datetime | None = None) -> tuple[dict[str, Any], bool]:
    """Launch a campaign and announce it (CampaignRefused lists every broken rule); one whose `external_ref`
    is known is answered as it is, so a paper record imported twice is one campaign. Says if it launched.
    Launched now, or at `launched_at` (a paper record's; never ahead)."""
    fields = dict(fields)
    ref, checklist = fields.pop("external_ref", None), fields.pop("checklist", None)
    launched_at = happened(fields.pop("launched_at", None), now or datetime.now(UTC), "launched_at")
    holiday, remind_on = fields.pop("holiday", None), fields.pop("remind_on", None)
    if ref is not None:
        known = uow.session.scalar(sa.select(campaigns.c.id).where(campaigns.c.external_ref == ref))
        if known is not None:
            return get_campaign(uow.session, known), False
    campaign = Campaign.launch(id=str(ULID()), **fields)
    uow.session.execute(campaigns.insert().values(
        id=campaign.id, name=campaign.name, kind=campaign.kind.value, starts_on=campaign.starts_on,
        ends_on=campaign.ends_on, rounds=campaign.rounds, towns=list(campaign.towns),
        departments=list(campaign.departments), launched_by=launched_by, launched_at=launched_at,
        correlation_id=uow.correlation_id, external_ref=ref, checklist=checklist, holiday=holiday,
        remind_on=remind_on,
    ))
    uow.publish(new_event(
        type="inspection.campaign.launched",
        subject=campaign.id,
        data={"campaign_id": campaign.id, "name": campaign.name, "kind": campaign.kind.value,
              "starts_on": campaign.starts_on, "ends_on": campaign.ends_on, "rounds": campaign.rounds,
              "towns": list(campaign.towns), "departments": list(campaign.departments)},
        correlation_id=uow.correlation_id,
    ))
    uow.commit()
    return get_campaign(uow.session, campaign.id), True


def get_campaign(session: Session, campaign_id: str) -> dict[str, Any]:
    """One campaign as stored."""
    if "\x00" in campaign_id:  # no stored id has one, and PostgreSQL refuses to compare it
        raise NotFound(N_("There is no such campaign."), code="campaign.not_found")
    row = session.execute(sa.select(campaigns).where(campaigns.c.id == campaign_id)).mappings().first()
    if row is None:
        raise NotFound(N_("There is no campaign %(campaign_id)s."), code="campaign.not_found",
                       campaign_id=campaign_id)
    campaign = dict(row)
    if campaign["launched_at"].tzinfo is None:  # SQLite (the embedded default) forgets the UTC it was given
        campaign["launched_at"] = campaign["launched_at"].replace(tzinfo=UTC)
    return campaign
