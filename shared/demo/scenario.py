"""A scenario file: what a county did in a year, read, checked and expanded into the records to enter.

Institutions come in groups (how many, which category, the lifecycle steps each took and when); the runner
gives each one a name, a valid unified social credit code (its `external_ref`), an address and a phone,
the same every time. Inspectors come as counts per department. Campaigns list their rounds. Complaints are
listed one by one with what became of them: answered by the desk, or referred and inspected by a named team
on a named day, the inspection's outcome and the case it opened. Complaints from paper registers carry the
moment they were received and go through the desk's API; `live` ones come in while the demo runs, through the
public Open311 endpoint as a parent files them (with the token they keep), and everything done with them is
dated by the platform's clock. Holiday campaigns are generated from the official calendar. Every outcome that
changes the registry's books comes from a complaint's inspection or a lifecycle step, never from which targets
a draw picked, so the summary does not depend on the servers' seeds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import marshmallow as ma
import yaml
from marshmallow import validate

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015: no I, O, Z, S, V
DEPARTMENTS = ("education", "civil_affairs", "market_regulation", "culture_tourism", "fire", "urban_management",
               "public_security")
ACTIONS = ("start_review", "license", "order_rectification", "close", "convert")
OUTCOMES = ("compliant", "rectification_ordered", "violation")
SANCTIONS = ("warning", "rectification_order", "fine", "ban")
# what the names are made of: a brand, the town's short name and a word for the kind of school
BRANDS = ("启明", "博雅", "英才", "育才", "智慧树", "未来星", "童心", "晨曦", "书香", "睿智", "优学", "卓越", "金钥匙",
          "阳光", "春晖", "明德", "致远", "思源", "新航道", "青苗", "求是", "弘毅", "知行", "星火", "朝阳", "海燕",
          "百川", "立德", "彩虹", "乐学", "天骄", "博学", "精英", "蓝天", "华章", "锦程", "青藤", "墨香", "满天星",
          "鸿鹄")
SCHOOL_WORDS = {"discipline": "学科培训学校", "arts": "艺术培训中心", "sports": "体育培训中心",
                "science_technology": "科技培训中心", "language": "语言培训中心"}
SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
            "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
            "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")
GIVEN = ("建国", "海涛", "丽娟", "志强", "秀英", "晓明", "红梅", "永刚", "静", "磊", "敏", "军", "婷", "伟", "芳",
         "勇", "娜", "杰", "霞", "平", "刚", "燕", "辉", "玲", "斌", "华", "鹏", "倩", "涛", "艳")
STREETS = ("文化路", "建设路", "人民路", "东大街", "西大街", "南环路", "北环路", "滨江路", "朝阳路", "育才路", "振兴路",
           "桔园路", "三合路", "汉江路", "迎宾路")


class _TextLoader(yaml.SafeLoader):
    """safe_load without timestamp guessing: dates stay text for the schema to read (and to refuse)."""


_TextLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


class ScenarioError(ValueError):
    """The scenario file cannot be read or says something impossible; the message names the place."""


class _Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


class StepSchema(_Strict):
    """One lifecycle step, the day it happened, and what it needs."""

    action = ma.fields.String(required=True, validate=validate.OneOf(ACTIONS))
    day = ma.fields.Date(required=True)
    reason = ma.fields.String()
    deadline = ma.fields.Date()
    subject_group = ma.fields.String()
    licence = ma.fields.Dict()  # {prefix, valid_until, registration_kind}


class GroupSchema(_Strict):
    """Institutions that went the same way."""

    key = ma.fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9-]+$"))
    label = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100_000))
    category = ma.fields.String(required=True, validate=validate.OneOf(("discipline", "non_discipline")))
    subject_groups = ma.fields.List(ma.fields.String(), required=True, validate=validate.Length(min=1))
    audience = ma.fields.List(ma.fields.String(), required=True, validate=validate.Length(min=1))
    registered_on = ma.fields.Date(required=True)
    state = ma.fields.String(load_default="stock", validate=validate.OneOf(("stock", "under_review")))
    steps = ma.fields.List(ma.fields.Nested(StepSchema), load_default=list)


class InspectionSchema(_Strict):
    """A complaint's targeted inspection: the named team, the day, what it found."""

    day = ma.fields.Date(required=True)
    team = ma.fields.List(ma.fields.String(), required=True, validate=validate.Length(min=2))
    outcome = ma.fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    findings = ma.fields.List(ma.fields.String(), load_default=list)


