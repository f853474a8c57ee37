"""stored rollups say what they are (name, filters, plan, drafts), so the worker can recompute them

Revision ID: e5d2b8f41c07
Revises: c3d9a7e15b20
Create Date: 2026-11-30 16:00:00.000000

After a change the worker (`flask worker`) computes every stale stored rollup again, so no reader's
request waits for it (portal/rollups/refresh.py). For that each stored rollup keeps what it was
computed for. Rollups stored before this migration do not say: they are dropped here (they are only
a cache; the next reader computes them again, and from then on the worker keeps them current).
"""
from alembic import op
import sqlalchemy as sa


revision = 'e5d2b8f41c07'
down_revision = 'c3d9a7e15b20'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM rollup_cache")
    with op.batch_alter_table('rollup_cache', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('filters', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('drafts', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('rollup_cache', schema=None) as batch_op:
        batch_op.drop_column('drafts')
        batch_op.drop_column('plan_id')
        batch_op.drop_column('filters')
        batch_op.drop_column('name')
