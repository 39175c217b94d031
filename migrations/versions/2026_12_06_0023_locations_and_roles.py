"""Logistics foundation (issue #19): pickup locations and reuse stores, items standing at a location, and the
roles store_keeper and transport_coordinator.

The role columns of memberships and invitations grow from 15 to 21 characters ('transport_coordinator') and
their CHECK constraints learn the two roles; on PostgreSQL the constraints are dropped and created again, SQLite
copies the tables (batch mode), as in 0021. Downgrading refuses while anyone holds one of the new roles.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 01:30:00
"""

from alembic import op
import sqlalchemy as sa

import marketplace.db


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

OLD_ROLES = ('member', 'caretaker', 'municipal_admin', 'network_admin', 'site_admin')
NEW_ROLES = ('member', 'caretaker', 'store_keeper', 'transport_coordinator', 'municipal_admin', 'network_admin',
             'site_admin')
SCOPE = ("(role IN ({organisation_roles}) AND organisation_id IS NOT NULL AND network_id IS NULL)"
         " OR (role = 'network_admin' AND network_id IS NOT NULL AND organisation_id IS NULL)"
         " OR (role = 'site_admin' AND network_id IS NULL AND organisation_id IS NULL)")


def _quoted(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _change_roles(roles: tuple[str, ...], organisation_roles: tuple[str, ...]) -> None:
    length = max(len(role) for role in roles)
    checks = {
        'memberships': {'ck_memberships_role': f"role IN ({_quoted(roles)})",
                        'ck_memberships_scope_fits_role': SCOPE.format(organisation_roles=_quoted(organisation_roles))},
        'invitations': {'ck_invitations_role': f"role IN ({_quoted(roles)})"},
    }
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, constraints in checks.items():
        if postgresql:
            for name in constraints:
                op.drop_constraint(op.f(name), table, type_='check')
            op.alter_column(table, 'role', type_=sa.String(length), existing_nullable=False)
            for name, condition in constraints.items():
                op.create_check_constraint(op.f(name), table, condition)
            continue
        with op.batch_alter_table(table, schema=None, recreate='always') as batch_op:
            for name in constraints:
                batch_op.drop_constraint(op.f(name), type_='check')
            batch_op.alter_column('role', type_=sa.String(length), existing_nullable=False)
            for name, condition in constraints.items():
                batch_op.create_check_constraint(op.f(name), condition)


def upgrade() -> None:
    op.create_table('locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('pickup', 'store', name='location_kind', native_enum=False, create_constraint=True,
                              length=6), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('opening_hours', sa.String(length=300), nullable=False),
    sa.Column('contact', sa.String(length=300), nullable=False),
    sa.Column('access_notes', sa.Text(), nullable=False),
    sa.Column('archived_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisations.id'],
                            name=op.f('fk_locations_municipality_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations')),
    sa.UniqueConstraint('municipality_id', 'name', name='uq_locations_municipality_name')
    )
    op.create_index(op.f('ix_locations_municipality_id'), 'locations', ['municipality_id'], unique=False)
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('location_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_items_location_id'), ['location_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_items_location_id_locations'), 'locations', ['location_id'],
                                    ['id'], ondelete='SET NULL')
    _change_roles(NEW_ROLES, ('member', 'caretaker', 'store_keeper', 'transport_coordinator', 'municipal_admin'))


def downgrade() -> None:
    bind = op.get_bind()
    holders = bind.execute(sa.text(
        "SELECT (SELECT count(*) FROM memberships WHERE role IN ('store_keeper', 'transport_coordinator'))"
        " + (SELECT count(*) FROM invitations WHERE role IN ('store_keeper', 'transport_coordinator'))")).scalar()
    if holders:
        raise RuntimeError(f"{holders} memberships or invitations hold a store keeper or transport coordinator role:"
                           " change them before downgrading below 0023")
    _change_roles(OLD_ROLES, ('member', 'caretaker', 'municipal_admin'))
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_items_location_id_locations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_items_location_id'))
        batch_op.drop_column('location_id')
    op.drop_index(op.f('ix_locations_municipality_id'), table_name='locations')
    op.drop_table('locations')
