"""The county's summary figures, counted from the projections: states as of `to`, flows within [from, to]."""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import (
    campaign_reminders,
    campaign_towns,
    campaigns,
    cases,
    clues,
    draws,
    filings,
    institution_timeline,
    licence_notices,
    reminder_towns,
    sanctions,
    task_inspectors,
    tasks,
)
from services.reporting.domain.figures import BANNED, DISCIPLINE, LICENSED, STOCK, Scope, rate, reduction_rate
from services.reporting.service_layer import daily

tl = institution_timeline.c


def in_place(column, scope: Scope) -> list:
    """Conditions keeping rows of the scope's town, or of the named county's towns."""
    conditions = []
    if scope.town is not None:
        conditions.append(column == scope.town)
    if scope.towns is not None:
        conditions.append(column.in_(scope.towns))
    return conditions


def in_period(column, scope: Scope) -> list:
    """Conditions keeping rows dated within the scope's inclusive dates."""
    conditions = []
    if scope.date_from is not None:
        conditions.append(column >= scope.date_from)
    if scope.date_to is not None:
        conditions.append(column <= scope.date_to)
    return conditions


def _institution_place(scope: Scope) -> list:
    conditions = [] if scope.division_code is None else [tl.division_code == scope.division_code]
    return conditions + ([tl.town == scope.town] if scope.town is not None else [])


def states_as_of(session: Session, scope: Scope) -> dict[tuple[str, str], int]:
    """Institutions by (category, state) as of the scope's `to`: each in the last state it reached by then."""
    if scope.everywhere:
        return daily.states_as_of(session, scope)
    return {(category, state): n for category, state, n in session.execute(_states_query(scope)).all()}


def _states_query(scope: Scope) -> sa.Select:
    reached = [] if scope.date_to is None else [tl.occurred_on <= scope.date_to]
    if _institution_place(scope):  # only institutions that were ever in the place may be in it as of `to`
        there = institution_timeline.alias("there")
        reached.append(tl.institution_id.in_(sa.select(there.c.institution_id).where(
            *([] if scope.division_code is None else [there.c.division_code == scope.division_code]),
            *([] if scope.town is None else [there.c.town == scope.town]))))
    ranked = sa.select(tl.category, tl.state, tl.division_code, tl.town, sa.func.row_number().over(
        partition_by=tl.institution_id, order_by=(tl.occurred_on.desc(), tl.sequence.desc())).label("newest")
    ).where(*reached).subquery()
    place = [] if scope.division_code is None else [ranked.c.division_code == scope.division_code]
    place += [ranked.c.town == scope.town] if scope.town is not None else []
    return sa.select(ranked.c.category, ranked.c.state, sa.func.count()).where(
        ranked.c.newest == 1, *place).group_by(ranked.c.category, ranked.c.state)


def discipline_before(session: Session, scope: Scope) -> int:
    """Discipline institutions registered as stock on or before `to` (a later conversion does not take one out)."""
    if scope.everywhere:
        return daily.discipline_before(session, scope)
    return session.scalar(_before_query(scope)) or 0


def _before_query(scope: Scope) -> sa.Select:
    reached = [] if scope.date_to is None else [tl.occurred_on <= scope.date_to]
    return sa.select(sa.func.count()).where(
        tl.registered.is_(True), tl.state == STOCK, tl.category == DISCIPLINE, *reached, *_institution_place(scope))


def institutions_banned(session: Session, scope: Scope) -> int:
    """Institutions the registry banned within the period (its own event, whatever caused it)."""
    if scope.everywhere:
        return daily.institutions_banned(session, scope)
    return session.scalar(_banned_query(scope)) or 0


def _banned_query(scope: Scope) -> sa.Select:
    return sa.select(sa.func.count(sa.distinct(tl.institution_id))).where(
        tl.registered.is_(False), tl.state == BANNED, *in_period(tl.occurred_on, scope), *_institution_place(scope))


def institutions_filed(session: Session, scope: Scope) -> int:
    """Institutions with a filing on the public board by `to`."""
    if scope.everywhere:
        return daily.institutions_filed(session, scope)
    return session.scalar(_filed_query(scope)) or 0


def _filed_query(scope: Scope) -> sa.Select:
    by = [] if scope.date_to is None else [filings.c.published_on <= scope.date_to]
    query = sa.select(sa.func.count(sa.distinct(filings.c.institution_id))).where(*by)
    place = _institution_place(scope)  # an institution that was ever there, through the place index
    if place:
        query = query.where(filings.c.institution_id.in_(sa.select(tl.institution_id).where(*place)))
    return query


