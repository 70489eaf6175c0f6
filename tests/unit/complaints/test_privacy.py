"""Masking of numbers in public output, and the sealing of what only the desk may read."""

import pytest
from cryptography.exceptions import InvalidTag

from services.complaints.adapters.vault import KEY_VARIABLE, Vault
from services.complaints.domain.privacy import mask_personal_numbers
from services.complaints.service_layer.intake import place_in_town
from shared.config import Settings, SettingsError


@pytest.mark.parametrize(("written", "shown"), [
    ("电话13812345678", "电话138****5678"),
    ("电话 +86 138 1234 5678 找王老师", "电话 138****5678 找王老师"),
    ("+8613812345678", "138****5678"),
    ("138-1234-5678", "138****5678"),
    ("身份证610722199001011234", "身份证610722********4"),
    ("身份证61072219900101123X。", "身份证610722********X。"),
])
def test_phone_and_id_numbers_are_masked(written, shown):
    assert mask_personal_numbers(written) == shown


@pytest.mark.parametrize("kept", ["收费5000元", "0916-7000000", "订单号 2381234567890", "12345678901"])
def test_other_numbers_are_left_as_written(kept):
    assert mask_personal_numbers(kept) == kept


def test_a_sealed_value_opens_only_for_its_clue_and_key():
    vault = Vault(b"k" * 32)
    sealed = vault.seal("clue-1", {"phone": "13812345678"})
    assert b"13812345678" not in sealed
    assert vault.open("clue-1", sealed) == {"phone": "13812345678"}
    with pytest.raises(InvalidTag):
        vault.open("clue-2", sealed)
    with pytest.raises(InvalidTag):
        Vault(b"j" * 32).open("clue-1", sealed)


def test_production_refuses_to_run_without_a_sealing_key():
    with pytest.raises(SettingsError, match=KEY_VARIABLE):
        Vault.configured(Settings(env="production"), environ={})
    with pytest.raises(SettingsError, match="32 bytes"):
        Vault.configured(Settings(env="production"), environ={KEY_VARIABLE: "c2hvcnQ"})
    assert Vault.configured(Settings(env="production"), environ={KEY_VARIABLE: "a" * 43})


def test_an_address_is_placed_in_the_longest_town_it_names():
    assert place_in_town("城固县博望街道文化路", ["城关镇", "博望街道"]) == "博望街道"
    assert place_in_town("老城关镇街", ["城关镇", "老城关镇"]) == "老城关镇"
    assert place_in_town("汉中市某小区", ["城关镇"]) is None
