"""Alembic environment of inspection: the kit runs it against inspection's own version table."""

from shared.migrations import run_migrations

run_migrations()
