"""Role home pages ('what needs my attention'), schools, and /healthz."""
from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select, text
from sqlalchemy.orm import defer

from portal.extensions import db
from portal.home import bp
from portal.home.figures import school_states, visible_counts
from portal.kernel import privacy
from portal.kernel.access import allow, deny, public
from portal.kernel.htmx import render
from portal.kernel.policy import CYCLE_READERS, PROGRESS_READERS, SCHOOL_OVERVIEW, Role
from portal.notifications import failures, inbox
from portal.org.models import LEVELS, Region, School, User
from portal.org.queries import PAGE_SIZE, SchoolFilter, search_schools, visible_schools
from portal.org.scope import scoped_to_school
from portal.progress import check_ins as checkins_service
from portal.progress import readiness
from portal.progress.models import BoardUpdate, Initiative, Stage
from portal.rollups.dashboard import routes as school_dashboard
from portal.strategic_plan.models import Goal, Pillar, Priority
from portal.targets import baselines
from portal.targets import operations as targets_service
from portal.targets import results as actuals_service
from portal.targets.models import TargetPlan
from portal.targets.queries import current_cycle, school_plan


def get_school_or_404(school_id: int, user) -> School:
    """The school, when it exists and is within the person's reach (404 otherwise, as if it did not exist)."""
    school = db.session.get(School, school_id)
    if school is None:
        abort(404)
    if not scoped_to_school(user, school):
        deny(404, "another school")
    return school


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        return {"status": "unavailable", "database": "down"}, 503
    return {"status": "ok", "database": "up"}


@bp.route("/favicon.ico")
@public
def favicon():
    """Browsers and feed readers that ask for the icon at the conventional address, not the page's link."""
    return redirect(url_for("static", filename="img/favicon.svg"), code=301)


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.login"))


@bp.route("/home")
@allow()
def home():
    goals, pillars, priorities = db.session.execute(select(
        select(func.count(Goal.id)).scalar_subquery(), select(func.count(Pillar.id)).scalar_subquery(),
        select(func.count(Priority.id)).scalar_subquery())).one()
    # Keys are set only for the roles that see them: the template asks `is defined` of some.
    context: dict[str, Any] = {"counts": {"goals": goals, "pillars": pillars, "priorities": priorities}}
    role = current_user.role
    if role in SCHOOL_OVERVIEW:
        context["by_level"] = _levels(visible_schools(current_user))
        context["school_count"] = sum(context["by_level"].values())
    if role == Role.admin:
        context["user_count"] = db.session.scalar(select(func.count(User.id)))
        context["failed_email"] = failures.failed_count()
    if role == Role.regional_leader:
        latest = current_cycle()
        if latest is not None:
            plans = select(TargetPlan).join(School).where(TargetPlan.cycle_id == latest.id,
                                                          School.region_id == current_user.region_id)
            context["cycle"] = latest
            context["plan_counts"] = targets_service.status_counts(plans)
    if role in CYCLE_READERS:
        context.update(cycle_summary(current_user))
    if role in PROGRESS_READERS:
        context["latest_update"] = db.session.scalar(
            select(BoardUpdate).options(defer(BoardUpdate.snapshot)).where(BoardUpdate.published_at.is_not(None))
            .order_by(BoardUpdate.meeting_date.desc()).limit(1))
    if role == Role.principal and current_user.school_id:
        plan = school_plan(current_user.school_id)
        context["plan"] = plan
        context["overdue"] = plan is not None and targets_service.is_overdue(plan)
    context["notifications"] = inbox.latest_unread(current_user.id)
    return render_template("main/home.html", **context)


def cycle_summary(user) -> dict:
    """What the progress monitoring cycle asks of this person now."""
    initiatives = list(db.session.scalars(select(Initiative).order_by(Initiative.name)).all())
    current = checkins_service.current_check_ins(initiatives)
    by_stage: dict[Stage, int] = {}
    for check_in in current.values():
        by_stage[check_in.stage] = by_stage.get(check_in.stage, 0) + 1
    mine = []
    if user.role == Role.central_office:
        mine = [(i, current.get(i.id)) for i in initiatives if i.office_id == user.office_id]
    draft = db.session.scalar(select(BoardUpdate).where(BoardUpdate.published_at.is_(None))
                              .order_by(BoardUpdate.meeting_date).limit(1))
    # Ready for a Board update: every check-in the Board update page offers, not only the latest ones.
    ready, earlier = readiness.counts(readiness.measured_against(draft))
    return {"stage_counts": by_stage, "my_initiatives": mine, "draft_update": draft, "ready_count": ready,
            "ready_earlier": earlier, "ready_year": readiness.measured_against(draft)}


def _levels(stmt) -> dict:
    """Schools the statement lists, counted by level (its WHERE clause, one grouped query)."""
    return dict(db.session.execute(stmt.with_only_columns(School.level, func.count(School.id))
                                   .group_by(School.level)).all())


@bp.route("/schools")
@allow(Role.regional_leader, Role.superintendent, Role.board, Role.admin)
def schools():
    flt = SchoolFilter.from_args(request.args)
    rows, total = search_schools(current_user, flt)
    pages = max(1, -(-total // PAGE_SIZE))
    regions = [] if current_user.role == Role.regional_leader else db.session.scalars(
        select(Region).order_by(Region.short_name)).all()
    return render("main/schools.html", "main/_schools_results.html", rows=rows, total=total, flt=flt,
                  pages=pages, levels=LEVELS, regions=regions)


@bp.route("/schools/<int:school_id>")
@allow(Role.principal, Role.regional_leader, Role.superintendent, Role.board, Role.admin)
def school(school_id: int):
    school = get_school_or_404(school_id, current_user)
    tables, progress = baselines.school_baselines(school), actuals_service.progress(school)
    seen = school_states(current_user, school, tables, progress)
    return render_template("main/school.html", school=school, tables=tables, progress=progress, seen=seen,
                           counts=visible_counts(progress, seen),
                           exact_counts=privacy.may_see_small_groups(current_user, school))


@bp.route("/my-school")
@allow(Role.principal)
def my_school():
    """The principal's school dashboard: the dashboard's school page at the principal's own address."""
    if current_user.school_id is None:
        abort(404)
    return school_dashboard.school_page(school_dashboard.reachable_school(current_user.school_id),
                                        "main.my_school", {})
