"""Help through a long target form: how many rows are set (for the whole plan and each goal), which
rows are done and can fold to one line, and the fills that set many rows in one step: every empty
2026 target at the district's pace, one trajectory for every row of a goal that has none yet."""
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from portal.kernel import workflow
from portal.targets import operations as svc
from portal.targets import workflow as plan_workflow
from portal.targets.guardrails import blocking, plan_target
from portal.targets.models import CycleKind, Target, TargetPlan

PACE, PATH = "pace", "path"  # what a fill sets: the 2026 target, or the trajectory


@dataclass
class GoalCount:
    metric: object
    done: int = 0
    total: int = 0


@dataclass
class Progress:
    done: int = 0
    total: int = 0
    goals: list[GoalCount] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.total - self.done


def row_done(view: svc.RowView) -> bool:
    """A required row with everything it needs and no problem to fix or explain."""
    row = view.row
    if not view.required or view.errors or blocking(view.flags):
        return False
    if row.plan.cycle.kind == CycleKind.annual:
        return row.year_target is not None
    return row.target_2026 is not None and bool(row.trajectory_code)


def tally(sections: dict) -> Progress:
    """Done and required rows, for the plan and for each goal (metric -> its rows' views)."""
    progress = Progress()
    for metric, views in sections.items():
        goal = GoalCount(metric)
        for view in views:
            if view.required:
                goal.total += 1
                goal.done += row_done(view)
        progress.goals.append(goal)
        progress.done += goal.done
        progress.total += goal.total
    return progress


def plan_progress(rows: Iterable[Target], shares: dict) -> Progress:
    """tally() for rows not yet drawn as views (a row's autosave answer)."""
    sections: dict = {}
    for row in rows:
        sections.setdefault(row.metric, []).append(svc.row_view(row, shares))
    return tally(sections)


def read_fill(asked: str, rows: Sequence[Target]) -> tuple[str, int | None] | None:
    """The fill a button asked for ("pace:12", "path:12", "pace:all"): (what, metric id or None for the
    whole plan), or None when it names no fill or no goal of this plan."""
    what, _sep, where = (asked or "").partition(":")
    if what not in (PACE, PATH):
        return None
    if where == "all" and what == PACE:
        return what, None
    metric_ids = {row.metric_id for row in rows}
    return (what, int(where)) if where.isascii() and where.isdigit() and int(where) in metric_ids else None


def fill(rows: Sequence[Target], cleaned: dict[int, dict], what: str, metric_id: int | None,
         trajectory: str | None) -> int:
    """Fill the checked values (`cleaned`, row id -> fields) of the required rows of one goal (or all):
    an empty 2026 target with the plan's own target for the row, or an empty trajectory with
    `trajectory`. A value already there, typed or saved, is kept. Returns how many were filled."""
    filled = 0
    for row in rows:
        if not svc.required(row) or (metric_id is not None and row.metric_id != metric_id):
            continue
        values = cleaned[row.id]
        if what == PACE and values.get("target_2026") is None and row.baseline_value is not None:
            values["target_2026"] = plan_target(row.metric, row.baseline_value, row.group.targeted)
            filled += 1
        elif what == PATH and not values.get("trajectory_code"):
            values["trajectory_code"] = trajectory
            filled += 1
    return filled


def save_filled(plan: TargetPlan, rows: Sequence[Target], cleaned: dict[int, dict], what: str, user,
                expected_version: int | None) -> bool:
    """Save the rows as one draft edit, audited like any edit and saying which fill made it; False
    when nothing changed. Raises workflow errors (a stale version, a closed window, a locked plan),
    whether or not anything was left to fill."""
    if expected_version is not None and plan.version != expected_version:
        raise workflow.ConflictError(plan_workflow.describe_last_change(plan, user))
    decision = plan_workflow.check(plan, "edit", user, window_open=svc.window_open(plan))
    if not decision.allowed:
        raise workflow.WorkflowError(decision.reason)
    changes = {}
    for row in rows:
        diff = {k: [getattr(row, k), v] for k, v in cleaned[row.id].items() if getattr(row, k) != v}
        if diff:
            changes[str(row.id)] = diff
            for k, (_before, v) in diff.items():
                setattr(row, k, v)
    if not changes:
        return False
    plan_workflow.apply(plan, "edit", user, expected_version=expected_version, window_open=svc.window_open(plan),
                        details={"rows": changes, "fill": what})
    return True
