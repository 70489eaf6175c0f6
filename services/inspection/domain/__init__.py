"""Inspection's domain: campaigns and the institutions it may inspect (plain Python)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from shared.refusals import N_, Refused, Violation

# The words of ARCHITECTURE.md; a unit test keeps them equal to the published vocabulary.
DEPARTMENTS = (
    "education", "civil_affairs", "market_regulation", "culture_tourism", "fire", "urban_management",
    "public_security",
)
# A department as a person reads it (a sentence, a console): a msgid each, translated where it is shown.
DEPARTMENT_NAMES = {
    "education": N_("education"), "civil_affairs": N_("civil affairs"),
    "market_regulation": N_("market regulation"), "culture_tourism": N_("culture and tourism"),
    "fire": N_("fire"), "urban_management": N_("urban management"), "public_security": N_("public security"),
}
INSTITUTION_STATES = ("stock", "under_review", "licensed", "rectification", "banned", "closed", "converted")


class CampaignKind(StrEnum):
    """What a campaign is: the year-long joint mechanism, a holiday drive, or a special action."""

    ROUTINE = "routine"
    HOLIDAY = "holiday"
    SPECIAL = "special"


# What a supervisor reads for each broken campaign rule; the codes beside them never change.
RULES = {
    "campaign.name_blank": N_("A campaign needs a name."),
    "campaign.kind_unknown": N_("A campaign is routine, holiday or special, not %(value)s."),
    "campaign.ends_before_start": N_("A campaign cannot end before it starts."),
    "campaign.rounds_negative": N_("The number of rounds cannot be negative."),
    "campaign.no_towns": N_("A campaign covers at least one town."),
    "campaign.department_unknown": N_("%(value)s is not a department."),
    "campaign.no_departments": N_("At least one department takes part in a campaign."),
}


class CampaignRefused(Refused):
    """A campaign breaks one or more rules; every broken rule is listed."""

    code = "campaign.refused"
    message = N_("The campaign breaks some rules; see errors.")


def _broken(item: str, code: str, value: str | None = None) -> Violation:
    return Violation(code, item, {"value": value} if value is not None else {})


@dataclass(frozen=True, slots=True)
class Campaign:
    """An inspection campaign: what, when, where, and which departments take part."""

    id: str
    name: str
    kind: CampaignKind
    starts_on: dt.date
    ends_on: dt.date
    towns: tuple[str, ...]
    departments: tuple[str, ...]
    rounds: int = 0

    @classmethod
    def launch(cls, *, id: str, name: str, kind: str, starts_on: dt.date, ends_on: dt.date,
               towns: list[str] | tuple[str, ...], departments: list[str] | tuple[str, ...],
               rounds: int = 0) -> Campaign:
        """A new campaign, or CampaignRefused listing every rule it breaks."""
        broken: list[Violation] = []
        name = (name or "").strip()
        if not name:
            broken.append(_broken("name", "campaign.name_blank"))
        if kind not in {k.value for k in CampaignKind}:
            broken.append(_broken("kind", "campaign.kind_unknown", str(kind)))
        if ends_on < starts_on:
            broken.append(_broken("ends_on", "campaign.ends_before_start", ends_on.isoformat()))
        if rounds < 0:
            broken.append(_broken("rounds", "campaign.rounds_negative", str(rounds)))
        # the same town named twice is one town; order is kept because people listed them that way
        towns = tuple(dict.fromkeys(t.strip() for t in towns if t and t.strip()))
        if not towns:
            broken.append(_broken("towns", "campaign.no_towns"))
        departments = tuple(dict.fromkeys(departments))
        broken.extend(_broken("departments", "campaign.department_unknown", d)
                      for d in departments if d not in DEPARTMENTS)
        if not departments:
            broken.append(_broken("departments", "campaign.no_departments"))
        if broken:
            raise CampaignRefused(broken)
        return cls(id=id, name=name, kind=CampaignKind(kind), starts_on=starts_on, ends_on=ends_on,
                   towns=towns, departments=departments, rounds=rounds)

    @property
    def days(self) -> int:
        """How many calendar days the campaign runs, both ends included."""
        return (self.ends_on - self.starts_on).days + 1

    def is_active_on(self, day: dt.date) -> bool:
        """Whether the campaign runs on that day."""
        return self.starts_on <= day <= self.ends_on
