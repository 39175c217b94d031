"""Building projects (issue 21): a project's needs room by room (the reuse-first need with a project and a room),
own inventory placed into its rooms (internal reuse, with its ledger event), item rows split when part of a row
moves or is offered (the part names the row it came from), and reservations held until a date.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 08:00:00
"""

import sqlalchemy as sa
from alembic import op

import marketplace.db

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

QUANTITY = sa.Numeric(12, 3)
PROJECT_STATUS = sa.Enum('active', 'completed', name='project_status', native_enum=False, create_constraint=True,
                         length=9)


def upgrade() -> None:
    op.create_table(
        'projects',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=140), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('location_id', sa.Integer(), nullable=True),
        sa.Column('building', sa.String(length=120), nullable=False),
        sa.Column('due', sa.Date(), nullable=True),
        sa.Column('status', PROJECT_STATUS, nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_projects_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['location_id'], ['locations.id'], name=op.f('fk_projects_location_id_locations'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['municipality_id'], ['organisations.id'],
                                name=op.f('fk_projects_municipality_id_organisations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    )
    op.create_index(op.f('ix_projects_municipality_id'), 'projects', ['municipality_id'], unique=False)
    op.create_table(
        'project_needs',
        sa.Column('need_id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('room', sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(['need_id'], ['needs.id'], name=op.f('fk_project_needs_need_id_needs'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_needs_project_id_projects'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('need_id', name=op.f('pk_project_needs')),
    )
    op.create_index(op.f('ix_project_needs_project_id'), 'project_needs', ['project_id'], unique=False)
    op.create_table(
        'project_placements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('need_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('quantity', QUANTITY, nullable=False),
        sa.Column('came_from', sa.String(length=400), nullable=False),
        sa.Column('reuse_event_id', sa.Integer(), nullable=True),
        sa.Column('placed_by_id', sa.Integer(), nullable=True),
        sa.Column('placed_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('quantity > 0', name=op.f('ck_project_placements_quantity_positive')),
        sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_project_placements_item_id_items'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['need_id'], ['project_needs.need_id'],
                                name=op.f('fk_project_placements_need_id_project_needs'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['placed_by_id'], ['users.id'], name=op.f('fk_project_placements_placed_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['reuse_event_id'], ['reuse_events.id'],
                                name=op.f('fk_project_placements_reuse_event_id_reuse_events')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_project_placements')),
        sa.UniqueConstraint('item_id', name=op.f('uq_project_placements_item_id')),
    )
    op.create_index(op.f('ix_project_placements_need_id'), 'project_placements', ['need_id'], unique=False)
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin_item_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_items_origin_item_id_items'), 'items', ['origin_item_id'], ['id'],
                                    ondelete='SET NULL')
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_until', marketplace.db.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reservations', schema=None) as batch_op:
        batch_op.drop_column('held_until')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_items_origin_item_id_items'), type_='foreignkey')
        batch_op.drop_column('origin_item_id')
    op.drop_table('project_placements')
    op.drop_table('project_needs')
    op.drop_table('projects')
