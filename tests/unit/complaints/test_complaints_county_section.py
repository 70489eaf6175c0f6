"""Complaints' section of the county file: the desk's deadline, the repeat window, who answers for what and when
a reporter is erased, read from the file and refused, naming the key and its line, when unusable."""

from pathlib import Path

import pytest

from services.complaints.adapters.county_section import complaints_rules
from services.complaints.bootstrap import SERVICE
from services.complaints.domain import Category
from shared.app import create_app
from shared.config import Settings
from shared.county import CHENGGU, CountyConfigError, configured_county, load_county_config

TEST_FILE = Path(configured_county().source)
HANZHONG = CHENGGU.parent / "hanzhong.yaml"


def test_the_desks_rules_come_from_the_county_file():
    rules = complaints_rules()
    assert (rules.answer_within_working_days, rules.duplicate_window_days, rules.erase_reporter_after_days) == (
        15, 30, 180)
    assert rules.department_for(Category.REFUND_DISPUTE) == "market_regulation"
    assert rules.department_for(Category.SAFETY_HAZARD) == "fire"
    assert rules.department_for(Category.HIDDEN_TUTORING) == "education"  # the default
    assert complaints_rules() is complaints_rules()  # typed once per file


@pytest.mark.parametrize("packaged", [CHENGGU, HANZHONG], ids=["chenggu", "hanzhong"])
def test_the_packaged_county_files_hold_the_complaints_section(packaged):
    rules = complaints_rules(load_county_config(packaged))
    assert rules.answer_within_working_days == 15 and rules.default_department == "education"


def _spoiled(tmp_path, old, new):
    text = TEST_FILE.read_text(encoding="utf-8")
    assert old in text
    line = text[:text.index(old)].count("\n") + 1
    path = tmp_path / "county.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path, line


@pytest.mark.parametrize(("old", "new", "complaint"), [
    ("answer_within_working_days: 15", "answer_within_working_days: 0",
     r"complaints\.answer_within_working_days: Must be greater than or equal to 1"),
    ("duplicate_window_days: 30", "duplicate_window_days: thirty", r"complaints\.duplicate_window_days: Not a valid"),
    ("      safety_hazard: fire", "      fire_safety: fire", r"complaints\.departments\.by_category\.fire_safety"),
    ("      safety_hazard: fire", "      safety_hazard: firemen",
     r"complaints\.departments\.by_category\.safety_hazard: Not a department of the county file"),
    ("    default: education", "    default: bureau", r"complaints\.departments\.default: Not a department"),
])
def test_an_unusable_value_is_refused_naming_its_key_and_line(tmp_path, old, new, complaint):
    path, line = _spoiled(tmp_path, old, new)
    with pytest.raises(CountyConfigError, match=rf"line {line}: {complaint}"):
        complaints_rules(load_county_config(path))


def test_complaints_refuses_to_start_on_a_county_file_without_its_section(tmp_path):
    text = TEST_FILE.read_text(encoding="utf-8")
    path = tmp_path / "county.yaml"
    path.write_text(text[:text.index("\n# The complaints desk's rules")], encoding="utf-8")
    settings = Settings(env="test", jwt_secret="complaints-test-secret-0123456789abcdef0123", county_config=path)
    with pytest.raises(CountyConfigError, match="complaints: the section is missing"):
        create_app(SERVICE, settings=settings, database=None, testing=True)
