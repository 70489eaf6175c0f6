"""What reporting's API takes and answers (marshmallow schemas)."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask_babel import gettext
from marshmallow import validate

from shared.county import county_config


def _text(max_length: int, **options) -> ma.fields.String:
    # the kit's parser already refuses NUL and text with nothing visible
    return ma.fields.String(validate=validate.Length(min=1, max=max_length), **options)


# The figures' calendar: every day in it has a day before and a day after, and its weeks and months are whole,
# so the period arithmetic never runs off either end of Python's calendar (year 1, year 9999).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def _day(description: str, **options) -> ma.fields.Date:
    return ma.fields.Date(validate=validate.Range(min=FIRST_DAY, max=LAST_DAY), metadata={"description": description},
                          **options)


class ScopeArgs(ma.Schema):
    """Which county, town and inclusive local dates; without dates, all time."""

    division_code = ma.fields.String(validate=validate.Regexp(r"^[0-9]{6}$"), metadata={
        "description": "6-digit division code of a county in the county file (GB/T 2260)."})
    town = _text(100)
    date_from = _day("First day (inclusive, local date).", data_key="from")
    date_to = _day("Last day (inclusive); state figures are as of this day.", data_key="to")

    @ma.validates_schema
    def _a_known_county_and_a_period_in_order(self, data, **_):
        errors = {}
        code, town = data.get("division_code"), data.get("town")
        county = None if code is None else county_config().county(code)
        if code is not None and county is None:
            errors["division_code"] = [gettext("No county in the county file has division code %(code)s.",
                                               code=code)]
        elif town is not None and county is not None and county.town(town) is None:
            errors["town"] = [gettext("%(town)s is not a town of the county %(code)s.", town=town, code=code)]
        elif town is not None and not any(c.town(town) for c in county_config().counties):
            errors["town"] = [gettext("No county in the county file has a town named %(town)s.", town=town)]
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            errors["from"] = [gettext("The first day comes after the last day.")]
        if errors:
            raise ma.ValidationError(errors)


class CampaignFiguresOut(ma.Schema):
    """One campaign's figures in the period."""

    campaign_id = ma.fields.String(required=True)
    name = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "Null while the campaign's launch has not reached reporting."})
    kind = ma.fields.String(required=True, allow_none=True)
    rounds = ma.fields.Integer(required=True, metadata={"description": "Rounds drawn or inspected in the period."})
    inspections = ma.fields.Integer(required=True)
    inspector_person_times = ma.fields.Integer(required=True, metadata={
        "description": "Distinct (inspector, day) pairs within the campaign."})
    reminders = ma.fields.Integer(required=True, metadata={"description": "Holiday reminders issued."})


def _counts(description: str) -> ma.fields.Dict:
    return ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True,
                          metadata={"description": description})


class SummaryOut(ma.Schema):
    """The county's figures: states as of `to`, flows dated within [from, to]."""

    division_code = ma.fields.String(required=True, allow_none=True)
    town = ma.fields.String(required=True, allow_none=True)
    date_from = ma.fields.Date(data_key="from", required=True, allow_none=True)
    date_to = ma.fields.Date(data_key="to", required=True, allow_none=True)
    discipline_before = ma.fields.Integer(required=True, metadata={
        "description": "Discipline institutions registered as stock by `to`."})
    discipline_licensed = ma.fields.Integer(required=True, metadata={
        "description": "Discipline institutions licensed as of `to`."})
    reduction_rate = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "(before - licensed) / before to 3 places (0.901); null when before is 0."})
    institutions_by_state = _counts("Institutions by state as of `to`.")
    institutions_banned = ma.fields.Integer(required=True, metadata={"description": "Bans by the registry."})
    institutions_filed = ma.fields.Integer(required=True, metadata={
        "description": "Institutions with a filing on the public board by `to`."})
    licence_reminders = ma.fields.Integer(required=True)
    inspections = ma.fields.Integer(required=True, metadata={"description": "Completed visits."})
    inspections_by_outcome = _counts("Completed visits by outcome.")
    inspector_person_times = ma.fields.Integer(required=True, metadata={
        "description": "The sum over campaigns of distinct (inspector, day) pairs."})
    cases_opened = ma.fields.Integer(required=True)
    cases_punished = ma.fields.Integer(required=True, metadata={
        "description": "Cases with at least one sanction, counted on the first day they were punished."})
    sanctions_by_kind = _counts("Sanctions decided, by kind.")
    fines_fen = ma.fields.Integer(required=True, metadata={"description": "Fines decided (integer fen)."})
    complaints_received = ma.fields.Integer(required=True)
    complaints_closed = ma.fields.Integer(required=True)
    complaints_on_time_rate = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "Complaints handled on time / complaints handled in the period, to 3 places; null when none. "
                       "A complaint is handled on the day it was first answered or closed (closing one already "
                       "answered does not count it again) and on the day it went overdue; one with both days in "
                       "the period counts once. On time: answered or closed by its deadline."})
    campaigns = ma.fields.List(ma.fields.Nested(CampaignFiguresOut), required=True)


