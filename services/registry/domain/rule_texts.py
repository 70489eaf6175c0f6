"""Words a clerk reads for each stable code, state and action; translated through a gettext-like callable.

Templates are marked with `N_` for extraction (`pybabel extract -k N_`, see translations/babel.cfg) and
translated at render time, so Flask-Babel can answer in the request's language.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from shared.refusals import N_, Violation

Gettext = Callable[[str], str]


MESSAGES: dict[str, str] = {
    # identity
    "credit_code.length": N_("The unified social credit code must have 18 characters; %(length)s were given."),
    "credit_code.charset": N_("The unified social credit code has '%(character)s' at position %(position)s; "
                              "only digits and capital letters other than I, O, Z, S and V are used."),
    "credit_code.registration_authority": N_("The unified social credit code starts with '%(authority)s', "
                                             "which is not a registration authority."),
    "credit_code.institution_type": N_("The unified social credit code's second character '%(institution_type)s' "
                                       "is not an institution type of registration authority '%(authority)s'."),
    "credit_code.division_code": N_("Characters 3 to 8 of the unified social credit code (%(division_code)s) "
                                    "are not an administrative division code."),
    "credit_code.check_character": N_("The unified social credit code %(value)s fails its check character: "
                                      "a character is mistyped. Copy it again from the certificate."),
    "division_code.format": N_("The administrative division code must be 6 digits; '%(value)s' is not."),
    "division_code.not_served": N_("The administrative division code %(value)s is not a county this platform "
                                   "serves (%(served)s)."),
    "town.not_in_county": N_("'%(town)s' is not a town of the county %(division_code)s."),
    "division_code.province": N_("The administrative division code %(value)s does not start with a province "
                                 "code."),
    "institution.name_required": N_("The institution's name is missing."),
    "institution.town_required": N_("The town is missing."),
    "institution.subject_group_required": N_("The subject group is missing."),
    "institution.unknown_category": N_("'%(category)s' is not a category; use discipline or non-discipline."),
    "institution.initial_state": N_("A new institution starts either on the books (stock) or under review, "
                                    "not %(state)s."),
    # lifecycle
    "transition.illegal": N_("An institution that is %(state)s cannot %(action)s. Allowed now: %(allowed)s."),
    "transition.reason_required": N_("Give the reason to %(action)s."),
    "transition.deadline_not_after": N_("The rectification deadline %(deadline)s must be after %(occurred_on)s."),
    "transition.occurred_in_future": N_("The date it happened, %(occurred_on)s, is in the future."),
    "transition.occurred_before_previous": N_("The date it happened, %(occurred_on)s, is before the previous "
                                              "step in the history (%(previous)s)."),
    "transition.subject_group_required": N_("Name the non-discipline subject group the institution converts to."),
    "licence.required": N_("The licence (both halves) is missing."),
    "licence.number_required": N_("The %(kind)s has no number."),
    "licence.valid_until_before_issued": N_("The %(kind)s is valid until %(valid_until)s, which is not after it "
                                            "was issued (%(issued_on)s)."),
    "licence.expired": N_("The %(kind)s expired on %(valid_until)s."),
    "licence.registration_kind": N_("'%(kind)s' is neither a registration certificate nor a business licence."),
    "licence.business_licence_for_discipline": N_("A discipline institution needs a private non-enterprise unit "
                                                  "registration certificate, not a business licence."),
    # filing: completeness, courses, teachers
    "filing.no_courses": N_("The filing lists no course."),
    "filing.no_teachers": N_("The filing lists no teacher."),
    "filing.no_training_times": N_("The filing gives no training times (weekly timetable or dated classes)."),
    "course.unknown_grade_band": N_("The course %(subject)s names the grade band '%(grade_band)s', which the "
                                    "county does not use."),
    "course.no_materials": N_("The course %(subject)s lists no teaching materials."),
    "teacher.no_qualification": N_("%(name)s has no teacher qualification certificate number; discipline "
                                   "teachers must hold one."),
    "teacher.serving_public_school": N_("%(name)s is a serving public-school teacher and may not teach paid "
                                        "classes."),
    # filing: fees
    "fee.negative_or_fractional": N_("The %(field)s must be a whole, non-negative number of fen; got "
                                     "%(value)s."),
    "fee.invalid_period": N_("The %(field)s must be a whole number of at least 1; got %(value)s."),
    "fee.prepaid_hours": N_("One collection covers %(hours)s class hours; at most %(limit)s may be charged in "
                            "advance."),
    "fee.prepaid_months": N_("One collection covers %(months)s months; at most %(limit)s may be charged in "
                             "advance."),
    "fee.prepaid_amount": N_("One collection is CNY %(amount_yuan)s; at most CNY %(limit_yuan)s may be charged "
                             "at a time."),
    "fee.amount_exceeds_price": N_("One collection is CNY %(amount_yuan)s, more than %(hours)s class hours at "
                                   "the filed price of CNY %(price_yuan)s (CNY %(expected_yuan)s)."),
    "fee.training_loan": N_("Fees may not be paid through a training loan (a lender paying the institution, "
                            "repaid by the family)."),
    "fee.unknown_grade_band": N_("The fee names the grade band '%(grade_band)s', which the county does not use."),
    "fee.unknown_class_size_band": N_("The fee names the class size '%(band)s', which the county does not use."),
    "fee.no_guided_price": N_("The county's price table has no guided price for %(group)s, %(grade_band)s, "
                              "%(class_size_band)s classes."),
    "fee.above_guided_price": N_("CNY %(price_yuan)s per class hour is above the guided price for "
                                 "%(grade_band)s, %(class_size_band)s classes: CNY %(guided_yuan)s, at most "
                                 "CNY %(ceiling_yuan)s with the %(markup_percent)s%% allowance."),
    # filing: training times
    "time.unknown_mode": N_("The class on %(when)s has the mode '%(mode)s'; use offline or online."),
    "time.unknown_weekday": N_("'%(weekday)s' is not a day of the week (1 is Monday, 7 is Sunday)."),
    "time.end_before_start": N_("The class on %(when)s ends (%(end)s) before it starts (%(start)s)."),
    "time.offline_end_late": N_("The offline class on %(when)s ends at %(end)s; offline classes must end by "
                                "%(limit)s."),
    "time.online_too_long": N_("The online class on %(when)s lasts %(minutes)s minutes; online classes last at "
                               "most %(limit)s minutes."),
    "time.online_end_late": N_("The online class on %(when)s ends at %(end)s; online classes must end by "
                               "%(limit)s."),
    "time.online_gap_short": N_("The online class on %(when)s starts %(gap_minutes)s minutes after the previous "
                                "one ends; online classes must be at least %(limit)s minutes apart."),
    "time.online_overlap": N_("The online class on %(when)s overlaps the previous online class of the same "
                              "course."),
    "time.rest_day_discipline": N_("%(when)s is a rest day: no discipline tutoring for compulsory-education "
                                   "students on rest days."),
    "time.holiday_discipline": N_("%(when)s is a statutory holiday (%(holiday)s): no discipline tutoring for "
                                  "compulsory-education students on holidays."),
    "time.vacation_discipline": N_("%(when)s falls in the %(vacation)s (%(from)s to %(to)s): no discipline "
                                   "tutoring for compulsory-education students in school vacations."),
    "time.weekly_rest_day_discipline": N_("The weekly timetable has a discipline class %(when)s: no discipline "
                                          "tutoring for compulsory-education students on rest days."),
    "notice.vacation_check_provisional": N_("The county has not given the school vacations of %(year)s: the "
                                            "vacation check found none and is provisional."),
    "notice.holiday_check_provisional": N_("The official holidays of %(year)s are not published yet: the "
                                           "holiday check counted Monday to Friday as working days and is "
                                           "provisional."),
}

STATE_LABELS = {"stock": N_("on the books (before re-examination)"), "under_review": N_("under review"),
                "licensed": N_("licensed"), "rectification": N_("under rectification"), "banned": N_("banned"),
                "closed": N_("closed"), "converted": N_("converted to non-discipline")}
ACTION_LABELS = {"register": N_("register"), "start_review": N_("start the review"),
                 "license": N_("issue the licence"), "renew_licence": N_("renew the licence"),
                 "order_rectification": N_("order rectification"), "ban": N_("ban"), "close": N_("close"),
                 "convert": N_("convert to non-discipline"),
                 "flag_rectification_overdue": N_("record the rectification as overdue")}
WEEKDAY_LABELS = {1: N_("Monday"), 2: N_("Tuesday"), 3: N_("Wednesday"), 4: N_("Thursday"), 5: N_("Friday"),
                  6: N_("Saturday"), 7: N_("Sunday")}
# chinese_calendar's holiday names
HOLIDAY_LABELS = {name: name for name in (
    N_("New Year's Day"), N_("Spring Festival"), N_("Tomb-sweeping Day"), N_("Labour Day"),
    N_("Dragon Boat Festival"), N_("National Day"), N_("Mid-autumn Festival"), N_("Anti-Fascist 70th Day"))}
OTHER_LABELS = {
    "winter": N_("winter vacation"), "summer": N_("summer vacation"),
    "offline": N_("offline"), "online": N_("online"),
    "school_running_licence": N_("school-running licence"),
    "registration_certificate": N_("private non-enterprise unit registration certificate"),
    "business_licence": N_("business licence"),
    "discipline": N_("discipline tutoring"), "non_discipline": N_("non-discipline training"),
    "preschool": N_("preschool"), "primary": N_("primary school"), "junior_secondary": N_("junior secondary"),
    "senior_secondary": N_("senior secondary"), "adult": N_("adult"),
    "small": N_("small"), "medium": N_("medium"), "large": N_("large"),
    "price_per_hour_fen": N_("price per class hour"), "amount_per_collection_fen": N_("amount per collection"),
    "hours_per_collection": N_("class hours per collection"),
    "months_per_collection": N_("months per collection"),
}
_TRANSLATED_PARAMS = {"state": STATE_LABELS, "from_state": STATE_LABELS, "to_state": STATE_LABELS,
                      "action": ACTION_LABELS, "holiday": HOLIDAY_LABELS}
_PROVISIONAL = N_(" (provisional: the official holidays of that year are not published yet)")
_LIST_SEPARATOR = N_(", ")
_NOTHING = N_("nothing")


def _label(table: Mapping[Any, str], value: Any, gettext: Gettext) -> str:
    return gettext(table[value]) if isinstance(value, Hashable) and value in table else str(value)


def state_label(state: str, gettext: Gettext) -> str:
    """The name of a lifecycle state in the reader's language."""
    return _label(STATE_LABELS, state, gettext)