def person_times(session: Session, scope: Scope, campaign_id: str | None = None) -> dict[str, int]:
    """Person-times by campaign: distinct (inspector, day) pairs within each campaign, dated in the period."""
    if scope.everywhere:
        return daily.person_times(session, scope, campaign_id)
    return {campaign: n for campaign, n in session.execute(_duty_query(scope, campaign_id)).all()}


def _duty_query(scope: Scope, campaign_id: str | None = None) -> sa.Select:
    c = task_inspectors.c
    conditions = [*in_place(c.town, scope), *in_period(c.inspected_on, scope)]
    if campaign_id is not None:
        conditions.append(c.campaign_id == campaign_id)
    duty = sa.select(c.campaign_id, c.inspector_id, c.inspected_on).where(*conditions).distinct().subquery()
    return sa.select(duty.c.campaign_id, sa.func.count()).group_by(duty.c.campaign_id)


def inspections(session: Session, scope: Scope) -> dict[str, dict[str, int]]:
    """Completed visits by campaign and outcome, dated in the period (counted from the rows)."""
    found: dict[str, dict[str, int]] = {}
    for campaign, outcome, n in session.execute(_visits_query(scope)).all():
        found.setdefault(campaign, {})[outcome] = n
    return found


def _visits_query(scope: Scope) -> sa.Select:
    c = tasks.c
    return sa.select(c.campaign_id, c.outcome, sa.func.count()).where(
        *in_place(c.town, scope), *in_period(c.inspected_on, scope)).group_by(c.campaign_id, c.outcome)


def inspection_count(session: Session, scope: Scope) -> int:
    """Completed visits dated in the period."""
    if scope.everywhere:
        return daily.inspection_count(session, scope)
    return sum(sum(outcomes.values()) for outcomes in inspections(session, scope).values())


def rounds_held(session: Session, scope: Scope) -> dict[str, int]:
    """Rounds held per campaign: distinct rounds drawn or inspected in the period."""
    if scope.everywhere:
        return daily.rounds_held(session, scope)
    return {campaign: n for campaign, n in session.execute(_rounds_query(scope)).all()}


def _rounds_query(scope: Scope) -> sa.Select:
    visited = sa.select(tasks.c.campaign_id, tasks.c.round).where(
        tasks.c.round.is_not(None), *in_place(tasks.c.town, scope), *in_period(tasks.c.inspected_on, scope))
    drawn = sa.select(draws.c.campaign_id, draws.c.round).where(*in_period(draws.c.drawn_on, scope))
    if scope.town is not None or scope.towns is not None:
        drawn = drawn.where(sa.false())  # a draw names no town: a town's rounds are the ones visited there
    held = sa.union(visited, drawn).subquery()
    return sa.select(held.c.campaign_id, sa.func.count()).group_by(held.c.campaign_id)


def case_figures(session: Session, scope: Scope) -> dict[str, Any]:
    """Cases opened and cases punished (at least one sanction) in the period, sanctions by kind."""
    if scope.everywhere:
        return daily.case_figures(session, scope)
    opened, punished = session.execute(_cases_query(scope)).one()
    return _case_figures(opened, punished, session.execute(_sanctions_query(scope)).all())


def _cases_query(scope: Scope) -> sa.Select:
    c = cases.c
    return sa.select(  # one query, a count for each
        sa.func.count().filter(c.opened_on.is_not(None), *in_period(c.opened_on, scope)),
        sa.func.count().filter(c.punished_on.is_not(None), *in_period(c.punished_on, scope))).select_from(
        cases).where(*in_place(c.town, scope))


def _sanctions_query(scope: Scope) -> sa.Select:
    s = sanctions.c
    query = sa.select(s.kind, sa.func.count(), sa.func.sum(s.amount_fen)).where(*in_period(s.decided_on, scope))
    if scope.town is not None or scope.towns is not None:
        query = query.join(cases, cases.c.case_id == s.case_id).where(*in_place(cases.c.town, scope))
    return query.group_by(s.kind)


def _case_figures(opened: int, punished: int, by_kind_rows: Iterable) -> dict[str, Any]:
    by_kind, fines = {}, 0
    for kind, n, amount in by_kind_rows:
        by_kind[kind] = int(n)
        fines += int(amount or 0)
    return {"cases_opened": int(opened), "cases_punished": int(punished), "sanctions_by_kind": by_kind,
            "fines_fen": fines}


