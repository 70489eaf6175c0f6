"""One campaign's report: its rounds, inspections and person-times, by round, by town and by department.

In a place's scope (a county, or a town: a town officer's token is always kept to its town) a campaign is known
only when it runs in one of the place's towns or has a visit or a reminder there; any other is unknown to that
reader (404, as if reporting had never heard of it), so its name and plan are not shown. Its figures are the
place's: visits, person-times and rounds there. A draw's event names no town: its targets are drawn among the
campaign's towns, so a place counts the campaign's draws and targets only when all those towns lie in it;
otherwise they are null (not known for the place), never the whole campaign's."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import (
    campaign_towns,
    campaigns,
    draws,
    reminder_towns,
    task_departments,
    task_inspectors,
    tasks,
)
from services.reporting.domain.figures import Scope
from services.reporting.service_layer.summary import (
    in_period,
    in_place,
    person_times,
    reminders,
    rounds_held,
)
from shared.refusals import N_, NotFound


def _broken_down(session: Session, scope: Scope, campaign_id: str, column: str) -> dict[Any, dict[str, int]]:
    """Inspections and person-times of the campaign by round or by town."""
    t, i = tasks.c, task_inspectors.c
    found: dict[Any, dict[str, int]] = {}
    for key, n in session.execute(sa.select(t[column], sa.func.count()).where(
            t.campaign_id == campaign_id, *in_place(t.town, scope), *in_period(t.inspected_on, scope))
            .group_by(t[column])):
        found.setdefault(key, {"inspections": 0, "inspector_person_times": 0})["inspections"] = n
    # a person-time is counted once in its campaign; by round or town, once in each it took part in
    # found through the campaign's tasks (indexed by campaign), each visit's inspectors by its task id: no index
    # leads from a campaign to its inspectors' rows directly
    by = t.round if column == "round" else t.town
    duty = sa.select(by.label("key"), i.inspector_id, t.inspected_on).join(tasks, t.task_id == i.task_id).where(
        t.campaign_id == campaign_id, *in_place(t.town, scope), *in_period(t.inspected_on, scope)).distinct().subquery()
    for key, n in session.execute(sa.select(duty.c.key, sa.func.count()).group_by(duty.c.key)):
        found.setdefault(key, {"inspections": 0, "inspector_person_times": 0})["inspector_person_times"] = n
    return found


def _place(scope: Scope) -> set[str] | None:
    """The towns the scope keeps, or None for the whole country."""
    if scope.town is not None:
        return {scope.town} & set(scope.towns) if scope.towns is not None else {scope.town}
    return set(scope.towns) if scope.towns is not None else None


def _known_there(session: Session, campaign_id: str, scope: Scope) -> bool:
    """Whether the campaign runs in the scope's place, or has a visit or a reminder there (at any time)."""
    return bool(session.scalar(sa.select(sa.or_(*(
        sa.exists().where(column.table.c.campaign_id == campaign_id, *in_place(column, scope))
        for column in (campaign_towns.c.town, tasks.c.town, reminder_towns.c.town))))))


def _by_department(session: Session, scope: Scope, campaign_id: str) -> list[dict[str, Any]]:
    """Visits of the campaign each department took part in: a joint visit counts once in each of its departments."""
    t, d = tasks.c, task_departments.c
    rows = session.execute(sa.select(d.department, sa.func.count()).join(tasks, t.task_id == d.task_id).where(
        t.campaign_id == campaign_id, *in_place(t.town, scope), *in_period(t.inspected_on, scope))
        .group_by(d.department).order_by(d.department))
    return [{"department": department, "inspections": n} for department, n in rows]


def campaign_report(session: Session, campaign_id: str, scope: Scope) -> dict[str, Any]:
    """The campaign's figures in the scope; NotFound when reporting has heard nothing of it, or nothing in the
    scope's place."""
    launched = session.execute(sa.select(campaigns).where(campaigns.c.campaign_id == campaign_id)).first()
    place = _place(scope)
    if place is None:
        heard = launched is not None or session.scalar(sa.select(sa.func.count()).where(
            tasks.c.campaign_id == campaign_id)) or session.scalar(sa.select(sa.func.count()).where(
                draws.c.campaign_id == campaign_id))
    else:
        heard = _known_there(session, campaign_id, scope)
    if not heard:
        raise NotFound(N_("There is no campaign %(campaign_id)s."), code="campaign.not_found", campaign_id=campaign_id)
    t = tasks.c
    outcomes = dict(session.execute(sa.select(t.outcome, sa.func.count()).where(
        t.campaign_id == campaign_id, *in_place(t.town, scope), *in_period(t.inspected_on, scope)).group_by(t.outcome))
        .all())
    drawn: tuple[int | None, int | None] = (None, None)
    if place is None or (launched is not None and set(launched.towns) <= place):
        count, targets = session.execute(sa.select(sa.func.count(), sa.func.sum(draws.c.target_count)).where(
            draws.c.campaign_id == campaign_id, *in_period(draws.c.drawn_on, scope))).one()
        drawn = (count, int(targets or 0))
    rounds = _broken_down(session, scope, campaign_id, "round")
    towns = _broken_down(session, scope, campaign_id, "town")
    return {
        "campaign_id": campaign_id, "name": launched.name if launched else None,
        "kind": launched.kind if launched else None, "starts_on": launched.starts_on if launched else None,
        "ends_on": launched.ends_on if launched else None,
        "rounds_planned": launched.rounds if launched else None,
        "rounds": rounds_held(session, scope).get(campaign_id, 0),
        "draws": drawn[0], "targets_drawn": drawn[1],
        "inspections": sum(outcomes.values()), "inspections_by_outcome": outcomes,
        "inspector_person_times": person_times(session, scope, campaign_id).get(campaign_id, 0),
        "reminders": reminders(session, scope).get(campaign_id, 0),
        "by_round": [{"round": key, **figures} for key, figures in sorted(
            rounds.items(), key=lambda item: (item[0] is None, item[0] or 0))],
        "by_town": [{"town": key, **figures} for key, figures in sorted(towns.items())],
        "by_department": _by_department(session, scope, campaign_id),
    }
