"""The events complaints subscribes to, and the use case each one feeds."""

from services.complaints.service_layer import handling, names
from shared.events.registry import INSTITUTION_CHANGED

HANDLERS = {
    "registry.institution.registered": names.institution_registered,
    **{changed: names.institution_changed for changed in INSTITUTION_CHANGED},
    "inspection.task.completed": handling.inspection_completed,
}
