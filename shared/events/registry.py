"""Contracts of the events the registry publishes: institutions, their lifecycle, filings, licences."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from shared.events.contract import declare
from shared.events.vocabulary import (
    CATEGORIES,
    INSTITUTION_STATES,
    LICENCE_KINDS,
    MODES,
    choice,
    count,
    day,
    fen,
    identifier,
    many,
    text,
)

EVERYONE_WHO_KEEPS_INSTITUTIONS = ("inspection", "complaints", "reporting")
CREDIT_CODE = r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
DIVISION_CODE = r"^[0-9]{6}$"


def _institution_id() -> fields.String:
    return identifier("The registry's id of the institution (the CloudEvents subject).")


def _name() -> fields.String:
    return text("The institution's registered name.", max_length=200)


def _division_code() -> fields.String:
    return text("6-digit administrative division code of the county (GB/T 2260).", pattern=DIVISION_CODE,
                max_length=6)


def _town() -> fields.String:
    return text("The town (grid) the institution is in.", max_length=100)


class InstitutionRegisteredSchema(Schema):
    institution_id = _institution_id()
    name = _name()
    credit_code = text(
        "Unified social credit code, 18 characters (GB 32100-2015; check character verified by the registry).",
        pattern=CREDIT_CODE,
        max_length=18,
    )
    division_code = _division_code()
    town = _town()
    address = text("The institution's premises (a business address, never a person's home).")
    category = choice(CATEGORIES, "Discipline tutoring for school subjects, or not.")
    subject_group = text("Subject group, e.g. `mathematics` or `arts` (for the guided price table).", max_length=100)
    state = choice(INSTITUTION_STATES, "State on registration: `stock` (on the books before re-examination) "
                   "or `under_review` (a new application).")
    occurred_on = day("When it happened (may be in the past for paper records); absent means the event time.",
                      required=False)
    # added in v1 (additive): the legal representative printed on the licence is public registration data and the
    # public board shows it, so inspection can keep an inspector with a declared conflict of interest with that
    # person off the institution. The registry has no way to change it after registration, so no other event
    # carries it.
    legal_representative = text("The legal representative (法定代表人) as registered and shown on the public board, or "
                                "null when none was recorded (absent from events published before this field).",
                                max_length=100, nullable=True, required=False)


declare(
    type="registry.institution.registered",
    schema=InstitutionRegisteredSchema,
    consumers=EVERYONE_WHO_KEEPS_INSTITUTIONS,
    summary="An institution was entered in the registry (on the books before re-examination, or newly applying).",
    summary_zh="一家校外培训机构被登记入册（整治前存量机构或新申请机构）。",
    example={
        "institution_id": "01HW8ZQ3V4N6P2K7T9R5M1X0AB",
        "name": "城固县启明文化培训学校",
        "credit_code": "52610722MJ2950121R",
        "division_code": "610722",
        "town": "博望街道",
        "address": "城固县博望街道文化路12号",
        "category": "discipline",
        "subject_group": "mathematics",
        "state": "stock",
        "occurred_on": "2021-08-02",
        "legal_representative": "王启明",
    },
)


class InstitutionTransitionSchema(Schema):
    """What every lifecycle event of an institution carries; each type adds its own fields."""

    institution_id = _institution_id()
    name = _name()
    division_code = _division_code()
    town = _town()
    category = choice(CATEGORIES, "The institution's category after the transition (`non_discipline` once "
                      "converted).")
    from_state = choice(INSTITUTION_STATES, "State before the transition.")
    occurred_on = day("When it happened (may be in the past for paper records).")
    reason = text("Why, in the clerk's words (no personal data of a reporter), or null.", max_length=2000,
                  nullable=True)


# (what happened, state reached, extra fields, English summary, Chinese summary, extra example values)
_TRANSITIONS: list[tuple[str, str, dict[str, Any], str, str, dict[str, Any]]] = [
    ("review_started", "under_review", {},
     "Re-examination of an institution began.", "机构进入复核审查。", {"from_state": "stock"}),
    ("licensed", "licensed",
     {"licence_valid_until": day("The licence is valid until this date (the earlier of its two halves), or "
                                 "null when not recorded.", nullable=True)},
     "An institution was licensed (school-running licence and registration/business licence issued).",
     "机构取得办学许可，准予办学。",
     {"from_state": "under_review", "licence_valid_until": "2026-08-31"}),
    ("rectification_ordered", "rectification",
     {"deadline": day("The institution must have rectified by this date.")},
     "An institution was ordered to rectify by a deadline.", "机构被责令限期整改。",
     {"from_state": "under_review", "deadline": "2021-10-15", "reason": "消防通道堵塞，教师资格证不全"}),
    ("rectification_overdue", "rectification",
     {"deadline": day("The deadline that passed.")},
     "An institution's rectification deadline passed without it being licensed or banned.",
     "机构整改逾期未完成。",
     {"from_state": "rectification", "deadline": "2021-10-15"}),
    ("banned", "banned",
     {"case_id": identifier("The inspection case behind the ban, or null when the registry banned it on its "
                            "own decision.", nullable=True),
      # added in v1 (additive): a ban decided on paper before the platform names its decision
      "document_number": text("The number of the decision behind a ban decided on paper before the platform "
                              "(e.g. 城教罚决字〔2021〕3号), or null when an inspection case banned it (absent from "
                              "events published before this field).", max_length=100, nullable=True,
                              required=False)},
     "An institution was banned (whatever caused it: one ban is one event).", "机构被依法取缔。",
     {"from_state": "rectification", "case_id": "01HX2B7C9D0E1F2G3H4J5K6M7N", "document_number": None,
      "reason": "逾期未整改，继续违规培训"}),
    ("closed", "closed", {},
     "An institution closed voluntarily or was deregistered.", "机构自行停办或注销。",
     {"from_state": "licensed", "reason": "举办者申请注销"}),
    ("converted", "converted", {},
     "A discipline institution converted to non-discipline training (arts, sports, science & technology).",
     "学科类机构转型为非学科类机构（文体艺术、科技等）。",
     {"from_state": "licensed", "category": "non_discipline", "reason": "转型为科技类培训"}),
]

# Every lifecycle change of an institution, each published as `registry.institution.<change>`: what a
# service keeping institutions subscribes to besides `registry.institution.registered`.
INSTITUTION_CHANGES = tuple(what for what, *_ in _TRANSITIONS)
INSTITUTION_CHANGED = tuple(f"registry.institution.{what}" for what in INSTITUTION_CHANGES)

_BASE_EXAMPLE = {
    "institution_id": "01HW8ZQ3V4N6P2K7T9R5M1X0AB",
    "name": "城固县启明文化培训学校",
    "division_code": "610722",
    "town": "博望街道",
    "category": "discipline",
    "occurred_on": "2021-09-10",
    "reason": None,
}

for _what, _state, _extra, _summary, _summary_zh, _example in _TRANSITIONS:
    _schema = InstitutionTransitionSchema.from_dict(
        {"to_state": choice((_state,), f"State reached: always `{_state}`."), **_extra},
        name="Institution" + "".join(part.title() for part in _what.split("_")) + "Schema",
    )
    declare(
        type=f"registry.institution.{_what}",
        schema=_schema,
        consumers=EVERYONE_WHO_KEEPS_INSTITUTIONS,
        summary=_summary,
        summary_zh=_summary_zh,
        example={**_BASE_EXAMPLE, "to_state": _state, **_example},
    )


class FiledTeacherSchema(Schema):
    """A teacher exactly as the public board shows them: the name and the qualification certificate number."""

    name = text("The teacher's name, as filed and shown on the public board.", max_length=100)
    qualification_certificate_no = text("The teacher qualification certificate number as the board shows it, or "
                                        "null when none was filed.", max_length=50, nullable=True)


class FilingPublishedSchema(Schema):
    institution_id = _institution_id()
    filing_id = identifier("The accepted filing, which supersedes the institution's previous one.")
    subjects = many(text("A subject taught.", max_length=100), "Subjects taught, as filed.", min_items=1)
    teacher_count = count("Number of teachers filed.")
    max_price_per_hour_fen = fen("Highest price per class hour among the filed fee items")
    modes = many(choice(MODES, "A way of teaching."), "Offline and/or online classes.", min_items=1)
    # added in v1 (additive): the teachers the board shows, so inspection can keep an inspector with a declared
    # conflict of interest with one of them off the institution. Only what the public board already shows.
    teachers = many(fields.Nested(FiledTeacherSchema, required=True),
                    "The filing's teachers as the public board shows them (absent from events published before "
                    "this field).", required=False)


declare(
    type="registry.filing.published",
    schema=FilingPublishedSchema,
    aggregate="institution",
    consumers=("inspection", "reporting"),
    summary="A licensed institution's filing passed every rule and is now on the public board "
            "(it supersedes the previous one; the subject is the institution).",
    summary_zh="持证机构的备案通过全部规则校验并在公示平台公开（取代上一份备案；事件主体为机构）。",
    example={
        "institution_id": "01HW8ZQ3V4N6P2K7T9R5M1X0AB",
        "filing_id": "01HY4D5E6F7G8H9J0K1M2N3P4Q",
        "subjects": ["数学", "英语"],
        "teacher_count": 2,
        "max_price_per_hour_fen": 4500,
        "modes": ["offline"],
        "teachers": [{"name": "李明", "qualification_certificate_no": "20196107222000123"},
                     {"name": "王芳", "qualification_certificate_no": None}],
    },
)


class LicenceExpiringSchema(Schema):
    institution_id = _institution_id()
    name = _name()
    town = _town()
    kind = choice(LICENCE_KINDS, "Which half of the licence is expiring.")
    number = text("The licence or certificate number.", max_length=100)
    valid_until = day("The last day it is valid.")


declare(
    type="registry.licence.expiring",
    schema=LicenceExpiringSchema,
    aggregate="institution",
    # Reporting counts the reminders (the summary's licence_reminders); integrators (an institution app, an
    # SMS gateway) may bind to it too.
    consumers=("reporting",),
    summary="One half of an institution's licence expires within 30 days (a reminder; the subject is the "
            "institution).",
    summary_zh="机构证照（办学许可证或登记证书/营业执照）将在30天内到期（提醒；事件主体为机构）。",
    example={
        "institution_id": "01HW8ZQ3V4N6P2K7T9R5M1X0AB",
        "name": "城固县启明文化培训学校",
        "town": "博望街道",
        "kind": "school_running_licence",
        "number": "教民161072270000123号",
        "valid_until": "2024-08-31",
    },
)