class RatingsOut(ma.Schema):
    """Reporters' ratings of the answers, given in the period."""

    count = ma.fields.Integer(required=True, metadata={"description": "Ratings given in the period."})
    satisfied = ma.fields.Integer(required=True, metadata={"description": "Of them, satisfied."})
    satisfaction_rate = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "Satisfied / ratings to 3 places; null when none."})


class HandlingFiguresOut(ma.Schema):
    """What happened to complaints in the period, each count on its own event's date."""

    received = ma.fields.Integer(required=True, metadata={"description": "Received in the period."})
    referred = ma.fields.Integer(required=True, metadata={"description": "Referred to a department in the period."})
    answered = ma.fields.Integer(required=True, metadata={"description": "Answered in the period."})
    closed = ma.fields.Integer(required=True, metadata={"description": "Closed in the period."})
    overdue = ma.fields.Integer(required=True, metadata={
        "description": "Passed their deadline unanswered in the period."})
    handled = ma.fields.Integer(required=True, metadata={
        "description": "Answered, closed or overdue in the period (each complaint once)."})
    on_time = ma.fields.Integer(required=True, metadata={
        "description": "First answered or closed in the period, by the deadline."})
    on_time_rate = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "On time / handled to 3 places; null when none was handled."})
    median_handling_hours = ma.fields.Float(required=True, allow_none=True, metadata={
        "description": "Hours (1 place) from receipt to the first answer or closing, median over the complaints "
                       "first answered or closed in the period; null when none."})
    ratings = ma.fields.Nested(RatingsOut, required=True)


class CategoryFiguresOut(HandlingFiguresOut):
    """One category's complaints in the period."""

    category = ma.fields.String(required=True)


class DepartmentComplaintsOut(HandlingFiguresOut):
    """The complaints of one department (the one they were referred to) in the period."""

    department = ma.fields.String(required=True, allow_none=True, metadata={
        "description": "Null for the complaints never referred to a department."})


class ComplaintStatsOut(HandlingFiguresOut):
    """The complaints desk's figures in the period: in all, by category, by department and by channel."""

    by_category = ma.fields.List(ma.fields.Nested(CategoryFiguresOut), required=True, metadata={
        "description": "Each category with a figure above 0; their counts add up to the totals."})
    departments = ma.fields.List(ma.fields.Nested(DepartmentComplaintsOut), required=True, metadata={
        "description": "Each department with a figure above 0 (null: never referred); their counts add up to the "
                       "totals."})
    by_channel = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True, metadata={
        "description": "Complaints received in the period, by channel."})
    by_department = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True, metadata={
        "description": "Complaints referred in the period, by department (the departments' `referred`)."})


class RoundFiguresOut(ma.Schema):
    """Inspections and person-times of one round of a campaign (null: clue-driven, outside the rounds)."""

    round = ma.fields.Integer(required=True, allow_none=True)
    inspections = ma.fields.Integer(required=True)
    inspector_person_times = ma.fields.Integer(required=True)


class TownFiguresOut(ma.Schema):
    """Inspections and person-times of a campaign in one town."""

    town = ma.fields.String(required=True)
    inspections = ma.fields.Integer(required=True)
    inspector_person_times = ma.fields.Integer(required=True)


class DepartmentFiguresOut(ma.Schema):
    """Visits of a campaign one department took part in."""

    department = ma.fields.String(required=True)
    inspections = ma.fields.Integer(required=True, metadata={
        "description": "Completed visits the department took part in: a joint visit counts once in each of its "
                       "departments, so the departments' figures add up to at least the campaign's."})


