"""the PDF and slide deck of each published report, stored with their SHA-256

Revision ID: d3f81b6c2a40
Revises: b3e8d6f19a42
Create Date: 2026-12-01 11:00:00.000000

Publishing a Board update or an annual report renders its PDF and deck once, from the frozen report;
reports published before this keep only their snapshot.
"""
from alembic import op
import sqlalchemy as sa


revision = 'd3f81b6c2a40'
down_revision = 'b3e8d6f19a42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('board_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('board_update_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['board_update_id'], ['board_update.id'],
                            name=op.f('fk_board_document_board_update_id_board_update'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_board_document')),
    sa.UniqueConstraint('board_update_id', 'kind', name=op.f('uq_board_document_board_update_id'))
    )
    with op.batch_alter_table('board_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_document_board_update_id'), ['board_update_id'], unique=False)


def downgrade():
    with op.batch_alter_table('board_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_document_board_update_id'))
    op.drop_table('board_document')
