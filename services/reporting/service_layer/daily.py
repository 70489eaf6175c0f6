"""The whole country's figures, summed from the counts the projector keeps by day, by month and for all time.

Each change to a figure is counted three times: on its day (`figure`), in its month (`figure@m`, on the month's
first day) and for all time (`figure@a`, on 0001-01-01). A period is read as the months it covers whole plus the
days at its edges, and all time as one row a key: a handful of rows a figure whatever the period, where counting
the projections' rows would touch every row of the country. Each function answers what its namesake in `summary`
counts from the rows, for a scope naming no place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import BIT
from sqlalchemy.orm import Session

from services.reporting.adapters.orm import campaign_months, campaign_reminders, campaigns, daily_counts, round_days
from services.reporting.domain.figures import Scope, rate

d = daily_counts.c
ALL_TIME = date(1, 1, 1)
BY_DAY_ONLY = frozenset({"complaints_settled_and_overdue"})  # keyed by a day of its own: read day by day
AS_OF = ("state", "before", "filed", "rounds")  # summed over every day up to `to`; the others over the period
FLOWS = ("banned", "licence_reminders", "inspections", "outcomes", "person_times", "cases_opened",
         "cases_punished", "sanctions", "fines_fen", "complaints_received", "complaints_closed",
         "complaints_settled", "complaints_overdue", "complaints_on_time")


def levels(figure: str, day: date, key: str) -> list[tuple[str, date, str]]:
    """Where one change of a figure is counted: its day, its month, all time."""
    if figure in BY_DAY_ONLY:
        return [(figure, day, key)]
    return [(figure, day, key), (f"{figure}@m", day.replace(day=1), key), (f"{figure}@a", ALL_TIME, key)]


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def pieces(first: date | None, last: date | None) -> list[tuple[str, date | None, date | None]]:
    """[first, last] (None: unbounded) as (level, from, to) pieces: 'a' all time, 'm' whole months (their first
    days within [from, to]), 'd' single days."""
    if first is None and last is None:
        return [("a", None, None)]
    months_from = first if first is None or first.day == 1 else _next_month(first)
    after = None if last is None else last + timedelta(days=1)
    months_until = after if after is None or after.day == 1 else last.replace(day=1)  # exclusive
    if months_from is not None and months_until is not None and months_from >= months_until:
        return [("d", first, last)]
    found = [("m", months_from, None if months_until is None else months_until - timedelta(days=1))]
    if first is not None and first < months_from:
        found.append(("d", first, months_from - timedelta(days=1)))
    if last is not None and months_until <= last:
        found.append(("d", months_until, last))
    return found


def _between(column, first: date | None, last: date | None) -> list:
    return ([column >= first] if first is not None else []) + ([column <= last] if last is not None else [])


def _condition(figure: str, first, last, spans=None):
    """The rows summing to a figure over [first, last] (dates, or parameters with `spans`, its pieces)."""
    if figure in BY_DAY_ONLY:
        return sa.and_(d.figure == figure, *_between(d.day, first, last))
    return sa.or_(*(sa.and_(d.figure == (figure if level == "d" else f"{figure}@{level}"),
                            *_between(d.day, low, high)) for level, low, high in spans or pieces(first, last)))


def _spanned(first: date | None, last: date | None, name: str) -> tuple[tuple, dict[str, date]]:
    """[first, last]'s pieces as a shape (their levels and which bounds they have) and their dates by parameter."""
    found = pieces(first, last)
    values = {f"{name}{number}{end}": day for number, (_, low, high) in enumerate(found)
              for end, day in (("low", low), ("high", high)) if day is not None}
    return tuple((level, low is not None, high is not None) for level, low, high in found), values


def _bound_spans(shape: tuple, name: str) -> list:
    return [(level, sa.bindparam(f"{name}{number}low", type_=sa.Date) if low else None,
             sa.bindparam(f"{name}{number}high", type_=sa.Date) if high else None)
            for number, (level, low, high) in enumerate(shape)]


_SUMS: dict[tuple, sa.Select | sa.CompoundSelect] = {}  # each kind of question's statement, built once


