"""The ICT fleet (issue #21): items learn when they were bought (``purchased_on``, for their age) and who uses
them (``user_group``: pupils, staff, shared), and a repair history (``item_repairs``: date, what was done,
optional cost, who recorded it). Self-contained: it adds columns and a table, touching nothing else.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 08:00:00
"""

from alembic import op
import sqlalchemy as sa

import marketplace.db


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purchased_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('user_group', sa.Enum('pupils', 'staff', 'shared', name='user_group',
                                                            native_enum=False, create_constraint=True,
                                                            length=6), nullable=True))
    op.create_table('item_repairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('repaired_on', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('cost_nok', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('cost_nok IS NULL OR cost_nok >= 0', name=op.f('ck_item_repairs_cost_not_negative')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_repairs_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_item_repairs_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_repairs'))
    )
    with op.batch_alter_table('item_repairs', schema=None) as batch_op:
        batch_op.create_index('ix_item_repairs_item_date', ['item_id', 'repaired_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('item_repairs', schema=None) as batch_op:
        batch_op.drop_index('ix_item_repairs_item_date')
    op.drop_table('item_repairs')
    # PostgreSQL drops the group's CHECK with its column; SQLite copies the table without both.
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table('items', schema=None, recreate='always' if sqlite else 'auto') as batch_op:
        if sqlite:
            batch_op.drop_constraint(op.f('ck_items_user_group'), type_='check')
        batch_op.drop_column('user_group')
        batch_op.drop_column('purchased_on')
