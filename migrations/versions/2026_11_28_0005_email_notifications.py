"""E-mail notifications: each user's choice (immediate, daily, off), e-mailed notifications, expiry reminders.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 20:02:43.343380
"""

from alembic import op
import sqlalchemy as sa
import marketplace.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expiry_reminded_at', marketplace.db.UtcDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emailed_at', marketplace.db.UtcDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_notifications', sa.Enum('immediate', 'daily', 'off', name='email_preference', native_enum=False, create_constraint=True), server_default='immediate', nullable=False))
        batch_op.add_column(sa.Column('last_digest_at', marketplace.db.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_email_preference'), type_='check')
        batch_op.drop_column('last_digest_at')
        batch_op.drop_column('email_notifications')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('emailed_at')

    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_column('expiry_reminded_at')
