"""`offcampus dlq …` and `offcampus events …`: operating the bus and publishing its contract."""

from __future__ import annotations

import json
from pathlib import Path

import click

from shared.config import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent


@click.group()
def dlq() -> None:
    """Inspect and replay a service's dead-letter queue."""


@dlq.command("list")
@click.argument("service")
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True)
def dlq_list(service: str, limit: int) -> None:
    """List the dead letters of SERVICE with their reason, attempts and routing key (one JSON per line)."""
    from shared.bus.dlq import list_dead

    settings = _broker_settings()
    for letter in list_dead(settings.amqp_url, settings.bus_namespace, service, limit=limit):
        click.echo(json.dumps(letter, ensure_ascii=False, default=str))


@dlq.command("replay")
@click.argument("service")
@click.option("--id", "event_id", default=None, help="Replay only this event id (default: all).")
def dlq_replay(service: str, event_id: str | None) -> None:
    """Send SERVICE's dead letters (or one of them) back to its queue."""
    from shared.bus.dlq import replay_dead

    settings = _broker_settings()
    count = replay_dead(settings.amqp_url, settings.bus_namespace, service, event_id=event_id)
    click.echo(f"replayed {count} dead letter(s) of {service}")


def _broker_settings() -> Settings:
    settings = Settings.from_env()
    if not settings.amqp_url:
        raise click.ClickException("OFFCAMPUS_AMQP_URL is not set: dead letters live in RabbitMQ")
    return settings


@click.group()
def events() -> None:
    """The published language: topology and catalog generated from shared/events/."""


@events.command("topology")
@click.option("--output", type=click.Path(path_type=Path),
              default=REPO_ROOT / "deploy" / "rabbitmq" / "definitions.json", show_default=True)
def events_topology(output: Path) -> None:
    """Write the RabbitMQ definitions (exchange, queues, bindings, retry and dead-letter queues)."""
    from shared.bus.topology import write_definitions

    write_definitions(output)
    click.echo(f"wrote {output}")


@events.command("catalog")
@click.option("--docs", type=click.Path(path_type=Path), default=REPO_ROOT / "docs", show_default=True)
def events_catalog(docs: Path) -> None:
    """Write docs/events.md and docs/asyncapi.yaml for integrators."""
    from shared.events.catalog import write_catalog

    for path in write_catalog(docs):
        click.echo(f"wrote {path}")


def register(main: click.Group) -> None:
    """Attach the bus commands to the main CLI."""
    main.add_command(dlq)
    main.add_command(events)