def sums(session: Session, scope: Scope, flows: Iterable[str] = (), as_of: Iterable[str] = (),
         twice: bool = False) -> dict[str, dict[str, int]]:
    """Figures by key (keys summing to 0 left out): flows over the period, the others over every day to `to`;
    one query for them all. `twice`: with the complaints both settled and overdue in the period, under
    "complaints_twice" (see `complaint_figures`). The statement of each kind of question (which figures, which
    pieces the period has) is built once, its dates bound as parameters: building it cost ~3 ms of CPU."""
    flows, as_of = tuple(flows), tuple(as_of)
    found: dict[str, dict[str, int]] = defaultdict(dict)
    if not flows and not as_of:
        return found
    period, values = _spanned(scope.date_from, scope.date_to, "p") if flows else ((), {})
    upto, more = _spanned(None, scope.date_to, "u") if as_of else ((), {})
    values.update(more)
    given = (scope.date_from is not None, scope.date_to is not None)
    values.update({name: value for name, value in (("first", scope.date_from), ("last", scope.date_to)) if value})
    if twice and scope.date_to is not None:
        values["last_text"] = scope.date_to.isoformat()
    kind = (flows, as_of, twice, period, upto, given)
    statement = _SUMS.get(kind)
    if statement is None:
        statement = _SUMS[kind] = _sums_query(*kind)
    rows = session.execute(statement, values).all()  # fetched at once
    for figure, key, n in rows:
        figure = figure.split("@", 1)[0]
        found[figure][key] = found[figure].get(key, 0) + int(n or 0)
    return {figure: {key: n for key, n in keyed.items() if n} for figure, keyed in found.items()}


def _sums_query(flows: tuple, as_of: tuple, twice: bool, period: tuple, upto: tuple,
                given: tuple[bool, bool]) -> sa.Select | sa.CompoundSelect:
    first, last = (sa.bindparam(name, type_=sa.Date) if there else None
                   for name, there in (("first", given[0]), ("last", given[1])))
    conditions = [_condition(figure, first, last, _bound_spans(period, "p")) for figure in flows]
    conditions += [_condition(figure, None, last, _bound_spans(upto, "u")) for figure in as_of]
    query = sa.select(d.figure, d.key, sa.func.sum(d.n).label("n")).where(sa.or_(*conditions)).group_by(
        d.figure, d.key)
    if twice:
        both = [d.figure == "complaints_settled_and_overdue", *([d.day >= first] if given[0] else []),
                *([d.key <= sa.bindparam("last_text", type_=sa.String)] if given[1] else [])]
        query = sa.union_all(query, sa.select(sa.literal("complaints_twice"), sa.literal(""),
                                              sa.func.sum(d.n)).where(*both))
    return query


BY_CAMPAIGN = ("inspections", "person_times")  # flows keyed by campaign; "rounds" too while a period has no start
# each campaign's figures kept by month in `campaign_months` (holiday reminders counted here by their day, keyed by
# campaign, only for those); a round's activity by month kept there as bit (r - 1) % 63 of word (r - 1) // 63
CAMPAIGN_FIGURES = ("rounds", "inspections", "person_times", "reminders")
MASK_ROUNDS = 63


def campaign_figures(session: Session, scope: Scope) -> dict[str, tuple[int, int, int, int]]:
    """(rounds, inspections, person-times, holiday reminders) of each campaign with any in the period, pivoted by
    the database in one statement, a row a campaign (where `sums` fetched a row a figure and campaign): the daily
    counts' rows, the reminders' (a row each) and, for a period with a first day, the rounds held in it (a row a
    round, counted as `rounds_held` does) added up by campaign."""
    wanted = [_condition(figure, scope.date_from, scope.date_to) for figure in BY_CAMPAIGN]
    if scope.date_from is None:
        wanted.append(_condition("rounds", None, scope.date_to))
    r = campaign_reminders.c
    parts = [sa.select(d.key.label("campaign"), d.figure.label("figure"), d.n.label("n")).where(sa.or_(*wanted)),
             sa.select(r.campaign_id, sa.literal("reminders", sa.String), sa.literal(1, sa.BigInteger)).where(
                 *_between(r.remind_on, scope.date_from, scope.date_to))]
    if scope.date_from is not None:
        held = _rounds_held_query(session, scope).subquery()
        parts.append(sa.select(held.c.campaign, sa.literal("rounds", sa.String), sa.literal(1, sa.BigInteger)))
    rows = sa.union_all(*parts).subquery()

    def total(figure: str):  # a whole number, not the sum's NUMERIC: 8,000 Decimals made and read a request
        return sa.cast(sa.func.coalesce(sa.func.sum(rows.c.n).filter(
            rows.c.figure.in_([figure, f"{figure}@m", f"{figure}@a"])), 0), sa.BigInteger)

    return {key: (int(rounds), int(visits), int(duty), int(reminded)) for key, rounds, visits, duty, reminded in
            session.execute(sa.select(rows.c.campaign, total("rounds"), total("inspections"), total("person_times"),
                                      total("reminders")).group_by(rows.c.campaign)).all()
            if rounds or visits or duty or reminded}


