"""Network policy defaults (applied to municipalities created in or joining a network) and site settings
(the last `marketplace tick` run, the accessibility statement).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 22:10:00
"""

from alembic import op
import sqlalchemy as sa
import marketplace.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('network_share_days', sa.Integer(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('partner_share_days', sa.Integer(), server_default='14', nullable=True))
        batch_op.add_column(sa.Column('hold_days', sa.Integer(), server_default='5', nullable=False))
        batch_op.add_column(sa.Column('pickup_grace_days', sa.Integer(), server_default='2', nullable=False))
        batch_op.add_column(sa.Column('waitlist_offer_hours', sa.Integer(), server_default='48', nullable=False))
        batch_op.add_column(sa.Column('displacement_unknown', sa.Numeric(precision=4, scale=3), server_default='0.700',
                                      nullable=False))

    op.create_table('site_settings',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_site_settings_updated_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_site_settings'))
    )


def downgrade() -> None:
    op.drop_table('site_settings')
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.drop_column('displacement_unknown')
        batch_op.drop_column('waitlist_offer_hours')
        batch_op.drop_column('pickup_grace_days')
        batch_op.drop_column('hold_days')
        batch_op.drop_column('partner_share_days')
        batch_op.drop_column('network_share_days')
