"""The county configuration: the shipped file loads once, and a value the rules cannot use is refused."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from services.registry.domain.county_config import (
    DEFAULT_PATH,
    CountyConfigError,
    load_county_config,
    parse_county_config,
)


def shipped() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))


def test_shipped_configuration_holds_the_national_limits_and_the_county():
    config = load_county_config()
    assert config.version and config.division_code == "610722"
    assert config.training_time.offline_end_by == dt.time(20, 30)
    assert config.training_time.online_end_by == dt.time(21, 0)
    assert (config.training_time.online_max_minutes, config.training_time.online_min_gap_minutes) == (30, 10)
    assert (config.prepayment.max_hours, config.prepayment.max_months) == (60, 3)
    assert config.prepayment.max_amount_fen == 500_000
    assert config.licence_expiry_reminder_days == 30
    assert config.is_compulsory("primary") and config.is_compulsory("junior_secondary")
    assert not config.is_compulsory("senior_secondary") and not config.is_compulsory(None)


def test_configuration_is_parsed_once():
    assert load_county_config() is load_county_config()
    assert load_county_config().calendar is load_county_config().calendar


def test_vacations_are_found_by_date():
    config = load_county_config()
    winter = config.vacation_on(dt.date(2025, 2, 1))
    assert winter is not None and winter.kind == "winter"
    assert config.vacation_on(dt.date(2025, 3, 4)) is None


def test_price_ceiling_adds_the_markup_in_whole_fen():
    config = load_county_config()
    assert config.guided_price_fen("discipline", "primary", "small") == 3000
    assert config.price_ceiling_fen(3000) == 3300 and config.price_ceiling_fen(2999) == 3298
    assert config.guided_price_fen("arts", "primary", "small") is None


def test_county_holidays_for_an_unpublished_year_reach_the_calendar():
    doc = shipped()
    doc["calendar"] = {"holidays": [{"name": "National Day", "from": dt.date(2031, 10, 1),
                                     "to": dt.date(2031, 10, 7)}]}
    assert parse_county_config(doc).calendar.day(dt.date(2031, 10, 1)).is_statutory_holiday


@pytest.mark.parametrize(("spoil", "complaint"), [
    (lambda d: d.pop("version"), "version"),
    (lambda d: d["training_time"].update(offline_end_by=1230), "offline_end_by"),  # YAML read 20:30 unquoted
    (lambda d: d["training_time"].update(online_max_minutes="thirty"), "online_max_minutes"),
    (lambda d: d["prepayment"].update(max_amount_fen=-1), "max_amount_fen"),
    (lambda d: d["prepayment"].pop("max_hours"), "max_hours"),
    (lambda d: d["vacations"].append({"kind": "spring", "from": "2025-04-01", "to": "2025-04-05"}), "vacations"),
    (lambda d: d["vacations"].append({"kind": "winter", "from": "2026-02-01", "to": "2026-01-01"}), "vacations"),
    (lambda d: d["guided_prices"]["table"]["discipline"].update(college={"small": 1}), "college"),
    (lambda d: d["guided_prices"]["table"]["discipline"]["primary"].update(tiny=1), "tiny"),
    (lambda d: d["guided_prices"]["table"]["discipline"]["primary"].update(small=29.5), "small"),
    (lambda d: d.pop("licence"), "licence"),
    (lambda d: d.update(calendar={"holidays": [{"name": "x", "date": "someday"}]}), "calendar"),
])
def test_unusable_configuration_is_refused_naming_the_value(spoil, complaint):
    doc = shipped()
    spoil(doc)
    with pytest.raises(CountyConfigError, match=complaint):
        parse_county_config(doc)


def test_unquoted_time_in_yaml_is_caught(tmp_path):
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace('offline_end_by: "20:30"', "offline_end_by: 20:30")
    path = tmp_path / "county.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CountyConfigError, match="quoted"):
        load_county_config(path)
