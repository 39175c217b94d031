"""Sign-in with the work identity (issue 20): identity providers (OpenID Connect), the municipalities and e-mail
domains each serves, the people they vouch for (issuer + subject), the provider's side of a login session (for
its sign-out), and how each person last signed in.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 05:00:00
"""

import sqlalchemy as sa
from alembic import op

import marketplace.db

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

ROLE = sa.Enum('member', 'caretaker', 'store_keeper', 'transport_coordinator', 'municipal_admin', 'network_admin',
               'site_admin', name='role', native_enum=False, create_constraint=True, length=21)


def upgrade() -> None:
    op.create_table(
        'identity_providers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('issuer', sa.String(length=500), nullable=False),
        sa.Column('client_id', sa.String(length=255), nullable=False),
        sa.Column('client_secret_encrypted', sa.Text(), nullable=True),
        sa.Column('client_secret_env', sa.String(length=100), nullable=True),
        sa.Column('scopes', sa.String(length=300), nullable=False),
        sa.Column('default_role', ROLE, nullable=False),
        sa.Column('organisation_claim', sa.String(length=200), nullable=True),
        sa.Column('role_claim', sa.String(length=200), nullable=True),
        sa.Column('role_map', sa.JSON(), nullable=False),
        sa.Column('password_sign_in', sa.Boolean(), nullable=False),
        sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_providers')),
    )
    op.create_table(
        'identity_provider_municipalities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('default_unit_id', sa.Integer(), nullable=True),
        sa.Column('organisation_values', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['default_unit_id'], ['units.id'],
                                name=op.f('fk_identity_provider_municipalities_default_unit_id_units'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['municipality_id'], ['organisations.id'],
                                name=op.f('fk_identity_provider_municipalities_municipality_id_organisations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['provider_id'], ['identity_providers.id'],
                                name=op.f('fk_identity_provider_municipalities_provider_id_identity_providers'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_provider_municipalities')),
        sa.UniqueConstraint('provider_id', 'municipality_id',
                            name=op.f('uq_identity_provider_municipalities_provider_id')),
    )
    op.create_index(op.f('ix_identity_provider_municipalities_municipality_id'),
                    'identity_provider_municipalities', ['municipality_id'], unique=False)
    op.create_table(
        'identity_provider_domains',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('domain', sa.String(length=253), nullable=False),
        sa.ForeignKeyConstraint(['municipality_id'], ['organisations.id'],
                                name=op.f('fk_identity_provider_domains_municipality_id_organisations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['provider_id'], ['identity_providers.id'],
                                name=op.f('fk_identity_provider_domains_provider_id_identity_providers'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_provider_domains')),
        sa.UniqueConstraint('domain', name=op.f('uq_identity_provider_domains_domain')),
    )
    op.create_index(op.f('ix_identity_provider_domains_provider_id'), 'identity_provider_domains', ['provider_id'],
                    unique=False)
    op.create_table(
        'external_identities',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('issuer', sa.String(length=500), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('last_sign_in_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['provider_id'], ['identity_providers.id'],
                                name=op.f('fk_external_identities_provider_id_identity_providers'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_external_identities_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_external_identities')),
        sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_external_identities_issuer')),
    )
    op.create_index(op.f('ix_external_identities_provider_id'), 'external_identities', ['provider_id'],
                    unique=False)
    op.create_index(op.f('ix_external_identities_user_id'), 'external_identities', ['user_id'], unique=False)
    op.create_table(
        'identity_provider_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('login_session_id', sa.Integer(), nullable=False),
        sa.Column('provider_id', sa.Integer(), nullable=False),
        sa.Column('id_token', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['login_session_id'], ['login_sessions.id'],
                                name=op.f('fk_identity_provider_sessions_login_session_id_login_sessions'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['provider_id'], ['identity_providers.id'],
                                name=op.f('fk_identity_provider_sessions_provider_id_identity_providers'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_provider_sessions')),
        sa.UniqueConstraint('login_session_id', name=op.f('uq_identity_provider_sessions_login_session_id')),
    )
    op.create_index(op.f('ix_identity_provider_sessions_provider_id'), 'identity_provider_sessions',
                    ['provider_id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_login_via', sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('last_login_via')
    op.drop_table('identity_provider_sessions')
    op.drop_table('external_identities')
    op.drop_table('identity_provider_domains')
    op.drop_table('identity_provider_municipalities')
    op.drop_table('identity_providers')
