"""Report tallies: the reuse ledger summed per month for the site and each network (decision 21); indexes
for a unit's report, which reads its own events.

The tallies of the events already in the ledger are summed here, in SQL written for this migration (not the
application's code, which may change later), the same way ``marketplace.impact.tallies.rebuild`` sums them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 01:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

SIGN = "CASE WHEN e.quantity > 0 THEN 1 ELSE -1 END"
# breakdown → (its key columns: tally column = event expression, its amounts: tally column = SUM of expression)
BREAKDOWNS = {
    "factors": (
        {"category_id": "e.category_id", "factor_set_version": "e.factor_set_version", "kgco2e_new": "e.kgco2e_new",
         "mass_kg": "e.mass_kg", "price_new_nok": "e.price_new_nok", "factor_sources": "e.factor_sources",
         "overridden_by": "e.overridden_by"},
        {"event_rows": "1", "events_received": SIGN, "events_given": SIGN, "quantity_received": "e.quantity",
         "quantity_given": "e.quantity", "co2e_net_kg": "e.co2e_net_kg", "co2e_gross_kg": "e.co2e_gross_kg",
         "waste_kg": "e.waste_kg", "money_nok": "e.money_nok"}),
    "unit_received": (
        {"unit_id": "e.receiver_unit_id"},
        {"events_received": SIGN, "quantity_received": "e.quantity", "co2e_net_kg": "e.co2e_net_kg",
         "co2e_gross_kg": "e.co2e_gross_kg", "money_nok": "e.money_nok"}),
    "unit_given": (
        {"unit_id": "e.giver_unit_id"},
        {"events_given": SIGN, "quantity_given": "e.quantity", "waste_kg": "e.waste_kg"}),
    "pair": (
        {"giver_id": "e.giver_municipality_id", "receiver_id": "e.receiver_organisation_id"},
        {"events_received": SIGN, "events_given": SIGN, "quantity_received": "e.quantity",
         "quantity_given": "e.quantity", "co2e_net_kg": "e.co2e_net_kg", "co2e_gross_kg": "e.co2e_gross_kg",
         "waste_kg": "e.waste_kg", "money_nok": "e.money_nok"}),
}
SCALES = {"quantity_received": 3, "quantity_given": 3, "co2e_net_kg": 3, "co2e_gross_kg": 3, "waste_kg": 3,
          "money_nok": 2}
# The site counts every event; a network each event whose giver or receiver is a member, once.
SCOPES = {
    "NULL": "reuse_events e",
    "n.id": "reuse_events e JOIN networks n ON EXISTS (SELECT 1 FROM network_members m WHERE m.network_id = n.id "
            "AND m.organisation_id IN (e.giver_municipality_id, e.receiver_organisation_id))",
}


def upgrade() -> None:
    op.create_table('report_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=True),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('breakdown', sa.String(length=16), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('factor_set_version', sa.String(length=40), nullable=True),
    sa.Column('kgco2e_new', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('mass_kg', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('price_new_nok', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('factor_sources', sa.Text(), nullable=True),
    sa.Column('overridden_by', sa.String(length=20), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('giver_id', sa.Integer(), nullable=True),
    sa.Column('receiver_id', sa.Integer(), nullable=True),
    sa.Column('event_rows', sa.Integer(), nullable=False),
    sa.Column('events_received', sa.Integer(), nullable=False),
    sa.Column('events_given', sa.Integer(), nullable=False),
    sa.Column('quantity_received', sa.Numeric(precision=16, scale=3), nullable=False),
    sa.Column('quantity_given', sa.Numeric(precision=16, scale=3), nullable=False),
    sa.Column('co2e_net_kg', sa.Numeric(precision=16, scale=3), nullable=False),
    sa.Column('co2e_gross_kg', sa.Numeric(precision=16, scale=3), nullable=False),
    sa.Column('waste_kg', sa.Numeric(precision=16, scale=3), nullable=False),
    sa.Column('money_nok', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_report_tallies_category_id_categories')),
    sa.ForeignKeyConstraint(['giver_id'], ['organisations.id'], name=op.f('fk_report_tallies_giver_id_organisations')),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_report_tallies_network_id_networks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['receiver_id'], ['organisations.id'], name=op.f('fk_report_tallies_receiver_id_organisations')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_report_tallies_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_tallies'))
    )
    with op.batch_alter_table('report_tallies', schema=None) as batch_op:
        batch_op.create_index('ix_report_tallies_scope', ['network_id', 'month'], unique=False)
    with op.batch_alter_table('reuse_events', schema=None) as batch_op:
        batch_op.create_index('ix_reuse_events_receiver_unit', ['receiver_unit_id', 'occurred_on'], unique=False)
        batch_op.create_index('ix_reuse_events_giver_unit', ['giver_unit_id', 'occurred_on'], unique=False)
    _sum_the_ledger()


def _sum_the_ledger() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    month = "CAST(date_trunc('month', e.occurred_on) AS DATE)" if postgres else "date(e.occurred_on, 'start of month')"
    for breakdown, (keys, amounts) in BREAKDOWNS.items():
        for network, source in SCOPES.items():
            totals = {name: f"ROUND(SUM({amounts[name]}), {SCALES[name]})" if name in amounts else "0"
                      for name in SCALES}
            counts = {name: f"SUM({amounts[name]})" if name in amounts else "0"
                      for name in ("event_rows", "events_received", "events_given")}
            columns = {"network_id": network, "month": month, "breakdown": f"'{breakdown}'", **keys, **counts,
                       **totals}
            not_empty = " AND ".join(f"{expression} IS NOT NULL" for expression in keys.values()) \
                if breakdown.startswith("unit") else "1 = 1"
            grouping = ", ".join(expression for expression in (network, month, *keys.values()) if expression != "NULL")
            op.execute(f"INSERT INTO report_tallies ({', '.join(columns)}) "
                       f"SELECT {', '.join(columns.values())} FROM {source} WHERE {not_empty} GROUP BY {grouping}")


def downgrade() -> None:
    with op.batch_alter_table('reuse_events', schema=None) as batch_op:
        batch_op.drop_index('ix_reuse_events_giver_unit')
        batch_op.drop_index('ix_reuse_events_receiver_unit')
    with op.batch_alter_table('report_tallies', schema=None) as batch_op:
        batch_op.drop_index('ix_report_tallies_scope')
    op.drop_table('report_tallies')
