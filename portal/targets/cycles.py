"""Target cycles for administrators: open a cycle, and extend one school's window."""
import re

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.access import allow
from portal.kernel.policy import Role
from portal.org.models import School
from portal.strategic_plan.queries import setting
from portal.targets import operations as svc
from portal.targets.forms import CycleForm, ExtensionForm
from portal.targets.models import CycleKind, PlanStatus, TargetCycle, TargetPlan, WindowExtension

bp = Blueprint("cycles", __name__, url_prefix="/admin", template_folder="templates")


def _cycles():
    counts: dict[int, dict[PlanStatus, int]] = {}
    for cycle_id, status, n in db.session.execute(
            select(TargetPlan.cycle_id, TargetPlan.status, func.count()).group_by(TargetPlan.cycle_id,
                                                                                   TargetPlan.status)):
        counts.setdefault(cycle_id, {})[status] = n
    cycles = db.session.scalars(select(TargetCycle).order_by(TargetCycle.opens_on.desc())).all()
    extensions = db.session.execute(select(WindowExtension, School).join(School)
                                    .order_by(WindowExtension.id.desc()).limit(50)).all()
    return cycles, counts, extensions


def _page(cycle_form, extension_form, status=200):
    cycles, counts, extensions = _cycles()
    return render_template("admin/cycles.html", cycles=cycles, counts=counts, extensions=extensions,
                           statuses=list(PlanStatus), cycle_form=cycle_form, extension_form=extension_form,
                           today=clock.today()), status


@bp.route("/cycles")
@allow(Role.admin)
def cycles():
    return _page(CycleForm(), ExtensionForm())


@bp.route("/cycles/new", methods=["POST"])
@allow(Role.admin)
def new_cycle():
    form = CycleForm()
    if form.validate_on_submit():
        year = form.school_year.data.strip()
        if not re.fullmatch(r"20[0-9][0-9]-[0-9][0-9]", year) or int(year[5:]) != (int(year[2:4]) + 1) % 100:
            form.school_year.errors.append("Write the school year as 2023-24.")
        elif db.session.scalar(select(TargetCycle.id).where(TargetCycle.school_year == year,
                                                            TargetCycle.kind == CycleKind(form.kind.data))):
            form.school_year.errors.append("A cycle of this kind already exists for that school year.")
        if form.kind.data == "annual" and year not in setting("trajectory_years", []):
            form.school_year.errors.append("Annual cycles follow the plan's years: "
                                           + ", ".join(setting("trajectory_years", [])) + ".")
        if not form.opens_on.data <= form.due_on.data <= form.closes_on.data:
            form.closes_on.errors.append("The dates must run in order: opens, then due, then closes.")
        if not form.errors:
            cycle = svc.create_cycle(year, CycleKind(form.kind.data), form.name.data.strip(), form.opens_on.data,
                                     form.due_on.data, form.closes_on.data)
            db.session.commit()
            count = db.session.scalar(select(func.count()).select_from(TargetPlan).where(
                TargetPlan.cycle_id == cycle.id))
            flash(f"Opened “{cycle.name}” with a plan for each of {count:,} schools.", "success")
            return redirect(url_for("cycles.cycles"), code=303)
    return _page(form, ExtensionForm(), 422)


@bp.route("/cycles/<int:cycle_id>/extend", methods=["POST"])
@allow(Role.admin)
def extend_window(cycle_id: int):
    cycle = db.session.get(TargetCycle, cycle_id)
    if cycle is None:
        abort(404)
    form = ExtensionForm()
    if form.validate_on_submit():
        school = db.session.scalar(select(School).where(School.code == form.school_code.data.strip()))
        if school is None:
            form.school_code.errors.append("No school has that code.")
        elif form.until.data < clock.today():
            form.until.errors.append("Choose today or a later date.")
        else:
            svc.extend_window(cycle, school, form.until.data, form.reason.data, current_user)
            db.session.commit()
            flash(f"{school.name} may edit “{cycle.name}” until {form.until.data:%d %b %Y}.", "success")
            return redirect(url_for("cycles.cycles"), code=303)
    return _page(CycleForm(), form, 422)