class SanctionSchema(_Strict):
    """A sanction decided in a case."""

    kind = ma.fields.String(required=True, validate=validate.OneOf(SANCTIONS))
    day = ma.fields.Date(required=True)
    amount_fen = ma.fields.Integer(strict=True)
    deadline = ma.fields.Date()


class CaseSchema(_Strict):
    """The case an inspection's violation opened, its sanctions and how it closed."""

    opened_on = ma.fields.Date(required=True)
    summary = ma.fields.String(required=True)
    address = ma.fields.String()
    sanctions = ma.fields.List(ma.fields.Nested(SanctionSchema), required=True, validate=validate.Length(min=1))
    closed_on = ma.fields.Date(required=True)
    decision = ma.fields.String(required=True)


class ComplaintSchema(_Strict):
    """One complaint and what became of it."""

    ref = ma.fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9-]+$"))
    received_at = ma.fields.DateTime(metadata={"description": "When the desk received it; none for a live one."})
    live = ma.fields.Boolean(load_default=False, metadata={
        "description": "Filed through Open311 while the demo runs (the platform's now), not from a register."})
    reporter = ma.fields.Dict()  # a live complaint's reporter: {first_name, phone}
    rated = ma.fields.Dict()  # a live complaint's rating by its reporter: {satisfied, note}
    channel = ma.fields.String(load_default="web_form")
    category = ma.fields.String(required=True)
    description = ma.fields.String(required=True)
    town = ma.fields.String(metadata={"description": "Where; a complaint naming an institution is in its town."})
    address = ma.fields.String()
    institution = ma.fields.String(metadata={"description": "`group-key#n`: the n-th (from 1) of a group."})
    answered = ma.fields.Dict()  # the desk's own answer: {at, outcome, note}
    referred = ma.fields.Dict()  # {priority, place, reason}
    inspection = ma.fields.Nested(InspectionSchema)
    case = ma.fields.Nested(CaseSchema)
    closed = ma.fields.Dict()  # {at, outcome, note}


class CampaignSchema(_Strict):
    """A campaign and its rounds."""

    ref = ma.fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9-]+$"))
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, validate=validate.OneOf(("routine", "holiday", "special")))
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    launched_at = ma.fields.NaiveDateTime(metadata={"description": "Default: 09:00 a week before it starts."})
    departments = ma.fields.List(ma.fields.String(validate=validate.OneOf(DEPARTMENTS)), required=True)
    rounds = ma.fields.List(ma.fields.Dict(), load_default=list)


class HolidayCampaignSchema(_Strict):
    """A holiday campaign generated from the official calendar: its reminder goes to the institutions."""

    ref = ma.fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9-]+$"))
    name = ma.fields.String(required=True)
    holiday = ma.fields.String(required=True)
    year = ma.fields.Integer(required=True, strict=True)
    launched_at = ma.fields.NaiveDateTime(required=True)
    departments = ma.fields.List(ma.fields.String(validate=validate.OneOf(DEPARTMENTS)), required=True)
    teams_per_day = ma.fields.Integer(load_default=1, strict=True)
    team_size = ma.fields.Integer(load_default=2, strict=True)
    target_count = ma.fields.Integer(strict=True)


