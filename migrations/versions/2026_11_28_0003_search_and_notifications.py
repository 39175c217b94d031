"""Search and notifications: the full-text index (FTS5 or tsvector), saved searches, the in-app inbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 19:44:22.490023
"""

from alembic import op
import sqlalchemy as sa
import marketplace.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('read_at', marketplace.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_notifications_user_unread', ['user_id', 'read_at'], unique=False)

    op.create_table('saved_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('checked_until', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_searches_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_searches'))
    )
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_searches_user_id'), ['user_id'], unique=False)

    op.create_table('saved_search_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('saved_search_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('created_at', marketplace.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_saved_search_hits_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['saved_search_id'], ['saved_searches.id'], name=op.f('fk_saved_search_hits_saved_search_id_saved_searches'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_search_hits')),
    sa.UniqueConstraint('saved_search_id', 'item_id', name='uq_saved_search_hits_search_item')
    )
    with op.batch_alter_table('saved_search_hits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_search_hits_item_id'), ['item_id'], unique=False)

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE TABLE item_search (item_id INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE, "
                   "document TSVECTOR NOT NULL)")
        op.execute("CREATE INDEX ix_item_search_document ON item_search USING GIN (document)")
    else:
        # Prefix indexes make "stabl*" as fast as a whole word. The rowid is the item id.
        op.execute("CREATE VIRTUAL TABLE item_search USING fts5(document, tokenize='unicode61', prefix='2 3 4')")
    _index_existing_items(bind)


def _index_existing_items(bind) -> None:
    from marketplace.search.text import document

    rows = bind.execute(sa.text(
        "SELECT items.id, items.title, items.brand, items.model, items.colour, items.description, "
        "categories.name_nb, categories.name_en FROM items JOIN categories ON categories.id = items.category_id"
    )).all()
    for row in rows:
        doc = document([row.title, row.name_nb, row.name_en, row.brand, row.model, row.colour], [row.description])
        if bind.dialect.name == "postgresql":
            bind.execute(sa.text("INSERT INTO item_search (item_id, document) VALUES (:id, to_tsvector('simple', :doc))"),
                         {"id": row.id, "doc": doc})
        else:
            bind.execute(sa.text("INSERT INTO item_search (rowid, document) VALUES (:id, :doc)"),
                         {"id": row.id, "doc": doc})


def downgrade() -> None:
    op.execute("DROP TABLE item_search")
    with op.batch_alter_table('saved_search_hits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_search_hits_item_id'))

    op.drop_table('saved_search_hits')
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_searches_user_id'))

    op.drop_table('saved_searches')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread')
        batch_op.drop_index(batch_op.f('ix_notifications_created_at'))

    op.drop_table('notifications')
