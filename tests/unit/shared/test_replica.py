"""A replica kept from events: the newest news wins, older news only fills what the row lacks."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from shared.db import make_engine
from shared.replica import keep_newest, supersedes

metadata = sa.MetaData()
things = sa.Table("things", metadata, sa.Column("thing_id", sa.String(20), primary_key=True),
                  sa.Column("name", sa.String(50), nullable=False), sa.Column("code", sa.String(20)),
                  sa.Column("sequence", sa.BigInteger, nullable=False))


@pytest.mark.parametrize(("incoming", "held", "newer"), [
    (3, None, True),   # nothing held yet
    (3, 2, True),
    (2, 3, False),     # older news, delivered late
    (3, 3, False),     # a redelivery
    (None, 0, False),  # a manual replay never overwrites known state
    (None, None, True),
])
def test_only_newer_news_supersedes_the_replica(incoming, held, newer):
    assert supersedes(incoming, held) is newer


@pytest.fixture
def session(sqlite_url):
    engine = make_engine(sqlite_url)
    metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _held(session):
    return tuple(session.execute(sa.select(things.c.name, things.c.code, things.c.sequence)).one())


def test_newer_news_overwrites_older_news_is_ignored_but_fills_what_the_row_lacks(session):
    key = {"thing_id": "t1"}
    assert keep_newest(session, things, key, {"name": "renamed"}, 5, fill_in=("code",)) == "inserted"
    assert keep_newest(session, things, key, {"name": "first", "code": "C1"}, 1, fill_in=("code",)) == "filled"
    assert _held(session) == ("renamed", "C1", 5)
    assert keep_newest(session, things, key, {"name": "again", "code": "C2"}, 5, fill_in=("code",)) == "stale"
    assert keep_newest(session, things, key, {"name": "newest"}, 6) == "updated"
    assert _held(session) == ("newest", "C1", 6)
