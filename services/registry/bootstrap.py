"""Wires the registry: its tables, migrations, API, event handlers and scheduled checks."""

from pathlib import Path

from services.registry.adapters.orm import metadata
from services.registry.entrypoints.api import register_api
from shared.service import ServiceSpec

HERE = Path(__file__).parent

SERVICE = ServiceSpec(
    name="registry",
    port=8001,
    title="offcampus registry",
    description="Licences, filings and the public disclosure board of off-campus training institutions.",
    metadata=metadata,
    migrations=HERE / "migrations",
    register_api=register_api,
    translations=HERE / "translations",
)
