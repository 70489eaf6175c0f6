"""Alembic per service: each service's own migrations and its own version table, run programmatically."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config

from shared.service import ServiceSpec


def version_table(service: str) -> str:
    """The alembic version table of a service (its own, so services could even share a database)."""
    return f"alembic_version_{service}"


def alembic_config(spec: ServiceSpec, url: str) -> Config:
    """An alembic Config pointing at the service's migrations and database."""
    config = Config()
    config.set_main_option("script_location", str(spec.migrations))
    config.set_main_option("version_table", version_table(spec.name))
    config.attributes["url"] = url
    config.attributes["metadata"] = spec.metadata
    return config


def upgrade(spec: ServiceSpec, url: str, revision: str = "head") -> None:
    """Bring the service's database to `revision`."""
    command.upgrade(alembic_config(spec, url), revision)


def downgrade(spec: ServiceSpec, url: str, revision: str) -> None:
    """Take the service's database back to `revision`."""
    command.downgrade(alembic_config(spec, url), revision)


def run_migrations() -> None:
    """The body of every service's alembic `env.py`."""
    config = context.config
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    metadata = config.attributes.get("metadata")
    table = config.get_main_option("version_table")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, version_table=table, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata, version_table=table,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
