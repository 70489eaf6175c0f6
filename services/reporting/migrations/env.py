"""Alembic environment of the reporting: the kit runs it against the registry's own version table."""

from shared.migrations import run_migrations

run_migrations()
