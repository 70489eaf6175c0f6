"""Wires reporting: its projections, migrations, API and the events it consumes."""

from pathlib import Path

from services.reporting.adapters.orm import metadata
from services.reporting.entrypoints.api import register_api
from services.reporting.entrypoints.consumer import HANDLERS
from services.reporting.service_layer import rebuild
from shared.service import ServiceSpec

HERE = Path(__file__).parent


def rebuild_projections(session, progress=None) -> int:
    """Drop reporting's projections and replay its archive into them (`offcampus rebuild reporting`)."""
    return rebuild.rebuild(session, progress=progress)


SERVICE = ServiceSpec(
    name="reporting",
    port=8004,
    title="offcampus reporting",
    description="Projections of every event, the county's figures, exports, charts and a dashboard.",
    metadata=metadata,
    migrations=HERE / "migrations",
    register_api=register_api,
    handlers=HANDLERS,
    translations=HERE / "translations",
    rebuild=rebuild_projections,
)
