"""A municipality's and a person's reservations newest first: the JSON API's lists (``overview.newest_first``)
order them by creation time and id, which the single-column indexes on the municipality and the requester could
not give, so every page sorted all of them. The composite indexes replace those two (a leading column serves what
they served: the tenant's counts, the requester's erasure).

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 19:00:00
"""

from alembic import op


revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_reservations_municipality_newest', 'reservations', ['municipality_id', 'created_at', 'id'])
    op.create_index('ix_reservations_requester_newest', 'reservations', ['requester_id', 'created_at', 'id'])
    op.drop_index('ix_reservations_municipality_id', table_name='reservations')
    op.drop_index('ix_reservations_requester_id', table_name='reservations')


def downgrade() -> None:
    op.create_index('ix_reservations_requester_id', 'reservations', ['requester_id'])
    op.create_index('ix_reservations_municipality_id', 'reservations', ['municipality_id'])
    op.drop_index('ix_reservations_requester_newest', table_name='reservations')
    op.drop_index('ix_reservations_municipality_newest', table_name='reservations')
