"""Complaints' domain: the categories people choose from, and names compared however they are written."""

import pytest

from services.complaints.domain import GROUP_OF, Category, Channel, name_key
from services.complaints.entrypoints.consumer import HANDLERS
from shared.events import contract_for, vocabulary


def test_categories_and_channels_are_the_published_vocabulary():
    assert tuple(c.value for c in Category) == vocabulary.CLUE_CATEGORIES
    assert tuple(c.value for c in Channel) == vocabulary.CLUE_CHANNELS


def test_every_category_belongs_to_a_group():
    assert set(GROUP_OF) == set(Category)


@pytest.mark.parametrize("written", [
    "城固县启明文化培训学校（博望校区）",
    "城固县 启明文化培训学校 (博望校区)",
    "城固县启明文化培训学校(博望校区)",
    "城固县·启明文化培训学校【博望校区】",
])
def test_one_name_written_many_ways_has_one_key(written):
    assert name_key(written) == "城固县启明文化培训学校博望校区"


def test_full_width_letters_and_case_fold_together():
    assert name_key("ＡＢＣ英语 Ｓｃｈｏｏｌ") == name_key("abc英语school") == "abc英语school"


def test_different_names_keep_different_keys():
    assert name_key("启明培训") != name_key("启航培训")


def test_punctuation_only_has_an_empty_key():
    assert name_key(" （）· ") == ""


def test_every_event_complaints_consumes_has_a_contract_naming_it_a_consumer():
    for event_type in HANDLERS:
        assert "complaints" in contract_for(event_type).consumers
