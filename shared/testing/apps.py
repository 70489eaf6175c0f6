"""A service's database, migrated on a test's own schema, for tests that drive its app or its handlers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient

from shared.app import create_app
from shared.config import Settings
from shared.db import Database
from shared.migrations import upgrade
from shared.service import ServiceSpec


@contextmanager
def migrated_database(spec: ServiceSpec, url: str) -> Iterator[Database]:
    """The service's migrations applied at `url`; the Database, disposed on exit."""
    upgrade(spec, url)
    database = Database(url)
    try:
        yield database
    finally:
        database.dispose()


@contextmanager
def refusing_client(spec: ServiceSpec, url: str, settings: Settings) -> Iterator[FlaskClient]:
    """A test client of the service's app on a database migrated once (a module's), for tests whose requests are
    all refused: they write nothing, so they need no fresh schema each (a migration per test was most of their
    time)."""
    with migrated_database(spec, url) as database:
        yield create_app(spec, settings=settings, database=database, testing=True).test_client()


def get_routes_with_path_parameters(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, path template) of each GET route of the app that takes a path parameter, its parameters written
    as `{}` for a test to put a value in: read from the app's URL map, so a route added tomorrow is in it too."""
    return sorted((rule.endpoint, re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", "{}", rule.rule))
                  for rule in app.url_map.iter_rules() if rule.arguments and "GET" in rule.methods)