class ScenarioSchema(_Strict):
    """The whole file."""

    version = ma.fields.Integer(required=True, validate=validate.Equal(1))
    county = ma.fields.String(required=True, validate=validate.Regexp(r"^[0-9]{6}$"))
    name = ma.fields.String(required=True)
    ref = ma.fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9]+$"))
    towns = ma.fields.List(ma.fields.String(), required=True, validate=validate.Length(min=1))
    institutions = ma.fields.List(ma.fields.Nested(GroupSchema), required=True)
    inspectors = ma.fields.Dict(keys=ma.fields.String(validate=validate.OneOf(DEPARTMENTS)),
                                values=ma.fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000)),
                                required=True)
    # an inspector's sign-in account (the identity provider's subject), by the inspector's name: education-01
    accounts = ma.fields.Dict(keys=ma.fields.String(validate=validate.Regexp(r"^[a-z_]+-[0-9]{2,}$")),
                              values=ma.fields.String(validate=validate.Length(min=1, max=200)), load_default=dict)
    campaigns = ma.fields.List(ma.fields.Nested(CampaignSchema), required=True)
    holiday_campaigns = ma.fields.List(ma.fields.Nested(HolidayCampaignSchema), load_default=list)
    complaints = ma.fields.List(ma.fields.Nested(ComplaintSchema), load_default=list)
    expected = ma.fields.Dict(load_default=dict)


@dataclass
class Institution:
    """One institution to register and take through its steps."""

    ref: str  # its credit code: the registry's own key
    group: str
    body: dict[str, Any]
    steps: list[dict[str, Any]]


@dataclass
class Inspector:
    """One inspector to add."""

    ref: str
    body: dict[str, Any]


@dataclass
class Round:
    """One round to schedule, draw and inspect: every drawn visit is compliant."""

    days: list[dt.date]
    teams_per_day: int
    team_size: int
    target_count: int
    team_departments: dict[str, int] = field(default_factory=dict)
    scheduled_at: dt.datetime | None = None  # a week before its first duty day (not before the campaign's launch)
    drawn_at: dt.datetime | None = None  # 16:00 the day before its first duty day


@dataclass
class Campaign:
    """A campaign to launch and its rounds."""

    ref: str
    body: dict[str, Any]
    rounds: list[Round]


@dataclass
class Scenario:
    """A county's year, every record spelled out."""

    path: Path
    county: str
    name: str
    ref: str
    towns: list[str]
    institutions: list[Institution]
    inspectors: list[Inspector]
    campaigns: list[Campaign]
    holiday_campaigns: list[Campaign]
    complaints: list[dict[str, Any]]
    expected: dict[str, Any]

    def institution(self, pointer: str) -> Institution:
        """`group#n`: the n-th institution of a group, counted from 1."""
        key, _, number = pointer.partition("#")
        members = [i for i in self.institutions if i.group == key]
        if not number.isdigit() or not 1 <= int(number) <= len(members):
            raise ScenarioError(f"{self.path}: no institution {pointer!r} (group {key!r} has {len(members)})")
        return members[int(number) - 1]


def credit_code(authority_and_type: str, division: str, serial: str) -> str:
    """A unified social credit code with its GB 32100-2015 check character."""
    first17 = f"{authority_and_type}{division}{serial}"
    total = sum(CREDIT_CHARSET.index(char) * pow(3, i, 31) for i, char in enumerate(first17))
    return first17 + CREDIT_CHARSET[(31 - total % 31) % 31]


def _short(town: str) -> str:
    return town.removesuffix("街道").removesuffix("镇").removesuffix("乡")


def _institutions(data: dict[str, Any]) -> list[Institution]:
    towns, county, found, names = data["towns"], data["county"], [], set()
    serial = 0
    for group in data["institutions"]:
        for n in range(group["count"]):
            serial += 1
            town = towns[(serial * 7) % len(towns)]
            subject = group["subject_groups"][n % len(group["subject_groups"])]
            word = SCHOOL_WORDS["discipline" if group["category"] == "discipline" else subject]
            brand = serial
            while (name := f"{_short(town)}{BRANDS[brand % len(BRANDS)]}{word}") in names:
                brand += 1
            names.add(name)
            if group["category"] == "discipline":  # a private non-enterprise unit (civil affairs)
                code = credit_code("52", county, f"MJ{serial:07d}")
            else:  # a company (market regulation)
                code = credit_code("91", county, f"MA{serial:07d}")
            person = SURNAMES[(serial * 13) % len(SURNAMES)] + GIVEN[(serial * 7) % len(GIVEN)]
            body = {"name": name, "credit_code": code, "division_code": county, "town": town,
                    "address": f"{data['name']}{town}{STREETS[serial % len(STREETS)]}{serial % 97 + 1}号",
                    "category": group["category"], "subject_group": subject, "audience": group["audience"],
                    "contact_phone": f"0916-{7200000 + serial * 37 % 99999:07d}", "legal_representative": person,
                    "state": group["state"], "occurred_on": group["registered_on"].isoformat()}
            found.append(Institution(code, group["key"], body, [_step(s, code, serial) for s in group["steps"]]))
    return found


