"""The search vocabulary (issue #18, typo-tolerant search): every distinct word the text index holds, and its
one-edit variants, so the words one edit from a misspelt query word are found by key lookups on either engine.
Filled from the items there are, as the service fills it for each item saved from now on.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 22:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'search_words',
        sa.Column('word', sa.String(length=40), nullable=False),
        sa.Column('spelling', sa.String(length=40), nullable=False),
        sa.Column('whole', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('word', name=op.f('pk_search_words')),
    )
    op.create_table(
        'search_variants',
        sa.Column('variant', sa.String(length=40), nullable=False),
        sa.Column('word', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('variant', 'word', name=op.f('pk_search_variants')),
    )
    _fill(op.get_bind())


def _fill(bind) -> None:
    from marketplace.search.text import variants, vocabulary

    entries: dict[str, tuple[str, bool]] = {}
    rows = bind.execute(sa.text(
        "SELECT items.title, items.brand, items.model, items.colour, items.description, "
        "categories.name_nb, categories.name_en FROM items JOIN categories ON categories.id = items.category_id"))
    for row in rows:
        for word, (spelling, whole) in vocabulary(
                [row.title, row.name_nb, row.name_en, row.brand, row.model, row.colour], [row.description]).items():
            if word not in entries or (whole and not entries[word][1]):
                entries[word] = (spelling, whole)
    words = sorted(entries)
    for start in range(0, len(words), 1000):
        batch = words[start:start + 1000]
        bind.execute(sa.text("INSERT INTO search_words (word, spelling, whole) VALUES (:word, :spelling, :whole)"),
                     [{"word": word, "spelling": entries[word][0], "whole": entries[word][1]} for word in batch])
        bind.execute(sa.text("INSERT INTO search_variants (variant, word) VALUES (:variant, :word)"),
                     [{"variant": variant, "word": word} for word in batch for variant in variants(word)])


def downgrade() -> None:
    op.drop_table('search_variants')
    op.drop_table('search_words')
