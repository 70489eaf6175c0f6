"""One error path: what a use case raises becomes one problem+json answer, its status chosen by class."""

from __future__ import annotations

import pytest
from flask import Flask

from shared.errors import PROBLEM_MIME, explain_violations_with, fields_under, install_error_handlers
from shared.i18n import install_i18n
from shared.refusals import (
    N_,
    Conflict,
    DomainError,
    IllegalTransition,
    NotFound,
    Refused,
    StaleVersion,
    Text,
    Violation,
)


class CampaignRefused(Refused):
    code = "campaign.refused"


RAISED = {
    "missing": NotFound(N_("There is no thing %(thing_id)s."), code="thing.not_found", thing_id=7),
    "duplicate": Conflict(code="thing.duplicate", existing_id=3, nothing=None),
    "stale": StaleVersion(code="thing.stale", current_version=4),
    "illegal": IllegalTransition("closed", "open", ["archive"], state_label=Text(N_("Not found"))),
    "odd": DomainError(code="thing.odd"),
    "refused": CampaignRefused([Violation("name.blank", "name"), Violation("town.unknown", "towns.0", {"town": "X"}),
                                Violation("town.far", "towns.0"), Violation("whole.bad")]),
}


@pytest.fixture
def client():
    app = Flask("kit_errors")
    install_error_handlers(app)
    install_i18n(app, "zh_CN", None)
    explain_violations_with(app, lambda violation, gettext: f"{violation.code}!")

    @app.post("/raise/<name>")
    def raise_it(name):
        raise RAISED[name]

    @app.post("/nested")
    def nested():
        with fields_under("data."):
            raise CampaignRefused([Violation("deadline.early", "deadline"), Violation("whole.bad")])

    return app.test_client()


@pytest.mark.parametrize(("name", "status", "code"), [
    ("missing", 404, "thing.not_found"), ("duplicate", 409, "thing.duplicate"), ("stale", 412, "thing.stale"),
    ("illegal", 409, "transition.illegal"), ("odd", 400, "thing.odd"), ("refused", 422, "campaign.refused"),
])
def test_each_kind_of_domain_error_answers_its_status_and_stable_code(client, name, status, code):
    answer = client.post(f"/raise/{name}")
    assert (answer.status_code, answer.mimetype, answer.get_json()["code"]) == (status, PROBLEM_MIME, code)


def test_facts_go_into_the_answer_and_the_detail_is_the_message_in_the_readers_language(client):
    missing = client.post("/raise/missing", headers={"Accept-Language": "en"}).get_json()
    assert missing["detail"] == "There is no thing 7." and missing["thing_id"] == 7
    duplicate = client.post("/raise/duplicate").get_json()
    assert duplicate["existing_id"] == 3 and "nothing" not in duplicate
    illegal = client.post("/raise/illegal").get_json()
    assert illegal["state_label"] == "未找到"  # a Text fact is rendered through the catalogs
    assert (illegal["current_state"], illegal["allowed_actions"]) == ("closed", ["archive"])
    assert [v["code"] for v in illegal["violations"]] == ["transition.illegal"] and "errors" not in illegal


def test_a_refusal_lists_each_violation_with_its_code_and_names_each_field_in_the_kits_shape(client):
    problem = client.post("/raise/refused").get_json()
    assert [(v["code"], v["field"], v["message"]) for v in problem["violations"]] == [
        ("name.blank", "name", "name.blank!"), ("town.unknown", "towns.0", "town.unknown!"),
        ("town.far", "towns.0", "town.far!"), ("whole.bad", "_schema", "whole.bad!")]
    assert problem["violations"][1]["params"] == {"town": "X"} and problem["violations"][1]["item"] == "towns.0"
    assert problem["errors"] == [
        {"field": "name", "location": "json", "messages": ["name.blank!"]},
        {"field": "towns.0", "location": "json", "messages": ["town.unknown!", "town.far!"]},
        {"field": "_schema", "location": "json", "messages": ["whole.bad!"]}]
    assert problem["detail"] == "name.blank! town.unknown! town.far! whole.bad!"


def test_a_refusal_raised_under_a_prefix_names_its_fields_under_it(client):
    problem = client.post("/nested").get_json()
    assert [e["field"] for e in problem["errors"]] == ["data.deadline", "data"]


@pytest.mark.parametrize(("method", "path", "status", "zh", "en"), [
    ("GET", "/nowhere", 404, "此地址没有内容", "Nothing is at this address"),
    ("GET", "/nested", 405, "此地址不支持该请求方法", "This address does not answer this method"),
])
def test_routing_errors_read_in_the_readers_language_not_werkzeugs_english(client, method, path, status, zh, en):
    chinese = client.open(path, method=method)
    english = client.open(path, method=method, headers={"Accept-Language": "en"})
    for answer, words in ((chinese, zh), (english, en)):
        assert answer.status_code == status and answer.mimetype == PROBLEM_MIME
        assert answer.get_json()["detail"].startswith(words)
    assert "requested URL" not in chinese.get_json()["detail"]
    if status == 405:
        assert "POST" in chinese.headers["Allow"]


def test_an_error_raised_with_its_own_description_keeps_it(client):
    from flask import abort

    @client.application.get("/gone")
    def gone():
        abort(404, description="That thing went away.")

    assert client.get("/gone").get_json()["detail"] == "That thing went away."
