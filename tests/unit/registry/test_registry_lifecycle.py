"""The institution's lifecycle: legal and illegal transitions, history, events and the scheduled checks."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registry.domain import events as ev
from services.registry.domain import lifecycle as lc
from services.registry.domain.errors import IllegalTransition, InvalidInstitution, TransitionRefused
from services.registry.domain.institution import Institution, licence_halves_expiring, rectification_overdue
from services.registry.domain.licence import BUSINESS_LICENCE, Licence, LicenceHalf
from shared.events import contract_for

D = dt.date
NOON = dt.datetime(2025, 6, 2, 4, 0, tzinfo=dt.UTC)  # 12:00 in Asia/Shanghai
TOWNS = {"610722": {"博望街道", "龙头镇"}}  # the counties served and their towns


def register(state="stock", category="discipline", **overrides):
    fields = dict(id="01HW8ZQ3V4N6P2K7T9R5M1X0AB", name="城固县启明文化培训学校", credit_code="9144030071526726XG",
                  division_code="610722", town="博望街道", address="城固县博望街道文化路12号", category=category,
                  subject_group="mathematics", actor="clerk-1", state=state, occurred_on=D(2021, 8, 2),
                  recorded_at=NOON, towns=TOWNS)
    fields.update(overrides)
    return Institution.register(**fields)


def licence(valid_until=D(2026, 8, 31), kind="registration_certificate"):
    return Licence(school_licence=LicenceHalf(number="教民161072270000123号", issued_on=D(2021, 9, 1),
                                              valid_until=valid_until),
                   registration=LicenceHalf(number="52610722MJ0000001X", issued_on=D(2021, 9, 1),
                                            valid_until=D(2027, 8, 31)),
                   registration_kind=kind)


def when(day):
    return {"actor": "clerk-2", "occurred_on": day, "recorded_at": NOON}


def test_new_institution_is_recorded_with_its_registration_event():
    institution = register(state="under_review", credit_code=" 9144 0300 7152 6726xg ")
    assert institution.state == "under_review" and institution.version == 1
    assert institution.credit_code == "9144030071526726XG"
    [event] = institution.events
    assert isinstance(event, ev.InstitutionRegistered)
    contract_for(event.type).validate(event.data())
    assert institution.history[0].action == "register" and institution.history[0].from_state is None


@pytest.mark.parametrize(("given", "carried"), [(" 王启明 ", "王启明"), ("  ", None), (None, None)])
def test_the_registration_event_carries_the_legal_representative_trimmed_or_null(given, carried):
    [event] = register(legal_representative=given).events
    assert event.data()["legal_representative"] == carried
    contract_for(event.type).validate(event.data())


def test_registration_lists_every_broken_rule():
    with pytest.raises(InvalidInstitution) as refused:
        register(name=" ", credit_code="914403001922038217", division_code="6107", category="tutoring",
                 state="licensed")
    codes = [v.code for v in refused.value.violations]
    assert codes == ["institution.name_required", "credit_code.check_character", "division_code.format",
                     "institution.unknown_category", "institution.initial_state"]


def test_stock_institution_is_reviewed_and_licensed():
    institution = register()
    institution.start_review(**when(D(2021, 9, 1)))
    institution.license(licence(), **when(D(2021, 9, 20)))
    assert institution.state == "licensed" and institution.version == 3
    assert institution.licence.valid_until == D(2026, 8, 31)
    licensed = institution.events[-1]
    assert isinstance(licensed, ev.InstitutionLicensed)
    assert licensed.data()["licence_valid_until"] == "2026-08-31" and licensed.from_state == "under_review"


def test_rectification_then_licence_clears_the_deadline():
    institution = register(state="under_review")
    institution.order_rectification(deadline=D(2021, 10, 15), reason="消防通道堵塞", **when(D(2021, 9, 10)))
    assert institution.state == "rectification" and institution.rectification_deadline == D(2021, 10, 15)
    institution.license(licence(), **when(D(2021, 10, 12)))
    assert institution.state == "licensed" and institution.rectification_deadline is None


def test_rectification_then_ban_cites_the_case():
    institution = register(state="under_review")
    institution.order_rectification(deadline=D(2021, 10, 15), reason="教师资格证不全", **when(D(2021, 9, 10)))
    assert institution.ban(reason="逾期未整改", case_id="case-7", **when(D(2021, 10, 20)))
    banned = institution.events[-1]
    assert isinstance(banned, ev.InstitutionBanned) and banned.case_id == "case-7"
    assert institution.history[-1].case_id == "case-7" and institution.history[-1].reason == "逾期未整改"


EXPECTED = {  # state -> actions allowed for a discipline institution (DOMAIN.md, "The lifecycle")
    "stock": {"start_review", "ban", "close", "convert"},
    "under_review": {"license", "order_rectification", "ban", "close", "convert"},
    "rectification": {"license", "ban", "close", "convert"},
    "licensed": {"renew_licence", "ban", "close", "convert"},
    "converted": {"ban", "close"},
    "banned": set(),
    "closed": set(),
}


@pytest.mark.parametrize("state", lc.STATES)
def test_allowed_actions_follow_the_lifecycle(state):
    assert set(lc.allowed_actions(state, "discipline")) == EXPECTED[state]
    assert set(lc.allowed_actions(state, "non_discipline")) == EXPECTED[state] - {"convert"}


@pytest.mark.parametrize(("state", "action"), [(s, a) for s in lc.STATES for a in lc.ACTIONS
                                               if a not in EXPECTED[s]])
def test_illegal_transition_names_the_state_and_what_is_allowed(state, action):
    institution = register()
    institution.state = state
    with pytest.raises(IllegalTransition) as refused:
        institution.transition(action, **when(D(2021, 9, 1)))  # the state refuses before the data is read
    assert refused.value.current_state == state and refused.value.action == action
    assert set(refused.value.allowed_actions) == EXPECTED[state]
    assert institution.state == state and institution.version == 1


def test_banned_institution_cannot_be_licensed():
    institution = register()
    institution.ban(reason="无证办学", **when(D(2021, 9, 1)))
    with pytest.raises(IllegalTransition) as refused:
        institution.license(licence(), **when(D(2021, 9, 2)))
    assert refused.value.allowed_actions == ()


def test_ban_for_the_same_case_again_changes_nothing():
    institution = register()
    assert institution.ban(reason="无证办学", case_id="case-1", **when(D(2021, 9, 1)))
    version, events, history = institution.version, len(institution.events), len(institution.history)
    assert institution.ban(reason="无证办学", case_id="case-1", **when(D(2021, 9, 3))) is False
    assert (institution.version, len(institution.events), len(institution.history)) == (version, events, history)


def test_ban_for_another_case_when_already_banned_is_illegal():
    institution = register()
    institution.ban(reason="无证办学", case_id="case-1", **when(D(2021, 9, 1)))
    with pytest.raises(IllegalTransition):
        institution.ban(reason="again", case_id="case-2", **when(D(2021, 9, 3)))


def test_convert_turns_a_discipline_institution_non_discipline():
    institution = register()
    institution.convert(subject_group="science_technology", reason="转型为科技类培训", **when(D(2021, 9, 1)))
    assert institution.state == "converted" and institution.category == "non_discipline"
    assert institution.subject_group == "science_technology"
    assert institution.events[-1].data()["category"] == "non_discipline"
    institution.close(reason="举办者申请注销", **when(D(2022, 1, 1)))
    assert institution.state == "closed"


def test_a_non_discipline_institution_cannot_convert():
    institution = register(category="non_discipline")
    with pytest.raises(IllegalTransition):
        institution.convert(subject_group="arts", **when(D(2021, 9, 1)))


@pytest.mark.parametrize(("action", "data", "code"), [
    ("ban", {"reason": " "}, "transition.reason_required"),
    ("close", {"reason": ""}, "transition.reason_required"),
    ("convert", {"subject_group": ""}, "transition.subject_group_required"),
])
def test_action_with_unusable_data_is_refused(action, data, code):
    institution = register()
    with pytest.raises(TransitionRefused) as refused:
        institution.transition(action, **data, **when(D(2021, 9, 1)))
    assert refused.value.violations[0].code == code and institution.state == "stock"


def test_rectification_deadline_must_follow_the_order():
    institution = register(state="under_review")
    with pytest.raises(TransitionRefused) as refused:
        institution.order_rectification(deadline=D(2021, 9, 10), reason="x", **when(D(2021, 9, 10)))
    assert refused.value.violations[0].code == "transition.deadline_not_after"


@pytest.mark.parametrize(("bad", "code"), [
    (licence(valid_until=D(2021, 8, 1)), "licence.valid_until_before_issued"),
    (licence(kind=BUSINESS_LICENCE), "licence.business_licence_for_discipline"),
    (licence(valid_until=D(2021, 9, 5)), "licence.expired"),
    ("教民161072270000123号", "licence.required"),
])
def test_unusable_licence_is_refused(bad, code):
    institution = register(state="under_review")
    with pytest.raises(TransitionRefused) as refused:
        institution.license(bad, **when(D(2021, 9, 10)))
    assert refused.value.violations[0].code == code and institution.state == "under_review"


def test_non_discipline_institution_may_hold_a_business_licence():
    institution = register(state="under_review", category="non_discipline", subject_group="arts")
    institution.license(licence(kind=BUSINESS_LICENCE), **when(D(2021, 9, 10)))
    assert institution.state == "licensed"


def test_history_keeps_when_it_happened_when_it_was_recorded_and_who():
    institution = register()
    institution.start_review(actor="clerk-9", occurred_on=D(2021, 9, 1), recorded_at=NOON, reason="复核")
    entry = institution.history[-1]
    assert (entry.action, entry.from_state, entry.to_state) == ("start_review", "stock", "under_review")
    assert entry.occurred_on == D(2021, 9, 1) and entry.recorded_at == NOON and entry.actor == "clerk-9"


def test_occurred_on_defaults_to_the_local_day_of_recording():
    late_evening_utc = dt.datetime(2025, 6, 1, 17, 0, tzinfo=dt.UTC)  # already 2 June in Shanghai
    institution = register(occurred_on=None, recorded_at=late_evening_utc)
    assert institution.history[0].occurred_on == D(2025, 6, 2)


def test_a_future_date_or_one_before_the_previous_step_is_refused():
    institution = register()
    with pytest.raises(TransitionRefused) as future:
        institution.start_review(**when(D(2025, 6, 3)))
    assert future.value.violations[0].code == "transition.occurred_in_future"
    with pytest.raises(TransitionRefused) as backwards:
        institution.start_review(**when(D(2021, 8, 1)))
    assert backwards.value.violations[0].code == "transition.occurred_before_previous"


def test_every_lifecycle_event_fits_its_published_contract():
    institution = register()
    institution.start_review(**when(D(2021, 9, 1)))
    institution.order_rectification(deadline=D(2021, 10, 15), reason="x", **when(D(2021, 9, 10)))
    institution.flag_rectification_overdue(D(2021, 10, 16), recorded_at=NOON)
    institution.license(licence(), **when(D(2021, 10, 20)))
    institution.remind_licence_expiry(D(2026, 8, 10), 30)
    institution.convert(subject_group="arts", **when(D(2022, 1, 1)))
    institution.ban(reason="x", case_id="case-1", **when(D(2022, 2, 1)))
    assert len(institution.events) == institution.version == 8
    for event in institution.events:
        contract_for(event.type).validate(event.data())
        assert event.subject == "01HW8ZQ3V4N6P2K7T9R5M1X0AB"


def test_rectification_overdue_is_recorded_once_the_day_after_the_deadline():
    institution = register(state="under_review")
    institution.order_rectification(deadline=D(2021, 10, 15), reason="x", **when(D(2021, 9, 10)))
    assert not rectification_overdue(institution, D(2021, 10, 15))
    assert institution.flag_rectification_overdue(D(2021, 10, 16), recorded_at=NOON)
    overdue = institution.events[-1]
    assert isinstance(overdue, ev.RectificationOverdue) and overdue.occurred_on == D(2021, 10, 16)
    assert overdue.deadline == D(2021, 10, 15) and institution.state == "rectification"
    assert not institution.flag_rectification_overdue(D(2021, 10, 17))


def test_licence_expiring_within_the_reminder_period_is_reminded_once_per_expiry():
    institution = register(state="under_review")
    institution.license(licence(valid_until=D(2026, 8, 31)), **when(D(2021, 9, 10)))
    assert licence_halves_expiring(institution, D(2026, 7, 31), 30) == []
    [reminder] = institution.remind_licence_expiry(D(2026, 8, 1), 30)
    assert reminder.kind == "school_running_licence" and reminder.valid_until == D(2026, 8, 31)
    assert institution.remind_licence_expiry(D(2026, 8, 2), 30) == []
    institution.renew_licence(licence(valid_until=D(2031, 8, 31)), actor="clerk", occurred_on=D(2025, 6, 1),
                              recorded_at=NOON)
    assert institution.remind_licence_expiry(D(2031, 8, 15), 30)[0].valid_until == D(2031, 8, 31)


@given(st.lists(st.sampled_from(lc.ACTIONS), max_size=12))
def test_any_sequence_of_actions_keeps_history_events_and_version_in_step(actions):
    institution = register()
    data = {"reason": "x", "deadline": D(2030, 1, 1), "licence": licence(valid_until=D(2030, 1, 1)),
            "subject_group": "arts", "case_id": "case-1"}
    accepted = {"start_review": (), "license": ("licence",), "renew_licence": ("licence",),
                "order_rectification": ("deadline", "reason"), "ban": ("reason", "case_id"),
                "close": ("reason",), "convert": ("subject_group", "reason")}
    for action in actions:
        allowed = institution.allowed_actions()
        try:
            institution.transition(action, **{k: data[k] for k in accepted[action]}, **when(D(2022, 1, 1)))
        except IllegalTransition:
            assert action not in allowed
        else:
            assert action in allowed or (action == "ban" and institution.state == "banned")
    assert institution.state in lc.STATES
    assert institution.version == len(institution.history) == len(institution.events)
    if institution.state in lc.TERMINAL:
        assert institution.allowed_actions() == ()


def test_no_licence_reminder_once_the_institution_is_no_longer_licensed():
    institution = register(state="under_review")
    institution.license(licence(valid_until=D(2026, 8, 31)), **when(D(2021, 9, 10)))
    institution.convert(subject_group="arts", **when(D(2022, 1, 1)))
    assert institution.remind_licence_expiry(D(2026, 8, 15), 30) == []


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"division_code": "610799"}, "division_code", "division_code.not_served"),
    ({"town": "洋州街道"}, "town", "town.not_in_county"),
    ({"division_code": "61079"}, "division_code", "division_code.format"),  # malformed: said once, not twice
])
def test_a_county_or_town_the_platform_does_not_serve_is_refused_naming_the_field(changes, field, code):
    with pytest.raises(InvalidInstitution) as refused:
        register(**changes)
    assert [(v.item, v.code) for v in refused.value.violations] == [(field, code)]
