"""The projector applies events one at a time (the live consumer) or thousands at a time (a rebuild) by the same
rules: the projections and every figure come out the same; and the whole country's figures summed from the daily
counts equal those counted from the projections' rows."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
import reporting_support as support
import sqlalchemy as sa
from reporting_support import SERVICE, SETTINGS, fed
from sqlalchemy.orm import Session
from test_reporting_rebuild import every_event, every_figure

from services.reporting.adapters.orm import PROJECTIONS, campaign_months
from services.reporting.domain.figures import Scope
from services.reporting.entrypoints.schemas import SummaryOut
from services.reporting.service_layer import projector, series, summary
from shared.app import create_app
from shared.bus.tables import inbox_table
from shared.db import Database
from shared.migrations import downgrade, upgrade

pytestmark = pytest.mark.integration
database, client = support.database, support.client


def _kept(table: sa.Table) -> list:
    """The rows that count: a counter back at 0, or a campaign's month whose figures and rounds are all 0, counts as
    no row."""
    if "n" in table.c:
        return [table.c.n != 0]
    if table is campaign_months:
        return [sa.or_(*(table.c[name] != 0 for name in ("rounds", "inspections", "person_times", "reminders",
                                                          "active")))]
    return []


def _rows(database: Database) -> dict[str, list]:
    """Every projection's rows, in a stable order."""
    with database.engine.connect() as conn:
        return {table.name: sorted((tuple(row) for row in conn.execute(sa.select(table).where(*_kept(table)))),
                                   key=repr) for table in PROJECTIONS}


def _applied(url: str, events: list, chunk: int) -> Database:
    """A fresh database of reporting with the events applied straight through the projector, `chunk` at a time."""
    upgrade(SERVICE, url)
    database = Database(url, pool_size=2)
    with Session(database.engine) as session, session.begin():
        for start in range(0, len(events), chunk):
            projector.apply(session, events[start:start + chunk])
    return database


@pytest.fixture(params=["postgresql", "sqlite"])
def other_url(request, sqlite_url):
    """A second database to apply the same events to: a PostgreSQL schema of its own, or a SQLite file."""
    if request.param == "sqlite":
        yield sqlite_url
        return
    from shared.testing.fixtures import fresh_schema
    with fresh_schema(request.getfixturevalue("postgres_server_url")) as url:
        yield url


def test_one_event_at_a_time_and_thousands_at_a_time_leave_the_same_rows_and_figures(database, other_url):
    events = every_event()
    for start in range(0, len(events), 7):  # the consumer: one event a handler call, batches as the broker hands out
        fed(database, *events[start:start + 7])
    live = create_app(SERVICE, settings=SETTINGS, database=database, testing=True).test_client()
    expected_rows, expected = _rows(database), every_figure(live)
    assert expected["/v1/summary"]["inspections"] == 12

    for chunk in (len(events), 5, 1):
        with Session(database.engine) as session, session.begin():
            for table in reversed(PROJECTIONS):
                session.execute(table.delete())
            for start in range(0, len(events), chunk):
                projector.apply(session, events[start:start + chunk])
        assert _rows(database) == expected_rows, chunk
        assert every_figure(live) == expected, chunk
    for chunk, held in ((len(events), 100_000), (5, 10), (1, 1)):  # a rebuild's way: COPY, counts held a while
        with Session(database.engine) as session, session.begin():
            for table in reversed(PROJECTIONS):
                session.execute(table.delete())
            replay = projector.Replay(session, held=held)
            for start in range(0, len(events), chunk):
                replay.apply(events[start:start + chunk])
            replay.finish()
        assert _rows(database) == expected_rows, ("replay", chunk)
        assert every_figure(live) == expected, ("replay", chunk)

    other = _applied(other_url, events, chunk=len(events))  # the same on another database (SQLite for `up`)
    try:
        client = create_app(SERVICE, settings=SETTINGS, database=other, testing=True).test_client()
        assert every_figure(client) == expected
    finally:
        other.dispose()
    upgrade(SERVICE, other_url)
    other = Database(other_url, pool_size=2)
    try:  # and through the consumer there, from empty projections
        with Session(other.engine) as session, session.begin():
            for table in reversed(PROJECTIONS):
                session.execute(table.delete())
            session.execute(inbox_table.delete())  # the events are new to this consumer
        for start in range(0, len(events), 7):
            fed(other, *events[start:start + 7])
        client = create_app(SERVICE, settings=SETTINGS, database=other, testing=True).test_client()
        assert every_figure(client) == expected
    finally:
        other.dispose()


