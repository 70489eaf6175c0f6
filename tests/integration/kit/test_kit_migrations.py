"""Every service's migrations build exactly the tables its code declares, the audit trail included."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from shared.audit import AUDIT_TABLE
from shared.migrations import alembic_config, downgrade, upgrade, version_table
from shared.service import load_service

pytestmark = pytest.mark.integration
SERVICES = ("registry", "inspection", "complaints", "reporting")


def _drift(url: str, name: str, metadata: sa.MetaData) -> list:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            found = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    # alembic's own version table is in no service's metadata
    return [d for d in found if not (d[0] == "remove_table" and d[1].name == version_table(name))]


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _before_audit(spec, url: str) -> str:
    """The revision before the step that adds the audit trail."""
    scripts = ScriptDirectory.from_config(alembic_config(spec, url))
    [step] = [s for s in scripts.walk_revisions() if s.path.endswith("_audit_records.py")]
    return step.down_revision


@pytest.mark.parametrize("name", SERVICES)
def test_the_migrated_database_matches_the_services_tables_and_the_audit_step_goes_back_and_forth(name, pg_url):
    spec = load_service(name)
    upgrade(spec, pg_url)
    assert _drift(pg_url, name, spec.metadata) == []
    assert AUDIT_TABLE in _tables(pg_url)

    downgrade(spec, pg_url, _before_audit(spec, pg_url))
    assert AUDIT_TABLE not in _tables(pg_url)
    upgrade(spec, pg_url)
    assert _drift(pg_url, name, spec.metadata) == []
