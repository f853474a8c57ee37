"""the check-in calendar: the reporting periods the superintendent's office opens for check-ins

Revision ID: a7c41e2b9d55
Revises: f2a6c8e1d9b3
Create Date: 2026-12-01 02:00:00.000000

Empty to begin with: check-ins keep naming their own periods (CheckIn.period, CheckIn.period_end) until
the superintendent's office adds periods to the calendar, and `flask demo` adds the demo's.
"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c41e2b9d55'
down_revision = 'f2a6c8e1d9b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('check_in_period',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('strategic_plan_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['strategic_plan_id'], ['strategic_plan.id'],
                            name=op.f('fk_check_in_period_strategic_plan_id_strategic_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in_period')),
    sa.UniqueConstraint('strategic_plan_id', 'name', name=op.f('uq_check_in_period_strategic_plan_id'))
    )
    with op.batch_alter_table('check_in_period', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_in_period_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_in_period_opens_on'), ['opens_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_in_period_strategic_plan_id'), ['strategic_plan_id'], unique=False)


def downgrade():
    with op.batch_alter_table('check_in_period', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_in_period_strategic_plan_id'))
        batch_op.drop_index(batch_op.f('ix_check_in_period_opens_on'))
        batch_op.drop_index(batch_op.f('ix_check_in_period_due_on'))

    op.drop_table('check_in_period')
