"""Root conftest: the kit's fixtures for real PostgreSQL and RabbitMQ are available to every test."""

import os
from pathlib import Path

pytest_plugins = ["shared.testing.fixtures"]

# Tests run with a county file of their own (towns, vacations, rules), never the packaged one; the servers
# tests start inherit it through the environment.
os.environ["OFFCAMPUS_COUNTY_CONFIG"] = str(Path(__file__).parent / "tests" / "fixtures" / "county-test.yaml")
