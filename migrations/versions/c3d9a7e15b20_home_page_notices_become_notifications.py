"""home-page notices become notifications

Revision ID: c3d9a7e15b20
Revises: b71e4c9a0d36
Create Date: 2026-12-10 09:00:00.000000

A notice was a message on one person's home page: the regional leader's reminder that a school's
targets are overdue. Notifications now carry those reminders (kind "reviewer_reminder"), on the home
page, the notifications page and the bell. Each notice becomes a notification of that kind with its
text as subject and body, its link (the home page when it had none), and read when it was dismissed;
delivery "off", since it was never e-mailed and never will be. The notice table goes.

Downgrading brings the reminders back as notices (without who sent them: notifications do not say)
and removes them from the notifications.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d9a7e15b20'
down_revision = 'b71e4c9a0d36'
branch_labels = None
depends_on = None

KIND = 'reviewer_reminder'
NOTICE = sa.table('notice', sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
                  sa.column('text', sa.Text), sa.column('link', sa.String), sa.column('sender_id', sa.Integer),
                  sa.column('created_at', sa.DateTime), sa.column('dismissed_at', sa.DateTime))
NOTIFICATION = sa.table('notification', sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
                        sa.column('kind', sa.String), sa.column('subject', sa.String), sa.column('body', sa.Text),
                        sa.column('link', sa.String), sa.column('delivery', sa.String),
                        sa.column('created_at', sa.DateTime), sa.column('read_at', sa.DateTime))


def upgrade():
    n = NOTICE.c
    op.execute(NOTIFICATION.insert().from_select(
        ['user_id', 'kind', 'subject', 'body', 'link', 'delivery', 'created_at', 'read_at'],
        sa.select(n.user_id, sa.literal(KIND), sa.func.substr(n.text, 1, 200), n.text,
                  sa.func.coalesce(n.link, sa.literal('/home')), sa.literal('off'), n.created_at, n.dismissed_at)
        .order_by(n.id)))
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_user_id'))

    op.drop_table('notice')


def downgrade():
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=200), nullable=True),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['sender_id'], ['user.id'], name=op.f('fk_notice_sender_id_user')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notice_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_user_id'), ['user_id'], unique=False)

    r = NOTIFICATION.c
    op.execute(NOTICE.insert().from_select(
        ['user_id', 'text', 'link', 'created_at', 'dismissed_at'],
        sa.select(r.user_id, r.body, sa.func.substr(r.link, 1, 200), r.created_at, r.read_at)
        .where(r.kind == KIND).order_by(r.id)))
    op.execute(NOTIFICATION.delete().where(r.kind == KIND))
