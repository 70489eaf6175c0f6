"""Wires complaints: its replica of institution names, migrations, API and the events it consumes."""

from pathlib import Path

from services.complaints.adapters.county_section import complaints_rules
from services.complaints.adapters.orm import metadata
from services.complaints.entrypoints.api import register_api
from services.complaints.entrypoints.consumer import HANDLERS
from services.complaints.entrypoints.notices_check import notify_reporters
from services.complaints.service_layer.handling import erase_reporters, flag_overdue
from shared.service import ScheduledCheck, ServiceSpec

HERE = Path(__file__).parent

SERVICE = ServiceSpec(
    name="complaints",
    port=8003,
    title="offcampus complaints",
    description="Complaint intake (Open311), triage, referral to inspection, answers to reporters.",
    metadata=metadata,
    migrations=HERE / "migrations",
    register_api=register_api,
    handlers=HANDLERS,
    scheduled=(
        ScheduledCheck("clues_overdue", 300, flag_overdue),
        ScheduledCheck("reporters_notified", 30, notify_reporters),
        ScheduledCheck("reporters_erased", 3600, erase_reporters),  # after the county file's days
    ),
    translations=HERE / "translations",
    check_county=complaints_rules,  # its section of the county file: deadline, repeats, routing, erasure
)
