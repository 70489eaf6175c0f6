"""The events inspection subscribes to, and the use case each one feeds."""

from services.inspection.service_layer import replica

# Every state an institution can reach; each keeps inspection's replica current.
INSTITUTION_CHANGES = (
    "review_started", "licensed", "rectification_ordered", "rectification_overdue", "banned", "closed",
    "converted",
)

HANDLERS = {
    "registry.institution.registered": replica.institution_registered,
    **{f"registry.institution.{change}": replica.institution_changed for change in INSTITUTION_CHANGES},
}