def complaint_figures(session: Session, scope: Scope) -> dict[str, Any]:
    """Complaints received and closed in the period; the on-time rate over those answered, closed or overdue."""
    if scope.everywhere:
        return daily.complaint_figures(session, scope)
    return _complaint_figures(*session.execute(_complaints_query(scope)).one())


def _complaints_query(scope: Scope) -> sa.Select:
    c = clues.c
    settled = sa.and_(c.settled_on.is_not(None), *in_period(c.settled_on, scope))
    overdue = sa.and_(c.overdue_on.is_not(None), *in_period(c.overdue_on, scope))
    return sa.select(  # one query, a count for each
        sa.func.count().filter(c.received_on.is_not(None), *in_period(c.received_on, scope)),
        sa.func.count().filter(c.closed_on.is_not(None), *in_period(c.closed_on, scope)),
        sa.func.count().filter(sa.or_(settled, overdue)),
        sa.func.count().filter(settled, c.on_time.is_(True))).select_from(clues).where(*in_place(c.town, scope))


def _complaint_figures(received: int, closed: int, handled: int, on_time: int) -> dict[str, Any]:
    received, closed, handled, on_time = int(received), int(closed), int(handled), int(on_time)
    return {"complaints_received": received, "complaints_closed": closed, "complaints_handled": handled,
            "complaints_on_time": on_time, "complaints_on_time_rate": rate(on_time, handled)}


def _naming(column, scope: Scope) -> tuple[sa.ColumnElement[bool], list]:
    """For a list of towns kept a row a town: the rows of the scope's towns, and the conditions (HAVING, grouped
    by list) keeping the lists that name its town and one of its county's towns."""
    wanted = []
    if scope.town is not None:
        wanted.append(column == scope.town)
    if scope.towns is not None:
        wanted.append(column.in_(scope.towns))
    return sa.or_(*wanted), [sa.func.max(sa.case((condition, 1), else_=0)) == 1 for condition in wanted]


def reminders(session: Session, scope: Scope) -> dict[str, int]:
    """Holiday reminders issued per campaign in the period (in the scope's towns, when it names any: found
    through the reminders' towns, each reminder counted once however many of them it names)."""
    if scope.town is None and scope.towns is None:
        c = campaign_reminders.c
        return dict(session.execute(sa.select(c.campaign_id, sa.func.count()).where(
            *in_period(c.remind_on, scope)).group_by(c.campaign_id)).all())
    return dict(session.execute(_reminders_query(scope)).all())


def _reminders_query(scope: Scope) -> sa.Select:
    r = reminder_towns.c
    there, naming = _naming(r.town, scope)
    sent = sa.select(r.campaign_id).where(there, *in_period(r.remind_on, scope)).group_by(
        r.campaign_id, r.holiday, r.remind_on).having(*naming).subquery()
    return sa.select(sent.c.campaign_id, sa.func.count()).group_by(sent.c.campaign_id)


def _running_query(scope: Scope) -> sa.Select:
    t = campaign_towns.c
    there, naming = _naming(t.town, scope)
    return sa.select(t.campaign_id).where(
        there, *([] if scope.date_from is None else [t.ends_on >= scope.date_from]),
        *([] if scope.date_to is None else [t.starts_on <= scope.date_to])).group_by(t.campaign_id).having(*naming)


def licence_reminders(session: Session, scope: Scope) -> int:
    """Licence expiry reminders the registry sent in the period."""
    if scope.everywhere:
        return daily.licence_reminders(session, scope)
    return session.scalar(_licence_query(scope)) or 0


def _licence_query(scope: Scope) -> sa.Select:
    c = licence_notices.c  # FROM named: with no place and no period there is no condition to imply it
    return sa.select(sa.func.count()).select_from(licence_notices).where(
        *in_place(c.town, scope), *in_period(c.noticed_on, scope))


def _runs_in(starts_on, ends_on, scope: Scope) -> bool:
    """Whether a campaign runs during the period (listed even before its first visit)."""
    if starts_on is None:  # its launch has not reached reporting
        return False
    if scope.date_from is not None and ends_on < scope.date_from:
        return False
    return scope.date_to is None or starts_on <= scope.date_to


