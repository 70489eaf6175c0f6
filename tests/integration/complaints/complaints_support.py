"""What complaints' integration tests share: the settings, a migrated PostgreSQL schema, the desk's token."""

from __future__ import annotations

import pytest

from services.complaints.bootstrap import SERVICE
from shared.auth import mint_token
from shared.config import Settings
from shared.testing.apps import migrated_database

SETTINGS = Settings(env="test", jwt_secret="complaints-test-secret-0123456789abcdef0123", log_level="WARNING")


@pytest.fixture
def database(pg_url):
    """Complaints' tables migrated into this test's own schema."""
    with migrated_database(SERVICE, pg_url) as database:
        yield database


def desk_headers(clock, sub: str = "desk-li", town: str | None = None) -> dict[str, str]:
    """A desk officer's bearer token, issued at the app clock's time (the service checks it against that)."""
    token = mint_token(SETTINGS, sub=sub, dept="education", roles=["desk"], town=town, now=clock.now().timestamp())
    return {"Authorization": f"Bearer {token}"}
