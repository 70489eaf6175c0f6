"""The registry's use cases without a server: on the embedded SQLite database, and their pure parts."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from services.registry.bootstrap import SERVICE
from services.registry.domain import (
    IllegalTransition,
    InvalidInstitution,
    Licence,
    LicenceHalf,
    TransitionRefused,
    Violation,
)
from services.registry.service_layer import checks, handlers, notices, queries, sanctions
from services.registry.service_layer.stats import reduction, reduction_figures
from shared.bus.tables import outbox_table
from shared.clock import FixedClock
from shared.db import Database
from shared.errors import fields_under
from shared.migrations import upgrade
from shared.refusals import Conflict, StaleVersion
from shared.unit_of_work import BatchUnitOfWork

D = dt.date
QIMING = {"name": "城固县启明文化培训学校", "credit_code": "52610722MJY123456L", "division_code": "610722",
          "town": "博望街道", "address": "城固县博望街道文化路12号", "category": "discipline",
          "subject_group": "mathematics", "audience": ["primary"], "contact_phone": "13912345678",
          "legal_representative": "王启明", "state": "stock", "occurred_on": D(2021, 8, 2)}
LICENCE = {"school_running_licence": {"number": "教民161072270000123号", "issued_on": D(2021, 9, 1),
                                      "valid_until": D(2026, 8, 31)},
           "registration": {"kind": "registration_certificate", "number": "52610722MJY1234567",
                            "issued_on": D(2021, 9, 1), "valid_until": D(2027, 8, 31)}}


@pytest.fixture
def database(sqlite_url):
    upgrade(SERVICE, sqlite_url)
    database = Database(sqlite_url)
    yield database
    database.dispose()


def register(database, **changes) -> int:
    with database.unit_of_work() as uow:
        return handlers.register_institution(uow, {**QIMING, **changes}, actor="clerk-li")


def act(database, institution_id, action, **data) -> bool:
    with database.unit_of_work() as uow:
        return handlers.take_action(uow, institution_id, action, data, actor="clerk-li")


def event_types(database) -> list[str]:
    with database.engine.connect() as conn:
        return conn.execute(sa.select(outbox_table.c.type).order_by(outbox_table.c.id)).scalars().all()


@pytest.mark.parametrize(("before", "licensed", "rate", "shown"), [
    (81, 8, 0.901, "90.1%"), (3, 1, 0.667, "66.7%"), (8, 8, 0.0, "0.0%"), (2, 3, -0.5, "-50.0%"),
    (200, 1, 0.995, "99.5%"), (0, 0, None, None), (0, 2, None, None),
])
def test_the_reduction_rate_is_a_fraction_rounded_half_up_and_a_percentage(before, licensed, rate, shown):
    assert reduction(before, licensed) == {"before": before, "licensed_now": licensed, "reduced_by": before - licensed,
                                           "rate": rate, "rate_display": shown}


def test_a_refusal_names_the_request_field_of_each_violation_under_its_prefix():
    with pytest.raises(TransitionRefused) as refused, fields_under("data."):
        Licence(school_licence=LicenceHalf(number="教民1", issued_on=D(2021, 9, 1), valid_until=D(2021, 9, 5)),
                registration=LicenceHalf(number="5261", issued_on=D(2021, 9, 1), valid_until=D(2027, 8, 31))
                ).check("discipline", D(2021, 9, 10))
    refusal = refused.value
    assert refusal.field_of(refusal.violations[0]) == "data.licence.school_running_licence.valid_until"
    assert refusal.field_of(Violation("no.such_code")) == "data"
    invalid = InvalidInstitution([Violation("credit_code.check_character", "credit_code")])
    assert invalid.field_of(invalid.violations[0]) == "credit_code"
    assert invalid.field_of(Violation("no.such_code")) == "_schema"


def test_an_institution_registered_on_the_embedded_database_takes_its_actions(database):
    first, second = register(database), register(database, credit_code="52610722MJ2950121R")
    assert (first, second) == (1, 2)  # ids are taken before the aggregate exists: its event carries them
    assert act(database, first, "start_review", occurred_on=D(2021, 9, 1))
    assert act(database, first, "license", occurred_on=D(2021, 9, 20), licence=LICENCE)
    with database.sessions() as session:
        detail = queries.institution_detail(session, first)
    assert detail["state"] == "licensed" and detail["licence"]["valid_until"] == D(2026, 8, 31)
    assert event_types(database) == ["registry.institution.registered", "registry.institution.registered",
                                     "registry.institution.review_started", "registry.institution.licensed"]


def test_registration_refusals_and_duplicates_leave_nothing_behind(database):
    with pytest.raises(InvalidInstitution):
        register(database, credit_code="52610722MJY123456X")
    register(database)
    with pytest.raises(Conflict) as duplicate:
        register(database, name="另一家")
    assert duplicate.value.code == "institution.duplicate_credit_code" and duplicate.value.facts["existing_id"] == 1
    assert event_types(database) == ["registry.institution.registered"]


def test_an_illegal_action_and_a_stale_version_change_nothing(database):
    institution = register(database)
    with pytest.raises(IllegalTransition):
        act(database, institution, "license", licence=LICENCE)
    with database.unit_of_work() as uow, pytest.raises(StaleVersion):
        handlers.take_action(uow, institution, "start_review", {}, actor="clerk-li", if_match={7})
    with database.unit_of_work() as uow:
        assert handlers.take_action(uow, institution, "start_review", {}, actor="clerk-li", if_match={1})
    assert len(event_types(database)) == 2


def test_inspections_ban_and_reminder_and_the_checks_work_on_the_embedded_database(database):
    banned = register(database)
    reminded = register(database, credit_code="52610722MJ2950121R", state="under_review", occurred_on=D(2021, 8, 20))
    act(database, reminded, "order_rectification", occurred_on=D(2021, 9, 10), deadline=D(2021, 10, 15),
        reason="消防通道堵塞")
    with database.sessions() as session, session.begin():
        uow = BatchUnitOfWork(session, "case-7")
        assert sanctions.carry_out_ban(uow, case_id="case-7", institution_ref=str(banned), decided_on=D(2022, 3, 1),
                                       event_id="e1") == sanctions.BANNED
        assert sanctions.carry_out_ban(uow, case_id="case-7", institution_ref=str(banned), decided_on=D(2022, 3, 1),
                                       event_id="e2") == sanctions.BANNED  # the case's first answer, unchanged
        assert notices.issue_holiday_reminders(uow, campaign_id="c1", holiday="劳动节", remind_on=D(2025, 4, 28),
                                               towns=["博望街道"], event_id="e3") == 1  # the banned one is not active
    assert checks.flag_overdue_rectifications(database, clock=FixedClock(D(2021, 10, 16))) == 1
    with database.sessions() as session:
        assert reduction_figures(session)["total"]["before"] == 1  # the other one came as an applicant
    assert event_types(database)[-2:] == ["registry.institution.banned", "registry.institution.rectification_overdue"]


def test_a_ban_decided_after_the_clocks_day_is_recorded_on_that_day_not_in_the_future(database):
    banned = register(database)
    clock = FixedClock(D(2022, 3, 1))
    with database.sessions() as session, session.begin():
        uow = BatchUnitOfWork(session, "case-8")
        assert sanctions.carry_out_ban(uow, case_id="case-8", institution_ref=str(banned), decided_on=D(2022, 3, 5),
                                       event_id="e1", clock=clock) == sanctions.BANNED
    with database.sessions() as session:
        history = queries.institution_detail(session, banned)["history"]
    assert (history[-1]["action"], history[-1]["occurred_on"]) == ("ban", D(2022, 3, 1))
    assert history[-1]["recorded_at"] == clock.now()


def test_the_consumers_ban_and_reminder_are_stamped_by_the_workers_clock_not_the_machines(database):
    from services.registry.adapters.orm import ban_sanctions
    from services.registry.adapters.orm import notices as notice_rows
    from services.registry.entrypoints import consumer
    from shared.bus import Event
    from shared.clock import clock_in_use

    banned = register(database)
    register(database, credit_code="52610722MJ2950121R", occurred_on=D(2021, 8, 20))
    clock = FixedClock(dt.datetime(2022, 3, 1, 2, 30, tzinfo=dt.UTC))  # a worker started with a fixed clock
    ban = Event(type="inspection.case.sanction_imposed", source="inspection", subject="case-9",
                data={"kind": "ban", "case_id": "case-9", "institution_id": str(banned), "decided_on": "2022-02-27"})
    reminder = Event(type="inspection.campaign.reminder_issued", source="inspection", subject="c2",
                     data={"campaign_id": "c2", "holiday": "劳动节", "remind_on": "2022-04-28", "towns": ["博望街道"]})
    with clock_in_use(clock), database.sessions() as session, session.begin():
        consumer.sanction_imposed(ban, session)
        consumer.reminder_issued(reminder, session)
    with database.engine.connect() as conn:
        assert conn.execute(sa.select(ban_sanctions.c.received_at)).scalar_one() == clock.now()
        assert set(conn.execute(sa.select(notice_rows.c.recorded_at)).scalars()) == {clock.now()}
    with database.sessions() as session:
        assert queries.institution_detail(session, banned)["history"][-1]["recorded_at"] == clock.now()
