"""action plans, progress metrics and Measure of Success values carry a version

Revision ID: 3f9c1d7e5a24
Revises: 7b2d4e6f8a10
Create Date: 2026-12-02 09:00:00.000000

Each is a SQLAlchemy version_id_col: a save made on a page that showed an older version is refused
(409) instead of silently undoing the change someone else saved meanwhile. Existing rows start at 1.

On SQLite, adding a column with a plain default is an ALTER TABLE (no copy of the table), so the
initiative table keeps its data-stamp triggers (5e1f0c2a9b7d). Dropping it again is done in place
too (recreate="never", SQLite 3.35 or later): a copy would lose those triggers, and with foreign keys
on, dropping the old table would take the rows that refer to it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f9c1d7e5a24'
down_revision = '7b2d4e6f8a10'
branch_labels = None
depends_on = None

TABLES = ('initiative', 'progress_metric', 'measure_value')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.drop_column('version')
