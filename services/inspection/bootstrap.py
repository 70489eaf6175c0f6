"""Wires inspection: its replica and campaigns, migrations, API and the events it consumes."""

from pathlib import Path

from services.inspection.adapters.orm import metadata
from services.inspection.entrypoints.api import register_api
from services.inspection.entrypoints.consumer import HANDLERS
from services.inspection.service_layer import draws, holidays
from shared.service import ScheduledCheck, ServiceSpec

HERE = Path(__file__).parent

# A draw is published once its round's last day has passed, a holiday reminder from its reminder day: each is
# claimed by one update, so running the checks often, on several workers, publishes sooner but never twice.
SCHEDULED = (
    ScheduledCheck("draws_published", every_seconds=600, run=draws.publish_finished_draws),
    ScheduledCheck("holiday_reminders", every_seconds=600, run=holidays.issue_reminders),
)

SERVICE = ServiceSpec(
    name="inspection",
    port=8002,
    title="offcampus inspection",
    description="Campaigns, double-random draws, joint inspections, cases and sanctions.",
    metadata=metadata,
    migrations=HERE / "migrations",
    register_api=register_api,
    handlers=HANDLERS,
    scheduled=SCHEDULED,
    translations=HERE / "translations",
)