def _everywhere(session: Session, scope: Scope) -> dict[str, Any]:
    """The figures `summary` reads for the whole country, from the daily counts: the country's figures in one
    query, every campaign with its figures (from the campaigns' months, a row a campaign) in another."""
    flows = tuple(name for name in daily.FLOWS if name not in daily.BY_CAMPAIGN)
    found = daily.sums(session, scope, flows=flows, as_of=tuple(name for name in daily.AS_OF if name != "rounds"),
                       twice=True)
    total = {name: sum(found.get(name, {}).values()) for name in ("before", "banned", "filed", "licence_reminders")}
    return {"states": daily.states(found), "before": total["before"], "banned": total["banned"],
            "filed": total["filed"], "licence_reminders": total["licence_reminders"],
            "outcomes": found.get("outcomes", {}), "listed": daily.campaign_list(session, scope),
            "cases": daily.case_figures(session, scope, found),
            "complaints": daily.complaint_figures(session, scope, found)}


def _tagged(tag: str, query: sa.Select, keys: int) -> sa.Select:
    """A query's rows as (tag, 2 keys, 4 counts): its first `keys` columns as keys, the rest as counts (None where
    it has fewer)."""
    columns = list(query.subquery().c)
    text, number = sa.cast(sa.null(), sa.String), sa.cast(sa.null(), sa.BigInteger)
    picked = [sa.cast(column, sa.String) for column in columns[:keys]] + [text] * (2 - keys)
    picked += [sa.cast(column, sa.BigInteger) for column in columns[keys:]] + [number] * (4 - len(columns) + keys)
    return sa.select(sa.literal(tag, sa.String).label("tag"), *picked).select_from(columns[0].table)


_PARTS = ("states", "before", "banned", "filed", "licence", "visits", "duty", "rounds", "cases", "sanctions",
          "complaints", "reminders", "running")


def _counted_query(scope: Scope) -> sa.CompoundSelect:
    """Every query `_counted` reads, tagged, in one statement."""
    parts = (("states", _states_query(scope), 2), ("before", _before_query(scope), 0),
             ("banned", _banned_query(scope), 0), ("filed", _filed_query(scope), 0),
             ("licence", _licence_query(scope), 0), ("visits", _visits_query(scope), 2),
             ("duty", _duty_query(scope), 1), ("rounds", _rounds_query(scope), 1), ("cases", _cases_query(scope), 0),
             ("sanctions", _sanctions_query(scope), 1), ("complaints", _complaints_query(scope), 0),
             ("reminders", _reminders_query(scope), 1), ("running", _running_query(scope), 1))
    return sa.union_all(*(_tagged(tag, query, keys) for tag, query, keys in parts))


# a scope's values as bound parameters, by name and type: the statement of a kind of question is built once
_BOUND = {"division_code": sa.String, "town": sa.String, "towns": sa.String, "date_from": sa.Date,
          "date_to": sa.Date}
_COUNTED: dict[tuple[str, ...], sa.CompoundSelect] = {}


def _bound(scope: Scope) -> tuple[sa.CompoundSelect, dict[str, Any]]:
    """The statement counting a place's figures for this kind of question (which of the scope's values are
    given), built on its first use and kept, and the scope's values as its parameters: building and hashing it
    cost more CPU than the database took to answer it."""
    given = {name: getattr(scope, name) for name in _BOUND if getattr(scope, name) is not None}
    kind = tuple(given)
    statement = _COUNTED.get(kind)
    if statement is None:
        statement = _COUNTED[kind] = _counted_query(Scope(**{
            name: sa.bindparam(name, type_=_BOUND[name], expanding=name == "towns") for name in given}))
    return statement, {name: list(value) if name == "towns" else value for name, value in given.items()}