def _random_events(seed: int) -> list:
    """Many events of every kind with random days, repeats and late arrivals (made from the contracts)."""
    rng = random.Random(seed)
    made = []
    first = date(2021, 6, 1)

    def day() -> str:
        return (first + timedelta(days=rng.randrange(120))).isoformat()

    for number in range(40):
        key = f"inst{number}"
        town = rng.choice(["博望街道", "龙头镇", "城关镇"])
        made.append(support.registered(key, state=rng.choice(["stock", "under_review"]), town=town,
                                       category=rng.choice(["discipline", "non_discipline"]), occurred_on=day()))
        for sequence, what in enumerate(rng.sample(["review_started", "licensed", "banned", "closed", "converted",
                                                    "rectification_ordered"], rng.randrange(3)), start=2):
            made.append(support.changed(key, what, occurred_on=day(), sequence=sequence, town=town))
        if rng.random() < 0.4:
            made.append(support.event("registry.filing.published", 9, institution_id=key,
                                      filing_id=f"f{number}-{rng.randrange(2)}", time=None))
    for number in range(60):
        made.append(support.event("inspection.task.completed", rng.choice([1, 2]), task_id=f"t{number % 45}",
                                  campaign_id=rng.choice(["summer", "winter"]), inspected_on=day(),
                                  inspector_ids=rng.sample(["i1", "i2", "i3", "i4"], rng.randint(1, 3)),
                                  town=rng.choice(["博望街道", "龙头镇"]), round=rng.choice([1, 2, 3, None]),
                                  outcome=rng.choice(["compliant", "violation"])))
    for number in range(8):
        made.append(support.event("inspection.draw.published", 1, draw_id=f"d{number}", campaign_id="summer",
                                  round=1 + number % 4))
    # rounds past a mask's 63 (kept in a second and a third word) and at its edges, drawn and visited on random days
    for number, round_ in enumerate((63, 64, 65, 126, 127, 130)):
        made.append(support.event("inspection.draw.published", 1, draw_id=f"long{number}", campaign_id="long",
                                  round=round_, drawn_at=f"{day()}T09:00:00+08:00"))
        made.append(support.event("inspection.task.completed", 1, task_id=f"long{number}", campaign_id="long",
                                  round=rng.choice((1, round_)), inspected_on=day(), inspector_ids=["i1"],
                                  town="龙头镇", outcome="compliant"))
    for number in range(25):
        key = f"k{number}"
        made.append(support.event("inspection.case.opened", 1, case_id=key, on=day()))
        if rng.random() < 0.6:
            made.append(support.event("inspection.case.sanction_imposed", 2, case_id=key, decided_on=day()))
        if rng.random() < 0.5:
            made.append(support.event("inspection.case.closed", 3, case_id=key, on=day(),
                                      punished=rng.random() < 0.5))
    for number in range(40):
        key = f"c{number}"
        made.append(support.event("complaints.clue.received", 1, clue_id=key,
                                  received_at=f"{day()}T10:00:00+08:00"))
        for sequence, what in enumerate(rng.sample(["answered", "closed", "overdue", "rated"], rng.randrange(4)),
                                        start=2):
            changes = {"at": f"{day()}T09:00:00+08:00"}
            if what in ("answered", "closed"):
                changes["on_time"] = rng.random() < 0.6
            made.append(support.event(f"complaints.clue.{what}", sequence, clue_id=key, **changes))
    made += [rng.choice(made) for _ in range(20)]  # redeliveries
    rng.shuffle(made)
    # a round's only visit in June, recorded again in August: the round is no longer active in June
    moved = {"task_id": "moved", "campaign_id": "long", "round": 100, "inspector_ids": ["i2"], "town": "龙头镇",
             "outcome": "compliant"}
    return [support.event("inspection.task.completed", 1, inspected_on="2021-06-10", **moved), *made,
            support.event("inspection.task.completed", 2, inspected_on="2021-08-10", **moved)]


