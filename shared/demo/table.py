"""Reporting's summary as a table a person reads in a terminal (Chinese labels, English beside them)."""

from __future__ import annotations

import unicodedata
from typing import Any

ROWS = (
    ("discipline_before", "学科类机构（原有）", "discipline institutions before"),
    ("discipline_licensed", "学科类机构（保留）", "discipline institutions licensed"),
    ("reduction_rate", "压减率", "reduction rate"),
    ("institutions_banned", "取缔机构", "institutions banned"),
    ("inspections", "检查次数", "inspections"),
    ("inspector_person_times", "出动检查人次", "inspector person-times"),
    ("cases_opened", "立案", "cases opened"),
    ("cases_punished", "查处案件", "cases punished"),
    ("complaints_received", "受理投诉举报", "complaints received"),
    ("complaints_closed", "办结投诉举报", "complaints closed"),
    ("complaints_on_time_rate", "按期办结率", "answered on time"),
)
KINDS = {"routine": "常态联合检查 routine", "holiday": "节假日专项 holiday", "special": "专项行动 special"}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "—" if value is None else str(value)


def render(summary: dict[str, Any], title: str, expected: dict[str, Any] | None = None,
           campaign_refs: dict[str, str] | None = None) -> str:
    """The summary as lines of text; a figure the scenario expects is marked ✓ when equal, ✗ with it when not
    (a campaign's by the scenario's name for it, `campaign_refs` mapping the platform's ids to those names)."""
    expected, campaign_refs = expected or {}, campaign_refs or {}
    lines = [title, ""]
    label_width = max(_width(f"{zh} {en}") for _key, zh, en in ROWS) + 2
    for key, zh, en in ROWS:
        value = summary.get(key)
        mark = ""
        if key in expected:
            mark = "  ✓" if value == expected[key] else f"  ✗ (expected {_shown(expected[key])})"
        lines.append(f"  {_pad(f'{zh} {en}', label_width)}{_shown(value):>8}{mark}")
    campaigns = summary.get("campaigns") or []
    if campaigns:
        lines += ["", f"  {_pad('专项/检查活动 campaign', 52)}{'轮次':>6}{'检查':>6}{'人次':>6}{'提醒':>6}",
                  "  " + _pad("", 52) + f"{'rounds':>8}{'visits':>8}{'pers.':>7}{'remind.':>8}"]
        by_ref = expected.get("campaigns") or {}
        for campaign in campaigns:
            name = f"{campaign.get('name') or campaign['campaign_id']} [{KINDS.get(campaign.get('kind'), '?')}]"
            wanted = by_ref.get(campaign_refs.get(campaign["campaign_id"]), {})
            wrong = {key: value for key, value in wanted.items() if campaign.get(key) != value}
            mark = "" if not wanted else "  ✓" if not wrong else f"  ✗ (expected {wrong})"
            lines.append(f"  {_pad(name, 52)}{campaign['rounds']:>8}{campaign['inspections']:>8}"
                         f"{campaign['inspector_person_times']:>7}{campaign.get('reminders', 0):>8}{mark}")
    return "\n".join(lines)
