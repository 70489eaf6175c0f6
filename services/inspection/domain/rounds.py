"""A campaign's rounds: duty days inside the campaign, teams, and how many targets to draw."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from services.inspection.domain import Campaign
from services.inspection.domain.draw import TIERS, RoundPlan
from shared.refusals import N_, Refused, Violation

RULES = {
    "round.no_days": N_("A round has at least one duty day."),
    "round.days_out_of_order": N_("Duty days are listed in order, each once: %(value)s comes after %(after)s."),
    "round.day_outside_campaign": N_("%(value)s is outside the campaign (%(starts_on)s to %(ends_on)s)."),
    "round.targets_how_many": N_("Give either target_count or tier_percent, not both and not neither."),
    "round.tier_unknown": N_("%(value)s is not a risk tier (A, B, C or D)."),
    "round.department_not_in_campaign": N_("%(value)s does not take part in the campaign."),
    "round.team_departments_exceed_size": N_("The departments a team needs add up to %(value)s, more than the "
                                             "team size %(team_size)s."),
    "round.team_cannot_be_joint": N_("A joint round's team of %(team_size)s cannot be all %(value)s."),
    "happened_in_future": N_("%(value)s is after now (%(now)s)."),
    "happened_before": N_("%(value)s is before %(after)s, when what it follows happened."),
}


def happened(at: dt.datetime | None, now: dt.datetime, item: str, after: dt.datetime | None = None) -> dt.datetime:
    """When a supervisor's act happened: now, or earlier for a paper record entered late; never ahead (a minute's
    clock skew allowed), never before what it follows (a round its campaign's launch, a draw its round)."""
    if at is None:
        return now
    if at > now + dt.timedelta(minutes=1):
        raise Refused([Violation("happened_in_future", item, {"value": at.isoformat(), "now": now.isoformat()})])
    if after is not None and at < after:
        raise Refused([Violation("happened_before", item, {"value": at.isoformat(), "after": after.isoformat()})])
    return at


class RoundRefused(Refused):
    """A round breaks one or more rules; every broken rule is listed."""

    code = "round.refused"
    message = N_("The round breaks some rules; see errors.")


def plan_round(campaign: Campaign, *, number: int, days: Sequence[dt.date], teams_per_day: int, team_size: int,
               target_count: int | None = None, tier_percent: Mapping[str, int] | None = None,
               team_departments: Mapping[str, int] | None = None) -> RoundPlan:
    """The round's plan for the draw, or RoundRefused listing every rule it breaks."""
    broken: list[Violation] = []
    team_departments = dict(team_departments or {})
    if not days:
        broken.append(Violation("round.no_days", "days"))
    for n, day in enumerate(days):
        if n and day <= days[n - 1]:
            broken.append(Violation("round.days_out_of_order", f"days.{n}", {
                "value": day.isoformat(), "after": days[n - 1].isoformat()}))
        if not campaign.is_active_on(day):
            broken.append(Violation("round.day_outside_campaign", f"days.{n}", {
                "value": day.isoformat(), "starts_on": campaign.starts_on.isoformat(),
                "ends_on": campaign.ends_on.isoformat()}))
    if (target_count is None) == (tier_percent is None):
        broken.append(Violation("round.targets_how_many", "target_count"))
    broken.extend(Violation("round.tier_unknown", "tier_percent", {"value": tier})
                  for tier in (tier_percent or {}) if tier not in TIERS)
    broken.extend(Violation("round.department_not_in_campaign", "team_departments", {"value": department})
                  for department in team_departments if department not in campaign.departments)
    needed = sum(team_departments.values())
    if needed > team_size:
        broken.append(Violation("round.team_departments_exceed_size", "team_departments", {
            "value": needed, "team_size": team_size}))
    joint = len(campaign.departments) >= 2
    for department, each in team_departments.items():
        if joint and each >= team_size:
            broken.append(Violation("round.team_cannot_be_joint", "team_departments", {
                "value": department, "team_size": team_size}))
    if broken:
        raise RoundRefused(broken)
    return RoundPlan(campaign_id=campaign.id, round=number, days=tuple(days), teams_per_day=teams_per_day,
                     team_size=team_size, towns=campaign.towns, departments=campaign.departments,
                     target_count=target_count, tier_percent=tier_percent, team_departments=team_departments)
