"""a data stamp the database moves on every change to what the rollups read

Revision ID: 5e1f0c2a9b7d
Revises: c0074a182f0f
Create Date: 2026-11-22 08:40:00.000000

A later migration that rebuilds one of the watched tables on SQLite (batch_alter_table copies the
table) must create that table's triggers again: see create_sqlite_triggers.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e1f0c2a9b7d'
down_revision = 'c0074a182f0f'
branch_labels = None
depends_on = None

# Every table the stored rollups (the dashboard, the public page) are computed from.
WATCHED = ("target_plan", "target", "actual", "baseline", "check_in", "school", "region", "target_cycle",
           "metric", "goal", "student_group", "school_level", "plan_setting", "trajectory", "initiative",
           "office", "pillar", "priority")
SCOPE = "rollups"


def upgrade():
    op.create_table(
        'data_stamp',
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('scope', name=op.f('pk_data_stamp')),
    )
    op.execute(f"INSERT INTO data_stamp (scope, n) VALUES ('{SCOPE}', 0)")
    if op.get_bind().dialect.name == "postgresql":
        # Deferred to commit, so the counter's row lock is taken last (no lock-order deadlock with
        # the rows a transaction changes), and once per transaction however many rows it wrote.
        op.execute(f"""
            CREATE FUNCTION bump_data_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF current_setting('portal.data_stamp_bumped', true) IS DISTINCT FROM txid_current()::text THEN
                    UPDATE data_stamp SET n = n + 1 WHERE scope = '{SCOPE}';
                    PERFORM set_config('portal.data_stamp_bumped', txid_current()::text, true);
                END IF;
                RETURN NULL;
            END $$""")
        for table in WATCHED:
            op.execute(f"""CREATE CONSTRAINT TRIGGER data_stamp_{table} AFTER INSERT OR UPDATE OR DELETE
                           ON "{table}" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                           EXECUTE FUNCTION bump_data_stamp()""")
    else:
        create_sqlite_triggers(WATCHED)


def create_sqlite_triggers(tables):
    """SQLite has one writer at a time: a plain trigger in the writing transaction is enough."""
    for table in tables:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER data_stamp_{table}_{event.lower()} AFTER {event} ON "{table}"
                           BEGIN UPDATE data_stamp SET n = n + 1 WHERE scope = '{SCOPE}'; END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f'DROP TRIGGER IF EXISTS data_stamp_{table} ON "{table}"')
        op.execute("DROP FUNCTION IF EXISTS bump_data_stamp()")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS data_stamp_{table}_{event}")
    op.drop_table('data_stamp')
