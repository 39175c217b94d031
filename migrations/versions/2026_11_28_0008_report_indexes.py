"""Report statistics and a covering period index for the climate report (PostgreSQL only).

The period index ix_reuse_events_occurred also carries (INCLUDE) the ids and amounts the report's unit and
matrix queries read, so they scan the index alone instead of the wider table rows.

The climate report sums the period's events grouped by category, the factors they were computed with and
the month (marketplace.impact.report). Each column alone has few values, but the planner multiplies them
and expects about a hundred thousand groups, so it plans a hash aggregate that spills to disk in partitions
(and compiles it with JIT) for what are a few hundred groups. An extended statistics object with the
n-distinct count of exactly that grouping fixes the estimate. SQLite has no such thing and needs none.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 22:40:00
"""

from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# The report's grouping, written as the report's query writes it (the expression must match to be used).
FACTOR_MONTH = ("category_id, factor_set_version, kgco2e_new, mass_kg, price_new_nok, factor_sources, "
                "overridden_by, (date_trunc('month', CAST(occurred_on AS TIMESTAMP WITHOUT TIME ZONE)))")


# Kept here as written, not imported from the model, so the migration stays what it was.
REPORT_COLUMNS = ["giver_municipality_id", "receiver_organisation_id", "giver_unit_id", "receiver_unit_id", "quantity",
                  "co2e_net_kg", "co2e_gross_kg", "waste_kg", "money_nok"]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.drop_index("ix_reuse_events_occurred", table_name="reuse_events")
    op.create_index("ix_reuse_events_occurred", "reuse_events", ["occurred_on"], postgresql_include=REPORT_COLUMNS)
    # Statistics on expressions came with PostgreSQL 14; before that, the columns alone still help.
    columns = FACTOR_MONTH if bind.dialect.server_version_info >= (14,) else FACTOR_MONTH.rsplit(", (", 1)[0]
    op.execute(f"CREATE STATISTICS reuse_events_factor_months (ndistinct) ON {columns} FROM reuse_events")
    op.execute("ANALYZE reuse_events")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP STATISTICS IF EXISTS reuse_events_factor_months")
    op.drop_index("ix_reuse_events_occurred", table_name="reuse_events")
    op.create_index("ix_reuse_events_occurred", "reuse_events", ["occurred_on"])
