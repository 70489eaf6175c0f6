"""The "double random" draw: targets and inspector teams for one round, committed and recomputable.

Plain Python, written to be redone in any language (docs/draw.md): every candidate is ranked by
HMAC-SHA256(seed, its kind, round and id), then taken in rank order under the team rules. No language's
own shuffle is used, since its output can change between versions; given the seed and the recorded inputs
the draw is the same everywhere, always.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from services.inspection.domain.persons import Person, PersonIndex
from shared.refusals import N_, Refused, Violation

# /2 adds the persons of docs/draw.md ("Persons"): a /1 inputs document names none, and recomputes as it did.
# /3 adds a target's legal representative to its persons and says how each is tied (`role`); the computation is
# /2's, so /1 and /2 documents recompute as they did.
ALGORITHM = "offcampus-draw/3"
ALGORITHMS = ("offcampus-draw/1", "offcampus-draw/2", ALGORITHM)
TIERS = ("A", "B", "C", "D")
# Which institution states a draw samples unless the round says otherwise: those still operating.
OPERATING_STATES = ("stock", "under_review", "licensed", "rectification", "converted")



def NP_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802 - the marker extractors look for (-k NP_:1,2)
    """Mark a sentence with its plural form for the catalogs; the count chooses between them when shown."""
    return singular, plural


# What a supervisor reads when a draw cannot be made, singular and plural by the count `available` ("1 fire
# inspector available"); the codes beside them never change.
SHORTAGES = {
    "draw.targets_short": NP_("round %(round)s: %(available)s target available, %(needed)s needed",
                              "round %(round)s: %(available)s targets available, %(needed)s needed"),
    "draw.inspectors_short": NP_("round %(round)s, %(day)s: %(available)s inspector available, %(needed)s needed",
                                 "round %(round)s, %(day)s: %(available)s inspectors available, %(needed)s needed"),
    "draw.department_short": NP_("round %(round)s, %(day)s: %(available)s %(department)s inspector available, "
                                 "%(needed)s needed",
                                 "round %(round)s, %(day)s: %(available)s %(department)s inspectors available, "
                                 "%(needed)s needed"),
    "draw.departments_short": NP_("round %(round)s, %(day)s: inspectors from %(available)s department available, "
                                  "%(needed)s needed for a joint team",
                                  "round %(round)s, %(day)s: inspectors from %(available)s departments available, "
                                  "%(needed)s needed for a joint team"),
    "draw.team_short": NP_("round %(round)s, %(day)s, team %(team)s: %(available)s inspector free of conflicts "
                           "with its targets available, %(needed)s needed",
                           "round %(round)s, %(day)s, team %(team)s: %(available)s inspectors free of conflicts "
                           "with its targets available, %(needed)s needed"),
}


class DrawImpossible(Refused):
    """The draw cannot be made; each violation says exactly what is short, on which day."""

    code = "draw.impossible"
    message = N_("The draw cannot be made; see violations for what is short.")


def _english(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def explain(violation: Violation, ngettext=_english) -> str:
    """The sentence a supervisor reads for what makes a draw impossible ("round 3, 2022-07-14: ..."), its
    singular or plural chosen by `ngettext(singular, plural, count)` (English by default)."""
    singular, plural = SHORTAGES[violation.code]
    return ngettext(singular, plural, violation.params["available"]) % dict(violation.params)


@dataclass(frozen=True, slots=True)
class Target:
    """An institution the draw may pick: its id, town, state, risk tier, and the persons publicly tied to it."""

    id: str
    town: str
    state: str
    tier: str = "D"
    persons: tuple[Person, ...] = ()  # only those whose name some inspector declared (docs/draw.md, "Persons")


@dataclass(frozen=True, slots=True)
class Inspector:
    """An inspector as the draw sees them: department, days away, targets they may not inspect, past duties."""

    id: str
    name: str
    department: str
    away: frozenset[dt.date] = frozenset()
    conflicts: frozenset[str] = frozenset()  # targets with a declared conflict of interest
    previous_round: frozenset[str] = frozenset()  # targets they inspected in the previous round
    duties: int = 0  # duty days already served in the campaign: the draw favours the least loaded
    conflict_persons: tuple[Person, ...] = ()  # persons they declared a conflict of interest with


@dataclass(frozen=True, slots=True)
class RoundPlan:
    """What a round asks of the draw: days, teams, team make-up, and how many targets (a count or tier %)."""

    campaign_id: str
    round: int
    days: tuple[dt.date, ...]
    teams_per_day: int
    team_size: int
    towns: tuple[str, ...]
    departments: tuple[str, ...]  # those taking part; a joint round has two or more
    target_count: int | None = None
    tier_percent: Mapping[str, int] | None = None  # per tier, the whole percent of it sampled (rounded up)
    team_departments: Mapping[str, int] = field(default_factory=dict)  # inspectors each team needs per department
    states: tuple[str, ...] = OPERATING_STATES

    @property
    def joint(self) -> bool:
        """Whether teams mix departments (two or more take part)."""
        return len(self.departments) >= 2


@dataclass(frozen=True, slots=True)
class Team:
    """One team on one day: its inspectors in the order drawn, and the targets it visits."""

    day: dt.date
    number: int
    inspectors: tuple[str, ...]
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Draw:
    """A draw's result: the targets in drawn order and the teams."""

    targets: tuple[str, ...]
    teams: tuple[Team, ...]

    def as_json(self) -> dict[str, Any]:
        """The result as recorded and hashed (docs/draw.md, "The result")."""
        return {"targets": list(self.targets),
                "teams": [{"day": t.day.isoformat(), "team": t.number, "inspectors": list(t.inspectors),
                           "targets": list(t.targets)} for t in self.teams]}


