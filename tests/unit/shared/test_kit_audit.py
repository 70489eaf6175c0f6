"""The kit's audit trail on the tiny test service: every write tried leaves a record, admins read and export it."""

import csv
import io

import sqlalchemy as sa

THING = {"name": "尺子", "count": 3}


def _trail(client, token, **query):
    answer = client.get("/v1/audit", query_string=query, headers={"Authorization": f"Bearer {token('admin')}"})
    assert answer.status_code == 200, answer.json
    return answer.json


def test_a_write_granted_or_refused_leaves_a_record_of_who_what_and_when_but_not_its_body(client, token):
    clerk = token("clerk", sub="李文")
    made = client.post("/v1/things", json=THING, headers={"Authorization": f"Bearer {clerk}",
                                                          "X-Correlation-ID": "case-42"})
    refused = client.post("/v1/things", json=THING, headers={"Authorization": f"Bearer {token('desk', sub='wang')}"})
    anonymous = client.post("/v1/things", json=THING)
    assert (made.status_code, refused.status_code, anonymous.status_code) == (201, 403, 401)

    items = _trail(client, token)["items"]

    assert [(i["sub"], i["status"]) for i in items] == [(None, 401), ("wang", 403), ("李文", 201)]
    granted = items[-1]
    assert granted["dept"] == "education" and granted["roles"] == ["clerk"]
    assert granted["method"] == "POST" and granted["path"] == "/v1/things"
    assert granted["endpoint"] == "things.Things"
    assert granted["correlation_id"] == "case-42"
    assert granted["request_id"] == made.headers["X-Request-ID"]
    assert "尺子" not in str(items)  # bodies may hold personal data: never recorded


def test_reads_and_paths_no_route_serves_are_not_recorded(client, token):
    headers = {"Authorization": f"Bearer {token('clerk')}"}
    client.get("/v1/things/public")
    client.post("/v1/nowhere", json=THING, headers=headers)
    client.get("/v1/whoami", headers=headers)

    assert _trail(client, token)["total"] == 0


def test_a_record_that_cannot_be_written_never_fails_the_write(client, token, kit_app):
    with kit_app.extensions["offcampus.db"].engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE audit_records"))

    made = client.post("/v1/things", json=THING, headers={"Authorization": f"Bearer {token('clerk')}"})

    assert made.status_code == 201 and made.json["name"] == "尺子"


def test_only_an_admin_reads_or_exports_the_trail(client, token):
    for role in ("clerk", "supervisor", "leader", "integrator"):
        headers = {"Authorization": f"Bearer {token(role)}"}
        assert client.get("/v1/audit", headers=headers).status_code == 403
        assert client.get("/v1/audit.csv", headers=headers).status_code == 403
    assert client.get("/v1/audit").status_code == 401


def test_the_trail_filters_by_who_time_and_path_prefix_and_pages_newest_first(client, token):
    for sub in ("li", "wang", "li"):
        client.post("/v1/things", json=THING, headers={"Authorization": f"Bearer {token('clerk', sub=sub)}"})

    assert _trail(client, token, sub="li")["total"] == 2
    assert _trail(client, token, path="/v1/thi")["total"] == 3
    assert _trail(client, token, path="/v1/things_")["total"] == 0  # a prefix, not a LIKE pattern
    assert _trail(client, token, since="2999-01-01T00:00:00")["total"] == 0
    assert _trail(client, token, until="2000-01-01T00:00:00+08:00")["total"] == 0
    first, second = (_trail(client, token, page=n, page_size=2) for n in (1, 2))
    assert first["total"] == 3 and [i["sub"] for i in first["items"]] == ["li", "wang"]
    assert [i["sub"] for i in second["items"]] == ["li"]
    assert first["items"][0]["id"] > first["items"][1]["id"] > second["items"][0]["id"]


def test_a_time_outside_any_meaning_is_a_problem_naming_the_field_not_a_500(client, token):
    answer = client.get("/v1/audit", query_string={"since": "0001-01-01T00:00:00+08:00"},
                        headers={"Authorization": f"Bearer {token('admin')}"})
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json["errors"]] == ["since"]


def test_the_csv_export_opens_in_excel_with_chinese_headings_and_no_formulas(client, token):
    client.post("/v1/things", json=THING, headers={"Authorization": f"Bearer {token('clerk', sub='=cmd|calc')}"})
    admin = {"Authorization": f"Bearer {token('admin')}"}

    exported = client.get("/v1/audit.csv", headers=admin)
    negotiated = client.get("/v1/audit", headers={**admin, "Accept": "text/csv"})

    assert exported.mimetype == negotiated.mimetype == "text/csv"
    assert exported.data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert len(rows) == 1
    assert rows[0]["用户"] == "'=cmd|calc" and rows[0]["路径"] == "/v1/things" and rows[0]["状态码"] == "201"
    assert rows[0]["时间"].endswith("+08:00") and rows[0]["角色"] == "clerk"
    english = client.get("/v1/audit.csv", headers={**admin, "Accept-Language": "en"}).data.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(english)))[:4] == ["Record", "Time", "User", "Department"]
    assert negotiated.data == exported.data
