"""each person's language: the portal and its e-mails in the language they chose

Revision ID: f2a6c8e1d9b3
Revises: e5d2b8f41c07
Create Date: 2026-11-30 21:20:00.000000

Empty for everyone to begin with: their pages follow the browser's language and their e-mail is in
English until they choose one with the language switch (portal/kernel/i18n.py).
"""
from alembic import op
import sqlalchemy as sa


revision = 'f2a6c8e1d9b3'
down_revision = 'e5d2b8f41c07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('language')