def _step(step: dict[str, Any], code: str, serial: int) -> dict[str, Any]:
    data: dict[str, Any] = {"occurred_on": step["day"].isoformat()}
    for key in ("reason", "subject_group"):
        if key in step:
            data[key] = step[key]
    if "deadline" in step:
        data["deadline"] = step["deadline"].isoformat()
    if step["action"] == "license":
        licence = step.get("licence") or {}
        until = str(licence.get("valid_until", "2028-12-31"))
        half = {"issued_on": data["occurred_on"], "valid_until": until}
        data["licence"] = {
            "school_running_licence": {"number": f"{licence.get('prefix', '教民')}{serial:05d}号", **half},
            "registration": {"number": code, "kind": licence.get("registration_kind", "registration_certificate"),
                             **half}}
    return {"action": step["action"], "data": data}


def _inspectors(data: dict[str, Any], where: str) -> list[Inspector]:
    found = []
    for department, count in data["inspectors"].items():
        for n in range(1, count + 1):
            ref = f"{data['ref']}-{department}-{n:02d}"
            k = len(found) + 1
            account = {"account": data["accounts"][name]} if (name := f"{department}-{n:02d}") in data["accounts"] \
                else {}
            found.append(Inspector(ref, {
                "name": SURNAMES[(k * 11 + 3) % len(SURNAMES)] + GIVEN[(k * 5 + 1) % len(GIVEN)],
                "department": department, "certificate_no": f"陕{data['county']}执{k:05d}",
                "towns": data["towns"], "external_ref": ref, **account}))
    named = {i.ref.removeprefix(f"{data['ref']}-") for i in found}
    if unknown := sorted(set(data["accounts"]) - named):
        raise ScenarioError(f"{where}: accounts for no inspector: {', '.join(unknown)}")
    return found


def _campaigns(data: dict[str, Any], where: str) -> list[Campaign]:
    found = []
    for campaign in data["campaigns"]:
        rounds = []
        launched = campaign.get("launched_at") or _at(campaign["starts_on"] - dt.timedelta(days=7), 9)
        for n, raw in enumerate(campaign["rounds"], start=1):
            try:
                days = [dt.date.fromisoformat(str(d)) for d in raw["days"]]
                teams, size = int(raw.get("teams_per_day", 1)), int(raw["team_size"])
                rounds.append(Round(days, teams, size, int(raw.get("target_count", len(days) * teams)),
                                    dict(raw.get("team_departments", {})),
                                    scheduled_at=max(launched, _at(days[0] - dt.timedelta(days=7), 9)),
                                    drawn_at=_at(days[0] - dt.timedelta(days=1), 16)))
            except (KeyError, TypeError, ValueError) as exc:
                raise ScenarioError(f"{where}: campaign {campaign['ref']} round {n}: {exc}") from exc
        body = {"name": campaign["name"], "kind": campaign["kind"], "starts_on": campaign["starts_on"].isoformat(),
                "ends_on": campaign["ends_on"].isoformat(), "towns": data["towns"],
                "departments": campaign["departments"], "external_ref": f"{data['ref']}-{campaign['ref']}",
                "launched_at": launched.isoformat()}
        if rounds:  # a campaign not held in rounds (the routine mechanism) leaves the count out
            body["rounds"] = len(rounds)
        found.append(Campaign(campaign["ref"], body, rounds))
    return found