class CampaignReportOut(ma.Schema):
    """One campaign's report in the period and place: the place's visits, person-times and rounds."""

    campaign_id = ma.fields.String(required=True)
    name = ma.fields.String(required=True, allow_none=True)
    kind = ma.fields.String(required=True, allow_none=True)
    starts_on = ma.fields.Date(required=True, allow_none=True)
    ends_on = ma.fields.Date(required=True, allow_none=True)
    rounds_planned = ma.fields.Integer(required=True, allow_none=True)
    rounds = ma.fields.Integer(required=True, metadata={"description": "Rounds drawn or inspected."})
    draws = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "Draws published in the period. A draw names no town: in a county's or town's scope, null "
                       "unless every town of the campaign lies in it."})
    targets_drawn = ma.fields.Integer(required=True, allow_none=True, metadata={
        "description": "Institutions those draws picked; null when `draws` is."})
    inspections = ma.fields.Integer(required=True)
    inspections_by_outcome = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    inspector_person_times = ma.fields.Integer(required=True)
    reminders = ma.fields.Integer(required=True)
    by_round = ma.fields.List(ma.fields.Nested(RoundFiguresOut), required=True)
    by_town = ma.fields.List(ma.fields.Nested(TownFiguresOut), required=True)
    by_department = ma.fields.List(ma.fields.Nested(DepartmentFiguresOut), required=True)


MAX_PERIODS = 120  # ten years of months, two of weeks: one answer stays quick


class SeriesArgs(ScopeArgs):
    """A period cut into weeks or months."""

    interval = ma.fields.String(required=True, validate=validate.OneOf(("week", "month")))
    date_from = _day("First day (inclusive).", data_key="from", required=True)
    date_to = _day("Last day (inclusive).", data_key="to", required=True)

    @ma.validates_schema
    def _not_too_many_periods(self, data, **_):
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and first <= last:
            days = (last - first).days
            count = days // 7 + 1 if data.get("interval") == "week" else days // 28 + 1
            if count > MAX_PERIODS + 2:
                raise ma.ValidationError({"to": [gettext("At most %(count)s periods in one series.",
                                                         count=MAX_PERIODS)]})


class SeriesEntryOut(ma.Schema):
    """One week's or month's figures."""

    date_from = ma.fields.Date(data_key="from", required=True)
    date_to = ma.fields.Date(data_key="to", required=True)
    institutions_by_state = _counts("Institutions by state at the period's end.")
    discipline_before = ma.fields.Integer(required=True)
    discipline_licensed = ma.fields.Integer(required=True)
    reduction_rate = ma.fields.Float(required=True, allow_none=True)
    institutions_banned = ma.fields.Integer(required=True)
    inspections = ma.fields.Integer(required=True)
    inspector_person_times = ma.fields.Integer(required=True)
    cases_opened = ma.fields.Integer(required=True)
    cases_punished = ma.fields.Integer(required=True)
    complaints_received = ma.fields.Integer(required=True)
    complaints_closed = ma.fields.Integer(required=True)
    complaints_on_time_rate = ma.fields.Float(required=True, allow_none=True)


class SeriesOut(ma.Schema):
    """The figures period by period."""

    interval = ma.fields.String(required=True)
    periods = ma.fields.List(ma.fields.Nested(SeriesEntryOut), required=True)


class RebuildIn(ma.Schema):
    """A rebuild takes no options: an empty JSON object, or no body."""


class RebuildJobOut(ma.Schema):
    """A rebuild job: its state and how far it is."""

    job_id = ma.fields.Integer(required=True)
    state = ma.fields.String(required=True, metadata={"description": "queued, running, done or failed."})
    events_done = ma.fields.Integer(required=True, metadata={"description": "Archived events replayed so far."})
    events_total = ma.fields.Integer(required=True, allow_none=True,
                                     metadata={"description": "Archived events to replay (null until counted)."})
    requested_by = ma.fields.String(required=True, metadata={"description": "The admin who asked (token subject)."})
    requested_at = ma.fields.DateTime(required=True)
    started_at = ma.fields.DateTime(required=True, allow_none=True)
    finished_at = ma.fields.DateTime(required=True, allow_none=True)
    error = ma.fields.String(required=True, allow_none=True,
                             metadata={"description": "Why it failed; the projections are then as before."})


class ArchiveOut(ma.Schema):
    """What the archive holds."""

    total = ma.fields.Integer(required=True, metadata={"description": "Events archived."})
    unknown = ma.fields.Integer(required=True, metadata={"description": "Of them, events no contract declares."})
    by_type = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    unknown_types = ma.fields.List(ma.fields.String(), required=True)
