"""A service's database, migrated on a test's own schema, for tests that drive its app or its handlers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
