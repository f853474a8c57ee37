"""The school target plan's workflow: draft, submit, approve, return, reopen, as a transition table."""
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.kernel.i18n import N_
from portal.kernel.policy import PRINCIPALS, REVIEWERS
from portal.kernel.workflow import Machine, Noun
from portal.targets import notices
from portal.targets.models import PlanStatus, TargetPlan

S = PlanStatus


def _plan_timestamps(plan: TargetPlan, now: datetime, action: str) -> None:
    if action == "submit":
        plan.submitted_at = now
    if action in {"approve", "return", "reopen"}:
        plan.decided_at = now
    if action == "edit":  # the targets are now the school's own, not the demo's
        plan.generated = False


PLAN = Machine(
    "target_plan", Noun(_l("this plan"), _l("This plan"), _l("a plan")), "status",
    {
        (S.not_started, "edit"): (S.draft, PRINCIPALS),
        (S.draft, "edit"): (S.draft, PRINCIPALS),
        (S.returned, "edit"): (S.returned, PRINCIPALS),
        (S.draft, "submit"): (S.submitted, PRINCIPALS),
        (S.returned, "submit"): (S.submitted, PRINCIPALS),
        (S.submitted, "approve"): (S.approved, REVIEWERS),
        (S.submitted, "return"): (S.returned, REVIEWERS),
        (S.approved, "reopen"): (S.returned, REVIEWERS),
    },
    {"return": N_("Say what needs to change before the plan is returned."),
     "reopen": N_("Give the reason for reopening the approved plan.")},
    windowed=frozenset({"edit", "submit"}),
    announce=notices.announce,  # submissions to the region's leaders, decisions to the school's principals
)

# Target-plan names kept at module level: the views, services and tests speak of "the" workflow.
TRANSITIONS = PLAN.transitions
ACTIONS = PLAN.actions
NEEDS_COMMENT = PLAN.needs_comment
check = PLAN.check
describe_last_change = PLAN.describe_last_change


def apply(plan: TargetPlan, action: str, user, **kwargs) -> TargetPlan:
    return PLAN.apply(plan, action, user, before_flush=lambda p, now: _plan_timestamps(p, now, action), **kwargs)


