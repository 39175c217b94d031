"""Who proposed a reservation's pickup time (issue 18, item 6): only the other side may accept it.

A VARCHAR with a CHECK constraint (db.enum_column), nullable: times proposed before this revision have no
proposer, and either side may still accept them. SQLite adds a constrained column by copying the table (batch).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pickup_proposed_by', sa.Enum(
            'owner', 'requester', name='pickup_side', native_enum=False, create_constraint=True, length=9),
            nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_reservations_pickup_side'), type_='check')
        batch_op.drop_column('pickup_proposed_by')
