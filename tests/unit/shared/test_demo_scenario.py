"""Scenario files: what `offcampus demo` reads, the records it spells out, and what it refuses before sending."""

import json
from pathlib import Path

import pytest
import yaml

from services.registry.domain.identity import is_valid_credit_code
from shared.county import configured_county
from shared.demo import scenario as scenarios
from shared.demo.table import render

ROOT = Path(__file__).resolve().parents[3]
CHENGGU = ROOT / "scenarios" / "chenggu.yaml"


def test_chenggus_file_spells_out_the_sources_125_institutions_81_of_them_discipline():
    year = scenarios.load(CHENGGU)
    assert len(year.institutions) == 125
    assert sum(i.body["category"] == "discipline" for i in year.institutions) == 81
    licensed = [i for i in year.institutions if i.body["category"] == "discipline" and i.steps
                and i.steps[-1]["action"] == "license"]
    assert len(licensed) == 8
    assert len({i.body["name"] for i in year.institutions}) == 125  # every name its own
    assert all(is_valid_credit_code(i.ref) for i in year.institutions)  # GB 32100 check characters
    assert year.expected["reduction_rate"] == round((81 - 8) / 81, 3)


def test_every_scenario_names_only_towns_of_its_county_in_the_county_files():
    hanzhong = configured_county(ROOT / "shared" / "counties" / "hanzhong.yaml")
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        year = scenarios.load(path)
        county = hanzhong.county(year.county)
        assert county is not None and county.name == year.name, path
        assert set(year.towns) == {town.name for town in county.towns}, path


def test_the_two_county_file_is_chenggus_file_with_yang_county_added():
    chenggu = yaml.safe_load((ROOT / "shared" / "counties" / "chenggu.yaml").read_text(encoding="utf-8"))
    hanzhong = yaml.safe_load((ROOT / "shared" / "counties" / "hanzhong.yaml").read_text(encoding="utf-8"))
    assert hanzhong["counties"][0] == chenggu["counties"][0]
    assert [c["division_code"] for c in hanzhong["counties"]] == ["610722", "610723"]
    assert {k: v for k, v in hanzhong.items() if k != "counties"} == {k: v for k, v in chenggu.items()
                                                                      if k != "counties"}


def _changed(tmp_path, change) -> Path:
    year = yaml.safe_load(CHENGGU.read_text(encoding="utf-8"))
    change(year)
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(year, allow_unicode=True), encoding="utf-8")
    return path


def _complaint(year, ref):
    return next(c for c in year["complaints"] if c["ref"] == ref)


def test_a_named_team_inspecting_on_a_duty_day_is_refused_before_anything_is_sent(tmp_path):
    def on_a_duty_day(year):
        _complaint(year, "c01")["inspection"]["day"] = "2021-10-19"  # round 1's first duty day
    with pytest.raises(scenarios.ScenarioError, match="duty day"):
        scenarios.load(_changed(tmp_path, on_a_duty_day))


def test_an_unknown_inspector_or_a_case_without_a_violation_is_refused(tmp_path):
    def unknown(year):
        _complaint(year, "c01")["inspection"]["team"] = ["education-01", "fire-99"]
    with pytest.raises(scenarios.ScenarioError, match="fire-99"):
        scenarios.load(_changed(tmp_path, unknown))

    def case_without_violation(year):
        _complaint(year, "c01")["inspection"]["outcome"] = "compliant"
    with pytest.raises(scenarios.ScenarioError, match="violation"):
        scenarios.load(_changed(tmp_path, case_without_violation))


def test_a_misspelt_key_names_its_place(tmp_path):
    def misspelt(year):
        year["institutions"][0]["steps"][0]["on"] = year["institutions"][0]["steps"][0].pop("day")
    with pytest.raises(scenarios.ScenarioError, match="institutions"):
        scenarios.load(_changed(tmp_path, misspelt))


def test_the_table_marks_each_expected_figure():
    summary = {"discipline_before": 81, "discipline_licensed": 7, "reduction_rate": 0.914, "campaigns": [
        {"campaign_id": "c", "name": "联合检查", "kind": "routine", "rounds": 3, "inspections": 38,
         "inspector_person_times": 125}]}
    shown = render(summary, "城固县", {"discipline_before": 81, "discipline_licensed": 8,
                                      "campaigns": {"routine": {"inspections": 38}}}, {"c": "routine"})
    lines = shown.splitlines()
    assert next(line for line in lines if "before" in line).endswith("81  ✓")
    assert next(line for line in lines if "licensed" in line).endswith("7  ✗ (expected 8)")
    assert next(line for line in lines if "联合检查" in line).endswith("✓")


def test_chenggus_year_has_live_complaints_and_a_may_day_campaign_from_the_calendar():
    year = scenarios.load(CHENGGU)
    live = [c for c in year.complaints if c["live"]]
    assert [c["ref"] for c in live] == ["l01", "l02"] and all(c.get("received_at") is None for c in live)
    assert sum(not c["live"] for c in year.complaints) == 24
    [may_day] = year.holiday_campaigns
    assert may_day.body["holiday"] == "Labour Day" and may_day.body["external_ref"] == "cg-may-day-2022"


def test_a_live_complaint_carrying_a_date_or_a_dated_one_without_its_date_is_refused(tmp_path):
    def dated_live(year):
        _complaint(year, "l02")["received_at"] = "2022-08-01T10:00:00"
    with pytest.raises(scenarios.ScenarioError, match="received_at"):
        scenarios.load(_changed(tmp_path, dated_live))

    def inspected_live(year):
        _complaint(year, "l01")["inspection"] = _complaint(year, "s02")["inspection"]
    with pytest.raises(scenarios.ScenarioError, match="inspection"):
        scenarios.load(_changed(tmp_path, inspected_live))

    def undated(year):
        del _complaint(year, "d01")["received_at"]
    with pytest.raises(scenarios.ScenarioError, match="received_at is required"):
        scenarios.load(_changed(tmp_path, undated))


def test_the_staff_lists_inspector_login_is_one_chenggu_inspectors_account_and_an_unknown_name_is_refused(tmp_path):
    staff = json.loads((ROOT / "deploy" / "oidc" / "staff.json").read_text(encoding="utf-8"))
    [login] = [person["login"] for person in staff["people"] if person["roles"] == ["inspector"]]
    accounts = {i.ref: i.body["account"] for i in scenarios.load(CHENGGU).inspectors if "account" in i.body}
    assert accounts == {"cg-education-01": login}
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(CHENGGU.read_text(encoding="utf-8").replace("education-01: inspector", "education-99: x"),
                     encoding="utf-8")
    with pytest.raises(scenarios.ScenarioError, match="education-99"):
        scenarios.load(wrong)
