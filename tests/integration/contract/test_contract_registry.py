"""The registry API honours its own OpenAPI document: no 5xx, no undocumented response, for every endpoint."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from shared.testing.contract import CHECKS, contract_fixtures

contract_app, contract_schema, every_role_headers = contract_fixtures("registry")
schema = schemathesis.pytest.from_fixture("contract_schema")


@pytest.mark.timeout(900)  # one test holds every operation (subtests): on a loaded machine 300 s ran out
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_registry_endpoints_honour_their_documented_contract(case, every_role_headers):
    case.call_and_validate(headers=every_role_headers, checks=CHECKS)
