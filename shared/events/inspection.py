"""Contracts of the events inspection publishes: campaigns, draws, tasks, cases and sanctions."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, validates_schema

from shared.events.contract import declare
from shared.events.vocabulary import (
    CAMPAIGN_KINDS,
    DEPARTMENTS,
    SANCTION_KINDS,
    SUBJECT_KINDS,
    TASK_OUTCOMES,
    choice,
    count,
    day,
    fen,
    flag,
    identifier,
    many,
    moment,
    text,
)


def _towns(description: str) -> Any:
    return many(text("A town (grid).", max_length=100), description, min_items=1)


def _departments(description: str) -> Any:
    return many(choice(DEPARTMENTS, "A department."), description, min_items=1)


class CampaignLaunchedSchema(Schema):
    campaign_id = identifier("The campaign (the CloudEvents subject).")
    name = text("The campaign's name.", max_length=200)
    kind = choice(CAMPAIGN_KINDS, "`routine` (the year-long joint mechanism), `holiday` or `special`.")
    starts_on = day("First day of the campaign.")
    ends_on = day("Last day of the campaign (on or after `starts_on`).")
    rounds = count("Rounds of duty inspections planned (0 when not planned in rounds).")
    towns = _towns("Towns (grids) the campaign covers.")
    departments = _departments("Departments taking part.")

    @validates_schema
    def _ends_after_it_starts(self, data: dict[str, Any], **_: Any) -> None:
        if data["ends_on"] < data["starts_on"]:
            raise ValidationError("A campaign cannot end before it starts.", field_name="ends_on")


declare(
    type="inspection.campaign.launched",
    schema=CampaignLaunchedSchema,
    consumers=("reporting",),
    summary="A supervisor launched an inspection campaign (figures are reported per campaign).",
    summary_zh="督导部门启动一项检查行动（统计数据按行动汇总）。",
    example={
        "campaign_id": "01HZ0A1B2C3D4E5F6G7H8J9K0M",
        "name": "2021年暑期“监管护苗”专项行动",
        "kind": "special",
        "starts_on": "2021-07-10",
        "ends_on": "2021-08-28",
        "rounds": 6,
        "towns": ["博望街道", "龙头镇"],
        "departments": ["education", "market_regulation", "fire"],
    },
)


class CampaignReminderIssuedSchema(Schema):
    campaign_id = identifier("The campaign (the CloudEvents subject).")
    holiday = text("The holiday the reminder is about, e.g. `劳动节` (May Day).", max_length=100)
    remind_on = day("The day the reminder is issued for.")
    towns = _towns("Towns whose institutions are reminded.")


declare(
    type="inspection.campaign.reminder_issued",
    schema=CampaignReminderIssuedSchema,
    consumers=("registry", "reporting"),
    summary="A holiday reminder went out to every active institution in the campaign's towns.",
    summary_zh="节假日前向行动覆盖乡镇的全部在营机构发出提醒。",
    example={
        "campaign_id": "01HZ0A1B2C3D4E5F6G7H8J9K0M",
        "holiday": "劳动节",
        "remind_on": "2021-04-28",
        "towns": ["博望街道", "龙头镇"],
    },
)


class DrawPublishedSchema(Schema):
    draw_id = identifier("The draw (the CloudEvents subject).")
    campaign_id = identifier("The campaign the draw belongs to.")
    round = count("The round of the campaign this draw is for.", minimum=1)
    seed = text("The random seed; with the published inputs anyone can re-run the draw.", max_length=200)
    target_count = count("Institutions drawn for inspection.")
    team_count = count("Inspection teams drawn.")
    # added in v1 (additive): the commitments, so anyone can check the seed and inputs (docs/draw.md)
    seed_sha256 = text("SHA-256 of the seed, published when the round was scheduled (hex).", pattern=r"^[0-9a-f]{64}$",
                       max_length=64, required=False)
    inputs_sha256 = text("SHA-256 of the draw's recorded inputs in canonical JSON (hex).", pattern=r"^[0-9a-f]{64}$",
                         max_length=64, required=False)
    algorithm = text("The draw's algorithm and version: `offcampus-draw/3` now; draws made earlier keep `/1` or "
                     "`/2`, which docs/draw.md recomputes too.", max_length=40, required=False)
    # added in v1 (additive): when the draw was made, which a paper record entered later dates in the past
    drawn_at = moment("When the draw was made (before its round's duty days; published only after them).",
                      required=False)


declare(
    type="inspection.draw.published",
    schema=DrawPublishedSchema,
    consumers=("reporting",),
    summary="A \"double random\" draw of targets and inspectors was published, once its round's last day had passed "
            "(the visits are unannounced); reproducible from its seed and recorded inputs.",
    summary_zh="“双随机”抽取结果（检查对象与检查人员）已公开，可凭随机种子复现。",
    example={
        "draw_id": "01HZ1C2D3E4F5G6H7J8K9M0N1P",
        "campaign_id": "01HZ0A1B2C3D4E5F6G7H8J9K0M",
        "round": 1,
        "seed": "5f0c2b6a9e8d7c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b",
        "target_count": 8,
        "team_count": 4,
        "seed_sha256": "a74363a6cec88e88c20f6f8c2e5f48e93721f83ecf7c93cb46b9cd1c13664a18",
        "inputs_sha256": "9d2f0b8c0c7a4f7e1b7d3a1f5e2c6b9a8d4c3e2f1a0b9c8d7e6f5a4b3c2d1e0f",
        "algorithm": "offcampus-draw/3",
        "drawn_at": "2022-07-11T08:00:00+00:00",
    },
)


class TaskCompletedSchema(Schema):
    task_id = identifier("The inspection task, one visit to one site (the CloudEvents subject).")
    campaign_id = identifier("The campaign the inspection counts in.")
    round = count("The campaign round, or null for a clue-driven inspection outside any drawn round.",
                  minimum=1, nullable=True)
    institution_id = identifier("The registry's institution inspected, or null (unregistered site).",
                                nullable=True)
    town = text("The town (grid) of the site.", max_length=100)
    clue_id = identifier("The complaint clue that caused the inspection, or null.", nullable=True)
    inspected_on = day("The day of the visit.")
    inspector_ids = many(identifier("An inspector."), "Inspectors on the visit (each counts one person-time "
                         "per day).", min_items=1)
    departments = _departments("Departments that took part.")
    outcome = choice(TASK_OUTCOMES, "What the inspection found.")
    # added in v1 (additive): what was found, for open data and reports
    findings = many(text("A checklist item code that was not met, e.g. `fees_published`.", max_length=100),
                    "Checklist codes the inspection found not met (empty when compliant).", required=False)


declare(
    type="inspection.task.completed",
    schema=TaskCompletedSchema,
    consumers=("complaints", "registry", "reporting"),
    summary="An inspection visit was completed and its outcome recorded.",
    summary_zh="一次检查任务已完成并记录检查结果。",
    example={
        "task_id": "01HZ2D3E4F5G6H7J8K9M0N1P2Q",
        "campaign_id": "01HZ0A1B2C3D4E5F6G7H8J9K0M",
        "round": 1,
        "institution_id": "01HW8ZQ3V4N6P2K7T9R5M1X0AB",
        "town": "博望街道",
        "clue_id": None,
        "inspected_on": "2021-07-17",
        "inspector_ids": ["01HV0A7Q2R3S4T5V6W7X8Y9Z0A", "01HV0A7Q2R3S4T5V6W7X8Y9Z0B"],
        "departments": ["education", "fire"],
        "outcome": "rectification_ordered",
        "findings": ["fees_published", "fire_safety"],
    },
)


class CaseSchema(Schema):
    case_id = identifier("The case (立案查处; the CloudEvents subject).")
    institution_id = identifier("The registry's institution concerned, or null (a person or an address).",
                                nullable=True)
    subject_kind = choice(SUBJECT_KINDS, "Who or what the case is against.")
    town = text("The town (grid) concerned.", max_length=100)
    source_task_id = identifier("The inspection task that found it, or null.", nullable=True)
    source_clue_id = identifier("The complaint clue behind it, or null.", nullable=True)


_CASE_EXAMPLE = {
    "case_id": "01HX2B7C9D0E1F2G3H4J5K6M7N",
    "institution_id": None,
    "subject_kind": "address",
    "town": "龙头镇",
    "source_task_id": "01HZ2D3E4F5G6H7J8K9M0N1P2Q",
    "source_clue_id": "01HZ3E4F5G6H7J8K9M0N1P2Q3R",
}

declare(
    type="inspection.case.opened",
    schema=CaseSchema.from_dict({"on": day("The day the case was opened.")}, name="CaseOpenedSchema"),
    consumers=("reporting",),
    summary="A case was opened on an inspection's findings (it need not name a licensed institution).",
    summary_zh="根据检查发现立案查处（对象可以不是持证机构）。",
    example={**_CASE_EXAMPLE, "on": "2021-07-20"},
)

declare(
    type="inspection.case.closed",
    schema=CaseSchema.from_dict(
        {
            "on": day("The day the case was closed."),
            "punished": flag("Whether at least one sanction was imposed."),
        },
        name="CaseClosedSchema",
    ),
    consumers=("reporting",),
    summary="A case was closed, punished or not.",
    summary_zh="案件办结（是否予以处罚）。",
    example={**_CASE_EXAMPLE, "on": "2021-08-30", "punished": True},
)


class SanctionImposedSchema(Schema):
    case_id = identifier("The case (the CloudEvents subject).")
    institution_id = identifier("The registry's institution sanctioned, or null (a person or an address).",
                                nullable=True)
    kind = choice(SANCTION_KINDS, "The sanction: a `ban` is carried out by the registry.")
    amount_fen = fen("The fine, or null unless `kind` is `fine`", nullable=True)
    deadline = day("Rectify by this date, or null; required for a `rectification_order`.", nullable=True)
    decided_on = day("The day the sanction was decided.")

    @validates_schema
    def _amount_and_deadline_fit_the_kind(self, data: dict[str, Any], **_: Any) -> None:
        if data["kind"] == "fine" and not data["amount_fen"]:
            raise ValidationError("A fine needs a positive amount.", field_name="amount_fen")
        if data["kind"] != "fine" and data["amount_fen"] is not None:
            raise ValidationError("Only a fine has an amount.", field_name="amount_fen")
        if data["kind"] == "rectification_order" and data["deadline"] is None:
            raise ValidationError("An order to rectify needs a deadline.", field_name="deadline")


declare(
    type="inspection.case.sanction_imposed",
    schema=SanctionImposedSchema,
    consumers=("registry", "reporting"),
    summary="A sanction was decided in a case: warning, order to rectify, fine or ban.",
    summary_zh="案件作出处罚决定：警告、责令整改、罚款或取缔。",
    example={
        "case_id": "01HX2B7C9D0E1F2G3H4J5K6M7N",
        "institution_id": "01HW8ZQ3V4N6P2K7T9R5M1X0AB",
        "kind": "fine",
        "amount_fen": 2000000,
        "deadline": None,
        "decided_on": "2021-08-25",
    },
)
