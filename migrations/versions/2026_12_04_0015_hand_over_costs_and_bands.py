"""The whole climate formula on each reuse event (issue #17): what the hand-over cost (price paid, transport,
refurbishment), the remaining-life factor L, and the uncertainty band (the low and high factors and the net CO2e
computed with each); the report tallies sum the band, the price paid and the refurbishment cost.

Columns are only added (ALTER TABLE ... ADD COLUMN on both engines, never SQLite's batch copy), so the
append-only triggers of migration 0004 stay. Events from before this migration had no band recorded: their low
and high CO2e are set to their net CO2e (a band of zero width, the factors' ends left empty), and the tallies the
same way, so every tally still equals the sum of its events. The trigger is lifted for that one UPDATE only.

On PostgreSQL the period index carries the new report amounts too (as 0008 made it carry the others).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 23:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

CO2E = sa.Numeric(12, 3)
MONEY = sa.Numeric(12, 2)
# Kept here as written, not imported from the model, so the migration stays what it was.
REPORT_COLUMNS_0008 = ["giver_municipality_id", "receiver_organisation_id", "giver_unit_id", "receiver_unit_id",
                       "quantity", "co2e_net_kg", "co2e_gross_kg", "waste_kg", "money_nok"]
REPORT_COLUMNS = [*REPORT_COLUMNS_0008, "co2e_low_kg", "co2e_high_kg", "price_paid_nok", "refurbishment_nok"]
EVENT_COLUMNS = [
    sa.Column('kgco2e_low', CO2E, nullable=True),
    sa.Column('kgco2e_high', CO2E, nullable=True),
    sa.Column('lifetime_factor', sa.Numeric(4, 3), server_default=sa.text("1"), nullable=False),
    sa.Column('price_paid_nok', MONEY, nullable=True),
    sa.Column('transport_km', sa.Numeric(12, 3), nullable=True),
    sa.Column('transport_mode', sa.String(length=20), nullable=True),
    sa.Column('transport_kgco2e', CO2E, nullable=True),
    sa.Column('refurbishment_nok', MONEY, nullable=True),
    sa.Column('refurbishment_kgco2e', CO2E, nullable=True),
    sa.Column('co2e_low_kg', CO2E, server_default=sa.text("0"), nullable=False),
    sa.Column('co2e_high_kg', CO2E, server_default=sa.text("0"), nullable=False),
]
TALLY_COLUMNS = [
    sa.Column('co2e_low_kg', sa.Numeric(16, 3), server_default=sa.text("0"), nullable=False),
    sa.Column('co2e_high_kg', sa.Numeric(16, 3), server_default=sa.text("0"), nullable=False),
    sa.Column('price_paid_nok', sa.Numeric(16, 2), server_default=sa.text("0"), nullable=False),
    sa.Column('refurbishment_nok', sa.Numeric(16, 2), server_default=sa.text("0"), nullable=False),
]
SQLITE_NO_UPDATE = ("CREATE TRIGGER reuse_events_no_update BEFORE UPDATE ON reuse_events "
                    "BEGIN SELECT RAISE(ABORT, 'reuse_events is append-only: record a reversing event instead'); END")


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for column in EVENT_COLUMNS:
        op.add_column('reuse_events', column)
    for column in TALLY_COLUMNS:
        op.add_column('report_tallies', column)

    band = "UPDATE reuse_events SET co2e_low_kg = co2e_net_kg, co2e_high_kg = co2e_net_kg"
    if postgresql:
        op.execute("ALTER TABLE reuse_events DISABLE TRIGGER reuse_events_append_only")
        op.execute(band)
        op.execute("ALTER TABLE reuse_events ENABLE TRIGGER reuse_events_append_only")
    else:
        op.execute("DROP TRIGGER reuse_events_no_update")
        op.execute(band)
        op.execute(SQLITE_NO_UPDATE)
    op.execute("UPDATE report_tallies SET co2e_low_kg = co2e_net_kg, co2e_high_kg = co2e_net_kg")

    if postgresql:
        op.drop_index("ix_reuse_events_occurred", table_name="reuse_events")
        op.create_index("ix_reuse_events_occurred", "reuse_events", ["occurred_on"],
                        postgresql_include=REPORT_COLUMNS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_reuse_events_occurred", table_name="reuse_events")
        op.create_index("ix_reuse_events_occurred", "reuse_events", ["occurred_on"],
                        postgresql_include=REPORT_COLUMNS_0008)
    for column in reversed(TALLY_COLUMNS):
        op.drop_column('report_tallies', column.name)
    for column in reversed(EVENT_COLUMNS):
        op.drop_column('reuse_events', column.name)
