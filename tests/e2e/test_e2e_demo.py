"""`offcampus demo` against the four services as real processes (gunicorn web and worker each, PostgreSQL,
RabbitMQ): Chenggu's year comes out with the source's figures, a second run changes nothing, a second county on
the same platform has its own figures, a copy of the year with one ban and one licence fewer moves exactly
those figures (played as a third, test-only county on the same platform: other records, other draw seeds), and
two runs on platforms with their own databases, whose draws picked other institutions, give one summary."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import yaml

from shared.auth import mint_token
from shared.config import Settings
from shared.testing.platform import running_platform

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-demo-secret-0123456789abcdef0123456789abcdef"  # noqa: S105
CHENGGU = ROOT / "scenarios" / "chenggu.yaml"
YANGXIAN = ROOT / "scenarios" / "yangxian.yaml"
SOURCE = {"discipline_before": 81, "discipline_licensed": 8, "reduction_rate": 0.901, "institutions_banned": 2,
          "cases_punished": 5, "inspections": 38 + 46, "inspector_person_times": 125 + 48}


def _env(county_file: Path) -> dict[str, str]:
    # each web a gthread worker (deploy/gunicorn.conf.py): the demo's 4 requests in flight share its connections
    # and overlap their commits (a Chenggu load took 27.7 s of the platform's CPU with sync workers, 20.6 with 4
    # threads)
    return {"OFFCAMPUS_ENV": "production", "OFFCAMPUS_JWT_SECRET": SECRET,
            "OFFCAMPUS_COMPLAINTS_SEALING_KEY": "ZTJlLWRlbW8tc2VhbGluZy1rZXktMDEyMzQ1Njc4OWE",
            "OFFCAMPUS_COUNTY_CONFIG": str(county_file), "OFFCAMPUS_WEB_THREADS": "4"}


# a test-only third county: Chenggu's towns under other names, where a changed copy of its year is played
COPY_COUNTY = {"name": "城固县（对照）", "division_code": "610799", "host_department": "education", "hotline": "12345",
               "towns": [{"name": f"对照{n:02d}镇", "code": f"610799{n:03d}"} for n in range(1, 17)]}


@pytest.fixture(scope="module")
def hanzhong(postgres_server_url, amqp_url, tmp_path_factory):
    """One platform serving 城固县 and 洋县 (shared/counties/hanzhong.yaml), and the test's copy county."""
    workdir = tmp_path_factory.mktemp("demo")
    county_file = yaml.safe_load((ROOT / "shared" / "counties" / "hanzhong.yaml").read_text(encoding="utf-8"))
    county_file["counties"].append(COPY_COUNTY)
    (workdir / "counties.yaml").write_text(yaml.safe_dump(county_file, allow_unicode=True), encoding="utf-8")
    with running_platform(postgres_server_url, amqp_url, workdir, f"offcampus_d{uuid.uuid4().hex[:8]}",
                          _env(workdir / "counties.yaml")) as platform:
        yield platform


