"""/plan: the Strategic Plan, filtered in place by pillar and text (state kept in the URL). Public, as the
district's plan is: no log-in needed."""
from flask import abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.kernel.access import public
from portal.kernel.htmx import is_htmx, render
from portal.strategic_plan import queries as plan_service
from portal.strategic_plan.browser import bp
from portal.strategic_plan.models import CoreBelief, GraduateAttribute, Priority
from portal.strategic_plan.settings import setting


@bp.route("/plan")
@public
def browse():
    flt = plan_service.PlanFilter.from_args(request.args)
    results = plan_service.browse(flt)
    context = {"flt": flt, "results": results, "pillars": plan_service.all_pillars(),
               "match_count": sum(len(p) for _, p in results)}
    if not is_htmx():
        context.update(
            goals=plan_service.goal_tables(),
            baseline_year=setting("baseline_year"),
            singular_goal=setting("singular_goal"),
            mission=setting("mission"), vision=setting("vision"),
            theory=setting("theory_of_action") or {},
            adopted_on=setting("plan_approved"),
            attributes=db.session.scalars(select(GraduateAttribute).order_by(GraduateAttribute.position)).all(),
            beliefs=db.session.scalars(select(CoreBelief).order_by(CoreBelief.position)).all(),
        )
    return render("plan/browse.html", "plan/_results.html", **context)


@bp.route("/plan/priorities/<code>")
@public
def priority(code: str):
    item = db.session.scalar(select(Priority).where(Priority.code == code.upper()[:4]).options(
        selectinload(Priority.strategies), selectinload(Priority.measures), selectinload(Priority.resources)))
    if item is None:
        abort(404)
    return render_template("plan/priority.html", priority=item)
