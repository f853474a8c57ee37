"""Records the browser tests act on, made for them with tests/factories.py (and removed after them):
target plans at schools of their own in Local District Central, whose demo leader reviews them, and
action plans of central offices of their own. No other test's rows move, and no browser test takes
a demo plan by its position."""

from portal.progress.models import Stage
from portal.targets import operations as svc
from portal.targets.guardrails import plan_target
from portal.targets.models import PlanStatus, TargetPlan


def central_plan(factories, status: PlanStatus = PlanStatus.not_started, region: str = "C") -> TargetPlan:
    """A school of its own in a demo region (Local District Central unless given), its plan in the district's
    open cycle (this year's targets, 2024-25: what the region's queue and dashboard read) in `status`."""
    return factories.target_plan(factories.school(region=region), status, cycle=factories.district_cycle())


def plan_facts(factories, plan: TargetPlan) -> dict:
    """What a journey needs of a plan: its school, its principal, and each required row with the
    value the plan asks of it (by 2026, which the journeys type as this year's target)."""
    rows = [(r.id, plan_target(r.metric, r.baseline_value, r.group.targeted))
            for r in svc.load_plan_rows(plan) if svc.required(r)]
    return {"id": plan.id, "school": plan.school.name, "code": plan.school.code,
            "principal": factories.principal(plan.school).email, "rows": rows}


def action_plan(factories, stage: Stage = Stage.sharing) -> dict:
    """An action plan of a central office of its own with one metric ("Students tutored", by school
    level) and a Spring 2031 check-in taken to `stage`; `office` is the email the office logs in with."""
    check_in = factories.check_in(stage=stage)
    initiative = check_in.initiative
    return {"initiative_id": initiative.id, "name": initiative.name, "check_in_id": check_in.id,
            "metric_id": initiative.metrics[0].id, "period": check_in.period,
            "office": factories.office_user(initiative.office).email}
