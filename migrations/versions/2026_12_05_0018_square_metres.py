"""The square metre as a unit of measure (issue #17, factor set 2026.2): plasterboard, ceiling tiles, carpet tiles
and paving stones are counted in m². The categories' CHECK constraint on measure_unit learns 'm2'.

On PostgreSQL the constraint is dropped and created again; SQLite cannot alter a constraint, so the table is
copied (batch mode, foreign keys off as migrations/env.py sets them). The column's length stays 5 ("piece").
Downgrading refuses while a category is counted in m² (it would not fit the old constraint).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 04:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

CONSTRAINT = 'ck_categories_measure_unit'
WITH_M2 = "unit IN ('piece', 'kg', 'tonne', 'm2', 'm3')"
WITHOUT_M2 = "unit IN ('piece', 'kg', 'tonne', 'm3')"


def _replace_check(condition: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f(CONSTRAINT), 'categories', type_='check')
        op.create_check_constraint(op.f(CONSTRAINT), 'categories', condition)
        return
    with op.batch_alter_table('categories', schema=None, recreate='always') as batch_op:
        batch_op.drop_constraint(op.f(CONSTRAINT), type_='check')
        batch_op.create_check_constraint(op.f(CONSTRAINT), condition)


def upgrade() -> None:
    _replace_check(WITH_M2)


def downgrade() -> None:
    in_m2 = op.get_bind().execute(sa.text("SELECT count(*) FROM categories WHERE unit = 'm2'")).scalar()
    if in_m2:
        raise RuntimeError(f"{in_m2} categories are counted in m²: change their unit before downgrading below 0018")
    _replace_check(WITHOUT_M2)
