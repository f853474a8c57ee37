"""Stored figures go stale exactly when what they count changes: a principal's draft autosave leaves the
district's figures fresh, a submission does not."""
from sqlalchemy import select, text

from portal.cache.freshness import DRAFTS, ROLLUPS, WATCHED
from portal.cache.models import DataStamp
from portal.extensions import db
from portal.kernel.policy import Role
from portal.org.models import User
from portal.targets import operations as svc
from portal.targets import workflow as plan_workflow
from portal.targets.models import PlanStatus, Target, TargetPlan


def stamps() -> dict[str, int]:
    return dict(db.session.execute(select(DataStamp.scope, DataStamp.n)).all())


def triggered_tables() -> set[str]:
    if db.engine.dialect.name == "postgresql":
        sql = ("SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
               "WHERE t.tgname LIKE 'data_stamp_%'")
    else:
        sql = "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'data_stamp_%'"
    return set(db.session.scalars(text(sql)))


def test_every_table_the_rollups_read_is_watched_by_the_database(ctx):
    assert triggered_tables() == set(WATCHED)


def draft_row(s):
    plan = s.scalar(select(TargetPlan).where(TargetPlan.status == PlanStatus.draft).order_by(TargetPlan.id).limit(1))
    assert plan is not None, "the demo district has draft plans"
    principal = s.scalar(select(User).where(User.role == Role.principal, User.school_id == plan.school_id))
    row = s.scalar(select(Target).where(Target.plan_id == plan.id, Target.baseline_value.is_not(None))
                   .order_by(Target.id).limit(1))
    return plan, principal, row


def test_a_draft_autosave_moves_only_the_drafts_stamp(ctx):
    plan, principal, row = draft_row(ctx)
    before = stamps()
    value = min(row.metric.value_max, round(row.baseline_value + 4.5, 1))
    assert svc.save_row(plan, row, {"target_2026": str(value), "trajectory": "linear",
                                    "rationale": "Set while checking which figures go stale."},
                        principal, plan.version) == {}
    ctx.commit()
    after = stamps()
    assert after[ROLLUPS] == before[ROLLUPS]
    assert after[DRAFTS] > before[DRAFTS]


def test_a_change_of_status_moves_the_rollups_stamp(ctx):
    plan = ctx.scalar(select(TargetPlan).where(TargetPlan.status == PlanStatus.submitted)
                      .order_by(TargetPlan.id).limit(1))
    leader = ctx.scalar(select(User).where(User.role == Role.regional_leader,
                                           User.region_id == plan.school.region_id))
    principal = ctx.scalar(select(User).where(User.role == Role.principal, User.school_id == plan.school_id))
    before = stamps()
    svc.decide(plan, "return", leader, "Checking which figures go stale.", plan.version)
    ctx.commit()
    assert stamps()[ROLLUPS] > before[ROLLUPS]
    plan_workflow.apply(plan, "submit", principal)  # back in the reviewer's queue, as the demo had it
    ctx.commit()
