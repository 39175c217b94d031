"""Loans with a return date (issue #19): an item is given away or lent (``offer``, with ``loan_days``); a
reservation of a lent item is "on_loan" once collected, until it is "returned", with its due date, what came back
or was lost so far, a pending renewal and the reminders sent; each return is a row of ``loan_returns``.

The statuses are a VARCHAR with a CHECK constraint (db.enum_column); "on_loan" and "returned" are no longer than
"requested", so only the constraint changes. SQLite cannot alter a CHECK constraint: the batch mode copies the
table. Downgrading refuses while an item is lent or a reservation is a loan.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 01:00:00
"""

from alembic import op
import sqlalchemy as sa

import marketplace.db


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

BEFORE = ('requested', 'approved', 'collected', 'rejected', 'cancelled', 'expired', 'corrected')
AFTER = (*BEFORE, 'on_loan', 'returned')
CONDITIONS = ('as_new', 'good', 'worn', 'needs_repair')
LOAN_DAYS_FIT_OFFER = ("(offer = 'give' AND loan_days IS NULL) OR (offer = 'lend' AND loan_days >= 1 "
                       "AND loan_days <= 365)")


def _statuses(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{status}'" for status in statuses) + ")"


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offer', sa.Enum('give', 'lend', name='item_offer', native_enum=False,
                                                       create_constraint=True, length=4),
                                      server_default='give', nullable=False))
        batch_op.add_column(sa.Column('loan_days', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(op.f('ck_items_loan_days_fit_offer'), LOAN_DAYS_FIT_OFFER)
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_reservations_reservation_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_reservations_reservation_status'), _statuses(AFTER))
        batch_op.add_column(sa.Column('lent_at', marketplace.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('due_at', marketplace.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('returned_at', marketplace.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('quantity_returned', sa.Numeric(precision=12, scale=3), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('quantity_lost', sa.Numeric(precision=12, scale=3), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('renewal_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('renewal_asked_at', marketplace.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('due_reminded_at', marketplace.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('overdue_reminded_at', marketplace.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_reservations_due_at'), ['due_at'], unique=False)
    op.create_table(
        'loan_returns',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reservation_id', sa.Integer(), nullable=False),
        sa.Column('quantity_back', sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column('quantity_lost', sa.Numeric(precision=12, scale=3), nullable=False),
        sa.Column('condition', sa.Enum(*CONDITIONS, name='item_condition', native_enum=False,
                                       create_constraint=True, length=12), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('quantity_back >= 0 AND quantity_lost >= 0 AND quantity_back + quantity_lost > 0',
                           name=op.f('ck_loan_returns_quantities_in_range')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_loan_returns_recorded_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'],
                                name=op.f('fk_loan_returns_reservation_id_reservations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_returns')),
    )
    op.create_index(op.f('ix_loan_returns_reservation_id'), 'loan_returns', ['reservation_id'], unique=False)


def downgrade() -> None:
    bind = op.get_bind()
    lent = bind.execute(sa.text("SELECT count(*) FROM items WHERE offer = 'lend'")).scalar()
    loans = bind.execute(sa.text("SELECT count(*) FROM reservations WHERE status IN ('on_loan', 'returned')")).scalar()
    if lent or loans:
        raise RuntimeError(f"{lent} items are lent and {loans} reservations are loans: "
                           "remove them before downgrading below 0024")
    op.drop_index(op.f('ix_loan_returns_reservation_id'), table_name='loan_returns')
    op.drop_table('loan_returns')
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reservations_due_at'))
        for column in ('overdue_reminded_at', 'due_reminded_at', 'renewal_asked_at', 'renewal_days',
                       'quantity_lost', 'quantity_returned', 'returned_at', 'due_at', 'lent_at'):
            batch_op.drop_column(column)
        batch_op.drop_constraint(op.f('ck_reservations_reservation_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_reservations_reservation_status'), _statuses(BEFORE))
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_items_loan_days_fit_offer'), type_='check')
        batch_op.drop_constraint(op.f('ck_items_item_offer'), type_='check')
        batch_op.drop_column('loan_days')
        batch_op.drop_column('offer')
