"""A school's approved targets to print or download: for its principal and everyone who may read
the school's records (its region's leader, the district roles). Registered on the targets blueprint
by portal.targets.views."""
from dataclasses import dataclass, field
from datetime import datetime

from flask import abort, render_template
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db
from portal.kernel.access import allow, deny
from portal.kernel.exports import GENERATED_COLUMN, export_response, generated_cell
from portal.kernel.policy import APPROVED_TARGET_READERS
from portal.org.models import User
from portal.org.scope import scoped_to_school
from portal.strategic_plan.settings import setting
from portal.strategic_plan.translations import group_name, plan_text
from portal.targets import operations as svc
from portal.targets.guardrails import interim_targets
from portal.targets.models import CycleKind, PlanStatus, Target, TargetPlan

FORMATS = ("xlsx", "csv")


@dataclass
class ApprovedRow:
    row: Target
    path: str  # the trajectory's name in the page's language, or "" when none was chosen
    yearly: list[float | None] = field(default_factory=list)  # one per plan year


@dataclass
class Approval:
    on: datetime | None  # when it was approved (UTC), when known
    by: User | None


def readable_plan_or_404(plan_id: int) -> TargetPlan:
    """A plan whose school the person may read: their own school's, their region's, or any for the
    district roles (portal.org.scope)."""
    plan = db.session.get(TargetPlan, plan_id)
    if plan is None:
        abort(404)
    if not scoped_to_school(current_user, plan.school):
        deny(404, "another school's plan")
    return plan


def approval(plan: TargetPlan) -> Approval:
    """When the plan was approved and by whom: its last approval in the plan's history."""
    approved = next((e for e in reversed(svc.history(plan)) if e.action == "approve"), None)
    return Approval(plan.decided_at or (approved.at if approved else None), approved.actor if approved else None)


def approved_sections(plan: TargetPlan) -> dict:
    """The plan's rows by metric, each with its yearly targets on its approved path."""
    trajectories = svc.trajectories()
    sections: dict = {}
    for row in svc.load_plan_rows(plan):
        path = trajectories.get(row.trajectory_code or "")
        yearly: list[float | None] = []
        if path is not None and row.baseline_value is not None and row.target_2026 is not None:
            yearly = list(interim_targets(row.baseline_value, row.target_2026, path.shares))
        name = plan_text("trajectory", path.code, "name", path.name) if path is not None else ""
        sections.setdefault(row.metric, []).append(ApprovedRow(row, name, yearly))
    return sections


def not_approved(plan: TargetPlan):
    return render_template("targets/approved_not_yet.html", plan=plan)


@allow(*APPROVED_TARGET_READERS)
def approved(plan_id: int):
    """The approved targets as a page made for printing."""
    plan = readable_plan_or_404(plan_id)
    if plan.status != PlanStatus.approved:
        return not_approved(plan)
    return render_template("targets/approved.html", plan=plan, sections=approved_sections(plan),
                           years=setting("trajectory_years", []), approval=approval(plan),
                           annual=plan.cycle.kind == CycleKind.annual, formats=FORMATS)


@allow(*APPROVED_TARGET_READERS)
def approved_export(plan_id: int, fmt: str):
    """The approved targets as an Excel workbook or a CSV file, a row per metric and student group."""
    if fmt not in FORMATS:
        abort(404)
    plan = readable_plan_or_404(plan_id)
    if plan.status != PlanStatus.approved:
        return not_approved(plan)
    years = setting("trajectory_years", [])
    annual = plan.cycle.kind == CycleKind.annual
    columns = [_("School code"), _("School"), _("Cycle"), _("Goal"), _("Metric"), _("Student group"),
               _("Baseline"), _("Baseline year"), _("Trajectory"),
               *[_("Target %(year)s", year=year) for year in years], _("2026 target")]
    if annual:
        columns.append(_("Target for %(year)s", year=plan.cycle.school_year))
    columns += [_("Rationale"), _("Approved on (UTC)"), _("Approved by"), GENERATED_COLUMN]
    signed = approval(plan)
    rows = []
    for metric, views in approved_sections(plan).items():
        for view in views:
            r = view.row
            yearly = view.yearly or [None] * len(years)
            rows.append([plan.school.code, plan.school.name, plan.cycle.name,
                         str(plan_text("goal", metric.goal.code, "name", metric.goal.name)),
                         str(plan_text("metric", metric.code, "name", metric.name)), str(group_name(r.group)),
                         r.baseline_value, r.baseline_year, str(view.path), *yearly[:len(years)], r.target_2026,
                         *([r.year_target] if annual else []), r.rationale,
                         signed.on.strftime("%Y-%m-%d %H:%M") if signed.on else "",
                         signed.by.name if signed.by else "", generated_cell(plan.generated)])
    name = f"approved-targets-{plan.school.code}-{plan.cycle.school_year}"
    return export_response(name, columns, rows, fmt)
