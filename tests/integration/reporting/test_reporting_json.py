"""Reporting writes its JSON with orjson (`json_text.OrjsonProvider`): every answer is the same text, byte for
byte, as Flask's own provider writes, and what orjson would write otherwise is left to Flask's provider."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import reporting_support as support
from flask.json.provider import DefaultJSONProvider
from reporting_support import LEADER, SERVICE, SETTINGS, fed
from test_reporting_rebuild import every_event

from services.reporting.entrypoints.json_text import OrjsonProvider
from shared.app import create_app

pytestmark = pytest.mark.integration
database, client = support.database, support.client

PATHS = ("/v1/summary", "/v1/summary?from=2021-07-16&to=2021-09-30", "/v1/summary?town=龙头镇",
         "/v1/summary?from=2021-09-01&to=2021-07-01", "/v1/complaints/stats", "/v1/campaigns/summer/report",
         "/v1/campaigns/nowhere/report", "/v1/series?interval=week&from=2021-07-01&to=2021-09-30",
         "/v1/figures/institutions", "/openapi.json", "/healthz")


def test_every_answer_is_the_text_flasks_own_provider_writes(client, database):
    fed(database, *every_event())
    plain = create_app(SERVICE, settings=SETTINGS, database=database, testing=True)
    plain.json = DefaultJSONProvider(plain)
    plain.json.ensure_ascii = False
    assert isinstance(client.application.json, OrjsonProvider)
    for path in PATHS:
        ours, flasks = client.get(path, headers=LEADER), plain.test_client().get(path, headers=LEADER)
        assert (ours.status_code, ours.headers["Content-Type"], ours.data) == (
            flasks.status_code, flasks.headers["Content-Type"], flasks.data), path
    assert "龙头镇".encode() in client.get("/v1/summary?town=龙头镇", headers=LEADER).data  # UTF-8, not \u escapes


def test_what_orjson_writes_otherwise_is_written_by_flasks_provider(client):
    app = client.application
    with app.app_context():
        for value in ({"on": date(2021, 7, 1), "fine": Decimal("1.50")}, {2: "a", 1: "b"}, {"big": 2 ** 70},
                      {"b": [1.5, None, True], "a": "城关镇"}):
            flasks = DefaultJSONProvider(app)
            flasks.ensure_ascii = False
            for options in ({}, {"separators": (",", ":")}):
                assert app.json.dumps(value, **options) == flasks.dumps(value, **options), (value, options)
            assert app.json.response(value).data == flasks.response(value).data, value
        assert app.json.dumps({"b": 1, "a": 2}, indent=2) == '{\n  "a": 2,\n  "b": 1\n}'
        with pytest.raises(TypeError):
            app.json.dumps({"what": object()})
