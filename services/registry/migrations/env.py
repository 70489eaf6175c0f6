"""Alembic environment of the registry: the kit runs it against the registry's own version table."""

from shared.migrations import run_migrations

run_migrations()
