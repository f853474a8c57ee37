"""the portal holds more than one Strategic Plan

Revision ID: 9d4e2c7b1f30
Revises: 7c1e5a9d2b40
Create Date: 2026-11-30 12:00:00.000000

A strategic_plan table, and strategic_plan_id on every record that belongs to one plan. Codes,
numbers and positions that were unique across the portal are now unique within their plan, so a
successor plan may reuse them. A database that already holds a plan gets one strategic_plan row
for it (named by its years, current) and every record is given to it.

On SQLite, changing a table's constraints rebuilds the table; migrations/env.py turns foreign keys
off for the run, and the data-stamp triggers are set aside for the rebuild and made again after it.
On PostgreSQL those triggers fire at once for this migration (a table with pending trigger events
cannot be altered).
"""
from datetime import date, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d4e2c7b1f30'
down_revision = '7c1e5a9d2b40'
branch_labels = None
depends_on = None

OWNED = ('goal', 'metric', 'baseline', 'pillar', 'priority', 'strategy', 'resource', 'trajectory',
         'graduate_attribute', 'core_belief', 'measure', 'board_meeting', 'target_cycle', 'window_extension',
         'target_plan', 'target', 'actual', 'initiative', 'progress_metric', 'check_in', 'metric_value',
         'board_update', 'data_review_meeting', 'measure_value')
# Unique within the portal before, unique within a plan now.
PER_PLAN = {'goal': 'code', 'metric': 'code', 'pillar': 'number', 'priority': 'code', 'trajectory': 'code',
            'graduate_attribute': 'position', 'core_belief': 'position', 'measure': 'code', 'initiative': 'code'}


def _set_sqlite_triggers_aside() -> list[str]:
    """SQLite checks every trigger when a rebuilt table is renamed into place, and a rebuilt table
    loses its own: the triggers (the data stamps of 5e1f0c2a9b7d and 7b2d4e6f8a10) are dropped for
    the rebuild and made again, exactly as they were, after it."""
    if op.get_bind().dialect.name != "sqlite":
        return []
    triggers = op.get_bind().execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    for name, _ in triggers:
        op.execute(f'DROP TRIGGER "{name}"')
    return [sql for _, sql in triggers]


def _restore(triggers: list[str]) -> None:
    for sql in triggers:
        op.execute(sql)
    if op.get_bind().dialect.name == "postgresql":  # plan_setting was made anew, without its trigger
        op.execute("""CREATE CONSTRAINT TRIGGER data_stamp_plan_setting AFTER INSERT OR UPDATE OR DELETE
                      ON "plan_setting" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                      EXECUTE FUNCTION bump_data_stamp()""")


OLD_SETTINGS = sa.table('plan_setting', sa.column('key', sa.String), sa.column('value', sa.JSON))
NEW_SETTINGS = sa.table('plan_setting', sa.column('key', sa.String), sa.column('value', sa.JSON),
                        sa.column('strategic_plan_id', sa.Integer))


def _the_existing_plan(bind, settings: dict) -> int | None:
    """The plan a database already holds, as a strategic_plan row; None for an empty database."""
    if not settings and not bind.execute(sa.text("SELECT COUNT(*) FROM goal")).scalar():
        return None
    years = [str(y) for y in settings.get("trajectory_years") or []] or ["2022-23", "2023-24", "2024-25", "2025-26"]
    adopted = settings.get("plan_approved")
    first, last = years[0], years[-1]
    span = f"{first[:4]}–{first[:2]}{last[5:7]}"
    bind.execute(sa.text(
        "INSERT INTO strategic_plan (id, code, name, first_year, last_year, adopted_on, folder, is_current, "
        "created_at) VALUES (1, :code, :name, :first, :last, :adopted, '', :current, :now)"), {
        "code": f"{first[:4]}-{last[5:7]}", "name": f"Strategic Plan {span}", "first": first, "last": last,
        "adopted": date.fromisoformat(str(adopted)) if adopted else None, "current": True,
        "now": datetime.now()})
    return 1