def action_label(action: str, gettext: Gettext) -> str:
    """The name of a lifecycle action in the reader's language."""
    return _label(ACTION_LABELS, action, gettext)


def yuan(fen: int) -> str:
    """Fen as yuan with two decimals, without going through floating point."""
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def _display(params: Mapping[str, Any], gettext: Gettext) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for key, value in params.items():
        if key in _TRANSLATED_PARAMS:
            shown[key] = _label(_TRANSLATED_PARAMS[key], value, gettext)
        elif key == "allowed" and isinstance(value, list | tuple):
            shown[key] = gettext(_LIST_SEPARATOR).join(action_label(a, gettext) for a in value) or gettext(_NOTHING)
        elif key.endswith("_fen") and isinstance(value, int) and not isinstance(value, bool):
            shown[key] = value
            shown[key[:-4] + "_yuan"] = yuan(value)
        elif isinstance(value, str):
            shown[key] = _label(OTHER_LABELS, value, gettext)
        else:
            shown[key] = value
    weekday = params.get("weekday")
    weekday = WEEKDAY_LABELS.get(weekday) if isinstance(weekday, int) and not isinstance(weekday, bool) else None
    if "date" in params:
        day = {"date": params["date"], "weekday": gettext(weekday) if weekday else ""}
        shown["when"] = gettext(N_("%(date)s (%(weekday)s)")) % day if weekday else str(params["date"])
    elif weekday:
        shown["when"] = gettext(N_("every %(weekday)s")) % {"weekday": gettext(weekday)}
        shown["weekday"] = gettext(weekday)
    return shown


def render(violation: Violation, gettext: Gettext) -> str:
    """The sentence a clerk reads for a violation, in the language `gettext` speaks; never raises."""
    template = MESSAGES.get(violation.code)
    if template is None:
        return violation.code
    shown = _display(violation.params, gettext)
    try:
        text = gettext(template) % shown
    except (KeyError, ValueError, TypeError):  # a translation naming a figure we do not have
        try:
            text = template % shown
        except (KeyError, ValueError, TypeError):
            return violation.code
    if violation.params.get("provisional"):
        text += gettext(_PROVISIONAL)
    return text


def render_all(violations: Iterable[Violation], gettext: Gettext) -> list[dict[str, Any]]:
    """Each violation as `{code, item, params, message}` for an API answer."""
    return [{**violation.as_dict(), "message": render(violation, gettext)} for violation in violations]
