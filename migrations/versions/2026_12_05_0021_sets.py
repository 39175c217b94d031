"""The set as a unit of measure (issue #18, factor set 2026.3): a pupil desk with its chair, an office workstation
are counted in whole sets ("28 sett"), not pieces. The categories' CHECK constraint on measure_unit learns 'set'.

As in 0018: on PostgreSQL the constraint is dropped and created again; SQLite copies the table (batch mode).
The column's length stays 5 ("piece"). Downgrading refuses while a category is counted in sets.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 22:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

CONSTRAINT = 'ck_categories_measure_unit'
WITH_SET = "unit IN ('piece', 'set', 'kg', 'tonne', 'm2', 'm3')"
WITHOUT_SET = "unit IN ('piece', 'kg', 'tonne', 'm2', 'm3')"


def _replace_check(condition: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f(CONSTRAINT), 'categories', type_='check')
        op.create_check_constraint(op.f(CONSTRAINT), 'categories', condition)
        return
    with op.batch_alter_table('categories', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint(op.f(CONSTRAINT), type_='check')
        batch_op.create_check_constraint(op.f(CONSTRAINT), condition)


def upgrade() -> None:
    _replace_check(WITH_SET)


def downgrade() -> None:
    in_sets = op.get_bind().execute(sa.text("SELECT count(*) FROM categories WHERE unit = 'set'")).scalar()
    if in_sets:
        raise RuntimeError(f"{in_sets} categories are counted in sets: change their unit before downgrading below 0019")
    _replace_check(WITHOUT_SET)
