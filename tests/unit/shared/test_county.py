"""The county file: chosen by OFFCAMPUS_COUNTY_CONFIG, checked on load, the department × role table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import marshmallow as ma
import pytest

from shared.app import create_app
from shared.config import Settings
from shared.county import (
    CHENGGU,
    CountyConfigError,
    configured_county,
    county_config,
    county_config_path,
    load_county_config,
)
from shared.db import Database
from tests.unit.shared import kit_app

TEST_FILE = Path(__file__).parents[2] / "fixtures" / "county-test.yaml"
D = dt.date
# ARCHITECTURE.md, "HTTP conventions": the departments of the county
DEPARTMENTS = ("education", "civil_affairs", "market_regulation", "culture_tourism", "fire", "urban_management",
               "public_security")


def test_the_environment_chooses_the_file_and_the_packaged_chenggu_file_is_the_default():
    assert county_config_path({}) == CHENGGU
    assert county_config_path({"OFFCAMPUS_COUNTY_CONFIG": "/etc/offcampus/county.yaml"}) == Path(
        "/etc/offcampus/county.yaml")
    assert Settings.from_env({"OFFCAMPUS_COUNTY_CONFIG": str(TEST_FILE)}).county_config == TEST_FILE
    assert configured_county().source == str(TEST_FILE)  # tests run with their own file (conftest.py)
    assert load_county_config() is load_county_config(CHENGGU)  # read once per file


def test_chenggu_is_one_county_with_its_towns_hotline_and_host_department():
    chenggu = load_county_config(CHENGGU)
    [county] = chenggu.counties
    assert (county.division_code, county.host_department) == ("610722", "education")
    assert county.hotline and len(county.towns) >= 10
    assert county.town("博望街道").code == "610722001"
    assert all(town.code.startswith("610722") for town in county.towns)
    assert chenggu.county("610799") is None


@pytest.mark.parametrize("department", DEPARTMENTS)
def test_every_department_of_the_county_holds_some_roles_and_never_admin_or_integrator(department):
    roles = load_county_config(CHENGGU).roles_of(department)
    assert roles and not roles & {"admin", "integrator"}


def test_education_may_hold_every_departmental_role_by_default():
    chenggu = load_county_config(CHENGGU)
    assert chenggu.roles_of("education") == {"clerk", "desk", "inspector", "supervisor", "leader"}
    assert chenggu.may_hold("market_regulation", "inspector") and not chenggu.may_hold("fire", "clerk")
    assert chenggu.roles_of("nobody") == frozenset()
    assert set(chenggu.departments) == set(DEPARTMENTS)


@pytest.mark.parametrize("year", [2021, 2022, 2027])
def test_chenggu_gives_school_vacations_for_the_years_the_work_spans(year):
    calendar = load_county_config(CHENGGU).calendar
    assert year in calendar.vacation_years()
    summer = calendar.vacation(D(year, 8, 1))
    assert summer.vacation.kind == "summer" and not summer.provisional


def test_a_year_without_vacation_dates_is_answered_provisionally_never_refused():
    answer = load_county_config(TEST_FILE).calendar.vacation(D(2023, 8, 1))  # the test file skips 2023
    assert answer.vacation is None and answer.provisional


def spoiled(tmp_path, old: str, new: str, name: str = "county.yaml") -> Path:
    text = TEST_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "complaint"), [
    ('division_code: "610722"', 'division_code: "61072"', r"line {line}: counties\.0\.division_code"),
    ('code: "610722101"', 'code: "610799101"', r"line {line}: counties\.0\.towns\.2\.code: Town code 610799101 is not"),
    ("host_department: education", "host_department: nobody", r"line {line}: counties\.0\.host_department"),
    ("fire: [inspector, leader]", "fire: [inspector, admin]",
     r"line {line}: departments\.fire\.1: admin belongs to no"),
    ("fire: [inspector, leader]", "fire: [inspector, janitor]", r"departments\.fire\.1: 'janitor' is not a role"),
    ("to: 2022-02-13", "to: 2022-02-30", r"line {line}: calendar\.school_vacations\.2022\.0\.to: Not a valid date"),
    ("{kind: summer, from: 2021-07-10", "{kind: spring, from: 2021-07-10", r"school_vacations\.2021\.1\.kind"),
    ("{kind: summer, from: 2021-07-10", "{kind: summer, from: 2022-07-10", r"school_vacations\.2021"),
    ("date: 2040-10-13", "day: 2040-10-13", r"line {line}: calendar\.fallback\.workdays\.0\.day: Unknown field"),
    ("version: 1", "versio: 1", r"version: Missing data"),
    ("website: https://www.chenggu.example.cn/", "website: www.chenggu.example.cn",
     r"line {line}: counties\.0\.website: Not a valid URL"),
    ("contact_email: opendata@chenggu.example.cn", "contact_email: opendata",
     r"line {line}: counties\.0\.contact_email: Not a valid email"),
])
def test_a_bad_county_file_is_refused_naming_the_key_and_its_line(tmp_path, old, new, complaint):
    text = TEST_FILE.read_text(encoding="utf-8")
    line = text[:text.index(old)].count("\n") + 1  # where the spoiled key is, however the file grows above it
    with pytest.raises(CountyConfigError, match=complaint.replace("{line}", str(line))) as refused:
        load_county_config(spoiled(tmp_path, old, new))
    assert str(tmp_path / "county.yaml") in str(refused.value)


def test_a_file_that_is_not_a_mapping_or_not_there_is_refused(tmp_path):
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(CountyConfigError, match="mapping"):
        load_county_config(tmp_path / "list.yaml")
    with pytest.raises(CountyConfigError, match="cannot be read"):
        load_county_config(tmp_path / "missing.yaml")


class PlaySection(ma.Schema):
    """A service's own section, as a service would check it."""

    rounds = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1))


