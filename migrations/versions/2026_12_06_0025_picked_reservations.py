"""The "picked" mark on a reservation (issue 19, QR at pickup): the owner side has set the items aside for the
collector, with when and by whom. Existing reservations are not picked.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 01:30:00
"""

import sqlalchemy as sa
from alembic import op

import marketplace.db

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('picked', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('picked_at', marketplace.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('picked_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reservations_picked_by_id_users'), 'users', ['picked_by_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reservations_picked_by_id_users'), type_='foreignkey')
        batch_op.drop_column('picked_by_id')
        batch_op.drop_column('picked_at')
        batch_op.drop_column('picked')
