"""Each report as tables for a spreadsheet, headed and labelled in the reader's language."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from services.reporting.adapters.spreadsheets import Table
from services.reporting.domain.texts import (
    CAMPAIGN_FIGURE_LABELS,
    CAMPAIGN_KIND_LABELS,
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    COMPLAINT_FIGURE_LABELS,
    DEPARTMENT_LABELS,
    FIGURE_LABELS,
    MORE_FIGURE_LABELS,
    NOT_REFERRED,
    OUTCOME_LABELS,
    SANCTION_LABELS,
    SERIES_FIGURES,
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


def _figure(figures: dict[str, Any], code: str) -> Any:
    """A figure by its code, a dotted one inside a nested object ("ratings.count")."""
    for part in code.split("."):
        figures = figures[part]
    return figures


def _campaigns(campaigns: list[dict]) -> Table:
    return Table(_("Campaigns"), [_("Campaign"), _("Code"), _("Kind"), *map(_, CAMPAIGN_FIGURE_LABELS.values())],
                 [[item["name"] or item["campaign_id"], item["campaign_id"], _label(CAMPAIGN_KIND_LABELS, item["kind"]),
                   *(item[name] for name in CAMPAIGN_FIGURE_LABELS)] for item in campaigns])


def summary_tables(figures: dict[str, Any]) -> list[Table]:
    """The summary: its figures, institutions by state, sanctions by kind, the campaigns, inspections by outcome."""
    labels = {**FIGURE_LABELS, **MORE_FIGURE_LABELS}
    return [
        Table(_("Figures"), [_("Figure"), _("Code"), _("Value")],
              [[_(text), name, figures[name]] for name, text in labels.items()]),
        _counts(_("Institutions by state"), _("State"), STATE_LABELS, figures["institutions_by_state"]),
        _counts(_("Sanctions by kind"), _("Sanction"), SANCTION_LABELS, figures["sanctions_by_kind"]),
        _campaigns(figures["campaigns"]),
        _counts(_("Inspections by outcome"), _("Outcome"), OUTCOME_LABELS, figures["inspections_by_outcome"]),
        _scope_table(figures),
    ]


def _handling(title: str, heading: str, groups: list[tuple[str, str | None, dict[str, Any]]]) -> Table:
    """Complaints' figures a group a row: its name, its code, then every figure of COMPLAINT_FIGURE_LABELS."""
    return Table(title, [heading, _("Code"), *map(_, COMPLAINT_FIGURE_LABELS.values())],
                 [[name, code, *(_figure(group, figure) for figure in COMPLAINT_FIGURE_LABELS)]
                  for name, code, group in groups])


def complaint_tables(stats: dict[str, Any], scope: dict[str, Any]) -> list[Table]:
    """The complaints desk's figures: in all, by category, by department, by channel, referrals by department."""
    return [
        Table(_("Complaints"), [_("Figure"), _("Code"), _("Value")],
              [[_(text), name, _figure(stats, name)] for name, text in COMPLAINT_FIGURE_LABELS.items()]),
        _handling(_("By category"), _("Category"), [
            (_label(CATEGORY_LABELS, group["category"]), group["category"], group) for group in stats["by_category"]]),
        _handling(_("By department"), _("Department"), [
            (_label(DEPARTMENT_LABELS, group["department"]) if group["department"] is not None else _(NOT_REFERRED),
             group["department"], group) for group in stats["departments"]]),
        _counts(_("By channel"), _("Channel"), CHANNEL_LABELS, stats["by_channel"]),
        _counts(_("Referrals by department"), _("Department"), DEPARTMENT_LABELS, stats["by_department"]),
        _scope_table(scope),
    ]


def series_tables(periods: list[dict[str, Any]], scope: dict[str, Any]) -> list[Table]:
    """One row per week or month: its figures, then its institutions by state at its end."""
    states = [state for state in STATE_LABELS if any(state in period["institutions_by_state"] for period in periods)]
    states += sorted({state for period in periods for state in period["institutions_by_state"]} - set(states))
    return [Table(_("Series"), [_("From"), _("To"), *(_(FIGURE_LABELS[name]) for name in SERIES_FIGURES)],
                  [[str(period["date_from"]), str(period["date_to"]), *(period[name] for name in SERIES_FIGURES)]
                   for period in periods]),
            Table(_("States, period by period"), [_("From"), _("To"), *(_label(STATE_LABELS, state)
                                                                       for state in states)],
                  [[str(period["date_from"]), str(period["date_to"]),
                    *(period["institutions_by_state"].get(state, 0) for state in states)] for period in periods]),
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
