"""Reservations, the waitlist and the append-only reuse ledger; availability on items; reservation policy.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 19:53:17.452682
"""

from alembic import op
import sqlalchemy as sa
import marketplace.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reservations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('requester_id', sa.Integer(), nullable=True),
    sa.Column('requester_organisation_id', sa.Integer(), nullable=False),
    sa.Column('requester_unit_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('requested', 'approved', 'collected', 'rejected', 'cancelled', 'expired', name='reservation_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('would_buy_new', sa.Enum('yes', 'no', 'unknown', name='would_buy_new', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('wished_pickup_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('pickup_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('pickup_confirmed', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_reservations_quantity_positive')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_reservations_item_id_items')),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisations.id'], name=op.f('fk_reservations_municipality_id_organisations')),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_reservations_requester_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requester_organisation_id'], ['organisations.id'], name=op.f('fk_reservations_requester_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['requester_unit_id'], ['units.id'], name=op.f('fk_reservations_requester_unit_id_units'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservations'))
    )
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.create_index('ix_reservations_item_status', ['item_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_requester_id'), ['requester_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reservations_requester_organisation_id'), ['requester_organisation_id'], unique=False)

    op.create_table('waitlist_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('status', sa.Enum('waiting', 'offered', 'reserved', 'lapsed', 'left', name='waitlist_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('offered_quantity', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('offered_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('offer_expires_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_waitlist_entries_quantity_positive')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_waitlist_entries_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_waitlist_entries_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries'))
    )
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waitlist_entries_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waitlist_entries_user_id'), ['user_id'], unique=False)

    op.create_table('reservation_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reservation_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_reservation_messages_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'], name=op.f('fk_reservation_messages_reservation_id_reservations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservation_messages'))
    )
    with op.batch_alter_table('reservation_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reservation_messages_reservation_id'), ['reservation_id'], unique=False)

    op.create_table('reuse_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('reservation_id', sa.Integer(), nullable=True),
    sa.Column('reverses_event_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('giver_municipality_id', sa.Integer(), nullable=False),
    sa.Column('giver_unit_id', sa.Integer(), nullable=True),
    sa.Column('receiver_organisation_id', sa.Integer(), nullable=False),
    sa.Column('receiver_unit_id', sa.Integer(), nullable=True),
    sa.Column('would_buy_new', sa.String(length=10), nullable=False),
    sa.Column('displacement', sa.Numeric(precision=4, scale=3), nullable=False),
    sa.Column('would_be_discarded', sa.Boolean(), nullable=False),
    sa.Column('kgco2e_new', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('mass_kg', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('price_new_nok', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('factor_set_version', sa.String(length=40), nullable=False),
    sa.Column('factor_sources', sa.Text(), nullable=False),
    sa.Column('overridden_by', sa.String(length=20), nullable=True),
    sa.Column('co2e_gross_kg', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('co2e_net_kg', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('waste_kg', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('money_nok', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_reuse_events_category_id_categories')),
    sa.ForeignKeyConstraint(['giver_municipality_id'], ['organisations.id'], name=op.f('fk_reuse_events_giver_municipality_id_organisations')),
    sa.ForeignKeyConstraint(['giver_unit_id'], ['units.id'], name=op.f('fk_reuse_events_giver_unit_id_units')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_reuse_events_item_id_items')),
    sa.ForeignKeyConstraint(['receiver_organisation_id'], ['organisations.id'], name=op.f('fk_reuse_events_receiver_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['receiver_unit_id'], ['units.id'], name=op.f('fk_reuse_events_receiver_unit_id_units')),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'], name=op.f('fk_reuse_events_reservation_id_reservations')),
    sa.ForeignKeyConstraint(['reverses_event_id'], ['reuse_events.id'], name=op.f('fk_reuse_events_reverses_event_id_reuse_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reuse_events'))
    )
    with op.batch_alter_table('reuse_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reuse_events_category_id'), ['category_id'], unique=False)
        batch_op.create_index('ix_reuse_events_giver', ['giver_municipality_id', 'occurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_reuse_events_item_id'), ['item_id'], unique=False)
        batch_op.create_index('ix_reuse_events_occurred', ['occurred_on'], unique=False)
        batch_op.create_index('ix_reuse_events_receiver', ['receiver_organisation_id', 'occurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_reuse_events_reservation_id'), ['reservation_id'], unique=False)

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quantity_available', sa.Numeric(precision=12, scale=3), nullable=True))
    op.execute("UPDATE items SET quantity_available = quantity")
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.alter_column('quantity_available', existing_type=sa.Numeric(precision=12, scale=3), nullable=False)
        batch_op.create_check_constraint(
            'available_in_range', 'quantity_available >= 0 AND quantity_available <= quantity')

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hold_days', sa.Integer(), nullable=False, server_default='5'))
        batch_op.add_column(sa.Column('pickup_grace_days', sa.Integer(), nullable=False, server_default='2'))
        batch_op.add_column(sa.Column('waitlist_offer_hours', sa.Integer(), nullable=False, server_default='48'))
        batch_op.add_column(sa.Column('displacement_unknown', sa.Numeric(precision=4, scale=3), nullable=False,
                                      server_default='0.700'))

    # The ledger is append-only in the database too: corrections are new, reversing events.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION reuse_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN RAISE EXCEPTION 'reuse_events is append-only: record a reversing event instead'; END $$")
        op.execute("CREATE TRIGGER reuse_events_append_only BEFORE UPDATE OR DELETE ON reuse_events "
                   "FOR EACH ROW EXECUTE FUNCTION reuse_events_append_only()")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER reuse_events_no_{action.lower()} BEFORE {action} ON reuse_events "
                       "BEGIN SELECT RAISE(ABORT, 'reuse_events is append-only: record a reversing event instead'); END")



def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER reuse_events_append_only ON reuse_events")
        op.execute("DROP FUNCTION reuse_events_append_only()")
    else:
        op.execute("DROP TRIGGER reuse_events_no_update")
        op.execute("DROP TRIGGER reuse_events_no_delete")
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('displacement_unknown')
        batch_op.drop_column('waitlist_offer_hours')
        batch_op.drop_column('pickup_grace_days')
        batch_op.drop_column('hold_days')

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint('available_in_range', type_='check')
        batch_op.drop_column('quantity_available')

    with op.batch_alter_table('reuse_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reuse_events_reservation_id'))
        batch_op.drop_index('ix_reuse_events_receiver')
        batch_op.drop_index('ix_reuse_events_occurred')
        batch_op.drop_index(batch_op.f('ix_reuse_events_item_id'))
        batch_op.drop_index('ix_reuse_events_giver')
        batch_op.drop_index(batch_op.f('ix_reuse_events_category_id'))

    op.drop_table('reuse_events')
    with op.batch_alter_table('reservation_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reservation_messages_reservation_id'))

    op.drop_table('reservation_messages')
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_user_id'))
        batch_op.drop_index(batch_op.f('ix_waitlist_entries_item_id'))

    op.drop_table('waitlist_entries')
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reservations_requester_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_reservations_requester_id'))
        batch_op.drop_index(batch_op.f('ix_reservations_municipality_id'))
        batch_op.drop_index('ix_reservations_item_status')

    op.drop_table('reservations')
