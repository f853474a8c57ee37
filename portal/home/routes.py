"""Role home pages ('what needs my attention'), schools, and /healthz."""
from datetime import datetime, timezone

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select, text
from sqlalchemy.orm import defer

from portal.kernel.access import allow, deny, get_school_or_404, public
from portal.extensions import db
from portal.kernel.htmx import render
from portal.models import LEVELS, BoardUpdate, Goal, Initiative, Notice, Stage, Pillar, Priority, Region, Role, School, TargetCycle, TargetPlan, User
from portal.targets import results as actuals_service
from portal.progress import check_ins as checkins_service
from portal.targets import operations as targets_service
from portal.org.queries import PAGE_SIZE, SchoolFilter, school_baselines, search_schools, visible_schools
from portal.home import bp


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return {"status": "unavailable", "database": "down"}, 503
    return {"status": "ok", "database": "up"}


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
    context = {"counts": {"goals": goals, "pillars": pillars, "priorities": priorities}}
    role = current_user.role
    if role in {Role.regional_leader, Role.superintendent, Role.admin, Role.board}:
        context["by_level"] = _levels(visible_schools(current_user))
        context["school_count"] = sum(context["by_level"].values())
    if role == Role.admin:
        context["user_count"] = db.session.scalar(select(func.count(User.id)))
    if role == Role.regional_leader:
        latest = db.session.scalar(select(TargetCycle).order_by(TargetCycle.opens_on.desc()).limit(1))
        if latest is not None:
            plans = select(TargetPlan).join(School).where(TargetPlan.cycle_id == latest.id,
                                                          School.region_id == current_user.region_id)
            context["cycle"] = latest
            context["plan_counts"] = targets_service.status_counts(plans)
    if role in {Role.central_office, Role.superintendent, Role.admin}:
        context.update(cycle_summary(current_user))
    if role in {Role.board, Role.superintendent, Role.admin, Role.central_office}:
        context["latest_update"] = db.session.scalar(
            select(BoardUpdate).options(defer(BoardUpdate.snapshot)).where(BoardUpdate.published_at.is_not(None))
            .order_by(BoardUpdate.meeting_date.desc()).limit(1))
    if role == Role.principal and current_user.school_id:
        context["plan"] = db.session.scalar(
            select(TargetPlan).join(TargetCycle).where(TargetPlan.school_id == current_user.school_id)
            .order_by(TargetCycle.opens_on.desc()).limit(1))
        context["overdue"] = context["plan"] is not None and targets_service.is_overdue(context["plan"])
    context["notices"] = db.session.scalars(
        select(Notice).where(Notice.user_id == current_user.id, Notice.dismissed_at.is_(None))
        .order_by(Notice.id.desc()).limit(10)).all()
    return render_template("main/home.html", **context)


@bp.route("/notices/<int:notice_id>/dismiss", methods=["POST"])
@allow()
def dismiss_notice(notice_id: int):
    notice = db.session.get(Notice, notice_id)
    if notice is None:
        abort(404)
    if notice.user_id != current_user.id:
        deny(404, "another person's notice")
    notice.dismissed_at = datetime.now(timezone.utc).replace(tzinfo=None)
    db.session.commit()
    return redirect(url_for("main.home"), code=303)


def cycle_summary(user) -> dict:
    """What the progress monitoring cycle asks of this person now."""
    initiatives = db.session.scalars(select(Initiative).order_by(Initiative.name)).all()
    current = checkins_service.current_check_ins(initiatives)
    by_stage: dict[Stage, int] = {}
    for check_in in current.values():
        by_stage[check_in.stage] = by_stage.get(check_in.stage, 0) + 1
    mine = []
    if user.role == Role.central_office:
        mine = [(i, current.get(i.id)) for i in initiatives if i.office_id == user.office_id]
    draft = db.session.scalar(select(BoardUpdate).where(BoardUpdate.published_at.is_(None))
                              .order_by(BoardUpdate.meeting_date).limit(1))
    return {"stage_counts": by_stage, "my_initiatives": mine, "draft_update": draft}


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
    return render_template("main/school.html", school=school, tables=school_baselines(school),
                           progress=actuals_service.progress(school))


@bp.route("/my-school")
@allow(Role.principal)
def my_school():
    if current_user.school_id is None:
        abort(404)
    return redirect(url_for("main.school", school_id=current_user.school_id))