def test_the_whole_countrys_figures_from_the_daily_counts_equal_those_counted_from_the_rows(database):
    events = _random_events(11)
    fed_in = 0
    rng = random.Random(3)
    while fed_in < len(events):  # the live path, then a rebuild-sized batch: both keep the daily counts
        step = rng.randint(1, 9)
        if fed_in < len(events) // 2:
            fed(database, *{event.id: event for event in events[fed_in:fed_in + step]}.values())
        else:
            with Session(database.engine) as session, session.begin():
                projector.apply(session, events[fed_in:fed_in + 40])
            step = 40
        fed_in += step
    first = date(2021, 5, 25)
    scopes = [Scope(), Scope(date_to=date(2021, 7, 1)), Scope(date_from=date(2021, 7, 1)),
              # whole months, with days at either edge or none (read by month and by day)
              Scope(date_from=date(2021, 7, 1), date_to=date(2021, 8, 31)), Scope(date_to=date(2021, 7, 31)),
              Scope(date_from=date(2021, 6, 15), date_to=date(2021, 8, 10)), Scope(date_from=date(2021, 8, 1)),
              Scope(date_from=date(2021, 6, 30), date_to=date(2021, 8, 1)),
              # days at one edge only, with or without the other bound; days within one month
              Scope(date_to=date(2021, 7, 15)), Scope(date_from=date(2021, 7, 15)),
              Scope(date_from=date(2021, 7, 1), date_to=date(2021, 8, 20)),
              Scope(date_from=date(2021, 6, 20), date_to=date(2021, 8, 31)),
              Scope(date_from=date(2021, 7, 3), date_to=date(2021, 7, 27))]
    for _ in range(30):
        start = first + timedelta(days=rng.randrange(140))
        scopes.append(Scope(date_from=start, date_to=start + timedelta(days=rng.randrange(60))))
    with Session(database.engine) as session:
        counted = summary.summary(session, Scope(scan=True))
        assert counted["inspections"] and counted["inspector_person_times"] and counted["complaints_closed"]
        assert {row["campaign_id"]: row["rounds"] for row in counted["campaigns"]}["long"] > 6
        assert counted["institutions_banned"] and counted["cases_punished"] and counted["institutions_filed"]
        for scope in scopes:
            assert summary.summary(session, scope) == summary.summary(session, replace(scope, scan=True)), scope
        for interval in ("week", "month"):
            scope = Scope(date_from=date(2021, 6, 1), date_to=date(2021, 9, 30))
            assert series.series(session, scope, interval) == series.series(session, replace(scope, scan=True),
                                                                             interval)

    # a rebuild's way (no locks, COPY, counts and rounds' first days held across batches) leaves the same rows,
    # late and repeated visits moving rounds' first days back and forth included
    expected = _rows(database)
    for chunk in (40, 3):
        with Session(database.engine) as session, session.begin():
            for table in reversed(PROJECTIONS):
                session.execute(table.delete())
            replay = projector.Replay(session, held=25)
            for start in range(0, len(events), chunk):
                replay.apply(events[start:start + chunk])
            replay.finish()
        assert _rows(database) == expected, chunk

    # the migration adding the campaigns' months fills them from the daily counts as the projector keeps them
    url = database.engine.url.render_as_string(hide_password=False)
    downgrade(SERVICE, url, "0007")
    upgrade(SERVICE, url)
    assert _rows(database) == expected


def test_the_summary_answers_what_its_schema_writes_for_every_scope(client, database):
    fed(database, *every_event())
    with Session(database.engine) as session:
        for query, scope in (("", Scope()), ("?to=2021-08-31", Scope(date_to=date(2021, 8, 31))),
                             ("?from=2021-07-16&to=2021-09-30",
                              Scope(date_from=date(2021, 7, 16), date_to=date(2021, 9, 30))),
                             ("?town=龙头镇", Scope(town="龙头镇"))):
            figures = summary.summary(session, scope)
            assert figures["campaigns"], query
            assert support.summary(client, query) == SummaryOut().dump(figures), query
