"""The events reporting subscribes to: every event is archived, and each type feeds the projections."""

from services.reporting.service_layer import archive, projector
from shared.bus import takes_uncontracted

# Each event type any service publishes changes the projections through the projector: one event at a time
# here, by the same rules a rebuild applies thousands at a time.
PROJECTIONS = {event_type: projector.handler for event_type in projector.EVENT_TYPES}

# `#` first: every event is archived as received, those no contract declares included (counted as unknown)
HANDLERS = {"#": takes_uncontracted(archive.keep), **PROJECTIONS}
