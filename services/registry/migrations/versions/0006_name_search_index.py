"""The clerk's name search answered by an index on PostgreSQL: every character and pair of characters of each
institution's lowercased name (`registry_name_terms`), in a GIN index.

Chinese names have no spaces and a clerk types two characters as often as more ("明德"), so pg_trgm's trigram
index cannot answer the common search (a two-character text has no trigram) and every search read the whole
table, lowercasing each name. The terms of the typed text must all be among a name's: the index finds those
names, LIKE keeps the ones holding the whole text. On SQLite (development) nothing changes: LIKE alone.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# IMMUTABLE (the same text always gives the same terms), so an index may hold it; STRICT: null in, null out
TERMS = """
CREATE FUNCTION registry_name_terms(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ARRAY(SELECT DISTINCT substr(name, i, width)
                 FROM generate_series(1, char_length(name)) AS i, (VALUES (1), (2)) AS widths(width)
                 WHERE i + width - 1 <= char_length(name))
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(TERMS)
    op.execute("CREATE INDEX ix_institutions_name_terms ON institutions USING gin (registry_name_terms(lower(name)))")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_institutions_name_terms")
    op.execute("DROP FUNCTION registry_name_terms(text)")