def test_a_service_checks_its_own_section_with_its_own_schema(tmp_path):
    path = spoiled(tmp_path, "version: 1", "version: test-1\nplay:\n  rounds: 0\n")
    county = load_county_config(path)  # the kit does not know the section: it loads
    with pytest.raises(CountyConfigError, match=r"line 6: play\.rounds: Must be greater"):
        county.section("play", PlaySection())
    with pytest.raises(CountyConfigError, match="missing"):
        county.section("other", PlaySection())
    assert load_county_config(spoiled(tmp_path, "version: 1", "version: 1\nplay: {rounds: 6}\n",
                                      "good.yaml")).section(
        "play", PlaySection()) == {"rounds": 6}


def test_the_app_carries_the_county_file_its_settings_name(tmp_path):
    settings = Settings(env="test", jwt_secret="x" * 40, county_config=CHENGGU)
    app = create_app(kit_app.SPEC, settings=settings, database=Database(f"sqlite:///{tmp_path / 'k.db'}"))
    with app.app_context():
        assert county_config() is load_county_config(CHENGGU)
    assert county_config() is load_county_config(TEST_FILE)  # outside an app: the environment's file


@pytest.mark.timeout(60)  # the worker must stop at its check, never start
def test_the_worker_refuses_to_start_on_a_bad_registry_section_naming_its_line(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from shared.cli import main

    path = spoiled(tmp_path, "max_hours: 60", "max_hours: sixty")
    monkeypatch.setenv("OFFCAMPUS_COUNTY_CONFIG", str(path))
    monkeypatch.setenv("OFFCAMPUS_JWT_SECRET", "cli-test-secret-0123456789abcdef0123456789")
    monkeypatch.setenv("OFFCAMPUS_ENV", "production")
    result = CliRunner().invoke(main, ["worker", "registry"])
    assert result.exit_code == 1
    line = path.read_text(encoding="utf-8").splitlines().index("    max_hours: sixty") + 1
    assert f"line {line}: registry.prepayment.max_hours: Not a valid integer" in result.output
