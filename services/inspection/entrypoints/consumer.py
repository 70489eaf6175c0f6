"""The events inspection subscribes to, and the use case each one feeds."""

from services.inspection.service_layer import replica, tasks
from shared.events.registry import INSTITUTION_CHANGED

HANDLERS = {
    "registry.institution.registered": replica.institution_registered,
    **{changed: replica.institution_changed for changed in INSTITUTION_CHANGED},
    "registry.filing.published": replica.filing_published,
    # an overdue rectification moves the target's state and plans a follow-up inspection of it
    "registry.institution.rectification_overdue": tasks.rectification_overdue,
    "complaints.clue.referred": tasks.clue_referred,
}