def _zero():
    return sa.literal_column("0")


def _bit(round_) -> sa.ColumnElement:
    """Round r's bit in its word's mask."""
    return sa.cast(sa.literal_column("1"), sa.BigInteger).op("<<")((round_ - 1) % MASK_ROUNDS)


def campaign_months_from_daily() -> sa.Insert:
    """`campaign_months` as the daily counts hold it (PostgreSQL; a rebuild writes it so, once, at its end): each
    figure's month and all-time changes by campaign, and the rounds active in each month as bits."""
    months = [f"{name}@{level}" for name in CAMPAIGN_FIGURES for level in "ma"]
    name = sa.func.split_part(d.figure, "@", 1)
    figures = sa.select(d.day.label("month"), d.key.label("campaign_id"), _zero().label("word"),
                        *(sa.case((name == figure, d.n), else_=0).label(figure) for figure in CAMPAIGN_FIGURES),
                        sa.cast(_zero(), sa.BigInteger).label("active")).where(d.figure.in_(months), d.n != 0)
    round_ = sa.cast(sa.func.split_part(d.key, "\t", 2), sa.Integer)
    active = sa.select(d.day, sa.func.split_part(d.key, "\t", 1), (round_ - 1) // MASK_ROUNDS,
                       *(_zero() for _ in CAMPAIGN_FIGURES), _bit(round_)).where(
        d.figure == "round_activity@m", d.n > 0)
    changes = sa.union_all(figures, active).subquery()
    totals = [sa.cast(sa.func.sum(changes.c[figure]), sa.Integer) for figure in CAMPAIGN_FIGURES]
    mask = sa.func.bit_or(changes.c.active)
    keys = (changes.c.month, changes.c.campaign_id, changes.c.word)
    return campaign_months.insert().from_select(
        ["month", "campaign_id", "word", *CAMPAIGN_FIGURES, "active"],
        sa.select(*keys, *totals, mask).group_by(*keys).having(sa.or_(*(total != 0 for total in totals),
                                                                        mask != 0)))


def campaign_list(session: Session, scope: Scope) -> list[tuple]:
    """Every campaign known or counted, with its figures in the period: (campaign_id, name, kind, starts_on,
    ends_on, rounds, inspections, person-times, holiday reminders); name, kind and dates None for a campaign whose
    launch has not reached reporting. On PostgreSQL one statement: the campaigns' months for the months the period
    covers whole (their all-time rows for all time), the daily counts and round days for the days at its edges,
    added up by campaign and joined to the campaigns."""
    if session.get_bind().dialect.name != "postgresql":
        return _campaign_list_counted(session, scope)
    # rounds are counted from their first days while the period has no first day, else as the rounds active in it
    shape = (scope.date_from is None, tuple((level, low is not None, high is not None)
                                            for level, low, high in pieces(scope.date_from, scope.date_to)))
    statement = _LISTS.get(shape)
    if statement is None:
        statement = _LISTS[shape] = _campaign_list_query(*shape)
    values = {}
    for number, (_, low, high) in enumerate(pieces(scope.date_from, scope.date_to)):
        values.update({f"low{number}": low, f"high{number}": high})
    return session.execute(statement, {name: value for name, value in values.items() if value is not None}).all()


_LISTS: dict[tuple, sa.Select] = {}  # the statement of each shape of period, built once, its dates bound


def _part(campaign, word, figures, active) -> sa.Select:
    """One part of a campaign list's rows: (campaign_id, word, each figure, active)."""
    return sa.select(campaign.label("campaign_id"), word.label("word"),
                     *(value.label(figure) for figure, value in zip(CAMPAIGN_FIGURES, figures, strict=True)),
                     active.label("active"))