def play(platform, scenario: Path, workdir: Path) -> tuple[dict, str]:
    """Run `offcampus demo --scenario … --json …` as a person would, against the running platform."""
    out = workdir / f"summary-{uuid.uuid4().hex[:6]}.json"
    done = subprocess.run([sys.executable, "-c", "from shared.cli import main; main()", "demo", "--scenario",
                           str(scenario), "--json", str(out)], env=platform.env, cwd=ROOT, capture_output=True,
                          text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    return json.loads(out.read_text(encoding="utf-8")), done.stdout


def summary_of(platform, division_code: str) -> dict:
    token = mint_token(Settings(jwt_secret=SECRET), sub="e2e-leader", dept="education", roles=["leader"])
    answer = requests.get(platform.urls["reporting"] + "/v1/summary", params={"division_code": division_code},
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def by_kind(summary: dict) -> dict[str, tuple[int, int, int]]:
    """Each kind's campaigns that held rounds: (rounds, inspections, person-times)."""
    return {c["kind"]: (c["rounds"], c["inspections"], c["inspector_person_times"]) for c in summary["campaigns"]
            if c["rounds"]}


def may_day(summary: dict) -> tuple[int, int, int]:
    """The May Day campaign: (rounds held, inspections, reminders issued)."""
    [campaign] = [c for c in summary["campaigns"] if "五一" in (c["name"] or "")]
    return campaign["rounds"], campaign["inspections"], campaign["reminders"]


def desk_clue(platform, external_ref: str) -> dict:
    token = mint_token(Settings(jwt_secret=SECRET), sub="e2e-desk", dept="education", roles=["desk"])
    answer = requests.get(platform.urls["complaints"] + "/v1/clues", params={"external_ref": external_ref},
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    [clue] = answer.json()["items"]
    return clue


def notices_of_a_licensed_institution(platform, division_code: str) -> list[dict]:
    token = mint_token(Settings(jwt_secret=SECRET), sub="e2e-clerk", dept="education", roles=["clerk"])
    headers = {"Authorization": f"Bearer {token}"}
    listed = requests.get(platform.urls["registry"] + "/v1/institutions", headers=headers, timeout=30, params={
        "division_code": division_code, "state": "licensed", "page_size": 1})
    assert listed.status_code == 200, listed.text
    institution_id = listed.json()["items"][0]["id"]
    answer = requests.get(platform.urls["registry"] + f"/v1/institutions/{institution_id}/notices", headers=headers,
                          timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def test_chenggus_year_shows_the_sources_figures_and_a_second_run_changes_nothing(hanzhong, tmp_path):
    first, printed = play(hanzhong, CHENGGU, tmp_path)
    assert {key: first[key] for key in SOURCE} == SOURCE
    assert by_kind(first) == {"routine": (3, 38, 125), "holiday": (6, 46, 48)}
    assert first["division_code"] == "610722" and first["complaints_received"] == 24 + 2  # the year's, 2 live
    assert "0.901  ✓" in printed and "✗" not in printed  # the printed table marks the source's figures
    assert "/board" in printed and "/report" in printed and "/dashboard" in printed
    # May Day 2022, generated from the calendar: reminded (every operating institution has the notice), undrawn
    assert may_day(first) == (0, 0, 1)
    assert [(n["kind"], n["holiday"], n["remind_on"]) for n in notices_of_a_licensed_institution(
        hanzhong, "610722")] == [("holiday_reminder", "Labour Day", "2022-04-29")]
    # the live complaints came through Open311 and were registered by the desk under its references
    referred, answered = desk_clue(hanzhong, "cg-l01"), desk_clue(hanzhong, "cg-l02")
    assert (referred["channel"], referred["status"]) == ("web_form", "referred")
    assert (answered["channel"], answered["status"], answered["satisfied"]) == ("web_form", "answered", True)
    assert "l02 (Open311, token" in printed

    second, printed_again = play(hanzhong, CHENGGU, tmp_path)
    assert "with 0 changes (0 records created)" in printed_again
    assert second == first


def test_a_second_county_on_the_same_platform_has_its_own_figures(hanzhong, tmp_path):
    yangxian, _ = play(hanzhong, YANGXIAN, tmp_path)
    assert {key: yangxian[key] for key in SOURCE} == {
        "discipline_before": 58, "discipline_licensed": 6, "reduction_rate": 0.897, "institutions_banned": 1,
        "cases_punished": 3, "inspections": 38, "inspector_person_times": 80}
    assert by_kind(yangxian) == {"routine": (2, 20, 60), "holiday": (4, 18, 20)}
    chenggu = summary_of(hanzhong, "610722")
    if chenggu["discipline_before"]:  # loaded by the test above (this one may run alone): untouched by 洋县
        assert {key: chenggu[key] for key in SOURCE} == SOURCE


def test_one_ban_and_one_licence_fewer_move_exactly_those_figures(hanzhong, tmp_path):
    year = yaml.safe_load(CHENGGU.read_text(encoding="utf-8"))
    renamed = {town: COPY_COUNTY["towns"][n]["name"] for n, town in enumerate(year["towns"])}
    year |= {"county": COPY_COUNTY["division_code"], "name": COPY_COUNTY["name"], "ref": "cgcopy",
             "towns": list(renamed.values())}
    # the copy's inspectors are other people: the staff list's inspector signs in as Chenggu's, loaded beside it
    year.pop("accounts", None)
    for complaint in year["complaints"]:
        if "town" in complaint:
            complaint["town"] = renamed[complaint["town"]]
    groups = {group["key"]: group for group in year["institutions"]}
    groups["kept"]["count"] -= 1  # one institution that was licensed closed instead
    groups["closed"]["count"] += 1
    [c02] = [c for c in year["complaints"] if c["ref"] == "c02"]
    c02["case"]["sanctions"] = [{"kind": "fine", "day": "2022-02-18", "amount_fen": 1000000}]  # a fine, not a ban
    copy = tmp_path / "chenggu-copy.yaml"
    copy.write_text(yaml.safe_dump(year, allow_unicode=True, sort_keys=False), encoding="utf-8")

    changed, printed = play(hanzhong, copy, tmp_path)
    assert {key: changed[key] for key in SOURCE} == {
        **SOURCE, "discipline_licensed": 7, "reduction_rate": 0.914, "institutions_banned": 1}
    assert by_kind(changed) == {"routine": (3, 38, 125), "holiday": (6, 46, 48)}
    assert may_day(changed) == (0, 0, 1)
    assert "✗ (expected 8)" in printed and "✗ (expected 2)" in printed
    chenggu = summary_of(hanzhong, "610722")
    if chenggu["discipline_before"]:  # loaded by the first test: every other figure is Chenggu's, other seeds
        moved = {"division_code", "campaigns", "discipline_licensed", "reduction_rate", "institutions_banned",
                 "institutions_by_state", "sanctions_by_kind", "fines_fen"}
        assert {k: v for k, v in changed.items() if k not in moved} == {
            k: v for k, v in chenggu.items() if k not in moved}
        assert changed["sanctions_by_kind"] == {**chenggu["sanctions_by_kind"], "ban": 1,
                                                "fine": chenggu["sanctions_by_kind"]["fine"] + 1}


def _get(platform, service: str, path: str, role: str, **params) -> dict:
    token = mint_token(Settings(jwt_secret=SECRET), sub=f"e2e-{role}", dept="education", roles=[role])
    answer = requests.get(platform.urls[service] + path, params=params, headers={"Authorization": f"Bearer {token}"},
                          timeout=60)
    assert answer.status_code == 200, answer.text
    return answer.json()


def drawn_institutions(platform, summary: dict) -> dict[tuple[str, int], tuple[str, list[str]]]:
    """Each round of the summary's campaigns, by campaign and number: its seed's hash and the credit codes its
    draw picked (none for May Day's, left undrawn)."""
    codes = {str(row["id"]): row["credit_code"] for row in _get(
        platform, "registry", "/v1/institutions", "clerk", division_code="610722", page_size=200)["items"]}
    found = {}
    for listed in summary["campaigns"]:
        campaign = _get(platform, "inspection", f"/v1/campaigns/{listed['campaign_id']}", "supervisor")
        for round_ in _get(platform, "inspection", f"/v1/campaigns/{campaign['id']}/rounds", "supervisor")["items"]:
            draws = _get(platform, "inspection", f"/v1/rounds/{round_['id']}/draws", "supervisor")["items"]
            targets = [codes[t] for draw in draws for t in draw["result"]["targets"]]
            found[campaign["external_ref"], round_["number"]] = (round_["seed_sha256"], targets)
    return found


def comparable(summary: dict) -> dict:
    """The summary without the ids each platform gives its campaigns."""
    campaigns = sorted(({k: v for k, v in c.items() if k != "campaign_id"} for c in summary["campaigns"]),
                       key=lambda c: c["name"])
    return {**summary, "campaigns": campaigns}


@pytest.mark.timeout(1200)  # one more platform started and loaded
def test_two_runs_whose_draws_differ_give_the_same_summary(hanzhong, postgres_server_url, amqp_url,
                                                           tmp_path_factory):
    """The first run is this module's platform (Chenggu loaded by the first test, or here); the second on a
    fresh platform with its own databases, so every round is drawn from another seed. The fresh platform starts
    and loads while the first run's draws are read: it is its own processes, schemas and bus namespace. (Two runs
    prove the seeds change nothing; a third would prove it again, for one more platform started and loaded.)"""

    def fresh_run() -> tuple[dict, dict]:
        workdir = tmp_path_factory.mktemp("run2")
        with running_platform(postgres_server_url, amqp_url, workdir, f"offcampus_r{uuid.uuid4().hex[:8]}",
                              _env(ROOT / "shared" / "counties" / "hanzhong.yaml")) as platform:
            summary, _printed = play(platform, CHENGGU, workdir)
            return summary, drawn_institutions(platform, summary)

    with ThreadPoolExecutor(1) as pool:
        fresh = pool.submit(fresh_run)
        if not summary_of(hanzhong, "610722")["discipline_before"]:
            play(hanzhong, CHENGGU, tmp_path_factory.mktemp("first"))
        summaries = [summary_of(hanzhong, "610722")]
        draws = [drawn_institutions(hanzhong, summaries[0])]
        summary, drawn = fresh.result()
        summaries.append(summary)
        draws.append(drawn)

    assert {key: summaries[0][key] for key in SOURCE} == SOURCE
    assert comparable(summaries[1]) == comparable(summaries[0])
    # the draws really differed: each round's committed seed is its own, and the institutions picked changed
    assert sorted(draws[0]) == sorted(draws[1]) and len(draws[0]) == 3 + 6 + 5
    for key in draws[0]:
        assert draws[0][key][0] != draws[1][key][0], key
    picked = [[run[key][1] for key in sorted(run)] for run in draws]
    assert picked[0] != picked[1]
