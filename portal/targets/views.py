"""Principal views: the target plan form, per-row autosave (htmx), save-all fallback, submit."""
from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.charts.svg import path_chart
from portal.extensions import db
from portal.kernel import workflow
from portal.kernel.access import allow, deny
from portal.kernel.actions import missing_version, posted_version
from portal.kernel.formatting import count
from portal.kernel.policy import Role
from portal.strategic_plan.settings import setting
from portal.targets import approved, formats, guided, paths, peers
from portal.targets import operations as svc
from portal.targets.models import CycleKind, PlanStatus, Target, TargetPlan
from portal.targets.queries import school_plan

EDITABLE = {PlanStatus.not_started, PlanStatus.draft, PlanStatus.returned}
bp = Blueprint("targets", __name__, url_prefix="/targets", template_folder="templates")
bp.record_once(formats.register)  # the target pages' days, times and gains, in the page's language

FIELDS = ("target_2026", "trajectory", "year_target", "rationale")
bp.add_url_rule("/plans/<int:plan_id>/approved", view_func=approved.approved)
bp.add_url_rule("/plans/<int:plan_id>/approved.<fmt>", view_func=approved.approved_export)


def own_plan_or_404(plan_id: int) -> TargetPlan:
    plan = db.session.get(TargetPlan, plan_id)
    if plan is None:
        abort(404)
    if plan.school_id != current_user.school_id:
        deny(404, "another school's plan")
    return plan


def own_row_or_404(plan: TargetPlan, row_id: int) -> Target:
    row = db.session.get(Target, row_id)
    if row is None or row.plan_id != plan.id:
        abort(404)
    return row


def context_for(plan: TargetPlan, typed: dict | None = None, errors: dict | None = None) -> dict[str, Any]:
    rows = svc.load_plan_rows(plan)
    trajectories = svc.trajectories()
    shares = {code: t.shares for code, t in trajectories.items()}
    history = peers.school_history(plan.school_id)
    spread = peers.peer_spread(plan)
    years = context_years()
    sections: dict = {}
    for row in rows:
        view = svc.row_view(row, shares, (typed or {}).get(row.id), (errors or {}).get(row.id))
        past = history.get((row.metric_id, row.group_id), [])
        planned = ([(row.baseline_year, row.baseline_value)] + list(zip(years, view.interims, strict=False))
                   if view.interims else [])
        view.chart = path_chart(past, planned)
        view.history = past
        view.peers = spread.get((row.metric_id, row.group_id))
        sections.setdefault(row.metric, []).append(view)
    events = svc.history(plan)
    progress = guided.tally(sections)
    last_return = next((e for e in reversed(events) if e.action in ("return", "reopen")), None)
    return {
        "plan": plan, "sections": sections, "years": years, "trajectories": trajectories,
        "path_choices": paths.path_choices(trajectories),
        "path_names": {c.code: c.name for c in paths.path_choices(trajectories)},
        "editable": plan.status in EDITABLE and svc.window_open(plan), "window_open": svc.window_open(plan),
        "overdue": svc.is_overdue(plan), "events": events, "last_return": last_return,
        "comments": [e for e in events if e.comment], "progress": progress,
        "done": {v.row.id for views in sections.values() for v in views if guided.row_done(v)},
        "fill_errors": {},
    }


@bp.route("/")
@allow(Role.principal)
def mine():
    plan = school_plan(current_user.school_id)
    if plan is None:
        return render_template("targets/none.html")
    return redirect(url_for("targets.plan", plan_id=plan.id))


@bp.route("/plans/<int:plan_id>")
@allow(Role.principal)
def plan(plan_id: int):
    return render_template("targets/plan.html", **context_for(own_plan_or_404(plan_id)))


def _row_response(plan, row, status=200, typed=None, errors=None, message=None, saved=False):
    """The row's feedback cell. The page's version field is refreshed only when this answer
    carries the plan's current state: after a conflict the page must be reloaded instead."""
    trajectories = svc.trajectories()
    shares = {code: t.shares for code, t in trajectories.items()}
    view = svc.row_view(row, shares, typed, errors)
    history = peers.school_history(plan.school_id).get((row.metric_id, row.group_id), [])
    years = context_years()
    planned = [(row.baseline_year, row.baseline_value)] + list(zip(years, view.interims, strict=False))
    view.chart = path_chart(history, planned if view.interims else [])
    progress = guided.plan_progress(svc.load_plan_rows(plan), shares) if saved else None  # else nothing changed
    html = render_template("targets/_row_feedback.html", v=view, years=years, message=message, saved=saved,
                           version=plan.version if status != 409 else None, progress=progress,
                           path_names={c.code: c.name for c in paths.path_choices(trajectories)})
    return make_response(html, status)


