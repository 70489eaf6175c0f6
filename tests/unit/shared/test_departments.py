"""Each department of the bus vocabulary has an office name a person reads, in Chinese and in English."""

from __future__ import annotations

from flask import Flask

from shared.departments import OFFICE_NAMES, office_name
from shared.events import vocabulary
from shared.i18n import install_i18n


def test_every_department_of_the_vocabulary_has_an_office_name_in_both_languages():
    assert tuple(OFFICE_NAMES) == vocabulary.DEPARTMENTS
    app = Flask("departments")
    install_i18n(app, "zh_CN", None)
    with app.test_request_context():
        chinese = {code: office_name(code) for code in vocabulary.DEPARTMENTS}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = {code: office_name(code) for code in vocabulary.DEPARTMENTS}
    assert chinese["education"] == "教育局" and english["education"] == "Education Bureau"
    assert all(chinese[code] != english[code] for code in vocabulary.DEPARTMENTS)  # every one translated
    assert len(set(chinese.values())) == len(chinese)
    with app.test_request_context():
        assert office_name("tax") == "tax"  # a code the kit does not name reads as itself
