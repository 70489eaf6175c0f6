"""Playing a scenario against the platform, phase by phase, each step skipped when it is already done.

Idempotent by `external_ref`: institutions are found by their credit code in the registry's list, inspectors,
campaigns, holiday campaigns, clues and cases by the `external_ref` the scenario gives them, rounds by their
number in the campaign, draws by their round, tasks by their draw or clue, lifecycle steps by the state the
institution has reached. A live complaint is filed through Open311, which knows no reference of the filer's:
the desk gives it one when it registers the report (its register number, as a desk does), and a later run
finds it by that in the desk's list (a report an earlier run filed but never registered, the desk recognises
in its inbox by what it says). A second run finds everything and sends nothing that changes a figure.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from shared.demo.client import ApiError, Platform
from shared.demo.scenario import Institution, Scenario

# the state each lifecycle action leads to (the registry's own table, as its API documents it)
LEADS_TO = {"start_review": "under_review", "license": "licensed", "order_rectification": "rectification",
            "close": "closed", "convert": "converted"}
OPEN311 = "/open311/v2"
CHECKLIST = ("licence_displayed", "fees_published", "teachers_qualified", "training_time", "fire_safety")
# why a scenario's complaint goes to inspection, when the scenario does not say (the referral's `reason`)
DEFAULT_REFERRAL_REASON = "举报内容需现场核查"
PARALLEL = 4  # requests in flight: enough to keep a gunicorn service busy, few enough for a laptop


@dataclass
class Progress:
    """What the run changed (besides the records created, which the platform counts) and how long it took."""

    sent: int = 0  # writes that changed a record: lifecycle steps, triage, referral, staffing, closing
    found: int = 0  # institutions already on the books
    timings: dict[str, float] = field(default_factory=dict)


class Runner:
    """One scenario on one platform."""

    def __init__(self, platform: Platform, scenario: Scenario, log: Callable[[str], None] = print,
                 on_filed: Callable[[str], None] | None = None) -> None:
        self.platform, self.scenario, self.log = platform, scenario, log
        self.progress = Progress()
        self.on_filed = on_filed  # told of each complaint filed that will be referred (the benchmark times them)
        self.institution_ids: dict[str, int] = {}
        self.inspector_ids: dict[str, str] = {}
        self.campaign_ids: dict[str, str] = {}
        self.clues: dict[str, dict[str, Any]] = {}

    def ref(self, local: str) -> str:
        """The external_ref of one of the scenario's records: its own prefix, so counties never collide."""
        return f"{self.scenario.ref}-{local}"

    # -- the whole year ----------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Play every phase, wait for the bus to settle twice in a row, and answer the county's summary."""
        phases = [("registry", self.registry), ("inspectors and campaigns", self.inspection_setup),
                  ("settle", self.settle), ("complaints", self.complaints), ("settle", self.settle),
                  ("complaint inspections and cases", self.clue_inspections), ("rounds", self.rounds),
                  ("settle", self.settle), ("closing complaints", self.closings), ("settle", self.settle)]
        for name, phase in phases:
            started = time.monotonic()
            phase()
            spent = time.monotonic() - started
            self.progress.timings[name] = self.progress.timings.get(name, 0) + spent
            if name != "settle":
                self.log(f"  {name}: {spent:.1f} s")
        return self.summary()

    @property
    def changes(self) -> int:
        """Records created plus records changed: nothing on a second run of the same scenario."""
        return self.platform.created + self.progress.sent

    def summary(self) -> dict[str, Any]:
        """Reporting's summary of the scenario's county, all time."""
        return self.platform.get("reporting", "/v1/summary", role="leader",
                                 params={"division_code": self.scenario.county})

    def settle(self) -> None:
        """Wait until every service's bus shows nothing pending and nothing unacked, twice in a row."""
        self.platform.wait_settled()

    def _each(self, function, items) -> list:
        with ThreadPoolExecutor(PARALLEL) as pool:
            return list(pool.map(function, items))

    # -- registry ----------------------------------------------------------------------------------------
    def registry(self) -> None:
        """Register the stock of institutions and take each through the steps it took, on their days."""
        known = {row["credit_code"]: row for row in self.platform.pages(
            "registry", "/v1/institutions", params={"division_code": self.scenario.county}, role="clerk")}
        for record in self._each(lambda i: self._institution(i, known.get(i.ref)), self.scenario.institutions):
            self.institution_ids[record["credit_code"]] = record["id"]

    def _institution(self, institution: Institution, record: dict[str, Any] | None) -> dict[str, Any]:
        while record is None:
            try:
                record = self.platform.post("registry", "/v1/institutions", institution.body, role="clerk")
            except ApiError as exc:
                holder = exc.problem.get("existing_id")
                if exc.status != 409 or exc.problem.get("code") != "institution.duplicate_credit_code":
                    raise
                # the embedded SQLite registry numbers institutions itself: a concurrent registration that
                # lost the race for the next number is refused without a holder, and is simply sent again
                if holder is not None:
                    record = self.platform.get("registry", f"/v1/institutions/{holder}", role="clerk")
        else:
            self.progress.found += 1
        planned = [institution.body["state"]] + [LEADS_TO[step["action"]] for step in institution.steps]
        if record["state"] not in planned:  # moved on by something else (a case's ban): not the clerk's to redo
            return record
        for step in institution.steps[planned.index(record["state"]):]:
            record = self.platform.post("registry", f"/v1/institutions/{record['id']}/transitions", step,
                                        role="clerk")
            self.progress.sent += 1
        return record

    # -- inspectors and campaigns ------------------------------------------------------------------------
    def inspection_setup(self) -> None:
        """Add the inspectors and launch the campaigns (both answer the record already made for a known ref)."""
        for inspector in self._each(lambda i: self.platform.post("inspection", "/v1/inspectors", i.body,
                                                                 role="supervisor"), self.scenario.inspectors):
            self.inspector_ids[inspector["external_ref"]] = inspector["id"]
        for campaign in self.scenario.campaigns:
            made = self.platform.post("inspection", "/v1/campaigns", campaign.body, role="supervisor")
            self.campaign_ids[campaign.ref] = made["id"]
        # generated from the official calendar; one whose reminder day has passed is reminded at once, and the
        # registry gives every operating institution in its towns a notice
        for campaign in self.scenario.holiday_campaigns:
            made = self.platform.post("inspection", "/v1/holiday-campaigns", campaign.body, role="supervisor")
            self.campaign_ids[campaign.ref] = made["id"]

    @property
    def campaign_refs(self) -> dict[str, str]:
        """The scenario's name of each campaign, by the id the platform gave it."""
        return {campaign_id: ref for ref, campaign_id in self.campaign_ids.items()}

    # -- complaints --------------------------------------------------------------------------------------
    def _load_clues(self) -> None:
        self.clues = {row["external_ref"]: row for row in self.platform.pages("complaints", "/v1/clues", role="desk")
                      if row.get("external_ref", "").startswith(f"{self.scenario.ref}-")}

    def _institution_id(self, complaint: dict[str, Any]) -> str | None:
        pointer = complaint.get("institution")
        return str(self.institution_ids[self.scenario.institution(pointer).ref]) if pointer else None

    def complaints(self) -> None:
        """Record the year's complaints on the days they came in; triage and refer, or answer at the desk."""
        self._load_clues()
        self._each(self._complaint, self.scenario.complaints)

    def _complaint(self, complaint: dict[str, Any]) -> None:
        ref = self.ref(complaint["ref"])
        clue = self.clues.get(ref)
        if clue is None and complaint.get("live"):
            clue = self._filed_through_open311(complaint, ref)
        elif clue is None:
            body = {"channel": complaint["channel"], "category": complaint["category"],
                    "description": complaint["description"], "town": complaint["town"],
                    "received_at": complaint["received_at"].replace(tzinfo=None).isoformat(), "external_ref": ref}
            if complaint.get("address"):
                body["address"] = complaint["address"]
            made = self.platform.post("complaints", "/v1/clues", body, role="desk")
            clue = self.clues[ref] = {"id": made["id"], "status": "received", "external_ref": ref}
            if self.on_filed is not None and complaint.get("referred"):
                self.on_filed(made["id"])
        path = f"/v1/clues/{clue['id']}"
        if complaint.get("referred"):
            if clue["status"] == "received":
                triage = {"category": complaint["category"], "institution_id": self._institution_id(complaint)}
                if not complaint.get("live"):  # triaged the hour after it came in (referred the hour after that)
                    triage["triaged_at"] = (complaint["received_at"].replace(tzinfo=None)
                                            + dt.timedelta(hours=1)).isoformat()
                self.platform.post("complaints", path + "/triage", triage, role="desk")
                clue["status"] = "triaged"
                self.progress.sent += 1
            if clue["status"] == "triaged":
                referral = complaint["referred"]
                body = {"priority": referral.get("priority", "normal"),
                        "reason": referral.get("reason") or DEFAULT_REFERRAL_REASON}
                if not complaint.get("live"):  # referred the day it came in, two hours later, unless told when
                    body["referred_at"] = str(referral.get("at") or (complaint["received_at"].replace(tzinfo=None)
                                                                     + dt.timedelta(hours=2)).isoformat())
                if referral.get("place"):
                    body["place"] = referral["place"]
                self.platform.post("complaints", path + "/refer", body, role="desk")
                clue["status"] = "referred"
                self.progress.sent += 1
        elif complaint.get("answered") and clue["status"] in ("received", "triaged"):
            answer = complaint["answered"]
            body = {"note": answer["note"], "outcome": answer.get("outcome")}
            if answer.get("at"):
                body["answered_at"] = str(answer["at"])
            self.platform.post("complaints", path + "/answer", body, role="desk")
            clue["status"] = "answered"
            self.progress.sent += 1
        if complaint.get("live"):
            self._reporter_follows(complaint, clue)

    def _filed_through_open311(self, complaint: dict[str, Any], ref: str) -> dict[str, Any]:
        """A parent files the complaint on the public endpoint and keeps the token; the desk registers the report
        under its reference (a report an earlier run filed but never registered is recognised in the inbox)."""
        inbox = self.platform.pages("complaints", "/v1/clues", role="desk",
                                    params={"status": "submitted", "category": complaint["category"]})
        # the same words in the same town (copies of a year in other counties, loaded at once, never match)
        waiting = [row for row in inbox
                   if row["description"] == complaint["description"] and row["town"] == complaint["town"]]
        token = None
        if waiting:
            clue_id = waiting[-1]["id"]  # the earliest received
        else:
            body = {"service_code": complaint["category"], "description": complaint["description"],
                    "address_string": complaint.get("address") or complaint["town"],
                    **{key: complaint["reporter"][key] for key in ("first_name", "last_name", "phone", "email")
                       if key in (complaint.get("reporter") or {})}}
            [filed] = self.platform.post("complaints", f"{OPEN311}/requests.json", body)
            token = filed["token"]
            [found] = self.platform.get("complaints", f"{OPEN311}/tokens/{token}.json")
            clue_id = found["service_request_id"]
        self.platform.post("complaints", f"/v1/clues/{clue_id}/register",
                           {"town": complaint["town"], "external_ref": ref}, role="desk")
        self.progress.sent += 1
        if self.on_filed is not None and complaint.get("referred"):
            self.on_filed(clue_id)
        return self.clues.setdefault(ref, {"id": clue_id, "status": "received", "external_ref": ref,
                                           "token": token, "satisfied": None})

    def _reporter_follows(self, complaint: dict[str, Any], clue: dict[str, Any]) -> None:
        """The reporter reads their request by token, and rates the answer (only who holds the token can)."""
        token = clue.get("token")
        if token is None:  # filed by an earlier run: its reporter already did what follows
            return
        [seen] = self.platform.get("complaints", f"{OPEN311}/requests/{clue['id']}.json")
        self.log(f"    {complaint['ref']} (Open311, token {token[:6]}…): {seen['status']}, {seen['status_notes']}")
        if complaint.get("rated") and clue["status"] == "answered" and clue.get("satisfied") is None:
            rating = {"satisfied": complaint["rated"]["satisfied"]}
            if complaint["rated"].get("note"):
                rating["note"] = complaint["rated"]["note"]
            self.platform.post("complaints", f"/v1/ratings/{token}", rating)
            clue["satisfied"] = rating["satisfied"]
            self.progress.sent += 1

    def _clue_tasks(self) -> dict[str, dict[str, Any]]:
        return {task["clue_id"]: task for task in self.platform.pages(
            "inspection", "/v1/tasks", params={"kind": "clue"}, role="supervisor") if task.get("clue_id")}

    def clue_inspections(self) -> None:
        """Staff each referred complaint's task with its named team, record what it found, open its case."""
        wanted = [c for c in self.scenario.complaints if c.get("inspection")]
        tasks = self._clue_tasks()
        missing = [c["ref"] for c in wanted if self.clues[self.ref(c["ref"])]["id"] not in tasks]
        if missing:
            raise RuntimeError(f"inspection made no task for the referred complaints {', '.join(missing)}")
        for complaint in wanted:
            self._inspect(complaint, tasks[self.clues[self.ref(complaint["ref"])]["id"]])

    def _inspect(self, complaint: dict[str, Any], task: dict[str, Any]) -> None:
        inspection = complaint["inspection"]
        team = [self.inspector_ids[self.ref(who)] for who in inspection["team"]]
        department = {i.ref: i.body["department"] for i in self.scenario.inspectors}[self.ref(inspection["team"][0])]
        if task["status"] == "open" and set(task["team"]) != set(team):
            task = self.platform.put("inspection", f"/v1/tasks/{task['id']}/team",
                                     {"inspectors": team, "planned_on": inspection["day"].isoformat()},
                                     role="supervisor")
            self.progress.sent += 1
        if task["status"] == "open":
            findings = inspection["findings"]
            answers = {item: "no" if item in findings else "yes" for item in CHECKLIST}
            task = self.platform.post("inspection", f"/v1/tasks/{task['id']}/result", {
                "inspected_on": inspection["day"].isoformat(), "inspectors_present": team,
                "outcome": inspection["outcome"], "findings": findings, "checklist_answers": answers},
                role="inspector", dept=department, sub=team[0])
        case = complaint.get("case")
        if case:
            self._case(complaint, case, task)

    def _case(self, complaint: dict[str, Any], plan: dict[str, Any], task: dict[str, Any]) -> None:
        body = {"summary": plan["summary"], "source_task_id": task["id"], "opened_on": plan["opened_on"].isoformat(),
                "external_ref": self.ref(complaint["ref"] + "-case")}
        if task.get("institution_id"):
            body["subject_kind"] = "institution"
        else:
            body |= {"subject_kind": "address", "address": plan.get("address") or complaint.get("address")}
        case = self.platform.post("inspection", "/v1/cases", body, role="supervisor")
        for sanction in plan["sanctions"][len(case["sanctions"]):]:
            decided = {"kind": sanction["kind"], "decided_on": sanction["day"].isoformat()}
            if "amount_fen" in sanction:
                decided["amount_fen"] = sanction["amount_fen"]
            if "deadline" in sanction:
                decided["deadline"] = sanction["deadline"].isoformat()
            case = self.platform.post("inspection", f"/v1/cases/{case['id']}/sanctions", decided, role="supervisor")
        if case["closed_on"] is None:
            self.platform.post("inspection", f"/v1/cases/{case['id']}/close",
                               {"decision": plan["decision"], "closed_on": plan["closed_on"].isoformat()},
                               role="supervisor")
            self.progress.sent += 1

    # -- rounds, draws and the drawn visits --------------------------------------------------------------
    def rounds(self) -> None:
        """Schedule each round, draw it once, and record every drawn visit as compliant on its team's day."""
        draws: dict[str, str] = {}  # draw id -> campaign ref
        for campaign in self.scenario.campaigns:
            campaign_id = self.campaign_ids[campaign.ref]
            existing = self.platform.get("inspection", f"/v1/campaigns/{campaign_id}/rounds",
                                         role="supervisor")["items"]
            for number, plan in enumerate(campaign.rounds, start=1):
                if number <= len(existing):
                    round_ = existing[number - 1]
                else:
                    round_ = self.platform.post("inspection", f"/v1/campaigns/{campaign_id}/rounds", {
                        "days": [day.isoformat() for day in plan.days], "teams_per_day": plan.teams_per_day,
                        "team_size": plan.team_size, "target_count": plan.target_count,
                        "team_departments": plan.team_departments, "scheduled_at": plan.scheduled_at.isoformat()},
                        role="supervisor")
                in_force = [d for d in self.platform.get("inspection", f"/v1/rounds/{round_['id']}/draws",
                                                         role="supervisor")["items"] if d["superseded_by"] is None]
                draw = in_force[0] if in_force else self.platform.post(
                    "inspection", f"/v1/rounds/{round_['id']}/draws", {"drawn_at": plan.drawn_at.isoformat()},
                    role="supervisor")
                draws[draw["id"]] = campaign.ref
        departments = {self.inspector_ids[i.ref]: i.body["department"] for i in self.scenario.inspectors}
        visits = [task for task in self.platform.pages("inspection", "/v1/tasks", params={"kind": "drawn"},
                                                       role="supervisor")
                  if task["draw_id"] in draws and task["status"] == "open"]
        self._each(lambda task: self._visit(task, departments), visits)

    def _visit(self, task: dict[str, Any], departments: dict[str, str]) -> None:
        reporter = task["team"][0]
        self.platform.post("inspection", f"/v1/tasks/{task['id']}/result", {
            "inspected_on": task["planned_on"], "inspectors_present": task["team"], "outcome": "compliant",
            "checklist_answers": dict.fromkeys(CHECKLIST, "yes")},
            role="inspector", dept=departments.get(reporter, "education"), sub=reporter)

    # -- closing the complaints --------------------------------------------------------------------------
    def closings(self) -> None:
        """Close the complaints the scenario closes, on their days, once their answer is in."""
        self._load_clues()
        for complaint in self.scenario.complaints:
            closing = complaint.get("closed")
            clue = self.clues[self.ref(complaint["ref"])]
            if not closing or clue["status"] == "closed":
                continue
            if complaint.get("referred") and clue["status"] != "answered":
                raise RuntimeError(f"complaint {complaint['ref']} is {clue['status']}: its inspection's answer "
                                   "has not reached the desk")
            body = {"outcome": closing["outcome"], "note": closing["note"]}
            if closing.get("at"):
                body["closed_at"] = str(closing["at"])
            self.platform.post("complaints", f"/v1/clues/{clue['id']}/close", body, role="desk")
            self.progress.sent += 1
