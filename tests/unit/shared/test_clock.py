"""The clock: UTC instants, the county's local dates, and a clock tests can set."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.app import create_app
from shared.clock import SYSTEM_CLOCK, FixedClock, ShiftedClock, configured_clock, current_clock
from shared.config import Settings, SettingsError
from shared.db import Database
from tests.unit.shared import kit_app

UTC = dt.UTC


def test_the_system_clock_answers_now_in_utc_and_today_in_the_county():
    now = SYSTEM_CLOCK.now()
    assert now.tzinfo is not None and now.utcoffset() == dt.timedelta(0)
    assert abs(now - dt.datetime.now(UTC)) < dt.timedelta(seconds=5)
    assert SYSTEM_CLOCK.today() == (dt.datetime.now(UTC) + dt.timedelta(hours=8)).date()


def test_a_fixed_clock_set_to_a_date_answers_that_date():
    clock = FixedClock(dt.date(2021, 10, 16))
    assert clock.today() == dt.date(2021, 10, 16)
    assert clock.now() == dt.datetime(2021, 10, 16, 4, tzinfo=UTC)  # local noon


def test_a_shifted_clock_runs_on_from_another_day():
    labour_day = dt.datetime(2025, 5, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    shift = (labour_day - dt.datetime.now(UTC)).total_seconds()
    clock = configured_clock(Settings.from_env({"OFFCAMPUS_ENV": "test", "OFFCAMPUS_CLOCK_SHIFT_SECONDS": str(shift)}))
    assert isinstance(clock, ShiftedClock)
    assert abs(clock.now() - labour_day) < dt.timedelta(seconds=5) and clock.today() == dt.date(2025, 5, 1)
    assert configured_clock(Settings.from_env({"OFFCAMPUS_ENV": "test"})) is SYSTEM_CLOCK


def test_a_shifted_clock_is_refused_in_production_and_must_be_a_number():
    with pytest.raises(ValueError, match="refused when OFFCAMPUS_ENV is production"):
        configured_clock(Settings.from_env({"OFFCAMPUS_CLOCK_SHIFT_SECONDS": "-3600"}))
    with pytest.raises(SettingsError, match="must be a number of seconds"):
        Settings.from_env({"OFFCAMPUS_ENV": "development", "OFFCAMPUS_CLOCK_SHIFT_SECONDS": "yesterday"})
    with pytest.raises(SettingsError, match="OFFCAMPUS_CHECKS_EVERY_SECONDS must be a number of seconds"):
        Settings.from_env({"OFFCAMPUS_CHECKS_EVERY_SECONDS": "nan"})


def test_an_app_and_a_worker_read_the_shifted_clock_from_their_settings(tmp_path):
    from shared.worker import Worker

    settings = Settings(env="test", clock_shift_seconds=-86400.0, checks_every_seconds=2.0)
    database = Database(f"sqlite:///{tmp_path}/kit.db")
    yesterday = (dt.datetime.now(UTC) + dt.timedelta(hours=8) - dt.timedelta(days=1)).date()
    app = create_app(kit_app.SPEC, settings=settings, database=database, testing=True)
    with app.app_context():
        assert current_clock().today() == yesterday
    worker = Worker(kit_app.SPEC, settings, transport=None, database=database)
    assert worker.clock.today() == yesterday and worker.checks_every == 2.0
    database.dispose()


def test_the_county_day_starts_at_16_00_utc():
    clock = FixedClock(dt.datetime(2021, 10, 15, 15, 59, tzinfo=UTC))
    assert clock.today() == dt.date(2021, 10, 15)
    clock.advance(dt.timedelta(minutes=1))
    assert clock.today() == dt.date(2021, 10, 16)
    clock.set(dt.date(2031, 1, 1))
    assert clock.today() == dt.date(2031, 1, 1)


def test_a_clock_refuses_a_naive_instant():
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(dt.datetime(2021, 10, 15, 12))


def test_the_app_carries_its_clock(tmp_path):
    clock = FixedClock(dt.date(2027, 2, 1))
    settings = Settings(env="test", jwt_secret="x" * 40)
    app = create_app(kit_app.SPEC, settings=settings, database=Database(f"sqlite:///{tmp_path / 'k.db'}"),
                     clock=clock)
    with app.app_context():
        assert current_clock().today() == dt.date(2027, 2, 1)
    assert current_clock() is SYSTEM_CLOCK  # outside an app