def _fire_triggers_at_once():
    """PostgreSQL: the data-stamp triggers are deferred to commit, and a table with trigger events
    still pending cannot be altered; the rows given to the plan fire theirs statement by statement."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET CONSTRAINTS ALL IMMEDIATE")


def upgrade():
    _fire_triggers_at_once()
    triggers = _set_sqlite_triggers_aside()
    op.create_table(
        'strategic_plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=160), nullable=False),
        sa.Column('first_year', sa.String(length=7), nullable=False),
        sa.Column('last_year', sa.String(length=7), nullable=False),
        sa.Column('adopted_on', sa.Date(), nullable=True),
        sa.Column('folder', sa.String(length=300), nullable=False),
        sa.Column('is_current', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_strategic_plan')),
        sa.UniqueConstraint('code', name=op.f('uq_strategic_plan_code')),
    )
    bind = op.get_bind()
    settings = {row.key: row.value for row in bind.execute(sa.select(OLD_SETTINGS.c.key, OLD_SETTINGS.c.value))}
    plan_id = _the_existing_plan(bind, settings)

    # plan_setting: keyed by (plan, key) instead of key alone.
    op.drop_table('plan_setting')
    op.create_table(
        'plan_setting',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('value', sa.JSON(), nullable=True),
        sa.Column('strategic_plan_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['strategic_plan_id'], ['strategic_plan.id'],
                                name=op.f('fk_plan_setting_strategic_plan_id_strategic_plan')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_setting')),
        sa.UniqueConstraint('strategic_plan_id', 'key', name=op.f('uq_plan_setting_strategic_plan_id')),
    )
    op.create_index(op.f('ix_plan_setting_strategic_plan_id'), 'plan_setting', ['strategic_plan_id'])
    if plan_id is not None and settings:
        op.bulk_insert(NEW_SETTINGS, [{"key": k, "value": v, "strategic_plan_id": plan_id}
                                      for k, v in settings.items()])

    for table in OWNED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('strategic_plan_id', sa.Integer(), nullable=True))
        if plan_id is not None:
            op.execute(f'UPDATE "{table}" SET strategic_plan_id = {plan_id}')
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('strategic_plan_id', existing_type=sa.Integer(), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_strategic_plan_id'), ['strategic_plan_id'])
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_strategic_plan_id_strategic_plan'),
                                        'strategic_plan', ['strategic_plan_id'], ['id'])
            if table in PER_PLAN:
                batch_op.drop_constraint(batch_op.f(f'uq_{table}_{PER_PLAN[table]}'), type_='unique')
                batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_strategic_plan_id'),
                                                  ['strategic_plan_id', PER_PLAN[table]])
    _restore(triggers)


def downgrade():
    """Back to one plan: keeps the current plan's records and drops every other plan's."""
    _fire_triggers_at_once()
    triggers = _set_sqlite_triggers_aside()
    bind = op.get_bind()
    current = bind.execute(sa.text("SELECT id FROM strategic_plan WHERE is_current")).scalar()
    for table in reversed(OWNED):
        if current is not None:
            op.execute(f'DELETE FROM "{table}" WHERE strategic_plan_id <> {current}')
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table in PER_PLAN:
                batch_op.drop_constraint(batch_op.f(f'uq_{table}_strategic_plan_id'), type_='unique')
                batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_{PER_PLAN[table]}'), [PER_PLAN[table]])
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_strategic_plan_id_strategic_plan'), type_='foreignkey')
            batch_op.drop_index(batch_op.f(f'ix_{table}_strategic_plan_id'))
            batch_op.drop_column('strategic_plan_id')
    kept = {row.key: row.value for row in bind.execute(
        sa.select(NEW_SETTINGS.c.key, NEW_SETTINGS.c.value).where(NEW_SETTINGS.c.strategic_plan_id == current))}
    op.drop_table('plan_setting')
    op.create_table(
        'plan_setting',
        sa.Column('key', sa.String(length=60), nullable=False),
        sa.Column('value', sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_plan_setting')),
    )
    if kept:
        op.bulk_insert(OLD_SETTINGS, [{"key": k, "value": v} for k, v in kept.items()])
    op.drop_table('strategic_plan')
    _restore(triggers)