def _at(day: dt.date, hour: int) -> dt.datetime:
    """A moment of a day in the county's time (sent without an offset: the services read it as Asia/Shanghai)."""
    return dt.datetime.combine(day, dt.time(hour))


def _holiday_campaigns(data: dict[str, Any]) -> list[Campaign]:
    """Each holiday campaign's request to generate it (its rounds come from the calendar and stay undrawn)."""
    found = []
    for campaign in data["holiday_campaigns"]:
        body = {key: campaign[key] for key in ("name", "holiday", "year", "departments", "teams_per_day",
                                               "team_size", "target_count") if key in campaign}
        body |= {"towns": data["towns"], "external_ref": f"{data['ref']}-{campaign['ref']}",
                 "launched_at": campaign["launched_at"].isoformat()}
        found.append(Campaign(campaign["ref"], body, []))
    return found


def _check_live(complaint: dict[str, Any], where: str) -> None:
    """A live complaint happens now: nothing in it may carry a date, and its inspection is the future's."""
    if complaint.get("live"):
        dated = [key for key in ("received_at", "inspection", "case") if complaint.get(key)]
        dated += [f"{key}.at" for key in ("referred", "answered", "closed") if (complaint.get(key) or {}).get("at")]
        if dated:
            raise ScenarioError(f"{where}: a live complaint happens at the platform's now: no {', '.join(dated)}")
    elif complaint.get("received_at") is None:
        raise ScenarioError(f"{where}: received_at is required (or live: true)")
    elif complaint.get("rated"):
        raise ScenarioError(f"{where}: only a live complaint's reporter holds a token to rate it with")


def _check(scenario: Scenario) -> None:
    """What would make the year come out differently from run to run, refused before anything is sent."""
    duty_days = {day for c in scenario.campaigns for r in c.rounds for day in r.days}
    inspectors = {i.ref.removeprefix(f"{scenario.ref}-") for i in scenario.inspectors}
    for complaint in scenario.complaints:
        where = f"{scenario.path}: complaint {complaint['ref']}"
        _check_live(complaint, where)
        if complaint.get("institution"):  # about an institution: where it is
            complaint["town"] = scenario.institution(complaint["institution"]).body["town"]
        if complaint.get("town") not in scenario.towns:
            raise ScenarioError(f"{where}: {complaint.get('town')!r} is not one of the scenario's towns")
        inspection = complaint.get("inspection")
        if inspection is None:
            if complaint.get("case"):
                raise ScenarioError(f"{where}: a case comes from an inspection")
            continue
        if not complaint.get("referred"):
            raise ScenarioError(f"{where}: an inspection needs the complaint referred")
        # a drawn team's members change with the servers' seeds: a named team never inspects on a duty day
        if inspection["day"] in duty_days:
            raise ScenarioError(f"{where}: {inspection['day']} is a duty day of a round; inspect on another day")
        unknown = [who for who in inspection["team"] if who not in inspectors]
        if unknown:
            raise ScenarioError(f"{where}: no inspector {', '.join(unknown)} (names are <department>-<nn>)")
        if complaint.get("case") and inspection["outcome"] != "violation":
            raise ScenarioError(f"{where}: a case is opened on a violation only")


def load(path: str | Path) -> Scenario:
    """Read a scenario file, check it and spell out every record; ScenarioError names what is wrong."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_TextLoader)  # noqa: S506 (a safe loader)
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: {exc}") from exc
    try:
        data = ScenarioSchema().load(raw if isinstance(raw, dict) else {})
    except ma.ValidationError as exc:
        raise ScenarioError(f"{path}: {exc.messages}") from exc
    scenario = Scenario(path=path, county=data["county"], name=data["name"], ref=data["ref"], towns=data["towns"],
                        institutions=_institutions(data), inspectors=_inspectors(data, str(path)),
                        campaigns=_campaigns(data, str(path)), holiday_campaigns=_holiday_campaigns(data),
                        complaints=data["complaints"],
                        expected=data["expected"])
    _check(scenario)
    return scenario
