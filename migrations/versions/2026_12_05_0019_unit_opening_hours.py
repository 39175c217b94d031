"""Opening hours and a contact for pickup on each unit, beside its address (issue 18, item 10): free text that
a municipality's administrators edit on the unit's page, shown on the unit's listings.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 22:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('units') as batch:
        batch.add_column(sa.Column('opening_hours', sa.String(length=300), nullable=True))
        batch.add_column(sa.Column('contact', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('units') as batch:
        batch.drop_column('contact')
        batch.drop_column('opening_hours')
