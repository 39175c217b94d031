"""The reuse store (issue #19): an item can be written off (status 'disposed', with the reason 'recycled' or
'scrapped' and a note), and it remembers since when it stands where it stands (for a store's stock).

The items' CHECK constraint on item_status learns 'disposed' (its length stays 9, 'published'), as in 0021: on
PostgreSQL the constraint is dropped and created again, SQLite copies the table (batch mode). Downgrading
refuses while an item is written off.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 02:00:00
"""

from alembic import op
import sqlalchemy as sa

import marketplace.db


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

CONSTRAINT = 'ck_items_item_status'
WITH_DISPOSED = "status IN ('draft', 'published', 'completed', 'withdrawn', 'expired', 'disposed')"
WITHOUT_DISPOSED = "status IN ('draft', 'published', 'completed', 'withdrawn', 'expired')"


def _replace_check(condition: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f(CONSTRAINT), 'items', type_='check')
        op.create_check_constraint(op.f(CONSTRAINT), 'items', condition)
        return
    with op.batch_alter_table('items', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint(op.f(CONSTRAINT), type_='check')
        batch_op.create_check_constraint(op.f(CONSTRAINT), condition)


def upgrade() -> None:
    _replace_check(WITH_DISPOSED)
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disposal_reason', sa.Enum('recycled', 'scrapped', name='disposal_reason',
                                                                 native_enum=False, create_constraint=True,
                                                                 length=8), nullable=True))
        batch_op.add_column(sa.Column('disposal_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('location_since', marketplace.db.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    disposed = op.get_bind().execute(sa.text("SELECT count(*) FROM items WHERE status = 'disposed'")).scalar()
    if disposed:
        raise RuntimeError(f"{disposed} items are written off: change their status before downgrading below 0026")
    # PostgreSQL drops the reason's CHECK with its column; SQLite copies the table without both.
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table('items', schema=None, recreate='always' if sqlite else 'auto') as batch_op:
        if sqlite:
            batch_op.drop_constraint(op.f('ck_items_disposal_reason'), type_='check')
        batch_op.drop_column('location_since')
        batch_op.drop_column('disposal_note')
        batch_op.drop_column('disposal_reason')
    _replace_check(WITHOUT_DISPOSED)
