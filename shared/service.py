"""What a service tells the kit about itself; found by the CLI through the `offcampus.services` entry points."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import sqlalchemy as sa

# A handler takes the event and an open session; it runs in the consumer's transaction.
Handler = Callable[[Any, Any], None]


@dataclass(frozen=True)
class ScheduledCheck:
    """A check the worker runs every `every_seconds` (e.g. rectification deadlines, expiring licences).

    `run(database, clock)` takes the service's Database and the worker's clock (`shared.clock`): a check
    reads "today" from the clock only, so a test sets the day and sees the check fire."""

    name: str
    every_seconds: float
    run: Callable[[Any, Any], None]  # (Database, Clock)


@dataclass(frozen=True)
class ServiceSpec:
    """A service's name, port, tables, migrations, HTTP API, event handlers and scheduled checks."""

    name: str
    port: int
    title: str
    metadata: sa.MetaData
    migrations: Path
    register_api: Callable[[Any, Any], None]  # (flask_smorest.Api, Flask app)
    handlers: dict[str, Handler] = field(default_factory=dict)
    scheduled: tuple[ScheduledCheck, ...] = ()
    translations: Path | None = None
    # checks the service's own section of the county file (raising CountyConfigError), so a bad file stops
    # `serve`, `worker` and create_app at start rather than a request later
    check_county: Callable[[Any], Any] | None = None
    # drops what the service derives from events it keeps and derives it again, `(session, progress) -> count`
    # in the caller's transaction, `progress(done, total)`; `offcampus rebuild <svc>` runs it (None: nothing to)
    rebuild: Callable[[Any, Callable[[int, int], None]], int] | None = None
    version: str = "1.0.0"
    description: str = ""

    @property
    def idempotency_table(self) -> sa.Table:
        """The service's table of remembered `Idempotency-Key` answers."""
        return self.metadata.tables["idempotency_keys"]


class UnknownService(LookupError):
    """No installed service has that name."""


def available_services() -> dict[str, Any]:
    """The services installed in this environment, by name (entry points, not imports, so the kit stays apart)."""
    return {ep.name: ep for ep in entry_points(group="offcampus.services")}


def load_service(name: str) -> ServiceSpec:
    """Load one service's spec by name."""
    found = available_services()
    if name not in found:
        raise UnknownService(f"unknown service {name!r}; installed: {', '.join(sorted(found)) or 'none'}")
    return found[name].load()
