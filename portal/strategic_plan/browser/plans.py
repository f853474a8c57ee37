"""/plans: every Strategic Plan the district has adopted. Anyone may read an earlier plan (choosing it
puts every page in that plan until they go back); an administrator makes a loaded plan the current one."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.kernel import clock, plans
from portal.kernel.access import allow, public
from portal.kernel.audit import AuditEvent
from portal.kernel.plans import StrategicPlan
from portal.kernel.policy import Role
from portal.strategic_plan.browser import bp


def _plan_or_404(code: str) -> StrategicPlan:
    plan = db.session.scalar(select(StrategicPlan).where(StrategicPlan.code == code[:20]))
    if plan is None:
        abort(404)
    return plan


@bp.route("/plans")
@public
def plans_list():
    return render_template("plan/plans.html", plans=plans.all_plans(), today=clock.today(),
                           in_view=plans.in_view())


@bp.route("/plans/<code>")
@public
def choose(code: str):
    """Read the chosen plan from here on (the current plan is simply the default)."""
    plan = _plan_or_404(code)
    plans.choose(plan)
    return redirect(url_for("plan.browse"), code=303)


@bp.route("/plans/<code>/current", methods=["POST"])
@allow(Role.admin)
def make_current(code: str):
    plan = _plan_or_404(code)
    before = plans.current_plan()
    if plan.is_current:
        flash(f"{plan.name} is already the current plan.", "info")
        return redirect(url_for("plan.plans_list"), code=303)
    plans.make_current(plan)
    db.session.add(AuditEvent(entity="strategic_plan", entity_id=plan.id, action="make_current",
                              from_state=before.code if before else None, to_state=plan.code,
                              actor_id=current_user.id, actor_role=current_user.role.value))
    db.session.commit()
    plans.choose(None)
    note = f" {before.name} can still be read at Strategic Plans but no longer changed." if before else ""
    flash(f"{plan.name} is now the current plan.{note}", "success")
    return redirect(url_for("plan.plans_list"), code=303)


# Requests that change no plan: signing in and out, a person's own password and notifications, the
# outbox, and choosing or making current a plan.
_ANY_PLAN = {"auth.login", "auth.logout", "password.forgot", "password.reset", "mfa.verify", "mfa.enrol",
             "mfa.account", "mfa.change", "notifications.open_notification", "notifications.mark_read",
             "notifications.read_all", "notifications.preferences", "notifications.retry",
             "notifications.retry_all", "plan.choose", "plan.make_current", "main.language"}


def refuse_changes_to_another_plan():
    """before_request hook: while a reader has another plan in view, nothing may be changed."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.endpoint in _ANY_PLAN or plans.writable():
        return None
    abort(409, description=plans.refusal(plans.in_view()))
