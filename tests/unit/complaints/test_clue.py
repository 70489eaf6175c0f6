"""A clue's life at the desk: its deadline in working days, received dates, registration of public reports."""

import datetime as dt

import pytest

from services.complaints.domain import Category, Channel
from services.complaints.domain.clue import Clue, Deadline, Place, Reporter, Status, deadline
from shared.calendar import OfficialCalendar
from shared.refusals import IllegalTransition, Refused

NOW = dt.datetime(2026, 9, 28, 2, 0, tzinfo=dt.UTC)
CALENDAR = OfficialCalendar()
DUE = Deadline(dt.date(2026, 10, 23), False)


def desk_clue(**changes):
    fields = {"id": "01J0000000000000000000000A", "category": Category.OTHER, "channel": Channel.HOTLINE,
              "description": "x", "place": Place(town="龙头镇"), "reporter": Reporter(phone="13812345678"),
              "received_at": NOW, "now": NOW, "due": DUE, **changes}
    return Clue.record_at_desk(**fields)[0]


def test_the_deadline_counts_working_days_of_the_official_calendar():
    assert deadline(CALENDAR, dt.date(2026, 9, 28), 15) == Deadline(dt.date(2026, 10, 23), False)


def test_a_year_the_calendar_does_not_know_counts_weekdays_and_says_so():
    assert deadline(CALENDAR, dt.date(2041, 3, 4), 15) == Deadline(dt.date(2041, 3, 25), True)


def test_a_clue_recorded_at_the_desk_is_received_and_announced_without_its_reporter():
    clue = desk_clue()
    assert clue.status is Status.RECEIVED and clue.due_on == DUE.on
    [event] = clue.events
    assert event.type == "complaints.clue.received"
    assert event.data() == {"clue_id": clue.id, "category": "other", "channel": "hotline", "town": "龙头镇",
                            "institution_id": None, "received_at": "2026-09-28T02:00:00+00:00",
                            "due_on": "2026-10-23"}


def test_a_paper_record_may_be_old_but_never_from_tomorrow():
    assert desk_clue(received_at=NOW - dt.timedelta(days=400)).received_at < NOW
    with pytest.raises(Refused) as refused:
        desk_clue(received_at=NOW + dt.timedelta(hours=2))
    assert [(v.code, v.item) for v in refused.value.violations] == [("received_at_in_future", "received_at")]


def test_a_clue_needs_a_town_to_be_received():
    with pytest.raises(Refused) as refused:
        desk_clue(place=Place(address="某小区"))
    assert refused.value.violations[0].code == "town_required"


def test_a_public_report_is_registered_once():
    report, _token = Clue.file_public_report(
        id="01J0000000000000000000000B", category=Category.OTHER, channel=Channel.WEB_FORM, description="x",
        place=Place(address="某小区"), reporter=Reporter(), at=NOW)
    assert report.status is Status.SUBMITTED and report.events == []
    report.register(town="城关镇", due=DUE, now=NOW, category=Category.REFUND_DISPUTE)
    assert report.status is Status.RECEIVED and report.events[0].data()["category"] == "refund_dispute"
    with pytest.raises(IllegalTransition):
        report.register(town="城关镇", due=DUE, now=NOW)


def test_triage_records_the_department_answering_for_the_clue():
    routed = desk_clue()
    routed.triage(category=Category.SAFETY_HAZARD, institution_id=None, department="urban_management",
                  duplicate_of=None, now=NOW)
    assert routed.department == "urban_management" and routed.status is Status.TRIAGED


def test_a_referral_says_why_and_the_history_keeps_it():
    clue = desk_clue()
    clue.triage(category=Category.HIDDEN_TUTORING, institution_id=None, department="education", duplicate_of=None,
                now=NOW, by="desk-li")
    with pytest.raises(Refused) as refused:
        clue.refer(priority="normal", place=None, department=None, now=NOW, reason=" \n", by="desk-li")
    assert [(v.code, v.item) for v in refused.value.violations] == [("reason_required", "reason")]
    assert clue.status is Status.TRIAGED and [step.action for step in clue.steps] == ["triaged"]
    clue.refer(priority="urgent", place=None, department=None, now=NOW, reason=" 周末在小区补课 ", by="desk-li")
    assert clue.status is Status.REFERRED
    assert [(s.action, s.by, s.reason) for s in clue.steps] == [("triaged", "desk-li", None),
                                                                 ("referred", "desk-li", "周末在小区补课")]
    assert "reason" not in clue.events[-1].data()  # the reason stays in complaints: not on the bus