def new_seed() -> str:
    """A fresh secret seed: 32 random bytes as 64 lowercase hex characters."""
    return secrets.token_hex(32)


def sha256_hex(text: str) -> str:
    """SHA-256 of a text's UTF-8 bytes, in hex: how seeds, inputs and results are committed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_json(document: Any) -> str:
    """The one JSON text of a document: keys sorted, no spaces, UTF-8 characters as they are."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def rank(seed: str, *parts: object) -> bytes:
    """HMAC-SHA256 keyed by the seed's text over the parts joined by `|`: the order candidates are taken in."""
    return hmac.digest(seed.encode("ascii"), "|".join(map(str, parts)).encode("utf-8"), "sha256")


def _ranking(seed: str, *prefix: object):
    """`rank(seed, *prefix, last)` as a function of `last`, keyed once: a copied HMAC state costs half of a
    fresh one (0.13 s against 0.26 s for 100,000 targets)."""
    keyed = hmac.new(seed.encode("ascii"), "|".join(map(str, (*prefix, ""))).encode("utf-8"), hashlib.sha256)

    def of(last: str) -> bytes:
        mac = keyed.copy()
        mac.update(last.encode("utf-8"))
        return mac.digest()
    return of


def inputs_document(plan: RoundPlan, targets: Sequence[Target], inspectors: Sequence[Inspector]) -> dict[str, Any]:
    """Everything the draw reads, as recorded and published (docs/draw.md, "The inputs")."""
    return {
        "algorithm": ALGORITHM,
        "round": {
            "campaign_id": plan.campaign_id, "round": plan.round, "days": [d.isoformat() for d in plan.days],
            "teams_per_day": plan.teams_per_day, "team_size": plan.team_size, "towns": sorted(plan.towns),
            "departments": sorted(plan.departments), "states": sorted(plan.states),
            "target_count": plan.target_count,
            "tier_percent": dict(plan.tier_percent) if plan.tier_percent is not None else None,
            "team_departments": dict(plan.team_departments),
        },
        "targets": [{"id": t.id, "town": t.town, "state": t.state, "tier": t.tier, "persons": _persons(t.persons)}
                    for t in sorted(targets, key=lambda t: t.id)],
        "inspectors": [{"id": i.id, "name": i.name, "department": i.department,
                        "away": sorted(d.isoformat() for d in i.away), "conflicts": sorted(i.conflicts),
                        "conflict_persons": _persons(i.conflict_persons),
                        "previous_round": sorted(i.previous_round), "duties": i.duties}
                       for i in sorted(inspectors, key=lambda i: i.id)],
    }