def not_saved(reason: object) -> str:
    return _("Not saved. %(reason)s", reason=reason)


def context_years() -> list:
    return setting("trajectory_years", [])


@bp.route("/plans/<int:plan_id>/rows/<int:row_id>", methods=["POST"])
@allow(Role.principal)
def save_row(plan_id: int, row_id: int):
    """Autosave one row (htmx). The inputs are never swapped, so nothing typed is lost."""
    plan = own_plan_or_404(plan_id)
    row = own_row_or_404(plan, row_id)
    typed = {k: request.form.get(f"{k}-{row.id}", "") for k in FIELDS}
    version = posted_version()
    if version is None:
        return _row_response(plan, row, 422, typed=typed, message=not_saved(missing_version(_("of the plan"))))
    try:
        errors = svc.save_row(plan, row, typed, current_user, version)
    except workflow.ConflictError as exc:
        db.session.rollback()
        return _row_response(plan, row, 409, typed=typed, message=not_saved(exc))
    except workflow.WorkflowError as exc:
        db.session.rollback()
        return _row_response(plan, row, 409, typed=typed, message=not_saved(exc))
    if errors:
        return _row_response(plan, row, 422, typed=typed, errors=errors)  # each error says "Not saved" at its field
    if plan.version != version:  # the row changed: an unchanged autosave has nothing to commit (or to reload)
        db.session.commit()
    return _row_response(plan, row, saved=True)


def read_rows(rows, keep_saved: bool = False) -> tuple[dict, dict, dict]:
    """Each row's posted fields (typed, errors, cleaned, by row id). A field the post leaves out is
    blank, or with `keep_saved` the row's saved value."""
    codes = svc.trajectories().keys()
    typed, errors, cleaned = {}, {}, {}
    for row in rows:
        saved = {"target_2026": row.target_2026, "trajectory": row.trajectory_code, "year_target": row.year_target,
                 "rationale": row.rationale}
        fields = {k: request.form.get(f"{k}-{row.id}", "" if not keep_saved or saved[k] is None else str(saved[k]))
                  for k in FIELDS}
        typed[row.id] = fields
        clean, problems = svc.validate_row_input(row, fields, codes)
        if problems:
            errors[row.id] = problems
        cleaned[row.id] = clean
    return typed, errors, cleaned


@bp.route("/plans/<int:plan_id>/save", methods=["POST"])
@allow(Role.principal)
def save_all(plan_id: int):
    """Save every row at once (works without JavaScript). Any error: nothing saved, all typed kept."""
    plan = own_plan_or_404(plan_id)
    rows = svc.load_plan_rows(plan)
    typed, errors, cleaned = read_rows(rows)
    version = posted_version()
    if version is None:
        flash(missing_version(_("of the plan")), "error")
        return render_template("targets/plan.html", **context_for(plan, typed)), 422
    if not errors:
        try:
            changed = svc.save_rows(plan, rows, cleaned, current_user, version)
        except workflow.WorkflowError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return render_template("targets/plan.html", **context_for(plan, typed)), 409
        if changed:
            db.session.commit()
        flash(_("Your draft is saved.") if changed else _("Nothing had changed since the last save."), "success")
        return redirect(url_for("targets.plan", plan_id=plan.id), code=303)
    db.session.rollback()  # the error summary above the form says what to fix; no second message
    return render_template("targets/plan.html", **context_for(plan, typed, errors)), 422


def fill_refused(plan: TargetPlan, status: int, message: str | None = None, typed=None, errors=None,
                 fill_errors: dict | None = None):
    """The form again, with what the fill could not do: a message above it, or at the goal's field."""
    if message:
        flash(message, "error")
    context = context_for(plan, typed, errors)
    context["fill_errors"] = fill_errors or {}
    return render_template("targets/plan.html", **context), status


