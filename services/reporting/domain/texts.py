"""What people read on reporting's charts, page and exports: English msgids, translated at the edge."""

from __future__ import annotations

from shared.refusals import N_

STATE_LABELS = {
    "stock": N_("On the books before re-examination"),
    "under_review": N_("Under review"),
    "licensed": N_("Licensed"),
    "rectification": N_("Rectifying"),
    "banned": N_("Banned"),
    "closed": N_("Closed"),
    "converted": N_("Converted"),
}

CATEGORY_LABELS = {
    "unlicensed_training": N_("Unlicensed training"),
    "hidden_tutoring": N_("Hidden tutoring"),
    "holiday_tutoring": N_("Holiday or weekend tutoring"),
    "excessive_fees": N_("Fees above the cap"),
    "public_school_teacher": N_("Public-school teacher tutoring"),
    "refund_dispute": N_("Refund dispute"),
    "safety_hazard": N_("Safety hazard"),
    "other": N_("Other"),
}

# chart: (title, x axis, y axis with its unit)
CHART_TEXTS = {
    "institutions-by-state": (N_("Institutions by state, month by month"), N_("Month"),
                              N_("Institutions (count)")),
    "inspections-per-week": (N_("Inspections per week"), N_("Week beginning"), N_("Inspections (visits)")),
    "complaints-by-category": (N_("Complaints received by category"), N_("Category"),
                               N_("Complaints (count)")),
    "on-time-rate": (N_("Complaints handled on time, month by month"), N_("Month"), N_("On time (%)")),
}

FIGURE_LABELS = {
    "discipline_before": N_("Discipline institutions before"),
    "discipline_licensed": N_("Discipline institutions licensed now"),
    "reduction_rate": N_("Reduction rate"),
    "inspections": N_("Inspections"),
    "inspector_person_times": N_("Inspector person-times"),
    "cases_opened": N_("Cases opened"),
    "cases_punished": N_("Cases punished"),
    "institutions_banned": N_("Institutions banned"),
    "complaints_received": N_("Complaints received"),
    "complaints_closed": N_("Complaints closed"),
    "complaints_on_time_rate": N_("Complaints handled on time"),
}
