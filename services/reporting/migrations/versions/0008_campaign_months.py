"""Each campaign's figures by month and for all time (`campaign_months`: what the whole country's summary lists its
campaigns from), and holiday reminders among the daily counts (figure `reminders`, keyed by campaign). Both are
filled here from what is already kept: the reminders from `campaign_reminders`, the months from the daily counts.

Revision ID: 0008
Revises: 0007
"""

from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ALL_TIME = date(1, 1, 1)
WORD = 63  # rounds a mask holds: round r is bit (r - 1) % 63 of word (r - 1) // 63
FIGURES = ("rounds", "inspections", "person_times", "reminders")


def upgrade() -> None:
    months = op.create_table(
        "campaign_months",
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column("campaign_id", sa.String(64), primary_key=True),
        sa.Column("word", sa.Integer, primary_key=True),
        *(sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in FIGURES),
        sa.Column("active", sa.BigInteger, nullable=False, server_default="0"),
    )
    bind = op.get_bind()
    daily = sa.table("daily_counts", sa.column("figure"), sa.column("day", sa.Date), sa.column("key"),
                     sa.column("n", sa.BigInteger))
    reminders = sa.table("campaign_reminders", sa.column("campaign_id"), sa.column("remind_on", sa.Date))
    reminded: dict[tuple[str, date, str], int] = defaultdict(int)
    for campaign_id, day in bind.execute(sa.select(reminders.c.campaign_id, reminders.c.remind_on)):
        for figure, on in (("reminders", day), ("reminders@m", day.replace(day=1)), ("reminders@a", ALL_TIME)):
            reminded[figure, on, campaign_id] += 1
    bind.execute(sa.delete(daily).where(daily.c.figure.in_(["reminders", "reminders@m", "reminders@a"])))
    if reminded:
        op.bulk_insert(daily, [{"figure": figure, "day": day, "key": key, "n": n}
                               for (figure, day, key), n in sorted(reminded.items())])
    rows: dict[tuple[date, str, int], dict] = {}

    def row(month: date, campaign_id: str, word: int) -> dict:
        return rows.setdefault((month, campaign_id, word), {
            "month": month, "campaign_id": campaign_id, "word": word, **dict.fromkeys(FIGURES, 0), "active": 0})

    wanted = [f"{name}@{level}" for name in FIGURES for level in "ma"] + ["round_activity@m"]
    for figure, day, key, n in bind.execute(sa.select(daily).where(daily.c.figure.in_(wanted), daily.c.n != 0)):
        if figure == "round_activity@m":
            if n > 0:
                campaign_id, round_ = key.split("\t")
                word, bit = divmod(int(round_) - 1, WORD)
                row(day, campaign_id, word)["active"] |= 1 << bit
        else:
            row(day, key, 0)[figure.split("@")[0]] += n
    kept = [found for found in rows.values() if found["active"] or any(found[name] for name in FIGURES)]
    if kept:
        op.bulk_insert(months, kept)


def downgrade() -> None:
    op.drop_table("campaign_months")
    op.execute("DELETE FROM daily_counts WHERE figure IN ('reminders', 'reminders@m', 'reminders@a')")
