"""The events reporting subscribes to, and the projection each one feeds."""

from services.reporting.service_layer import projections

HANDLERS = {
    "registry.institution.registered": projections.institution_registered,
}