def _campaign_list_query(additive: bool, shape: tuple[tuple[str, bool, bool], ...]) -> sa.Select:
    m, r = campaign_months.c, round_days.c
    month = (m.campaign_id, m.word, [m[figure] for figure in CAMPAIGN_FIGURES], m.active)
    # without a first day the figures are plain sums, kept on word 0: the other words' rows (rounds' bits) are not read
    words = [m.word == 0] if additive else []
    parts = []
    for number, (level, low, high) in enumerate(shape):
        bounds = (sa.bindparam(f"low{number}", type_=sa.Date) if low else None,
                  sa.bindparam(f"high{number}", type_=sa.Date) if high else None)
        if level == "a":
            parts.append(_part(*month).where(m.month == ALL_TIME, *words))
        elif level == "m":
            parts.append(_part(*month).where(m.month > ALL_TIME, *_between(m.month, *bounds), *words))
        else:  # the days at an edge: each figure's daily rows, and (for a period with a first day) its round days
            counted = ["inspections", "person_times", "reminders"] + (["rounds"] if additive else [])
            parts.append(_part(d.key, _zero(), [sa.cast(sa.case((d.figure == figure, d.n), else_=0), sa.Integer)
                                                for figure in CAMPAIGN_FIGURES], sa.cast(_zero(), sa.BigInteger))
                         .where(d.figure.in_(counted), *_between(d.day, *bounds)))
            if not additive:
                parts.append(_part(r.campaign_id, (r.round - 1) // MASK_ROUNDS, [_zero()] * len(CAMPAIGN_FIGURES),
                                   _bit(r.round)).where(r.n > 0, *_between(r.day, *bounds)))
    if shape == (("a", False, False),):  # all time: a row a campaign already, nothing to add up
        figures = parts[0].subquery()
    elif additive:  # sums of whole numbers (int4): BIGINT, not NUMERIC
        rows = sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
        figures = sa.select(rows.c.campaign_id, *(sa.func.sum(rows.c[figure]).label(figure) for figure in
                                                  CAMPAIGN_FIGURES)).group_by(rows.c.campaign_id).subquery()
    else:  # a round is counted once however many months and days it was active in: its bits OR-ed, word by word
        rows = sa.union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
        held = sa.func.bit_count(sa.cast(sa.func.bit_or(rows.c.active), BIT(64)))
        by_word = sa.select(rows.c.campaign_id, *(sa.cast(sa.func.sum(rows.c[figure]), sa.Integer).label(figure)
                                                  for figure in CAMPAIGN_FIGURES if figure != "rounds"),
                            sa.cast(held, sa.Integer).label("rounds")).group_by(rows.c.campaign_id, rows.c.word)
        w = by_word.subquery().c
        figures = sa.select(w.campaign_id, *(sa.func.sum(w[figure]).label(figure) for figure in CAMPAIGN_FIGURES)
                            ).group_by(w.campaign_id).subquery()
    f, c = figures.c, campaigns.c
    return sa.select(sa.func.coalesce(c.campaign_id, f.campaign_id), c.name, c.kind, c.starts_on, c.ends_on,
                     *(sa.func.coalesce(f[figure], 0) for figure in CAMPAIGN_FIGURES)).select_from(
        campaigns.outerjoin(figures, c.campaign_id == f.campaign_id, full=True))


def _campaign_list_counted(session: Session, scope: Scope) -> list[tuple]:
    """`campaign_list` elsewhere (SQLite): each campaign's figures from its daily rows, then the campaigns."""
    found = campaign_figures(session, scope)
    c = campaigns.c
    listed = [(campaign_id, name, kind, starts_on, ends_on, *found.pop(campaign_id, (0, 0, 0, 0)))
              for campaign_id, name, kind, starts_on, ends_on in session.execute(
                  sa.select(c.campaign_id, c.name, c.kind, c.starts_on, c.ends_on)).all()]
    return listed + [(campaign_id, None, None, None, None, *figures) for campaign_id, figures in found.items()]


def _rounds_held_query(session: Session, scope: Scope) -> sa.Select:
    """Each (campaign, round) active in a period with a first day, once: the months the period covers whole
    (`round_activity@m`, keyed "campaign\tround") and the days at its edges (`round_days`)."""
    r = round_days.c
    dialect = session.get_bind().dialect.name
    position = (lambda text: sa.func.strpos(text, "\t")) if dialect == "postgresql" else (
        lambda text: sa.func.instr(text, "\t"))
    parts = []
    for level, low, high in pieces(scope.date_from, scope.date_to):
        if level == "d":
            parts.append(sa.select(r.campaign_id.label("campaign"), sa.cast(r.round, sa.String).label("round"))
                         .where(r.n > 0, *_between(r.day, low, high)))
        else:
            tab = position(d.key)
            parts.append(sa.select(sa.func.substr(d.key, 1, tab - 1).label("campaign"),
                                   sa.func.substr(d.key, tab + 1).label("round"))
                         .where(d.figure == "round_activity@m", d.n > 0, *_between(d.day, low, high)))
    return sa.union(*parts) if len(parts) > 1 else parts[0].distinct()  # UNION: each (campaign, round) once


