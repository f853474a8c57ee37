"""Review views: the region's queue with in-place and bulk approval, the review page with its
decisions and comments, completeness per region, and reminders for overdue schools.

Views never set a status: every decision goes through targets.operations.decide (targets.workflow)."""
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.kernel import clock, workflow
from portal.kernel.access import allow
from portal.kernel.actions import missing_version, posted_version, safe_next
from portal.kernel.exports import GENERATED_COLUMN, export_response, generated_cell
from portal.kernel.formatting import count
from portal.kernel.htmx import is_htmx, render
from portal.kernel.numbers import parse_int
from portal.kernel.policy import REVIEWERS, TARGET_REVIEW_READERS, Role
from portal.org.models import LEVELS, Region, School
from portal.strategic_plan.settings import setting
from portal.targets import formats
from portal.targets import operations as svc
from portal.targets import workflow as plan_workflow
from portal.targets.models import PlanStatus, TargetPlan
from portal.targets.queries import current_cycle
from portal.targets.review import bp
from portal.targets.review import queries as q
from portal.targets.review.queries import ReviewFilter, plan_or_404, scope_region
from portal.targets.review.sequence import carry, place_in_queue, queue_filter

DECISIONS = ("approve", "return", "reopen")
MAX_COMMENT = 2000


def queue_url(flt: ReviewFilter | None = None) -> str:
    return url_for("review.queue", **(flt.as_args() if flt else {}))


def can_act(user) -> bool:
    return user.role in REVIEWERS


# ---------------------------------------------------------------- the queue

