"""Complaints' name list bounds a town claim the way every service listing institutions does."""

import pytest
from test_complaints_api import QIMING, SETTINGS, XINGGUANG, client, database, register  # noqa: F401 (fixtures)

from shared.auth import mint_token

pytestmark = pytest.mark.integration


def desk(town=None):
    token = mint_token(SETTINGS, sub=f"desk-{town}", dept="education", roles=["desk"], town=town)
    return {"Authorization": f"Bearer {token}"}


def names(app_client, headers, **query):
    answer = app_client.get("/v1/institution-names", query_string=query, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return {item["name"] for item in answer.get_json()["items"]}


def test_a_town_officer_sees_only_their_towns_names_whatever_town_they_ask_for(client, database):  # noqa: F811
    register(database, QIMING, sequence=1)
    register(database, XINGGUANG, sequence=1)
    assert names(client, desk("龙头镇")) == {XINGGUANG["name"]}
    assert names(client, desk("龙头镇"), town=QIMING["town"]) == {XINGGUANG["name"]}
    assert names(client, desk()) == {QIMING["name"], XINGGUANG["name"]}
    assert names(client, desk(), town=QIMING["town"]) == {QIMING["name"]}
