"""The events reporting subscribes to: every event is archived, and each type feeds its projection."""

from services.reporting.service_layer import (
    archive,
    complaint_projections,
    inspection_projections,
    registry_projections,
)
from shared.bus import takes_uncontracted
from shared.events.registry import INSTITUTION_CHANGED

# Each event type any service publishes, and the projection it changes (a rebuild replays through these).
PROJECTIONS = {
    "registry.institution.registered": registry_projections.institution_registered,
    **{event_type: registry_projections.institution_changed for event_type in INSTITUTION_CHANGED},
    "registry.filing.published": registry_projections.filing_published,
    "registry.licence.expiring": registry_projections.licence_expiring,
    "inspection.campaign.launched": inspection_projections.campaign_launched,
    "inspection.campaign.reminder_issued": inspection_projections.reminder_issued,
    "inspection.draw.published": inspection_projections.draw_published,
    "inspection.task.completed": inspection_projections.task_completed,
    "inspection.case.opened": inspection_projections.case_opened,
    "inspection.case.closed": inspection_projections.case_closed,
    "inspection.case.sanction_imposed": inspection_projections.sanction_imposed,
    "complaints.clue.received": complaint_projections.clue_received,
    "complaints.clue.referred": complaint_projections.clue_referred,
    "complaints.clue.answered": complaint_projections.clue_answered,
    "complaints.clue.closed": complaint_projections.clue_closed,
    "complaints.clue.overdue": complaint_projections.clue_overdue,
    "complaints.clue.rated": complaint_projections.clue_rated,
}

# `#` first: every event is archived as received, those no contract declares included (counted as unknown)
HANDLERS = {"#": takes_uncontracted(archive.keep), **PROJECTIONS}
