"""The published language's vocabulary: enumerations and the field types every contract is made of.

Fields are strict on purpose: an event is JSON that other departments' systems read, so a value that only
looks right (`"12"` for 12, `"yes"` for true, `12.5` fen, a date-time where a date belongs) is refused at
the publisher instead of surprising a consumer later.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from marshmallow import fields, validate

CATEGORIES = ("discipline", "non_discipline")
INSTITUTION_STATES = ("stock", "under_review", "licensed", "rectification", "banned", "closed", "converted")
# The two halves of a licence: the education bureau's school-running licence, and civil affairs'
# registration certificate (discipline) or market regulation's business licence (non-discipline).
LICENCE_KINDS = ("school_running_licence", "registration_certificate", "business_licence")
MODES = ("offline", "online")
CAMPAIGN_KINDS = ("routine", "holiday", "special")
TASK_OUTCOMES = ("compliant", "rectification_ordered", "violation")
SUBJECT_KINDS = ("institution", "person", "address")
SANCTION_KINDS = ("warning", "rectification_order", "fine", "ban")
DEPARTMENTS = (
    "education",
    "civil_affairs",
    "market_regulation",
    "culture_tourism",
    "fire",
    "urban_management",
    "public_security",
)
CLUE_CATEGORIES = (
    "unlicensed_training",
    "hidden_tutoring",
    "holiday_tutoring",
    "excessive_fees",
    "public_school_teacher",
    "refund_dispute",
    "safety_hazard",
    "other",
)
CLUE_CHANNELS = ("hotline", "mailbox", "web_form", "walk_in", "government_hotline")
CLUE_PRIORITIES = ("normal", "urgent")
CLUE_OUTCOMES = ("substantiated", "partly_substantiated", "unsubstantiated", "withdrawn", "transferred")

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# RFC 3339: seconds present, an explicit offset; Python's fromisoformat alone would take far more. ASCII
# digits only: `\d` would also take other scripts' digits, which fromisoformat reads as numbers.
_ISO_DATETIME = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})$")


class Day(fields.Date):
    """A calendar date, `YYYY-MM-DD` or a `datetime.date`; a datetime is refused (it is not a day)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        if isinstance(value, dt.datetime):
            raise self.make_error("invalid")
        if isinstance(value, dt.date):
            return value
        if not isinstance(value, str) or not _ISO_DATE.match(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Moment(fields.AwareDateTime):
    """An instant with its UTC offset, RFC 3339 text or an aware `datetime.datetime`."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        if isinstance(value, dt.datetime):
            if value.tzinfo is None or value.utcoffset() is None:
                raise self.make_error("invalid_awareness", awareness="aware", obj_type="datetime")
            return value
        if not isinstance(value, str) or not _ISO_DATETIME.match(value):
            raise self.make_error("invalid", obj_type="datetime")
        return super()._deserialize(value, attr, data, **kwargs)


class Flag(fields.Boolean):
    """JSON `true` or `false` only."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def _options(description: str, required: bool, nullable: bool) -> dict[str, Any]:
    return {"required": required, "allow_none": nullable, "metadata": {"description": description}}


def text(
    description: str,
    *,
    max_length: int = 500,
    pattern: str | None = None,
    required: bool = True,
    nullable: bool = False,
) -> fields.String:
    """A non-blank string of bounded length, optionally matching a regular expression."""
    checks: list[Any] = [validate.Length(min=1, max=max_length)]
    if pattern:
        checks.append(validate.Regexp(pattern))
    return fields.String(validate=checks, **_options(description, required, nullable))


def identifier(description: str, *, required: bool = True, nullable: bool = False) -> fields.String:
    """An opaque identifier (a ULID or UUID as text) of something a service owns."""
    return text(description, max_length=64, required=required, nullable=nullable)


def choice(
    values: Iterable[str], description: str, *, required: bool = True, nullable: bool = False
) -> fields.String:
    """One of a closed set of codes; the codes never change with the language."""
    return fields.String(validate=validate.OneOf(tuple(values)), **_options(description, required, nullable))


def day(description: str, *, required: bool = True, nullable: bool = False) -> Day:
    """A local calendar date (Asia/Shanghai), ISO `YYYY-MM-DD`."""
    return Day(**_options(description, required, nullable))


def moment(description: str, *, required: bool = True, nullable: bool = False) -> Moment:
    """An instant as an RFC 3339 date-time with offset."""
    return Moment(**_options(description, required, nullable))


def count(
    description: str, *, minimum: int = 0, required: bool = True, nullable: bool = False
) -> fields.Integer:
    """A whole number at or above `minimum`; floats, numeric strings and booleans are refused."""
    return fields.Integer(
        strict=True, validate=validate.Range(min=minimum), **_options(description, required, nullable)
    )


def fen(description: str, *, required: bool = True, nullable: bool = False) -> fields.Integer:
    """Money in integer fen (CNY 0.01), never negative, never a float."""
    return count(f"{description} (integer fen, CNY 0.01).", required=required, nullable=nullable)


def flag(description: str, *, required: bool = True, nullable: bool = False) -> Flag:
    """A JSON boolean."""
    return Flag(**_options(description, required, nullable))


def many(
    item: fields.Field, description: str, *, min_items: int = 0, required: bool = True
) -> fields.List:
    """A JSON array of `item`, at least `min_items` long."""
    return fields.List(item, validate=validate.Length(min=min_items), **_options(description, required, False))
