"""The registry's audit trail and front page, on real PostgreSQL: what a supervisor and a parent see."""

from __future__ import annotations

import csv
import io

import pytest
import test_registry_institutions_support as support
from test_registry_institutions_support import CLERK, QIMING, bearer, credit_code

pytestmark = pytest.mark.integration
database, app, client = support.database, support.app, support.client  # the shared fixtures

ADMIN = bearer("admin", sub="admin-zhao")


def test_a_registry_write_shows_in_the_audit_trail_with_its_correlation_id(client):
    created = client.post("/v1/institutions", json={**QIMING, "credit_code": credit_code()},
                          headers={**CLERK, "X-Correlation-ID": "walk-in-2026-001"})
    assert created.status_code == 201

    trail = client.get("/v1/audit", query_string={"path": "/v1/institutions"}, headers=ADMIN)

    assert trail.status_code == 200
    [record] = trail.json["items"]
    assert record["correlation_id"] == "walk-in-2026-001"
    assert record["request_id"] == created.headers["X-Request-ID"]
    assert (record["sub"], record["dept"], record["roles"]) == ("clerk-li", "education", ["clerk"])
    assert (record["method"], record["path"], record["status"]) == ("POST", "/v1/institutions", 201)
    assert record["resource_id"] == str(created.json["id"])
    assert QIMING["contact_phone"] not in str(record) and QIMING["legal_representative"] not in str(record)


def test_a_change_refused_for_lack_of_rights_is_on_the_trail_with_who_tried(client):
    institution = support.register(client)
    refused = client.post(f"/v1/institutions/{institution['id']}/transitions",
                          json={"action": "start_review", "data": {}}, headers=bearer("inspector", sub="insp-wu"))
    assert refused.status_code == 403

    [record] = client.get("/v1/audit", query_string={"sub": "insp-wu"}, headers=ADMIN).json["items"]

    assert record["status"] == 403 and record["resource_id"] == str(institution["id"])
    assert record["path"] == f"/v1/institutions/{institution['id']}/transitions"


def test_a_non_admin_cannot_read_the_trail(client):
    for role in ("clerk", "supervisor", "leader"):
        assert client.get("/v1/audit", headers=bearer(role)).status_code == 403
        assert client.get("/v1/audit.csv", headers=bearer(role)).status_code == 403


def test_the_csv_export_parses_with_the_csv_module(client):
    for _ in range(3):
        support.register(client)

    exported = client.get("/v1/audit.csv", headers=ADMIN)

    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert "registry-audit.csv" in exported.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert [(row["用户"], row["请求方法"], row["状态码"]) for row in rows] == [("clerk-li", "POST", "201")] * 3


def test_the_front_page_lists_the_board_pages_and_the_docs(client):
    page = client.get("/").text
    index = client.get("/?lang=en", headers={"Accept": "application/json"}).json

    assert '<a href="/board">持证机构</a>' in page and '<span lang="en">Licensed institutions</span>' in page
    assert '<a href="/board/banned">取缔机构名单</a>' in page
    assert [(p["path"], p["title"]) for p in index["pages"]] == [
        ("/board", "Licensed institutions"), ("/board/banned", "Banned institutions"),
        ("/docs", "API documentation (Swagger UI)"), ("/openapi.json", "OpenAPI document")]
    assert client.get("/board").status_code == 200
