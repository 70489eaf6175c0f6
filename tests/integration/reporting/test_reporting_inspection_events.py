"""Every event inspection publishes changes the figures it bears on, per campaign, on the event's own date."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import reporting_support as support
from reporting_support import event, fed, summary

pytestmark = pytest.mark.integration
database, client = support.database, support.client

SUMMER, ROUTINE = "summer", "routine"


def launched(campaign_id: str = SUMMER, **changes) -> support.Event:
    """A campaign's launch (the contract's summer action unless changed)."""
    return event("inspection.campaign.launched", 1, campaign_id=campaign_id, **changes)


def visit(task_id: str, inspectors: list[str], *, day: str = "2021-07-17", campaign_id: str = SUMMER,
          town: str = "博望街道", outcome: str = "compliant", sequence: int = 1, round: int | None = 1):
    """A completed inspection task."""
    return event("inspection.task.completed", sequence, task_id=task_id, campaign_id=campaign_id,
                 inspector_ids=inspectors, inspected_on=day, town=town, outcome=outcome, round=round)


def campaign(figures: dict, campaign_id: str = SUMMER) -> dict:
    return next(item for item in figures["campaigns"] if item["campaign_id"] == campaign_id)


def test_a_launched_campaign_is_listed_while_it_runs_with_nothing_counted_yet(client, database):
    fed(database, launched())
    [summer] = summary(client, "?from=2021-08-01&to=2021-08-31")["campaigns"]
    assert summer == {"campaign_id": SUMMER, "name": "2021年暑期“监管护苗”专项行动", "kind": "special", "rounds": 0,
                      "inspections": 0, "inspector_person_times": 0, "reminders": 0}
    assert summary(client, "?from=2021-09-01")["campaigns"] == []
    assert summary(client, "?town=洋州街道")["campaigns"] == []


def test_a_reminder_counts_in_its_campaign_on_its_day(client, database):
    fed(database, launched(), event("inspection.campaign.reminder_issued", 2, campaign_id=SUMMER,
                                    remind_on="2021-07-30", towns=["龙头镇"]))
    assert campaign(summary(client, "?from=2021-07-30&to=2021-07-30"))["reminders"] == 1
    assert campaign(summary(client, "?town=博望街道"))["reminders"] == 0


def test_a_published_draw_holds_its_round(client, database):
    drawn = event("inspection.draw.published", 1, campaign_id=SUMMER, round=2, drawn_at="2021-07-12T02:00:00Z",
                  time=datetime(2021, 7, 12, 2, tzinfo=UTC))
    fed(database, launched(), drawn)
    assert campaign(summary(client))["rounds"] == 1
    assert campaign(summary(client, "?to=2021-07-11"))["rounds"] == 0
    assert campaign(summary(client, "?from=2021-07-13"))["rounds"] == 0  # drawn on 2021-07-12


def test_a_draw_published_after_its_round_holds_the_round_on_the_day_it_was_drawn(client, database):
    drawn = event("inspection.draw.published", 1, campaign_id=SUMMER, round=1, drawn_at="2021-07-11T08:00:00+00:00",
                  time=datetime(2021, 7, 20, 2, tzinfo=UTC))  # published once the round's days had passed
    fed(database, launched(), drawn)
    assert campaign(summary(client, "?from=2021-07-11&to=2021-07-11"))["rounds"] == 1  # 16:00 in Shanghai
    assert campaign(summary(client, "?from=2021-07-12"))["rounds"] == 0


def test_visits_count_inspections_and_person_times_are_inspector_days_within_each_campaign(client, database):
    fed(database, launched(), launched(ROUTINE, name="联合检查", kind="routine", starts_on="2021-01-01",
                                      ends_on="2021-12-31"),
        visit("t1", ["i1", "i2"], outcome="violation"), visit("t2", ["i1", "i2"]),  # one duty day, two sites
        visit("t3", ["i1", "i3"], day="2021-07-18", town="龙头镇", round=2),
        visit("t4", ["i1"], campaign_id=ROUTINE, round=None))  # the same inspector and day, another campaign
    figures = summary(client)
    assert (figures["inspections"], figures["inspector_person_times"]) == (4, 5)
    assert figures["inspections_by_outcome"] == {"compliant": 3, "violation": 1}
    assert {(item["campaign_id"], item["inspections"], item["inspector_person_times"], item["rounds"])
            for item in figures["campaigns"]} == {(SUMMER, 3, 4, 2), (ROUTINE, 1, 1, 0)}
    assert summary(client, "?to=2021-07-17")["inspector_person_times"] == 3
    town = summary(client, "?town=龙头镇")
    assert (town["inspections"], town["inspector_person_times"]) == (1, 2)
    elsewhere = summary(client, "?division_code=610723")
    assert (elsewhere["inspections"], elsewhere["inspector_person_times"]) == (0, 0)


def test_a_newer_record_of_a_visit_replaces_the_older_and_an_older_one_changes_nothing(client, database):
    fed(database, visit("t1", ["i1", "i2", "i3"], sequence=2))
    fed(database, visit("t1", ["i1"], sequence=1))
    assert summary(client)["inspector_person_times"] == 3
    fed(database, visit("t1", ["i1"], sequence=3, day="2021-07-20"))
    assert summary(client)["inspector_person_times"] == 1
    assert summary(client, "?to=2021-07-19")["inspections"] == 0


def test_an_opened_case_counts_on_its_day(client, database):
    fed(database, event("inspection.case.opened", 1, case_id="k1", on="2021-07-20"))
    assert summary(client, "?from=2021-07-20&to=2021-07-20")["cases_opened"] == 1
    assert summary(client, "?to=2021-07-19")["cases_opened"] == 0
    assert summary(client, "?town=龙头镇")["cases_opened"] == 1


def test_a_case_closed_as_punished_is_punished_and_one_closed_unpunished_is_not(client, database):
    fed(database, event("inspection.case.opened", 1, case_id="k1", on="2021-07-20"),
        event("inspection.case.closed", 2, case_id="k1", on="2021-08-30", punished=True),
        event("inspection.case.closed", 2, case_id="k2", on="2021-08-30", punished=False))
    assert summary(client)["cases_punished"] == 1
    assert summary(client, "?to=2021-08-29")["cases_punished"] == 0


def test_sanctions_count_by_kind_and_a_case_with_several_counts_punished_once(client, database):
    fed(database, event("inspection.case.opened", 1, case_id="k1", on="2021-07-20"),
        event("inspection.case.sanction_imposed", 2, case_id="k1", kind="warning", amount_fen=None,
              decided_on="2021-08-01"),
        event("inspection.case.sanction_imposed", 3, case_id="k1", kind="fine", amount_fen=2_000_000,
              decided_on="2021-08-25"),
        event("inspection.case.closed", 4, case_id="k1", on="2021-08-30", punished=True))
    figures = summary(client)
    assert figures["sanctions_by_kind"] == {"warning": 1, "fine": 1} and figures["fines_fen"] == 2_000_000
    assert figures["cases_punished"] == 1
    assert summary(client, "?from=2021-08-02")["cases_punished"] == 0  # punished from its first sanction
    assert summary(client, "?to=2021-08-24")["sanctions_by_kind"] == {"warning": 1}
    assert summary(client, "?town=博望街道")["sanctions_by_kind"] == {}  # the case is in 龙头镇


def test_a_ban_sanction_and_the_registrys_ban_are_one_ban(client, database):
    fed(database, event("inspection.case.sanction_imposed", 2, case_id="k1", kind="ban", amount_fen=None,
                        institution_id="a", decided_on="2021-09-01"),
        support.registered("a"),
        support.changed("a", "banned", occurred_on="2021-09-03", sequence=2, from_state="stock"))
    figures = summary(client)
    assert figures["institutions_banned"] == 1 and figures["sanctions_by_kind"] == {"ban": 1}


def test_a_campaigns_report_breaks_its_figures_down_by_round_and_town_and_an_unknown_one_is_404(client, database):
    fed(database, launched(), event("inspection.draw.published", 1, campaign_id=SUMMER, round=1, target_count=8),
        visit("t1", ["i1", "i2"]), visit("t2", ["i1", "i2"], town="龙头镇"),
        visit("t3", ["i1"], day="2021-07-24", round=2, outcome="violation"))
    report = client.get(f"/v1/campaigns/{SUMMER}/report", headers=support.LEADER).get_json()
    assert (report["rounds_planned"], report["rounds"], report["draws"], report["targets_drawn"]) == (6, 2, 1, 8)
    assert (report["inspections"], report["inspector_person_times"]) == (3, 3)
    assert report["by_round"] == [{"round": 1, "inspections": 2, "inspector_person_times": 2},
                                  {"round": 2, "inspections": 1, "inspector_person_times": 1}]
    assert report["by_town"] == [{"town": "博望街道", "inspections": 2, "inspector_person_times": 3},
                                 {"town": "龙头镇", "inspections": 1, "inspector_person_times": 2}]
    missing = client.get("/v1/campaigns/nothing/report", headers=support.LEADER)
    assert missing.status_code == 404 and missing.content_type == support.PROBLEM
    assert missing.get_json()["code"] == "campaign.not_found"
