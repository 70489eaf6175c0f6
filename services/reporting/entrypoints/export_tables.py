"""Each report as tables for a spreadsheet, headed and labelled in the reader's language."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from services.reporting.adapters.spreadsheets import Table
from services.reporting.domain.texts import (
    CAMPAIGN_KIND_LABELS,
    CATEGORY_LABELS,
    COMPLAINT_FIGURE_LABELS,
    DEPARTMENT_LABELS,
    FIGURE_LABELS,
    MORE_FIGURE_LABELS,
    SANCTION_LABELS,
    STATE_LABELS,
)


def _label(labels: dict[str, str], code: str | None) -> str:
    return _(labels[code]) if code in labels else ("" if code is None else code)


def _scope_table(figures: dict[str, Any]) -> Table:
    return Table(_("Scope"), [_("Filter"), _("Value")], [
        [_("County"), figures.get("division_code")], [_("Town"), figures.get("town")],
        [_("From"), str(figures.get("date_from") or "")], [_("To"), str(figures.get("date_to") or "")]])


def _counts(title: str, heading: str, labels: dict[str, str], counts: dict[str, int]) -> Table:
    return Table(title, [heading, _("Code"), _("Count")],
                 [[_label(labels, code), code, n] for code, n in sorted(counts.items())])


def _campaigns(campaigns: list[dict]) -> Table:
    return Table(_("Campaigns"), [_("Campaign"), _("Kind"), _("Rounds"), _("Inspections"),
                                  _("Inspector person-times"), _("Reminders")],
                 [[item["name"] or item["campaign_id"], _label(CAMPAIGN_KIND_LABELS, item["kind"]), item["rounds"],
                   item["inspections"], item["inspector_person_times"], item["reminders"]] for item in campaigns])


def summary_tables(figures: dict[str, Any]) -> list[Table]:
    """The summary: its figures, institutions by state, sanctions by kind, the campaigns."""
    labels = {**FIGURE_LABELS, **MORE_FIGURE_LABELS}
    return [
        Table(_("Figures"), [_("Figure"), _("Code"), _("Value")],
              [[_(text), name, figures[name]] for name, text in labels.items()]),
        _counts(_("Institutions by state"), _("State"), STATE_LABELS, figures["institutions_by_state"]),
        _counts(_("Sanctions by kind"), _("Sanction"), SANCTION_LABELS, figures["sanctions_by_kind"]),
        _campaigns(figures["campaigns"]),
        _scope_table(figures),
    ]


def complaint_tables(stats: dict[str, Any], scope: dict[str, Any]) -> list[Table]:
    """The complaints desk's figures, by category, channel and department."""
    return [
        Table(_("Complaints"), [_("Figure"), _("Code"), _("Value")],
              [[_(text), name, stats[name]] for name, text in COMPLAINT_FIGURE_LABELS.items()]
              + [[_("Ratings"), "ratings.count", stats["ratings"]["count"]],
                 [_("Reporters satisfied"), "ratings.satisfaction_rate", stats["ratings"]["satisfaction_rate"]]]),
        Table(_("By category"), [_("Category"), _("Code"), _("Complaints received"), _("Complaints closed"),
                                 _("Answered, closed or overdue"), _("Complaints handled on time")],
              [[_label(CATEGORY_LABELS, row["category"]), row["category"], row["received"], row["closed"],
                row["handled"], row["on_time_rate"]] for row in stats["by_category"]]),
        _counts(_("By department"), _("Department"), DEPARTMENT_LABELS, stats["by_department"]),
        _scope_table(scope),
    ]


_SERIES_COLUMNS = ("discipline_before", "discipline_licensed", "reduction_rate", "institutions_banned",
                   "inspections", "inspector_person_times", "cases_opened", "cases_punished", "complaints_received",
                   "complaints_closed", "complaints_on_time_rate")


def series_tables(periods: list[dict[str, Any]], scope: dict[str, Any]) -> list[Table]:
    """One row per week or month."""
    return [Table(_("Series"), [_("From"), _("To"), *(_(FIGURE_LABELS[name]) for name in _SERIES_COLUMNS)],
                  [[str(period["date_from"]), str(period["date_to"]), *(period[name] for name in _SERIES_COLUMNS)]
                   for period in periods]),
            _scope_table(scope)]


def campaign_tables(report: dict[str, Any], scope: dict[str, Any]) -> list[Table]:
    """A campaign's figures, by round, by town and by department (draws left empty where the place cannot count
    them)."""
    figures = [[_("Campaign"), report["name"] or report["campaign_id"]],
               [_("Kind"), _label(CAMPAIGN_KIND_LABELS, report["kind"])],
               [_("Rounds planned"), report["rounds_planned"]], [_("Rounds"), report["rounds"]],
               [_("Draws"), report["draws"]], [_("Targets drawn"), report["targets_drawn"]],
               [_("Inspections"), report["inspections"]],
               [_("Inspector person-times"), report["inspector_person_times"]], [_("Reminders"), report["reminders"]]]
    return [
        Table(_("Campaign"), [_("Figure"), _("Value")], figures),
        Table(_("By round"), [_("Round"), _("Inspections"), _("Inspector person-times")],
              [[row["round"], row["inspections"], row["inspector_person_times"]] for row in report["by_round"]]),
        Table(_("By town"), [_("Town"), _("Inspections"), _("Inspector person-times")],
              [[row["town"], row["inspections"], row["inspector_person_times"]] for row in report["by_town"]]),
        Table(_("By department"), [_("Department"), _("Code"), _("Inspections")],
              [[_label(DEPARTMENT_LABELS, row["department"]), row["department"], row["inspections"]]
               for row in report["by_department"]]),
        _scope_table(scope),
    ]
