"""Transport requests (issue #19): a reservation's items carried from where they stand to the requester, run by
the giving municipality's transport coordinators. At most one open request per reservation (a partial unique
index, on both engines).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 02:00:00
"""

from alembic import op
import sqlalchemy as sa

import marketplace.db


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('transport_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reservation_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('requester_organisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'scheduled', 'picked_up', 'delivered', 'cancelled', name='transport_status', native_enum=False, create_constraint=True,
                              length=9), nullable=False),
    sa.Column('from_location_id', sa.Integer(), nullable=True),
    sa.Column('from_unit_id', sa.Integer(), nullable=True),
    sa.Column('from_address', sa.String(length=300), nullable=False),
    sa.Column('to_unit_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sa.String(length=300), nullable=False),
    sa.Column('window_from', sa.Date(), nullable=False),
    sa.Column('window_to', sa.Date(), nullable=False),
    sa.Column('volume_m3', sa.Numeric(precision=10, scale=3), nullable=True),
    sa.Column('weight_kg', sa.Numeric(precision=10, scale=1), nullable=True),
    sa.Column('floors', sa.Integer(), nullable=True),
    sa.Column('lift', sa.Boolean(), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('scheduled_date', sa.Date(), nullable=True),
    sa.Column('driver_name', sa.String(length=200), nullable=False),
    sa.Column('driver_id', sa.Integer(), nullable=True),
    sa.Column('stop_order', sa.Integer(), nullable=True),
    sa.Column('picked_up_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('transport_km', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('transport_mode', sa.String(length=20), nullable=True),
    sa.Column('reuse_event_id', sa.Integer(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.CheckConstraint('window_from <= window_to', name=op.f('ck_transport_requests_window_in_order')),
    sa.ForeignKeyConstraint(['driver_id'], ['users.id'], name=op.f('fk_transport_requests_driver_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_location_id'], ['locations.id'], name=op.f('fk_transport_requests_from_location_id_locations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['from_unit_id'], ['units.id'], name=op.f('fk_transport_requests_from_unit_id_units'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisations.id'], name=op.f('fk_transport_requests_municipality_id_organisations')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_transport_requests_requested_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requester_organisation_id'], ['organisations.id'], name=op.f('fk_transport_requests_requester_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'], name=op.f('fk_transport_requests_reservation_id_reservations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reuse_event_id'], ['reuse_events.id'], name=op.f('fk_transport_requests_reuse_event_id_reuse_events')),
    sa.ForeignKeyConstraint(['to_unit_id'], ['units.id'], name=op.f('fk_transport_requests_to_unit_id_units'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transport_requests'))
    )
    with op.batch_alter_table('transport_requests', schema=None) as batch_op:
        batch_op.create_index('ix_transport_requests_municipality_status', ['municipality_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_requests_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transport_requests_requester_organisation_id'), ['requester_organisation_id'], unique=False)
        batch_op.create_index('uq_transport_requests_open_reservation', ['reservation_id'], unique=True, sqlite_where=sa.text("status IN ('requested', 'scheduled', 'picked_up')"), postgresql_where=sa.text("status IN ('requested', 'scheduled', 'picked_up')"))



def downgrade() -> None:
    with op.batch_alter_table('transport_requests', schema=None) as batch_op:
        batch_op.drop_index('uq_transport_requests_open_reservation', sqlite_where=sa.text("status IN ('requested', 'scheduled', 'picked_up')"), postgresql_where=sa.text("status IN ('requested', 'scheduled', 'picked_up')"))
        batch_op.drop_index(batch_op.f('ix_transport_requests_requester_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_transport_requests_requested_by_id'))
        batch_op.drop_index('ix_transport_requests_municipality_status')

    op.drop_table('transport_requests')
