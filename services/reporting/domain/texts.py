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
# What a joint inspection checks (inspection's checklist, `findings` on inspection.task.completed): the open
# data's violations read "Not met: <item>"; a code not listed here reads as itself
CHECKLIST_LABELS = {
    "licence_displayed": N_("Licence displayed"), "fees_published": N_("Fees published"),
    "teachers_qualified": N_("Teachers qualified"),
    "no_public_school_teachers": N_("No serving public-school teachers"),
    "training_time": N_("Training times within the rules"), "fire_safety": N_("Fire safety"),
    "materials_as_filed": N_("Teaching materials as filed"),
}

CHART_TEXTS = {  # title, x axis, y axis: each axis with its unit
    "institutions-by-state": (N_("Institutions by state, month by month"), N_("Month (year-month)"),
                              N_("Institutions (count)")),
    "inspections-per-week": (N_("Inspections per week"), N_("Week beginning (Monday, year-month-day)"),
                             N_("Inspections (visits)")),
    "complaints-by-category": (N_("Complaints received by category"), N_("Complaint category"),
                               N_("Complaints (count)")),
    "on-time-rate": (N_("Complaints handled on time, month by month"), N_("Month (year-month)"),
                     N_("On time (%)")),
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

SANCTION_LABELS = {
    "warning": N_("Warning"),
    "rectification_order": N_("Order to rectify"),
    "fine": N_("Fine"),
    "ban": N_("Ban"),
}

DEPARTMENT_LABELS = {
    "education": N_("Education"),
    "civil_affairs": N_("Civil affairs"),
    "market_regulation": N_("Market regulation"),
    "culture_tourism": N_("Culture and tourism"),
    "fire": N_("Fire and rescue"),
    "urban_management": N_("Urban management"),
    "public_security": N_("Public security"),
}

CAMPAIGN_KIND_LABELS = {"routine": N_("Routine"), "holiday": N_("Holiday"), "special": N_("Special")}

# figures a spreadsheet lists besides the dashboard's
MORE_FIGURE_LABELS = {
    "institutions_filed": N_("Institutions filed"),
    "licence_reminders": N_("Licence reminders"),
    "fines_fen": N_("Fines (fen)"),
}

# the complaints desk's figures (ratings' under dotted codes): the rows of the export's figures, and the columns of
# its tables by category and by department
COMPLAINT_FIGURE_LABELS = {
    "received": N_("Complaints received"),
    "referred": N_("Referred"),
    "answered": N_("Answered"),
    "closed": N_("Complaints closed"),
    "overdue": N_("Overdue"),
    "handled": N_("Answered, closed or overdue"),
    "on_time": N_("On time"),
    "on_time_rate": N_("Complaints handled on time"),
    "median_handling_hours": N_("Median handling time (hours)"),
    "ratings.count": N_("Ratings"),
    "ratings.satisfied": N_("Ratings satisfied"),
    "ratings.satisfaction_rate": N_("Satisfaction rate"),
}

NOT_REFERRED = N_("Not referred")

CHANNEL_LABELS = {
    "hotline": N_("Hotline"),
    "mailbox": N_("Mailbox"),
    "web_form": N_("Web form"),
    "walk_in": N_("Walk-in"),
    "government_hotline": N_("Government hotline (12345)"),
}

# inspections' outcomes (the open data's words)
OUTCOME_LABELS = {"compliant": N_("Compliant"), "rectification_ordered": N_("Ordered to rectify"),
                  "violation": N_("Violation found")}

# the columns of the summary export's campaigns
CAMPAIGN_FIGURE_LABELS = {
    "rounds": N_("Rounds"),
    "inspections": N_("Inspections"),
    "inspector_person_times": N_("Inspector person-times"),
    "reminders": N_("Reminders"),
}

# the columns of the series export, after each period's first and last day
SERIES_FIGURES = ("discipline_before", "discipline_licensed", "reduction_rate", "institutions_banned",
                  "inspections", "inspector_person_times", "cases_opened", "cases_punished", "complaints_received",
                  "complaints_closed", "complaints_on_time_rate")
