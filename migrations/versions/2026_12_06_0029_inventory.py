"""The inventory (issue 21): items in use are registered where they stand. Items learn the statuses
'in_use', 'for_repair' and 'for_recycling' (the status column grows to 13 characters, 'for_recycling') and
the floor beside building and room.

As in 0026, the CHECK on item_status is replaced: PostgreSQL drops and creates it, SQLite copies the table
(batch mode). Downgrading refuses while an item is in the inventory.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

CONSTRAINT = 'ck_items_item_status'
MARKET = "'draft', 'published', 'completed', 'withdrawn', 'expired', 'disposed'"
INVENTORY = "'in_use', 'for_repair', 'for_recycling'"


def _replace_check(condition: str, length: int) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f(CONSTRAINT), 'items', type_='check')
        op.alter_column('items', 'status', type_=sa.String(length), existing_nullable=False)
        op.create_check_constraint(op.f(CONSTRAINT), 'items', condition)
        return
    with op.batch_alter_table('items', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint(op.f(CONSTRAINT), type_='check')
        batch_op.alter_column('status', type_=sa.String(length), existing_nullable=False)
        batch_op.create_check_constraint(op.f(CONSTRAINT), condition)


def upgrade() -> None:
    _replace_check(f"status IN ({MARKET}, {INVENTORY})", 13)
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('floor', sa.String(length=40), server_default='', nullable=False))


def downgrade() -> None:
    held = op.get_bind().execute(sa.text(
        f"SELECT count(*) FROM items WHERE status IN ({INVENTORY})")).scalar()
    if held:
        raise RuntimeError(f"{held} items are in the inventory: remove them before downgrading below 0029")
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('floor')
    _replace_check(f"status IN ({MARKET})", 9)
