"""a principal's draft autosave moves its own data stamp, so stored district figures stay fresh

Revision ID: 7b2d4e6f8a10
Revises: 5e1f0c2a9b7d
Create Date: 2026-11-30 06:00:00.000000

The rollups' counter (scope "rollups") moved on every change to the tables they read, so each
autosave of a draft plan expired the district dashboard and the public page, which count submitted
and approved targets only. Changes to a target or target plan whose plan is not submitted or approved
(and whose status stays the same) now move a second counter, "drafts", which only the pages showing
draft rows read (portal/cache/freshness.py).
"""
from alembic import op


revision = '7b2d4e6f8a10'
down_revision = '5e1f0c2a9b7d'
branch_labels = None
depends_on = None

COUNTED = "('submitted', 'approved')"


def _bump(scope: str) -> str:
    return f"UPDATE data_stamp SET n = n + 1 WHERE scope = '{scope}';"


def upgrade():
    op.execute("INSERT INTO data_stamp (scope, n) VALUES ('drafts', 0)")
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def _sqlite_upgrade():
    for table in ("target", "target_plan"):
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS data_stamp_{table}_{event}")
    # A target counts when its plan is submitted or approved.
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        counted = f"(SELECT status FROM target_plan WHERE id = {row}.plan_id) IN {COUNTED}"
        op.execute(f"""CREATE TRIGGER data_stamp_target_{event.lower()} AFTER {event} ON target
                       WHEN {counted} BEGIN {_bump('rollups')} END""")
        op.execute(f"""CREATE TRIGGER data_stamp_target_{event.lower()}_draft AFTER {event} ON target
                       WHEN NOT ({counted}) OR {counted} IS NULL BEGIN {_bump('drafts')} END""")
    # A plan counts when it is (or was) submitted or approved, or its status changes.
    draft_edit = f"OLD.status = NEW.status AND NEW.status NOT IN {COUNTED}"
    op.execute(f"""CREATE TRIGGER data_stamp_target_plan_update AFTER UPDATE ON target_plan
                   WHEN NOT ({draft_edit}) BEGIN {_bump('rollups')} END""")
    op.execute(f"""CREATE TRIGGER data_stamp_target_plan_update_draft AFTER UPDATE ON target_plan
                   WHEN {draft_edit} BEGIN {_bump('drafts')} END""")
    for event in ("INSERT", "DELETE"):
        op.execute(f"""CREATE TRIGGER data_stamp_target_plan_{event.lower()} AFTER {event} ON target_plan
                       BEGIN {_bump('rollups')} END""")


def _postgresql_upgrade():
    # One bump per scope and transaction, at commit (the triggers are deferred), as before.
    op.execute("""
        CREATE FUNCTION bump_data_stamp_scope(scope_name text) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            IF current_setting('portal.data_stamp_' || scope_name, true) IS DISTINCT FROM txid_current()::text THEN
                UPDATE data_stamp SET n = n + 1 WHERE scope = scope_name;
                PERFORM set_config('portal.data_stamp_' || scope_name, txid_current()::text, true);
            END IF;
        END $$""")
    op.execute(f"""
        CREATE FUNCTION bump_target_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE plan_status text;
        BEGIN
            SELECT status INTO plan_status FROM target_plan
             WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.plan_id ELSE NEW.plan_id END;
            PERFORM bump_data_stamp_scope(CASE WHEN plan_status IN {COUNTED} THEN 'rollups' ELSE 'drafts' END);
            RETURN NULL;
        END $$""")
    op.execute(f"""
        CREATE FUNCTION bump_target_plan_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND NEW.status::text NOT IN {COUNTED} THEN
                PERFORM bump_data_stamp_scope('drafts');
            ELSE
                PERFORM bump_data_stamp_scope('rollups');
            END IF;
            RETURN NULL;
        END $$""")
    for table, function in (("target", "bump_target_stamp"), ("target_plan", "bump_target_plan_stamp")):
        op.execute(f'DROP TRIGGER IF EXISTS data_stamp_{table} ON "{table}"')
        op.execute(f"""CREATE CONSTRAINT TRIGGER data_stamp_{table} AFTER INSERT OR UPDATE OR DELETE
                       ON "{table}" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                       EXECUTE FUNCTION {function}()""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ("target", "target_plan"):
            op.execute(f'DROP TRIGGER IF EXISTS data_stamp_{table} ON "{table}"')
            op.execute(f"""CREATE CONSTRAINT TRIGGER data_stamp_{table} AFTER INSERT OR UPDATE OR DELETE
                           ON "{table}" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                           EXECUTE FUNCTION bump_data_stamp()""")
        op.execute("DROP FUNCTION IF EXISTS bump_target_stamp()")
        op.execute("DROP FUNCTION IF EXISTS bump_target_plan_stamp()")
        op.execute("DROP FUNCTION IF EXISTS bump_data_stamp_scope(text)")
    else:
        for table in ("target", "target_plan"):
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS data_stamp_{table}_{event}")
                op.execute(f"DROP TRIGGER IF EXISTS data_stamp_{table}_{event}_draft")
            for event in ("INSERT", "UPDATE", "DELETE"):
                op.execute(f"""CREATE TRIGGER data_stamp_{table}_{event.lower()} AFTER {event} ON "{table}"
                               BEGIN {_bump('rollups')} END""")
    op.execute("DELETE FROM data_stamp WHERE scope = 'drafts'")
