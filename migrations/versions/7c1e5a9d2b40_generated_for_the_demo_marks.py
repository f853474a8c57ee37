"""what the demo made up is marked as generated; a progress figure may have no as-of date

Revision ID: 7c1e5a9d2b40
Revises: 3f9c1d7e5a24
Create Date: 2026-12-05 09:00:00.000000

check_in.generated and board_update.generated name the fields the demo district made up (a status, a
narrative, a decision, a date...); metric_value, measure_value, actual and target_plan carry a flag for
a row made up as a whole. A person's edit clears the mark of what they changed. The district's own
figures carry none.

metric_value.as_of becomes nullable: the documents date only some figures, and a figure they do not
date has no as-of date rather than an invented one. Going back down, such a figure takes its
check-in's period end.

Adding a column with a plain default is an ALTER TABLE on SQLite (no copy), so check_in, actual and
target_plan keep their data-stamp triggers (5e1f0c2a9b7d, 7b2d4e6f8a10); dropping it again is done in
place too (recreate="never", SQLite 3.35 or later). Changing metric_value.as_of copies that table on
SQLite; it has no triggers and no table refers to it.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e5a9d2b40'
down_revision = '3f9c1d7e5a24'
branch_labels = None
depends_on = None

FIELD_LISTS = ('check_in', 'board_update')
FLAGS = ('metric_value', 'measure_value', 'actual', 'target_plan')


def upgrade():
    for table in FIELD_LISTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('generated', sa.JSON(), nullable=False, server_default='[]'))
    for table in FLAGS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('generated', sa.Boolean(), nullable=False, server_default='0'))
    with op.batch_alter_table('metric_value', schema=None) as batch_op:
        batch_op.alter_column('as_of', existing_type=sa.Date(), nullable=True)


def downgrade():
    op.execute("UPDATE metric_value SET as_of = (SELECT period_end FROM check_in "
               "WHERE check_in.id = metric_value.check_in_id) WHERE as_of IS NULL")
    with op.batch_alter_table('metric_value', schema=None) as batch_op:
        batch_op.alter_column('as_of', existing_type=sa.Date(), nullable=False)
    for table in reversed(FLAGS):
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.drop_column('generated')
    for table in reversed(FIELD_LISTS):
        with op.batch_alter_table(table, schema=None, recreate='never') as batch_op:
            batch_op.drop_column('generated')
