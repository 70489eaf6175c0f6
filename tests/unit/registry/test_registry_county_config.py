"""The registry's section of the county file: loaded once, its values typed, a value the rules cannot use refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from services.registry.adapters.county_section import registry_rules, rules_of
from shared.county import CHENGGU, CountyConfigError, configured_county, load_county_config

TEST_FILE = Path(configured_county().source)


def section() -> dict:
    """The registry's section of the tests' county file, as written."""
    return yaml.safe_load(TEST_FILE.read_text(encoding="utf-8"))["registry"]


def test_the_registry_reads_the_national_limits_and_the_counties_from_the_county_file():
    rules = registry_rules()
    assert rules.version == "1" and rules.towns["610722"] == {"城关镇", "博望街道", "龙头镇"}
    assert set(rules.towns) == {"610722", "610723"}
    assert rules.training_time.offline_end_by == dt.time(20, 30)
    assert rules.training_time.online_end_by == dt.time(21, 0)
    assert (rules.training_time.online_max_minutes, rules.training_time.online_min_gap_minutes) == (30, 10)
    assert (rules.prepayment.max_hours, rules.prepayment.max_months) == (60, 3)
    assert rules.prepayment.max_amount_fen == 500_000 and rules.prepayment.training_loans_banned
    assert rules.licence_expiry_reminder_days == 30
    assert rules.is_compulsory("primary") and rules.is_compulsory("junior_secondary")
    assert not rules.is_compulsory("senior_secondary") and not rules.is_compulsory(None)


def test_the_packaged_chenggu_file_holds_the_registrys_section_and_bans_training_loans():
    chenggu = registry_rules(load_county_config(CHENGGU))
    assert set(chenggu.towns) == {"610722"} and "博望街道" in chenggu.towns["610722"]
    assert chenggu.prepayment.training_loans_banned
    assert chenggu.guided_price_fen("discipline", "primary", "small") == 3000


def test_rules_are_typed_once_per_county_file():
    assert registry_rules() is registry_rules()
    assert registry_rules().calendar is configured_county().calendar


def test_vacations_come_from_the_county_files_calendar():
    rules = registry_rules()
    winter = rules.vacation_on(dt.date(2025, 2, 1))
    assert winter is not None and winter.kind == "winter"
    assert rules.vacation_on(dt.date(2025, 3, 4)) is None
    assert rules.vacation_on(dt.date(2027, 8, 1)).kind == "summer"


def test_price_ceiling_adds_the_markup_in_whole_fen():
    rules = registry_rules()
    assert rules.guided_price_fen("discipline", "primary", "small") == 3000
    assert rules.price_ceiling_fen(3000) == 3300 and rules.price_ceiling_fen(2999) == 3298
    assert rules.guided_price_fen("arts", "primary", "small") is None


@pytest.mark.parametrize(("spoil", "complaint"), [
    (lambda d: d["training_time"].update(offline_end_by=1230), r"registry\.training_time\.offline_end_by: .*quoted"),
    (lambda d: d["training_time"].update(online_max_minutes="thirty"), r"training_time\.online_max_minutes"),
    (lambda d: d["prepayment"].update(max_amount_fen=-1), r"prepayment\.max_amount_fen"),
    (lambda d: d["prepayment"].pop("max_hours"), r"prepayment\.max_hours: Missing"),
    (lambda d: d["prepayment"].pop("training_loans_banned"), r"prepayment\.training_loans_banned: Missing"),
    (lambda d: d["guided_prices"]["table"]["discipline"].update(college={"small": 1}), r"discipline\.college"),
    (lambda d: d["guided_prices"]["table"]["discipline"]["primary"].update(tiny=1), r"primary\.tiny"),
    (lambda d: d["guided_prices"]["table"]["discipline"]["primary"].update(small=29.5), r"primary\.small"),
    (lambda d: d.pop("licence"), r"registry\.licence: Missing"),
    (lambda d: d.update(licenses={}), r"registry\.licenses: Unknown field"),
])
def test_an_unusable_section_is_refused_naming_the_value(spoil, complaint):
    doc = section()
    spoil(doc)
    with pytest.raises(CountyConfigError, match=complaint):
        rules_of(configured_county(), doc)


def test_an_unquoted_time_in_the_file_is_refused_with_its_line(tmp_path):
    text = TEST_FILE.read_text(encoding="utf-8")
    line = text[:text.index('offline_end_by: "20:30"')].count("\n") + 1
    path = tmp_path / "county.yaml"
    path.write_text(text.replace('offline_end_by: "20:30"', "offline_end_by: 20:30"), encoding="utf-8")
    with pytest.raises(CountyConfigError, match=rf"line {line}: registry\.training_time\.offline_end_by: .*quoted"):
        registry_rules(load_county_config(path))


def test_a_county_file_without_the_registrys_section_is_refused_by_the_registry(tmp_path):
    text = TEST_FILE.read_text(encoding="utf-8")
    path = tmp_path / "county.yaml"
    path.write_text(text[:text.index("registry:")], encoding="utf-8")
    county = load_county_config(path)  # the kit's sections are fine
    with pytest.raises(CountyConfigError, match="registry: the section is missing"):
        registry_rules(county)