def _persons(persons: Sequence[Person]) -> list[dict[str, Any]]:
    return sorted((p.as_json() for p in persons),
                  key=lambda p: (p["name"], p["certificate_no"] or "", p.get("role") or ""))


def _read_persons(found: Sequence[Mapping[str, Any]]) -> tuple[Person, ...]:
    return tuple(Person.from_json(p) for p in found)


def from_inputs_document(document: Mapping[str, Any]) -> tuple[RoundPlan, list[Target], list[Inspector]]:
    """Read back recorded inputs (the inverse of `inputs_document`); a /1 document names no persons."""
    r = document["round"]
    plan = RoundPlan(
        campaign_id=r["campaign_id"], round=r["round"], days=tuple(dt.date.fromisoformat(d) for d in r["days"]),
        teams_per_day=r["teams_per_day"], team_size=r["team_size"], towns=tuple(r["towns"]),
        departments=tuple(r["departments"]), states=tuple(r["states"]), target_count=r["target_count"],
        tier_percent=r["tier_percent"], team_departments=r["team_departments"])
    targets = [Target(t["id"], t["town"], t["state"], t["tier"], _read_persons(t.get("persons", ())))
               for t in document["targets"]]
    inspectors = [Inspector(i["id"], i["name"], i["department"], frozenset(map(dt.date.fromisoformat, i["away"])),
                            frozenset(i["conflicts"]), frozenset(i["previous_round"]), i["duties"],
                            _read_persons(i.get("conflict_persons", ())))
                  for i in document["inspectors"]]
    return plan, targets, inspectors


