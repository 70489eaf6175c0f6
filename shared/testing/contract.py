"""Contract testing of a service's HTTP API with schemathesis, through its WSGI app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_wsgi
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from shared.app import create_app
from shared.auth import ROLES, mint_token
from shared.config import Settings
from shared.service import load_service
from shared.testing.apps import migrated_database

# What the suite promises of every endpoint: never a 5xx, never a response its own document does not describe.
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
CONTRACT_SECRET = "contract-test-secret-0123456789abcdef0123456789"  # noqa: S105


def contract_fixtures(service: str):
    """Module-scoped fixtures for one service: its migrated app's schema and a token holding every role."""

    @pytest.fixture(scope="module")
    def contract_app(pg_module_url: str) -> Iterator:
        spec = load_service(service)
        settings = Settings(env="test", jwt_secret=CONTRACT_SECRET)
        with migrated_database(spec, pg_module_url) as database:
            yield create_app(spec, settings=settings, database=database, testing=True)

    @pytest.fixture(scope="module")
    def contract_schema(contract_app):
        return from_wsgi("/openapi.json", contract_app)

    @pytest.fixture(scope="module")
    def every_role_headers() -> dict[str, str]:
        settings = Settings(env="test", jwt_secret=CONTRACT_SECRET)
        token = mint_token(settings, sub="contract", dept="education", roles=ROLES, aud=[service])
        return {"Authorization": f"Bearer {token}"}

    return contract_app, contract_schema, every_role_headers
