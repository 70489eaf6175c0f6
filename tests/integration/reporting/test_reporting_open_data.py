"""The inspection results as open data in the LIVES layout: registered institutions only, never a home."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
import reporting_support as support
from reporting_support import event, fed, registered

pytestmark = pytest.mark.integration
database, client = support.database, support.client


def _files(body: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
                for name in archive.namelist()}


def test_the_lives_feed_lists_inspected_institutions_their_visits_and_violations_but_no_home(client, database):
    fed(database, registered("a"), registered("quiet"),
        event("inspection.task.completed", 1, task_id="t1", institution_id="a", inspected_on="2021-07-17",
              outcome="violation", findings=[]),
        event("inspection.task.completed", 1, task_id="t4", institution_id="a", inspected_on="2021-09-01",
              outcome="rectification_ordered", findings=["fire_safety", "fees_published"]),
        event("inspection.task.completed", 1, task_id="t2", institution_id="a", inspected_on="2021-08-02",
              outcome="compliant", clue_id="c9", findings=[]),
        event("inspection.task.completed", 1, task_id="t3", institution_id=None, inspected_on="2021-07-18",
              outcome="violation"))  # an unregistered site: perhaps a flat, never published
    answer = client.get("/v1/open-data/lives.zip")  # open data: no token
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    files = _files(answer.data)
    assert set(files) == {"businesses.csv", "inspections.csv", "violations.csv", "feed_info.csv"}
    [business] = files["businesses.csv"]
    assert (business["business_id"], business["name"], business["city"], business["state"]) == (
        "a", "机构a", "城固县", "陕西省")  # the province, from the county's division code 610722
    assert business["address"] == "城固县博望街道文化路12号"
    assert [(row["date"], row["type"], row["description"]) for row in files["inspections.csv"]] == [
        ("20210717", "routine", "发现违规"), ("20210802", "complaint", "合格"), ("20210901", "routine", "责令整改")]
    assert [(row["business_id"], row["date"], row["code"]) for row in files["violations.csv"]] == [
        ("a", "20210717", "violation"), ("a", "20210901", "fees_published"), ("a", "20210901", "fire_safety")]
    assert [row["description"] for row in files["violations.csv"]] == [
        "发现违规", "未达标：收费已公示", "未达标：消防安全"]
    [feed] = files["feed_info.csv"]
    assert (feed["municipality_name"], feed["municipality_url"], feed["contact_email"]) == (
        "城固县、洋县", "https://www.chenggu.example.cn/", "opendata@chenggu.example.cn")  # the county file's
    english = _files(client.get("/v1/open-data/lives.zip", headers={"Accept-Language": "en"}).data)
    assert english["inspections.csv"][0]["description"] == "Violation found"
    assert [row["description"] for row in english["violations.csv"]] == [
        "Violation found", "Not met: Fees published", "Not met: Fire safety"]
    assert english["businesses.csv"][0]["state"] == "陕西省"
