"""Wanted notices and needs: the reuse-first check, with ICT trade-in; the municipality's need policy.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 22:04:02.692658
"""

from alembic import op
import sqlalchemy as sa
import marketplace.db


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('wanted_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'met', 'withdrawn', 'expired', name='notice_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title', sa.String(length=140), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('needed_by', sa.Date(), nullable=True),
    sa.Column('open_until', sa.Date(), nullable=False),
    sa.Column('saved_search_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('published_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('network_visible_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('partner_visible_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_wanted_notices_quantity_positive')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_wanted_notices_category_id_categories')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_wanted_notices_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisations.id'], name=op.f('fk_wanted_notices_municipality_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['saved_search_id'], ['saved_searches.id'], name=op.f('fk_wanted_notices_saved_search_id_saved_searches'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_wanted_notices_unit_id_units'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wanted_notices'))
    )
    with op.batch_alter_table('wanted_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wanted_notices_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wanted_notices_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index('ix_wanted_notices_status_open_until', ['status', 'open_until'], unique=False)

    op.create_table('needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('open', 'awaiting_approval', 'closed', name='need_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title', sa.String(length=140), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('needed_by', sa.Date(), nullable=True),
    sa.Column('searched', sa.JSON(), nullable=False),
    sa.Column('found_count', sa.Integer(), nullable=False),
    sa.Column('found', sa.JSON(), nullable=False),
    sa.Column('returned_asset_tag', sa.String(length=60), nullable=False),
    sa.Column('no_return_reason', sa.Text(), nullable=False),
    sa.Column('returned_item_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('reused', 'partly_reused', 'bought_new', name='need_outcome', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('reused_quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('buy_new_reason', sa.Enum('nothing_suitable', 'condition', 'quantity', 'deadline', 'other', name='buy_new_reason', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('buy_new_reason_text', sa.Text(), nullable=False),
    sa.Column('decided_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_needs_quantity_positive')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_needs_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_needs_category_id_categories')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_needs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_needs_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisations.id'], name=op.f('fk_needs_municipality_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_id'], ['wanted_notices.id'], name=op.f('fk_needs_notice_id_wanted_notices')),
    sa.ForeignKeyConstraint(['returned_item_id'], ['items.id'], name=op.f('fk_needs_returned_item_id_items'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_needs_unit_id_units'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_needs')),
    sa.UniqueConstraint('notice_id', name=op.f('uq_needs_notice_id'))
    )
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_needs_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_unit_id'), ['unit_id'], unique=False)

    op.create_table('wanted_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_wanted_answers_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_wanted_answers_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_id'], ['wanted_notices.id'], name=op.f('fk_wanted_answers_notice_id_wanted_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wanted_answers'))
    )
    with op.batch_alter_table('wanted_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wanted_answers_notice_id'), ['notice_id'], unique=False)

    op.create_table('need_reservations',
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('reservation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_need_reservations_need_id_needs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reservation_id'], ['reservations.id'], name=op.f('fk_need_reservations_reservation_id_reservations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('need_id', 'reservation_id', name=op.f('pk_need_reservations')),
    sa.UniqueConstraint('reservation_id', name=op.f('uq_need_reservations_reservation_id'))
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('need_open_days', sa.Integer(), nullable=False, server_default='14'))
        batch_op.add_column(sa.Column('need_approval_required', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('need_approval_required')
        batch_op.drop_column('need_open_days')

    op.drop_table('need_reservations')
    with op.batch_alter_table('wanted_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wanted_answers_notice_id'))

    op.drop_table('wanted_answers')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_needs_unit_id'))
        batch_op.drop_index(batch_op.f('ix_needs_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_needs_category_id'))

    op.drop_table('needs')
    with op.batch_alter_table('wanted_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_wanted_notices_status_open_until')
        batch_op.drop_index(batch_op.f('ix_wanted_notices_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_wanted_notices_category_id'))

    op.drop_table('wanted_notices')