def filled_message(what: str, filled: int, path: str) -> str:
    if what == guided.PACE:
        return ngettext("%(num)s empty 2026 target is now at the district's pace. Adjust it below if you need to.",
                        "%(num)s empty 2026 targets are now at the district's pace. Adjust any of them below.",
                        filled) if filled else _("Every row already had a 2026 target, so nothing was changed.")
    return ngettext("%(num)s row without a trajectory now follows “%(path)s”. Change it below if you need to.",
                    "%(num)s rows without a trajectory now follow “%(path)s”. Change any of them below.",
                    filled, path=path) if filled else \
        _("Every row of this goal already had a trajectory, so nothing was changed.")


@bp.route("/plans/<int:plan_id>/fill", methods=["POST"])
@allow(Role.principal)
def fill(plan_id: int):
    """Fill the empty 2026 targets at the district's pace, or one trajectory for a goal's rows that
    have none, in one save. Values typed on the page are kept and saved with it."""
    plan = own_plan_or_404(plan_id)
    rows = svc.load_plan_rows(plan)
    asked = guided.read_fill(request.form.get("fill", ""), rows)
    if asked is None or plan.cycle.kind != CycleKind.trajectory:
        return fill_refused(plan, 422, _("That button fills nothing on this plan. Reload the page and try again."))
    what, metric_id = asked
    trajectories = svc.trajectories()
    chosen = (request.form.get(f"path-{metric_id}") or "").strip()
    if what == guided.PATH and chosen not in trajectories:
        return fill_refused(plan, 422, fill_errors={
            metric_id: _("Choose the trajectory to use for the rows of this goal.")})
    typed, errors, cleaned = read_rows(rows, keep_saved=True)
    version = posted_version()
    if version is None:
        return fill_refused(plan, 422, missing_version(_("of the plan")), typed)
    if errors:
        return fill_refused(plan, 422, None, typed, errors)
    filled = guided.fill(rows, cleaned, what, metric_id, chosen or None)
    try:
        changed = guided.save_filled(plan, rows, cleaned, what, current_user, version)
    except workflow.WorkflowError as exc:  # a stale page, a closed window, a plan sent for review
        db.session.rollback()
        return fill_refused(plan, 409, str(exc))
    if changed:
        db.session.commit()
    path = paths.path_choices({chosen: trajectories[chosen]})[0].name if chosen in trajectories else ""
    flash(filled_message(what, filled, path), "success")
    goal = next((r.metric.code for r in rows if r.metric_id == metric_id), None)
    return redirect(url_for("targets.plan", plan_id=plan.id) + (f"#metric-{goal}" if goal else "#plan-progress"),
                    code=303)


@bp.route("/plans/<int:plan_id>/submit", methods=["POST"])
@allow(Role.principal)
def submit(plan_id: int):
    plan = own_plan_or_404(plan_id)
    version = posted_version()
    if version is None:
        flash(missing_version(_("of the plan")), "error")
        return redirect(url_for("targets.plan", plan_id=plan.id), code=303)
    try:
        problems = svc.submit(plan, current_user, version)
    except workflow.WorkflowError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("targets.plan", plan_id=plan.id), code=303)
    if problems:
        context = context_for(plan)
        field = "year_target" if plan.cycle.kind.value == "annual" else "target_2026"
        submit_problems: list[tuple[str, str | None]] = [
            (message, f"{field}-{row.id}") for row, message in svc.completeness_problems(plan)] or \
            [(message, None) for message in problems]
        context["submit_problems"] = submit_problems
        return render_template("targets/plan.html", **context), 422
    db.session.commit()
    flash(_("Your targets are submitted to your regional office for review. They are locked while under review."),
          "success")
    return redirect(url_for("targets.plan", plan_id=plan.id), code=303)


@bp.route("/plans/<int:plan_id>/comments", methods=["POST"])
@allow(Role.principal)
def comment(plan_id: int):
    plan = own_plan_or_404(plan_id)
    text = (request.form.get("comment") or "").strip()
    if not text or len(text) > 2000:
        flash(_("Write a comment of up to %(num)s characters.", num=count(2000)), "error")
    else:
        svc.add_comment(plan, current_user, text)
        db.session.commit()
        flash(_("Your comment is added to the plan's thread."), "success")
    return redirect(url_for("targets.plan", plan_id=plan.id) + "#thread", code=303)