@bp.route("/")
@allow(*TARGET_REVIEW_READERS)
def queue():
    flt = ReviewFilter.from_args(request.args)
    cycle = current_cycle()
    if cycle is None:
        return render_template("review/no_cycle.html")
    region = scope_region(current_user, flt.region)
    if current_user.role != Role.regional_leader:
        flt.region = region.code if region else ""
    rows, found = q.search_queue(current_user, cycle, region, flt)
    counts = q.completeness(q.plan_counts(q.cycle_plans(current_user, cycle, region), cycle), cycle)
    regions = [] if current_user.role == Role.regional_leader else db.session.scalars(
        select(Region).order_by(Region.name)).all()
    return render("review/queue.html", "review/_queue_results.html", cycle=cycle, region=region, rows=rows,
                  total=found, flt=flt, pages=max(1, -(-found // q.PAGE_SIZE)), counts=counts, levels=LEVELS,
                  regions=regions, sorts=q.SORTS, statuses=list(PlanStatus), can_act=can_act(current_user),
                  back=request.full_path.rstrip("?"), show_region=region is None, is_overdue=svc.is_overdue,
                  carry=carry(flt))


EXPORT_COLUMNS = ["School code", "School", "Region", "Level", "Status", "Submitted (UTC)", "Overdue",
                  "Last updated (UTC)", GENERATED_COLUMN]
EXPORT_FORMATS = ("csv", "xlsx")


def queue_export_rows(user, cycle, region, flt: ReviewFilter) -> list[list]:
    """Every plan the queue's filters match (all pages), in the queue's order, as table rows."""
    rows = db.session.execute(q.narrowed(user, cycle, region, flt).add_columns(School, Region)
                              .join(Region, School.region_id == Region.id).order_by(*q.queue_order(flt))).all()
    return [[school.code, school.name, school_region.name, school.level.capitalize(), plan.status.title,
             plan.submitted_at.strftime("%Y-%m-%d %H:%M") if plan.submitted_at else "",
             "Yes" if svc.is_overdue(plan) else "No", plan.updated_at.strftime("%Y-%m-%d %H:%M"),
             generated_cell(plan.generated)]
            for plan, school, school_region in rows]


@bp.route("/export.<fmt>")
@allow(*TARGET_REVIEW_READERS)
def queue_export(fmt: str):
    """The queue as CSV or Excel, with the filters the queue page shows (a leader's own region only)."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    flt = ReviewFilter.from_args(request.args)
    cycle = current_cycle()
    if cycle is None:
        abort(404)
    region = scope_region(current_user, flt.region)
    rows = queue_export_rows(current_user, cycle, region, flt)
    name = f"target-plans-{cycle.school_year}-{region.short_name if region else 'district'}"
    return export_response(name, EXPORT_COLUMNS, rows, fmt)


def safe_back() -> str:
    """Where to go after a POST from the queue: the queue URL it was sent from, filters and all."""
    back = safe_next(request.form.get("back", ""))
    return back if back and back.startswith("/review/") else url_for("review.queue")


def _row(plan: TargetPlan, status: int = 200, message: str = "", error: str = ""):
    """The queue's row for one plan, after acting on it in place."""
    back = safe_back()
    return render_template("review/_queue_row.html", plan=plan, school=plan.school, region=plan.school.region,
                           can_act=True, message=message, error=error, back=back,
                           carry=carry(queue_filter(urlsplit(back).query)),
                           show_region=request.form.get("show_region") == "1", is_overdue=svc.is_overdue), status


@bp.route("/approve/<int:plan_id>", methods=["POST"])
@allow(*REVIEWERS)
def approve(plan_id: int):
    plan = plan_or_404(plan_id, current_user)
    back = safe_back()
    version = posted_version()
    try:
        if version is None:
            raise workflow.WorkflowError(missing_version(_("of the plan")))
        svc.decide(plan, "approve", current_user, None, version)
        db.session.commit()
    except workflow.WorkflowError as exc:
        db.session.rollback()
        if is_htmx():
            return _row(plan_or_404(plan_id, current_user), 409, error=str(exc))
        flash(f"{plan.school.name}: {exc}", "error")
        return redirect(back, code=303)
    if is_htmx():
        return _row(plan, message=_("Approved %(school)s's plan.", school=plan.school.name))
    flash(_("Approved %(school)s's plan.", school=plan.school.name), "success")
    return redirect(back, code=303)


@bp.route("/bulk-approve", methods=["POST"])
@allow(*REVIEWERS)
def bulk_approve():
    flt = ReviewFilter.from_args(request.form)
    chosen: list[tuple[int, int]] = []
    for value in request.form.getlist("plan"):
        raw_id, _colon, raw_version = value.partition(":")
        plan_id, version = parse_int(raw_id), parse_int(raw_version)
        if plan_id is not None and version is not None:
            chosen.append((plan_id, version))
    if not chosen:
        flash(_("No plans were selected. Tick the submitted plans you want to approve, then choose "
                "Approve selected plans."), "error")
        return redirect(queue_url(flt), code=303)
    # Check every plan is within the reviewer's reach before approving any of them.
    plans = [(plan_or_404(plan_id, current_user), version) for plan_id, version in chosen]
    approved, problems = 0, []
    for plan, seen in plans:
        name = plan.school.name
        try:
            svc.decide(plan, "approve", current_user, None, seen)
            db.session.commit()
            approved += 1
        except workflow.WorkflowError as exc:
            db.session.rollback()
            problems.append(f"{name}: {exc}")
    flash(ngettext("Approved %(num)s plan.", "Approved %(num)s plans.", approved), "success" if approved else "info")
    if problems:
        flash(_("%(num)s could not be approved. %(problems)s", num=len(problems), problems=" ".join(problems)), "error")
    return redirect(queue_url(flt), code=303)


# ---------------------------------------------------------------- the review page

def carried_queue() -> ReviewFilter:
    """The queue the reviewer opened the plan from, carried in the page's address or the posted form."""
    return queue_filter(request.values.get("queue"))


def review_context(plan: TargetPlan, typed: dict | None = None, errors: dict | None = None,
                   problem: str = "") -> dict:
    rows = svc.load_plan_rows(plan)
    shares = {code: t.shares for code, t in svc.trajectories().items()}
    sections: dict = {}
    for row in rows:
        sections.setdefault(row.metric, []).append(svc.row_view(row, shares))
    events = svc.history(plan)
    allowed = {action: plan_workflow.check(plan, action, current_user).allowed for action in DECISIONS}
    flt = carried_queue()
    return {
        "plan": plan, "school": plan.school, "sections": sections, "years": setting("trajectory_years", []),
        "trajectories": svc.trajectories(), "events": events, "comments": [e for e in events if e.comment],
        "changes": svc.changes_since_return(plan, rows, events), "overdue": svc.is_overdue(plan),
        "allowed": allowed, "can_comment": can_act(current_user), "typed": typed or {}, "errors": errors or {},
        "problem": problem, "statuses": {s.value: s.title for s in PlanStatus},
        "place": place_in_queue(current_user, plan.id, flt), "carry": carry(flt), "queue_url": queue_url(flt),
    }


@bp.route("/plans/<int:plan_id>")
@allow(*TARGET_REVIEW_READERS)
def plan(plan_id: int):
    plan = plan_or_404(plan_id, current_user)
    return render("review/plan.html", "review/_plan.html", **review_context(plan))


def _page_again(plan: TargetPlan, status: int, typed: dict | None = None, errors: dict | None = None,
                problem: str = ""):
    """The review page re-shown after a refused action, keeping what the reviewer typed."""
    return render("review/plan.html", "review/_plan.html", **review_context(plan, typed, errors, problem)), status


@bp.route("/plans/<int:plan_id>/decide", methods=["POST"])
@allow(*REVIEWERS)
def decide(plan_id: int):
    plan = plan_or_404(plan_id, current_user)
    action = request.form.get("action", "")
    comment = (request.form.get("comment") or "").strip()
    typed = {action: request.form.get("comment", "")}
    if action not in DECISIONS:
        return _page_again(plan, 422, problem=_("Choose approve, return or reopen."))
    if action in plan_workflow.NEEDS_COMMENT and not comment:
        return _page_again(plan, 422, typed, {action: _(plan_workflow.NEEDS_COMMENT[action])})
    if len(comment) > MAX_COMMENT:
        return _page_again(plan, 422, typed, {action: too_long()})
    if posted_version() is None:
        return _page_again(plan, 422, typed, problem=missing_version(_("of the plan")))
    flt = carried_queue()
    # Where "Approve and open the next" goes, found while the plan still waits in the queue's order.
    then_next = action == "approve" and request.form.get("then") == "next"
    place = place_in_queue(current_user, plan.id, flt) if then_next else None
    try:
        svc.decide(plan, action, current_user, comment or None, posted_version())
        db.session.commit()
    except workflow.WorkflowError as exc:
        db.session.rollback()
        status = 409 if isinstance(exc, workflow.ConflictError) else 422
        return _page_again(plan_or_404(plan_id, current_user), status, typed, problem=str(exc))
    messages = {
        "approve": _("Approved %(school)s's plan. The principal sees it as approved.", school=plan.school.name),
        "return": _("Returned %(school)s's plan for revision with your comment. "
                    "The principal can edit and resubmit it.", school=plan.school.name),
        "reopen": _("Reopened %(school)s's approved plan. It is back with the principal for revision.",
                    school=plan.school.name),
    }
    flash(messages[action], "success")
    if place is None:
        return redirect(url_for("review.plan", plan_id=plan.id, **carry(flt)), code=303)
    if place.next_id is None:
        flash(_("No other plan in this list is waiting for a decision."), "info")
        return redirect(queue_url(flt), code=303)
    return redirect(url_for("review.plan", plan_id=place.next_id, **carry(flt)), code=303)


def too_long() -> str:
    return _("Keep the comment under %(num)s characters.", num=count(MAX_COMMENT))


@bp.route("/plans/<int:plan_id>/comments", methods=["POST"])
@allow(*REVIEWERS)
def comment(plan_id: int):
    plan = plan_or_404(plan_id, current_user)
    text = (request.form.get("comment") or "").strip()
    error = ""
    if not text:
        error = _("Write a comment before adding it.")
    elif len(text) > MAX_COMMENT:
        error = too_long()
    if error:
        return _page_again(plan, 422, {"comment": request.form.get("comment", "")}, {"comment": error})
    svc.add_comment(plan, current_user, text)
    db.session.commit()
    flash(_("Your comment is added to the plan's thread."), "success")
    return redirect(url_for("review.plan", plan_id=plan.id, **carry(carried_queue())) + "#thread", code=303)


# ---------------------------------------------------------------- completeness and reminders

@bp.route("/completeness")
@allow(*TARGET_REVIEW_READERS)
def completeness():
    cycle = current_cycle()
    if cycle is None:
        return render_template("review/no_cycle.html")
    rows = q.completeness_by_region(current_user, cycle)
    return render_template("review/completeness.html", cycle=cycle, rows=rows, total=q.total(rows, cycle),
                           can_act=can_act(current_user))


@bp.route("/remind", methods=["POST"])
@allow(*REVIEWERS)
def remind():
    cycle = current_cycle()
    back = safe_back()
    if cycle is None:
        flash(_("There is no target cycle to send reminders for."), "error")
        return redirect(back, code=303)
    region = scope_region(current_user, request.form.get("region", ""))
    if region is None:
        flash(_("Choose a region first: reminders go to one region's overdue schools at a time."), "error")
        return redirect(back, code=303)
    if clock.today() <= cycle.due_on:
        flash(_("No school is overdue yet: targets are due on %(date)s.", date=formats.day(cycle.due_on)), "info")
        return redirect(back, code=303)
    sent, already = q.remind_overdue(cycle, region, current_user)
    message = ngettext("Reminded %(num)s principal of overdue schools in %(region)s.",
                       "Reminded %(num)s principals of overdue schools in %(region)s.", sent, region=region.name)
    if already:
        message += " " + ngettext("%(num)s principal was already reminded today and did not get a second reminder.",
                                  "%(num)s principals were already reminded today and did not get a second reminder.",
                                  already)
    flash(message, "success" if sent else "info")
    return redirect(back, code=303)
