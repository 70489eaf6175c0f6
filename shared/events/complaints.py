"""Contracts of the events complaints publishes: clues and how they were handled.

No contract here has a field for the reporter: name, phone, email and ID number stay in the complaints
service, never on the bus (ARCHITECTURE.md). A test keeps it that way.
"""

from __future__ import annotations

from marshmallow import Schema, validate

from shared.events.contract import declare
from shared.events.vocabulary import (
    CLUE_CATEGORIES,
    CLUE_CHANNELS,
    CLUE_OUTCOMES,
    CLUE_PRIORITIES,
    DEPARTMENTS,
    Flag,
    choice,
    day,
    flag,
    identifier,
    moment,
    text,
)


def _clue_id() -> object:
    return identifier("The clue (the CloudEvents subject).")


def _category() -> object:
    return choice(CLUE_CATEGORIES, "What the complaint is about.")


class ClueReceivedSchema(Schema):
    clue_id = _clue_id()
    category = _category()
    channel = choice(CLUE_CHANNELS, "How the complaint came in.")
    town = text("The town (grid) concerned.", max_length=100)
    institution_id = identifier("The registry's institution the clue was matched to, or null.", nullable=True)
    received_at = moment("When the complaint was received (may be in the past for paper records).")
    due_on = day("Deadline for an answer (working days, official calendar).")


declare(
    type="complaints.clue.received",
    schema=ClueReceivedSchema,
    consumers=("reporting",),
    summary="The complaints desk received a complaint (the reporter's identity never leaves the desk).",
    summary_zh="投诉举报受理（举报人身份信息不出投诉服务）。",
    example={
        "clue_id": "01HZ3E4F5G6H7J8K9M0N1P2Q3R",
        "category": "hidden_tutoring",
        "channel": "hotline",
        "town": "龙头镇",
        "institution_id": None,
        "received_at": "2021-07-15T10:24:00+08:00",
        "due_on": "2021-07-29",
    },
)


class ClueReferredSchema(Schema):
    clue_id = _clue_id()
    category = _category()
    institution_id = identifier("The registry's institution concerned, or null.", nullable=True)
    place = text("Where to inspect, as a place (e.g. a residential compound and building), never a person; "
                 "or null.", nullable=True)
    town = text("The town (grid) concerned.", max_length=100)
    department = choice(DEPARTMENTS, "The department responsible.")
    priority = choice(CLUE_PRIORITIES, "How urgent the inspection is.")
    due_on = day("Inspect and report back by this date.")
    # added in v1 (additive): the day it was referred, which a paper record entered later keeps
    referred_on = day("The day the clue was referred (absent from events published before this field).",
                      required=False)


declare(
    type="complaints.clue.referred",
    schema=ClueReferredSchema,
    consumers=("inspection", "reporting"),
    # the desk and the supervisor wait for the task: it must not queue behind the registry's bulk
    interactive_for=("inspection",),
    summary="A clue was referred to a department for a targeted inspection with a deadline.",
    summary_zh="线索转交相关部门开展定向检查，并设定办理期限。",
    example={
        "clue_id": "01HZ3E4F5G6H7J8K9M0N1P2Q3R",
        "category": "hidden_tutoring",
        "institution_id": None,
        "place": "龙头镇锦绣花园小区3号楼",
        "town": "龙头镇",
        "department": "education",
        "priority": "urgent",
        "due_on": "2021-07-22",
        "referred_on": "2021-07-08",
    },
)

_HANDLED = [
    ("answered", "The reporter was given an answer.", "已答复举报人。", True),
    ("closed", "The clue was closed.", "线索办结。", True),
    ("overdue", "The clue passed its deadline unanswered (`on_time` is always false).", "线索逾期未办结。",
     False),
]

for _what, _summary, _summary_zh, _can_be_on_time in _HANDLED:
    _schema = Schema.from_dict(
        {
            "clue_id": _clue_id(),
            "category": _category(),
            "outcome": choice(CLUE_OUTCOMES, "What the handling found, or null when there is no finding yet.",
                              nullable=True),
            "on_time": flag("Answered or closed by its deadline (working days, official calendar).")
            if _can_be_on_time
            else Flag(required=True, validate=validate.Equal(False),
                      metadata={"description": "Always false: the deadline passed."}),
            "at": moment("When it happened."),
        },
        name=f"Clue{_what.title()}Schema",
    )
    declare(
        type=f"complaints.clue.{_what}",
        schema=_schema,
        consumers=("reporting",),
        summary=_summary,
        summary_zh=_summary_zh,
        example={
            "clue_id": "01HZ3E4F5G6H7J8K9M0N1P2Q3R",
            "category": "hidden_tutoring",
            "outcome": "substantiated" if _can_be_on_time else None,
            "on_time": _can_be_on_time,
            "at": "2021-07-21T16:05:00+08:00",
        },
    )


class ClueRatedSchema(Schema):
    clue_id = _clue_id()
    category = _category()
    satisfied = flag("Whether the reporter was satisfied with the answer (the desk's 回访).")
    at = moment("When the reporter rated it.")


declare(
    type="complaints.clue.rated",
    schema=ClueRatedSchema,
    consumers=("reporting",),
    summary="The reporter rated the answer: satisfied or not (their note stays with the desk).",
    summary_zh="举报人对答复作出评价：满意或不满意（评价意见留在投诉服务）。",
    example={
        "clue_id": "01HZ3E4F5G6H7J8K9M0N1P2Q3R",
        "category": "hidden_tutoring",
        "satisfied": True,
        "at": "2021-07-23T09:12:00+08:00",
    },
)
