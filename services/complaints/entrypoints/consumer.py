"""The events complaints subscribes to, and the use case each one feeds."""

from services.complaints.service_layer import names

# Every state an institution can reach; each keeps the names the desk matches against current.
INSTITUTION_CHANGES = (
    "review_started", "licensed", "rectification_ordered", "rectification_overdue", "banned", "closed",
    "converted",
)

HANDLERS = {
    "registry.institution.registered": names.institution_registered,
    **{f"registry.institution.{change}": names.institution_changed for change in INSTITUTION_CHANGES},
}
