"""Inspection's domain rules: what makes a campaign; the events it consumes."""

import datetime as dt

import pytest

from services.inspection.domain import (
    DEPARTMENTS,
    INSTITUTION_STATES,
    Campaign,
    CampaignKind,
    CampaignRefused,
)
from services.inspection.entrypoints.consumer import HANDLERS
from shared.events import contract_for, vocabulary

SUMMER = {"id": "c1", "name": "暑期“监管护苗”专项行动", "kind": "special", "starts_on": dt.date(2021, 7, 10),
          "ends_on": dt.date(2021, 8, 28), "towns": ["博望街道", "龙头镇"],
          "departments": ["education", "fire"], "rounds": 6}


def launch(**changes):
    return Campaign.launch(**{**SUMMER, **changes})


def fields_refused(**changes):
    with pytest.raises(CampaignRefused) as refused:
        launch(**changes)
    return {(v.item, v.code) for v in refused.value.violations}


def test_summer_action_of_fifty_days_is_launched():
    campaign = launch()
    assert campaign.kind is CampaignKind.SPECIAL
    assert campaign.days == 50
    assert campaign.is_active_on(dt.date(2021, 8, 1))
    assert not campaign.is_active_on(dt.date(2021, 8, 29))


def test_campaign_ending_before_it_starts_is_refused_naming_ends_on():
    assert fields_refused(ends_on=dt.date(2021, 7, 9)) == {("ends_on", "campaign.ends_before_start")}


def test_one_day_campaign_is_allowed():
    assert launch(ends_on=SUMMER["starts_on"]).days == 1


def test_every_broken_rule_is_listed_at_once():
    assert fields_refused(name="  ", kind="weekly", towns=[" "], departments=["police"], rounds=-1) == {
        ("name", "campaign.name_blank"), ("kind", "campaign.kind_unknown"), ("towns", "campaign.no_towns"),
        ("departments", "campaign.department_unknown"), ("rounds", "campaign.rounds_negative"),
    }


def test_campaign_without_departments_is_refused():
    assert fields_refused(departments=[]) == {("departments", "campaign.no_departments")}


def test_a_town_named_twice_is_one_town_and_names_are_trimmed():
    campaign = launch(towns=["龙头镇", " 龙头镇 ", "博望街道"], name="  五一节前检查 ")
    assert campaign.towns == ("龙头镇", "博望街道")
    assert campaign.name == "五一节前检查"


def test_domain_words_are_the_published_vocabulary():
    assert DEPARTMENTS == vocabulary.DEPARTMENTS
    assert INSTITUTION_STATES == vocabulary.INSTITUTION_STATES
    assert tuple(k.value for k in CampaignKind) == vocabulary.CAMPAIGN_KINDS


def test_every_event_inspection_consumes_has_a_contract_naming_it_a_consumer():
    for event_type in HANDLERS:
        assert "inspection" in contract_for(event_type).consumers
