"""Every GET route of every service that takes a path parameter answers a malformed one with a 4xx, never a 500:
NUL (which PostgreSQL cannot hold in text), other control characters, bytes that are not UTF-8 and far-too-long
values. The routes are read from each app's URL map, so a route added tomorrow is swept too. `/v1` routes answer
problem+json and Open311's its own error list; a console page may first send a signed-out person to sign in."""

from __future__ import annotations

import pytest

from shared.app import create_app
from shared.auth import ROLES, mint_token
from shared.config import Settings
from shared.service import load_service
from shared.testing.apps import get_routes_with_path_parameters, migrated_database
from shared.testing.fixtures import fresh_schema

pytestmark = pytest.mark.integration

SETTINGS = Settings(env="test", jwt_secret="path-input-secret-0123456789abcdef0123456789", log_level="WARNING")
SERVICES = ("registry", "inspection", "complaints", "reporting")
MALFORMED = {
    "nul": "%00",
    "nul inside": "a%00b",
    "control": "%01",
    "escape sequence": "%1B%5B31m",
    "newline": "x%0A",
    "delete": "%7F",
    "not utf-8": "%FF%FE",
    "far too long": "a" * 5000,
}


@pytest.fixture(scope="module", params=SERVICES)
def client(request, postgres_server_url):
    spec = load_service(request.param)
    with fresh_schema(postgres_server_url) as url, migrated_database(spec, url) as database:
        yield create_app(spec, settings=SETTINGS, database=database, testing=True).test_client()


@pytest.mark.parametrize("value", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_path_parameter_is_a_4xx_on_every_route_of_every_service(client, value):
    service = client.application.name
    # every role at once, in the service's audience, so no route refuses the token before it reads its path
    token = mint_token(SETTINGS, sub="path-sweep", dept="education", roles=list(ROLES), aud=[service])
    routes = get_routes_with_path_parameters(client.application)
    assert routes, service
    for endpoint, template in routes:
        path = template.replace("{}", value)
        answer = client.get(path, headers={"Authorization": f"Bearer {token}"})
        failed = (service, endpoint, answer.status_code, answer.content_type, answer.get_data()[:300])
        if path.startswith("/v1/"):
            assert 400 <= answer.status_code < 500 and answer.content_type == "application/problem+json", failed
        elif path.startswith("/open311/"):  # GeoReport v2's errors: a list of {code, description}
            assert 400 <= answer.status_code < 500 and answer.get_json()[0]["code"] == answer.status_code, failed
        else:  # a page: a 4xx, or a console page sending the signed-out person to sign in first
            assert 400 <= answer.status_code < 500 or answer.status_code in (302, 303), failed


def test_the_openapi_document_says_a_text_path_parameter_holds_no_control_character(client):
    document = client.get("/openapi.json").get_json()
    texts = [parameter["schema"] for operations in document["paths"].values() for operation in operations.values()
             if isinstance(operation, dict) for parameter in operation.get("parameters", [])
             if parameter.get("in") == "path" and parameter["schema"].get("type") == "string"]
    for schema in texts:
        assert schema["pattern"] == "^[^/\\u0000-\\u001f\\u007f]+$" and schema["minLength"] >= 1, schema
