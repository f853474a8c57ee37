"""evidence files on check-ins: the files an office attaches to a check-in, kept in the database

Revision ID: b3e8d6f19a42
Revises: a7c41e2b9d55
Create Date: 2026-12-01 10:50:00.000000

Empty to begin with: a check-in's evidence links (check_in.evidence) stay as they are.
"""
from alembic import op
import sqlalchemy as sa


revision = 'b3e8d6f19a42'
down_revision = 'a7c41e2b9d55'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evidence_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_in_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('strategic_plan_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['check_in_id'], ['check_in.id'], name=op.f('fk_evidence_file_check_in_id_check_in')),
    sa.ForeignKeyConstraint(['strategic_plan_id'], ['strategic_plan.id'],
                            name=op.f('fk_evidence_file_strategic_plan_id_strategic_plan')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_evidence_file_uploaded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_file'))
    )
    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_file_check_in_id'), ['check_in_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_file_strategic_plan_id'), ['strategic_plan_id'], unique=False)


def downgrade():
    with op.batch_alter_table('evidence_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_file_strategic_plan_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_file_check_in_id'))

    op.drop_table('evidence_file')
