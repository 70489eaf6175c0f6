"""Wires the registry: its tables, migrations, API, event handlers and scheduled checks."""

from pathlib import Path

from services.registry.adapters.county_section import registry_rules
from services.registry.adapters.orm import metadata
from services.registry.entrypoints import api, board_api, board_pages, console, filings_api, sanctions_api, stats_api
from services.registry.entrypoints.consumer import HANDLERS
from services.registry.service_layer import checks
from shared.service import ScheduledCheck, ServiceSpec

HERE = Path(__file__).parent

# Each module mounts its blueprints with `register(api, app)`.
API_MODULES = (
    api,
    sanctions_api,
    stats_api,
    filings_api,
    board_api,
    board_pages,
    console,  # the clerks' pages under /console
)

# Both checks record what they find once, so running them often only finds things sooner.
SCHEDULED = (
    ScheduledCheck("rectification_overdue", every_seconds=3600, run=checks.flag_overdue_rectifications),
    ScheduledCheck("licence_expiry", every_seconds=3600, run=checks.remind_expiring_licences),
)


def register_api(flask_api, app) -> None:
    """Mount every API module of the registry."""
    for module in API_MODULES:
        module.register(flask_api, app)


SERVICE = ServiceSpec(
    name="registry",
    port=8001,
    title="offcampus registry",
    description="Licences, filings and the public disclosure board of off-campus training institutions.",
    metadata=metadata,
    migrations=HERE / "migrations",
    register_api=register_api,
    handlers=HANDLERS,
    scheduled=SCHEDULED,
    translations=HERE / "translations",
    check_county=registry_rules,  # its section of the county file: grade bands, times, fees, guided prices
)