def _total(session: Session, figure: str, scope: Scope, *, as_of: bool = False) -> int:
    keyed = sums(session, scope, as_of=[figure]) if as_of else sums(session, scope, flows=[figure])
    return sum(keyed.get(figure, {}).values())


def states(found: dict[str, dict[str, int]]) -> dict[tuple[str, str], int]:
    """The (category, state) counts in what `sums` found."""
    return {tuple(key.split("\t", 1)): n for key, n in found.get("state", {}).items()}


def states_as_of(session: Session, scope: Scope) -> dict[tuple[str, str], int]:
    """Institutions by (category, state) as of `to`."""
    return states(sums(session, scope, as_of=["state"]))


def discipline_before(session: Session, scope: Scope) -> int:
    """Discipline institutions registered as stock on or before `to`."""
    return _total(session, "before", scope, as_of=True)


def institutions_banned(session: Session, scope: Scope) -> int:
    """Institutions banned within the period."""
    return _total(session, "banned", scope)


def institutions_filed(session: Session, scope: Scope) -> int:
    """Institutions with a filing by `to`."""
    return _total(session, "filed", scope, as_of=True)


def licence_reminders(session: Session, scope: Scope) -> int:
    """Licence expiry reminders sent in the period."""
    return _total(session, "licence_reminders", scope)


def person_times(session: Session, scope: Scope, campaign_id: str | None = None) -> dict[str, int]:
    """Person-times by campaign in the period."""
    found = sums(session, scope, flows=["person_times"]).get("person_times", {})
    return found if campaign_id is None else {key: n for key, n in found.items() if key == campaign_id}


def inspection_count(session: Session, scope: Scope) -> int:
    """Completed visits in the period."""
    return _total(session, "outcomes", scope)


def rounds_held(session: Session, scope: Scope, found: dict[str, dict[str, int]] | None = None) -> dict[str, int]:
    """Rounds held per campaign in the period: counted from each round's first day while the period has no first
    day (in `found` when `sums` was asked for "rounds"); else the distinct rounds active in it, by the months it
    covers whole and the days at its edges."""
    if scope.date_from is None:
        return (found if found is not None else sums(session, scope, as_of=["rounds"])).get("rounds", {})
    held = _rounds_held_query(session, scope).subquery()
    return {campaign: int(n) for campaign, n in session.execute(
        sa.select(held.c.campaign, sa.func.count()).group_by(held.c.campaign)).all()}


def case_figures(session: Session, scope: Scope, found: dict[str, dict[str, int]] | None = None) -> dict[str, Any]:
    """Cases opened and punished in the period, sanctions by kind and fines."""
    if found is None:
        found = sums(session, scope, flows=["cases_opened", "cases_punished", "sanctions", "fines_fen"])
    return {"cases_opened": sum(found.get("cases_opened", {}).values()),
            "cases_punished": sum(found.get("cases_punished", {}).values()),
            "sanctions_by_kind": found.get("sanctions", {}), "fines_fen": sum(found.get("fines_fen", {}).values())}


def _twice(scope: Scope) -> list:
    """The rows of the complaints both settled and overdue in the period (kept on the earlier day, keyed by the
    later one)."""
    both = [d.figure == "complaints_settled_and_overdue"]
    if scope.date_from is not None:
        both.append(d.day >= scope.date_from)
    if scope.date_to is not None:
        both.append(d.key <= scope.date_to.isoformat())
    return both


def complaint_figures(session: Session, scope: Scope, found: dict[str, dict[str, int]] | None = None
                      ) -> dict[str, Any]:
    """Complaints received and closed in the period; the on-time rate over those answered, closed or overdue.

    Handled = settled in the period + overdue in it - those with both days in it (counted once): those are kept
    on the earlier day, keyed by the later one."""
    if found is None:
        found = sums(session, scope, flows=[figure for figure in FLOWS if figure.startswith("complaints_")])
    total = {figure: sum(found.get(figure, {}).values()) for figure in FLOWS if figure.startswith("complaints_")}
    if "complaints_twice" in found:  # asked of `sums` with the rest
        twice = found["complaints_twice"].get("", 0)
    else:
        twice = int(session.scalar(sa.select(sa.func.sum(d.n)).where(*_twice(scope))) or 0)
    handled = total["complaints_settled"] + total["complaints_overdue"] - twice
    return {"complaints_received": total["complaints_received"], "complaints_closed": total["complaints_closed"],
            "complaints_handled": handled, "complaints_on_time": total["complaints_on_time"],
            "complaints_on_time_rate": rate(total["complaints_on_time"], handled)}
