"""Handling a clue (triage, referral, answer, closing, overdue, the reporter's rating) and matching keys.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_CLUE_COLUMNS = (
    ("priority", sa.String(10)), ("duplicate_of", sa.String(26)), ("outcome", sa.String(30)),
    ("answered_at", UtcDateTime), ("closed_at", UtcDateTime), ("overdue_at", UtcDateTime),
    ("satisfied", sa.Boolean), ("rating_note", sa.Text),
)
_NAME_COLUMNS = (("address", sa.String(500)), ("address_key", sa.String(500)), ("name_core", sa.String(200)),
                 ("name_pinyin", sa.String(1000)))


def upgrade() -> None:
    for name, kind in _CLUE_COLUMNS:
        op.add_column("clues", sa.Column(name, kind, nullable=True))
    op.create_index("ix_clues_institution_id", "clues", ["institution_id"])
    for name, kind in _NAME_COLUMNS:
        op.add_column("institution_names", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    for name, _kind in _NAME_COLUMNS:
        op.drop_column("institution_names", name)
    op.drop_index("ix_clues_institution_id", "clues")
    for name, _kind in _CLUE_COLUMNS:
        op.drop_column("clues", name)
