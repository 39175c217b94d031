"""A reservation may be "corrected" (issue #17): handed over, then found wrong after the undo window, so its
reuse event is reversed while the quantities stay as they are; and an event is reversed at most once (a unique
index on reverses_event_id).

The status is a VARCHAR with a CHECK constraint (db.enum_column); "corrected" is no longer than "requested", so
only the constraint changes. SQLite cannot alter a CHECK constraint: the batch mode copies the table.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 04:00:00
"""

from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

BEFORE = ('requested', 'approved', 'collected', 'rejected', 'cancelled', 'expired')
AFTER = (*BEFORE, 'corrected')


def _allow(statuses: tuple[str, ...]) -> None:
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_reservations_reservation_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_reservations_reservation_status'),
            "status IN (" + ", ".join(f"'{status}'" for status in statuses) + ")")


def upgrade() -> None:
    _allow(AFTER)
    # An event is reversed at most once. An index, as on the model: a constraint would make SQLite copy
    # reuse_events, dropping its append-only triggers.
    op.create_index('uq_reuse_events_reverses_event_id', 'reuse_events', ['reverses_event_id'], unique=True)


def downgrade() -> None:
    op.drop_index('uq_reuse_events_reverses_event_id', table_name='reuse_events')
    op.execute("UPDATE reservations SET status = 'collected' WHERE status = 'corrected'")
    _allow(BEFORE)
