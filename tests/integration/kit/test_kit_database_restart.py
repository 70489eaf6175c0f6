"""A database restart costs at most one retryable answer, never a 500, and the service recovers by itself."""

import sqlalchemy as sa

from shared.app import create_app
from shared.auth import mint_token
from shared.config import Settings
from shared.db import Database
from shared.migrations import upgrade
from shared.service import load_service

SECRET = "restart-secret-0123456789abcdef0123456789"  # noqa: S105


def test_connections_killed_by_a_database_restart_give_a_503_then_the_service_recovers(pg_url):
    spec = load_service("registry")
    upgrade(spec, pg_url)
    database = Database(pg_url)
    settings = Settings(env="test", jwt_secret=SECRET)
    client = create_app(spec, settings=settings, database=database, testing=True).test_client()
    token = mint_token(settings, sub="clerk", dept="education", roles=["clerk"])
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/v1/institutions", headers=headers).status_code == 200
    with database.engine.connect() as conn:
        ours = conn.scalar(sa.text("SELECT pg_backend_pid()"))
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # what a restart does to every pooled connection
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": ours})
    admin.dispose()
    answers = [client.get("/v1/institutions", headers=headers) for _ in range(3)]
    statuses = [a.status_code for a in answers]
    assert 500 not in statuses
    assert statuses[0] == 503  # the dead connection is found by using it: one retryable answer
    assert statuses[-1] == 200
    for answer in answers:
        if answer.status_code == 503:
            assert answer.mimetype == "application/problem+json"
            assert answer.json["code"] == "database_unavailable" and answer.headers["Retry-After"] == "1"
    database.dispose()
