"""Listings: categories, items, photos, factor sets and overrides; staged-visibility policy.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 19:31:37.415271
"""

from alembic import op
import sqlalchemy as sa
import marketplace.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('group', sa.Enum('furniture', 'ict', 'material', name='category_group', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('name_nb', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('unit', sa.Enum('piece', 'kg', 'tonne', 'm3', name='measure_unit', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('holds_data', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('slug', name=op.f('uq_categories_slug'))
    )
    op.create_table('factor_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_factor_sets')),
    sa.UniqueConstraint('version', name=op.f('uq_factor_sets_version'))
    )
    op.create_table('category_factors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('factor_set_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('kgco2e_new', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('kgco2e_low', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('kgco2e_high', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('mass_kg', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('price_new_nok', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('price_is_estimate', sa.Boolean(), nullable=False),
    sa.Column('confidence', sa.String(length=20), nullable=False),
    sa.Column('sources', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_category_factors_category_id_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['factor_set_id'], ['factor_sets.id'], name=op.f('fk_category_factors_factor_set_id_factor_sets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category_factors')),
    sa.UniqueConstraint('factor_set_id', 'category_id', name='uq_category_factors_set_category')
    )
    with op.batch_alter_table('category_factors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_category_factors_category_id'), ['category_id'], unique=False)

    op.create_table('factor_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('kgco2e_new', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('mass_kg', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('price_new_nok', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_factor_overrides_category_id_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_factor_overrides_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisations.id'], name=op.f('fk_factor_overrides_municipality_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_factor_overrides'))
    )
    with op.batch_alter_table('factor_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_factor_overrides_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'completed', 'withdrawn', 'expired', name='item_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title', sa.String(length=140), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('condition', sa.Enum('as_new', 'good', 'worn', 'needs_repair', name='item_condition', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('dimensions', sa.String(length=120), nullable=False),
    sa.Column('brand', sa.String(length=120), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('colour', sa.String(length=120), nullable=False),
    sa.Column('building', sa.String(length=120), nullable=False),
    sa.Column('room', sa.String(length=120), nullable=False),
    sa.Column('pickup_instructions', sa.Text(), nullable=False),
    sa.Column('available_from', sa.Date(), nullable=True),
    sa.Column('advertise_until', sa.Date(), nullable=True),
    sa.Column('would_be_discarded', sa.Boolean(), nullable=False),
    sa.Column('kgco2e_new', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('mass_kg', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('price_new_nok', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('figures_source', sa.String(length=300), nullable=False),
    sa.Column('asset_tag', sa.String(length=60), nullable=False),
    sa.Column('serial_number', sa.String(length=80), nullable=False),
    sa.Column('erasure_recorded_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('erasure_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('erasure_certificate', sa.String(length=80), nullable=True),
    sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('published_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('network_visible_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('partner_visible_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_items_quantity_positive')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_items_category_id_categories')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_items_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['erasure_recorded_by_id'], ['users.id'], name=op.f('fk_items_erasure_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisations.id'], name=op.f('fk_items_municipality_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_items_unit_id_units'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_items'))
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_items_category_id'), ['category_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_items_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index('ix_items_status_published', ['status', 'published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_items_unit_id'), ['unit_id'], unique=False)

    op.create_table('photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('alt_text', sa.String(length=300), nullable=False),
    sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_photos_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_photos_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photos'))
    )
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photos_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_photos_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_photos_uploaded_by_id'), ['uploaded_by_id'], unique=False)

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('network_share_days', sa.Integer(), nullable=False, server_default='3'))
        batch_op.add_column(sa.Column('partner_share_days', sa.Integer(), nullable=True, server_default='14'))



def downgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('partner_share_days')
        batch_op.drop_column('network_share_days')

    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photos_uploaded_by_id'))
        batch_op.drop_index(batch_op.f('ix_photos_item_id'))
        batch_op.drop_index(batch_op.f('ix_photos_content_hash'))

    op.drop_table('photos')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_unit_id'))
        batch_op.drop_index('ix_items_status_published')
        batch_op.drop_index(batch_op.f('ix_items_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_items_category_id'))

    op.drop_table('items')
    with op.batch_alter_table('factor_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_factor_overrides_municipality_id'))

    op.drop_table('factor_overrides')
    with op.batch_alter_table('category_factors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_category_factors_category_id'))

    op.drop_table('category_factors')
    op.drop_table('factor_sets')
    op.drop_table('categories')
