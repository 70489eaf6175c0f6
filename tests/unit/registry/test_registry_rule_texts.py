"""Every code has words a clerk understands, in English and Simplified Chinese, rendered without failing."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from services.registry.domain.errors import IllegalTransition, Violation
from services.registry.domain.rule_texts import MESSAGES, action_label, render, render_all, state_label, yuan

ROOT = Path(__file__).resolve().parents[3]
DOMAIN = ROOT / "services" / "registry" / "domain"
TRANSLATIONS = ROOT / "services" / "registry" / "translations"
ZH = gettext.translation("messages", str(TRANSLATIONS), languages=["zh_CN"])
EN = gettext.translation("messages", str(TRANSLATIONS), languages=["en"])
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
CODE_LITERAL = re.compile(
    r"[\"']((?:credit_code|division_code|institution|transition|licence|filing|course|teacher|fee|time|notice)"
    r"\.[a-z_]+)[\"']")


def emitted_codes() -> set[str]:
    found = set()
    for module in DOMAIN.glob("*.py"):
        if module.name not in ("rule_texts.py", "errors.py"):  # errors.py names problem codes, not violations
            found |= set(CODE_LITERAL.findall(module.read_text(encoding="utf-8")))
    # registration builds these three from the field name
    return found | {f"institution.{key}_required" for key in ("name", "town", "subject_group")}


def test_every_code_the_domain_emits_has_a_message():
    assert emitted_codes() - set(MESSAGES) == set()


def test_issue_bad_inputs_each_have_their_own_code():
    bad_inputs = ["credit_code.check_character", "division_code.format", "fee.negative_or_fractional",
                  "time.end_before_start", "time.offline_end_late", "time.rest_day_discipline",
                  "fee.prepaid_hours", "fee.prepaid_amount", "teacher.serving_public_school"]
    assert len(set(bad_inputs)) == len(bad_inputs) and set(bad_inputs) <= set(MESSAGES)


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_message_has_a_chinese_translation_with_the_same_figures(code):
    template = MESSAGES[code]
    translated = ZH.gettext(template)
    assert translated != template
    assert set(PLACEHOLDER.findall(translated)) == set(PLACEHOLDER.findall(template))


def test_compiled_catalogs_match_their_sources():
    for language, compiled in (("zh_CN", ZH), ("en", EN)):
        with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if message.pluralizable:  # the board's "1 month" / "20 class hours"
                singular, plural = message.id
                assert compiled.ngettext(singular, plural, 1) == (message.string[0] or singular), message.id
            elif message.id:
                assert compiled.gettext(message.id) == (message.string or message.id), message.id
                assert "fuzzy" not in message.flags


def test_template_holds_every_marked_text():
    marked = {found[2] for found in extract_from_dir(str(DOMAIN))}
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        template = {message.id for message in read_po(handle) if message.id}
    assert marked <= template  # the template is extracted from the whole service, the API's texts too


def test_offline_class_ending_late_reads_well_in_both_languages():
    violation = Violation("time.offline_end_late", "sessions[0]",
                          {"date": "2025-03-04", "weekday": 2, "end": "20:45", "limit": "20:30"})
    assert render(violation, EN.gettext) == ("The offline class on 2025-03-04 (Tuesday) ends at 20:45; offline "
                                             "classes must end by 20:30.")
    assert render(violation, ZH.gettext) == ("2025-03-04（星期二）的线下课程 20:45 结束；"
                                             "线下培训结束时间不得晚于 20:30。")


def test_money_is_shown_in_yuan():
    violation = Violation("fee.prepaid_amount", "fee_items[0]", {"amount_fen": 500100, "limit_fen": 500000})
    assert render(violation, ZH.gettext) == "一次收费 5001.00 元；每次预收费不得超过 5000.00 元。"
    assert yuan(-5) == "-0.05" and yuan(0) == "0.00"


def test_weekly_slot_and_vacation_and_holiday_names_are_translated():
    weekly = Violation("time.weekly_rest_day_discipline", "timetable[0]", {"weekday": 6})
    assert "每星期六" in render(weekly, ZH.gettext)
    holiday = Violation("time.holiday_discipline", "sessions[0]",
                        {"date": "2025-10-01", "weekday": 3, "holiday": "National Day"})
    assert "国庆节" in render(holiday, ZH.gettext)
    vacation = Violation("time.vacation_discipline", "sessions[0]", {"date": "2025-07-14", "weekday": 1,
                         "vacation": "summer", "from": "2025-07-12", "to": "2025-08-31"})
    assert "暑假" in render(vacation, ZH.gettext)


def test_provisional_day_off_says_so():
    violation = Violation("time.rest_day_discipline", "sessions[0]",
                          {"date": "2031-10-04", "weekday": 6, "provisional": True})
    assert render(violation, EN.gettext).endswith("(provisional: the official holidays of that year are not "
                                                  "published yet)")


def test_illegal_transition_names_state_action_and_what_is_allowed():
    refusal = IllegalTransition("rectification", "renew_licence", ("license", "ban", "close", "convert"))
    [violation] = refusal.violations
    assert render(violation, ZH.gettext) == ("机构当前状态为“整改中”，不能执行“换发办学许可证”。当前可执行："
                                             "发放办学许可证、取缔、注销、转为非学科类。")
    assert render(IllegalTransition("banned", "ban", ()).violations[0], EN.gettext).endswith("Allowed now: nothing.")


@pytest.mark.parametrize(("state", "en", "zh"), [
    ("stock", "on the books (before re-examination)", "存量（复核前在册）"),
    ("rectification", "under rectification", "整改中"),
    ("banned", "banned", "已取缔"),
    ("converted", "converted to non-discipline", "已转为非学科类"),
])
def test_state_names_are_translated(state, en, zh):
    assert state_label(state, EN.gettext) == en
    assert state_label(state, ZH.gettext) == zh


def test_action_names_are_translated():
    assert action_label("order_rectification", ZH.gettext) == "责令整改"
    assert action_label("unknown", ZH.gettext) == "unknown"


def test_render_all_gives_codes_items_figures_and_sentences():
    [answer] = render_all([Violation("teacher.serving_public_school", "teachers[1]", {"name": "赵老师"})],
                          ZH.gettext)
    assert answer == {"code": "teacher.serving_public_school", "item": "teachers[1]", "params": {"name": "赵老师"},
                      "message": "赵老师 是在职中小学教师，不得参与有偿补课。"}


@given(st.sampled_from(sorted(MESSAGES) + ["no.such_code"]),
       st.dictionaries(st.sampled_from(["date", "weekday", "amount_fen", "state", "allowed", "name", "end"]),
                       st.one_of(st.integers(), st.text(max_size=5), st.none(), st.lists(st.text(max_size=3)))))
def test_render_never_fails_whatever_the_figures(code, params):
    for translations in (ZH, EN):
        assert isinstance(render(Violation(code, None, params), translations.gettext), str)


def test_flask_babel_renders_in_the_requests_language():
    from flask import Flask
    from flask_babel import gettext as flask_gettext

    from shared.i18n import install_i18n

    app = Flask(__name__)
    install_i18n(app, "zh_CN", TRANSLATIONS)
    violation = Violation("teacher.no_qualification", "teachers[0]", {"name": "张老师"})
    with app.test_request_context():
        assert render(violation, flask_gettext).startswith("张老师 未填写教师资格证编号")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert render(violation, flask_gettext).startswith("张老师 has no teacher qualification certificate")
