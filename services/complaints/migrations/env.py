"""Alembic environment of complaints: the kit runs it against its own version table."""

from shared.migrations import run_migrations

run_migrations()
