"""Wires inspection: its replica and campaigns, migrations, API and the events it consumes."""

from pathlib import Path

from services.inspection.adapters.orm import metadata
from services.inspection.entrypoints.api import register_api
from services.inspection.entrypoints.consumer import HANDLERS
from shared.service import ServiceSpec

HERE = Path(__file__).parent

SERVICE = ServiceSpec(
    name="inspection",
    port=8002,
    title="offcampus inspection",
    description="Campaigns, double-random draws, joint inspections, cases and sanctions.",
    metadata=metadata,
    migrations=HERE / "migrations",
    register_api=register_api,
    handlers=HANDLERS,
    translations=HERE / "translations",
)