def draw_targets(seed: str, plan: RoundPlan, targets: Sequence[Target]) -> list[str]:
    """The targets drawn, in rank order: the first `target_count`, or the first percent of each tier."""
    towns, states = set(plan.towns), set(plan.states)
    rank_of = _ranking(seed, "target", plan.round)
    eligible = sorted((rank_of(t.id), t.id, t.tier) for t in targets
                       if t.town in towns and t.state in states)
    if plan.tier_percent is None:
        needed = plan.target_count or 0
        if needed > len(eligible):
            raise DrawImpossible([Violation("draw.targets_short", "target_count", {
                "round": plan.round, "available": len(eligible), "needed": needed})])
        return [target_id for _, target_id, _ in eligible[:needed]]
    taken: set[str] = set()
    for tier in TIERS:
        in_tier = [target_id for _, target_id, t in eligible if t == tier]
        percent = plan.tier_percent.get(tier, 0)
        taken.update(in_tier[:(len(in_tier) * percent + 99) // 100])  # integer ceiling: no float rounding
    return [target_id for _, target_id, _ in eligible if target_id in taken]


def make_draw(seed: str, plan: RoundPlan, targets: Sequence[Target], inspectors: Sequence[Inspector]) -> Draw:
    """Draw the round's targets and teams, or raise DrawImpossible saying what is short on which day."""
    drawn = draw_targets(seed, plan, targets)
    days, slots = len(plan.days), len(plan.days) * plan.teams_per_day
    # slot s is team s // days + 1 on day s % days, and takes every slots-th target from the s-th: the
    # targets are spread over the days first, then over the teams of a day
    visits: dict[tuple[int, int], tuple[str, ...]] = {}
    for s in range(min(slots, len(drawn))):
        visits[(s % days, s // days + 1)] = tuple(drawn[s::slots])
    duties = {i.id: i.duties for i in inspectors}
    barred = _barred(inspectors, targets, frozenset(drawn))
    teams: list[Team] = []
    short: list[Violation] = []
    for d, day in enumerate(plan.days):
        numbers = sorted(n for (dd, n) in visits if dd == d)
        if not numbers:
            continue
        free = [i for i in inspectors if day not in i.away and i.department in plan.departments]
        shortage = _short_on(plan, day, free, len(numbers))
        if shortage:
            short.extend(shortage)
            continue
        # least loaded first, then by the day's rank: picking only raises the load of someone now busy
        # for the day, so one ordering serves the whole day
        rank_of = _ranking(seed, "inspector", plan.round, day.isoformat())
        free.sort(key=lambda i: (duties[i.id], rank_of(i.id)))
        for number in numbers:
            members = _team(plan, free, visits[(d, number)], barred)
            if members is None:
                short.append(_team_short(plan, day, number, free, visits[(d, number)], barred))
                continue
            for member in members:
                # by identity: `list.remove` compares whole frozen dataclasses field by field, which was half
                # of a 10,000-target campaign's time (1.2 million comparisons)
                del free[next(k for k, candidate in enumerate(free) if candidate is member)]
                duties[member.id] += 1
            teams.append(Team(day, number, tuple(m.id for m in members), visits[(d, number)]))
    if short:
        raise DrawImpossible(short)
    return Draw(tuple(drawn), tuple(teams))


def _short_on(plan: RoundPlan, day: dt.date, free: list[Inspector], teams: int) -> list[Violation]:
    """What a day lacks before any exclusion: inspectors, inspectors of a department, departments."""
    found: list[Violation] = []
    facts = {"round": plan.round, "day": day.isoformat()}
    if len(free) < teams * plan.team_size:
        found.append(Violation("draw.inspectors_short", "days", {
            **facts, "available": len(free), "needed": teams * plan.team_size}))
    for department, each in sorted(plan.team_departments.items()):
        available = sum(i.department == department for i in free)
        if available < teams * each:
            found.append(Violation("draw.department_short", "team_departments", {
                **facts, "department": department, "available": available, "needed": teams * each}))
    if plan.joint and len({i.department for i in free}) < 2:
        found.append(Violation("draw.departments_short", "departments", {
            **facts, "available": len({i.department for i in free}), "needed": 2}))
    return found


def _barred(inspectors: Sequence[Inspector], targets: Sequence[Target],
            drawn: frozenset[str]) -> dict[str, frozenset[str]]:
    """The targets each inspector may not visit: those they declared a conflict with, those tied to a person they
    declared a conflict with (only drawn targets are visited, so only theirs are looked at), and those they
    inspected in the previous round."""
    tied = PersonIndex({t.id: t.persons for t in targets if t.persons and t.id in drawn})
    return {i.id: i.conflicts | i.previous_round | (tied.targets_of(i.conflict_persons) if i.conflict_persons
                                                    else frozenset())
            for i in inspectors}


def _may_visit(inspector: Inspector, visits: tuple[str, ...], barred: Mapping[str, frozenset[str]]) -> bool:
    return barred[inspector.id].isdisjoint(visits)


def _team(plan: RoundPlan, free: list[Inspector], visits: tuple[str, ...],
          barred: Mapping[str, frozenset[str]]) -> list[Inspector] | None:
    """The first inspectors in order who may visit these targets: each department's due first, then anyone;
    the last place of a joint team goes to another department when all so far share one."""
    members: list[Inspector] = []
    for department, each in sorted(plan.team_departments.items()):
        members += islice((i for i in free if i.department == department and _may_visit(i, visits, barred)), each)
        if sum(m.department == department for m in members) < each:
            return None
    for inspector in free:
        if len(members) == plan.team_size:
            break
        if any(m is inspector for m in members) or not _may_visit(inspector, visits, barred):
            continue
        last = len(members) == plan.team_size - 1
        if plan.joint and last and {m.department for m in members} == {inspector.department}:
            continue
        members.append(inspector)
    return members if len(members) == plan.team_size else None


def _team_short(plan: RoundPlan, day: dt.date, number: int, free: list[Inspector], visits: tuple[str, ...],
                barred: Mapping[str, frozenset[str]]) -> Violation:
    return Violation("draw.team_short", "days", {
        "round": plan.round, "day": day.isoformat(), "team": number,
        "available": sum(_may_visit(i, visits, barred) for i in free), "needed": plan.team_size})