def _counted(session: Session, scope: Scope) -> dict[str, Any]:
    """The figures `summary` reads for a county or town, counted from that place's rows: every query's rows at
    once, tagged, in one statement (one round trip where there were a dozen)."""
    tagged: dict[str, list] = {tag: [] for tag in _PARTS}
    statement, parameters = _bound(scope)
    for tag, *row in session.execute(statement, parameters):
        tagged[tag].append(row)
    (_, _, before, *_), = tagged["before"]  # the scalar queries answer one row each
    (_, _, banned, *_), = tagged["banned"]
    (_, _, filed, *_), = tagged["filed"]
    (_, _, licence, *_), = tagged["licence"]
    visits: dict[str, int] = {}
    outcomes: dict[str, int] = {}
    for campaign, outcome, n, *_ in tagged["visits"]:
        visits[campaign] = visits.get(campaign, 0) + n
        outcomes[outcome] = outcomes.get(outcome, 0) + n
    (_, _, opened, punished, *_), = tagged["cases"]
    (_, _, *complaints), = tagged["complaints"]
    return {"states": {(category, state): n for category, state, n, *_ in tagged["states"]},
            "before": before, "banned": banned, "filed": filed, "licence_reminders": licence,
            "visits": visits, "outcomes": outcomes, "duty": {campaign: n for campaign, _, n, *_ in tagged["duty"]},
            "rounds": {campaign: n for campaign, _, n, *_ in tagged["rounds"]},
            "cases": _case_figures(opened, punished, [(kind, n, m) for kind, _, n, m, *_ in tagged["sanctions"]]),
            "complaints": _complaint_figures(*complaints),
            "reminders": {campaign: n for campaign, _, n, *_ in tagged["reminders"]},
            "running": {campaign for campaign, *_ in tagged["running"]}}


def _place_campaigns(session: Session, scope: Scope, found: dict[str, Any]) -> tuple[int, list[dict]]:
    """Person-times and campaigns counted from a place's rows: those counted there, and those running in its towns
    (or, counting the whole country's rows, running anywhere)."""
    visits, duty, rounds, reminded = found["visits"], found["duty"], found["rounds"], found["reminders"]
    ids = set(visits) | set(duty) | set(rounds) | set(reminded)
    c = campaigns.c
    query = sa.select(c.campaign_id, c.name, c.kind, c.starts_on, c.ends_on)
    if scope.town is None and scope.towns is None:
        rows = session.execute(query).all()
        ids |= {campaign_id for campaign_id, _, _, starts_on, ends_on in rows if _runs_in(starts_on, ends_on, scope)}
    else:
        ids |= found["running"]
        rows = session.execute(query.where(c.campaign_id.in_(sorted(ids)))).all()
    known = {campaign_id: (name, kind) for campaign_id, name, kind, _, _ in rows}
    unknown = (None, None)  # a campaign whose launch has not reached reporting
    return sum(duty.values()), [
        {"campaign_id": campaign_id, "name": name, "kind": kind, "rounds": rounds.get(campaign_id, 0),
         "inspections": visits.get(campaign_id, 0), "inspector_person_times": duty.get(campaign_id, 0),
         "reminders": reminded.get(campaign_id, 0)}
        for campaign_id in sorted(ids) for name, kind in (known.get(campaign_id, unknown),)]


def summary(session: Session, scope: Scope) -> dict[str, Any]:
    """Every summary figure of the scope, the campaigns' figures summing to the totals."""
    found = _everywhere(session, scope) if scope.everywhere else _counted(session, scope)
    states, before = found["states"], found["before"]
    licensed = states.get((DISCIPLINE, LICENSED), 0)
    by_state: dict[str, int] = {}
    for (_, state), n in states.items():
        by_state[state] = by_state.get(state, 0) + n
    outcomes = found["outcomes"]
    if "listed" in found:  # the whole country: every campaign, its name and figures from one statement
        rows = found["listed"]
        person_times = sum(row[7] for row in rows)
        # thousands of campaigns: those counted in the period or running in it, as plain dicts
        listed = [{"campaign_id": campaign_id, "name": name, "kind": kind, "rounds": rounds, "inspections": visits,
                   "inspector_person_times": duty, "reminders": reminded}
                  for campaign_id, name, kind, starts_on, ends_on, rounds, visits, duty, reminded
                  in sorted(rows, key=itemgetter(0))
                  if rounds or visits or duty or reminded or _runs_in(starts_on, ends_on, scope)]
    else:
        person_times, listed = _place_campaigns(session, scope, found)
    complaints = found["complaints"]
    return {
        "division_code": scope.division_code, "town": scope.town, "date_from": scope.date_from,
        "date_to": scope.date_to,
        "discipline_before": before, "discipline_licensed": licensed,
        "reduction_rate": reduction_rate(before, licensed), "institutions_by_state": by_state,
        "institutions_banned": found["banned"], "institutions_filed": found["filed"],
        "licence_reminders": found["licence_reminders"],
        "inspections": sum(outcomes.values()), "inspections_by_outcome": outcomes,
        "inspector_person_times": person_times,
        **found["cases"],
        "complaints_received": complaints["complaints_received"],
        "complaints_closed": complaints["complaints_closed"],
        "complaints_on_time_rate": complaints["complaints_on_time_rate"],
        "campaigns": listed,
    }
