"""school baselines made up for the demo are marked as generated

Revision ID: b4e8d1a6c352
Revises: 9d4e2c7b1f30
Create Date: 2026-12-08 09:00:00.000000

baseline.generated flags a school baseline the demo district made up, as actual.generated flags a
result, so a district figure computed from such rows can say so. The demo's school baselines are
known by their source ("Demo district (generated)"); every other baseline (the plan's own, and the
district's imported ones) is the district's.

Adding a column with a plain default is an ALTER TABLE on SQLite (no copy), so baseline keeps its
data-stamp triggers (5e1f0c2a9b7d); dropping it again is done in place too (recreate="never",
SQLite 3.35 or later).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4e8d1a6c352'
down_revision = '9d4e2c7b1f30'
branch_labels = None
depends_on = None

DEMO_SOURCE = "Demo district (generated)"
BASELINE = sa.table('baseline', sa.column('school_id', sa.Integer), sa.column('source', sa.String),
                    sa.column('generated', sa.Boolean))


def upgrade():
    with op.batch_alter_table('baseline', schema=None) as batch_op:
        batch_op.add_column(sa.Column('generated', sa.Boolean(), nullable=False, server_default='0'))
    op.execute(BASELINE.update().where(BASELINE.c.school_id.is_not(None), BASELINE.c.source == DEMO_SOURCE)
               .values(generated=True))


def downgrade():
    with op.batch_alter_table('baseline', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('generated')
