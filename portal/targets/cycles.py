"""Target cycles for administrators: open a cycle, and extend one school's window (then change or
withdraw the extension)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.access import allow
from portal.kernel.formatting import count
from portal.kernel.policy import Role
from portal.org.models import School
from portal.targets import extensions, formats
from portal.targets import operations as svc
from portal.targets.forms import CycleForm, ExtensionChangeForm, ExtensionForm, WithdrawExtensionForm, read_cycle
from portal.targets.models import PlanStatus, TargetCycle, TargetPlan, WindowExtension

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
    valid = form.validate_on_submit()
    new = read_cycle(form)
    if not valid or new is None:
        return _page(form, ExtensionForm(), 422)
    cycle = svc.create_cycle(new.school_year, new.kind, new.name, new.opens_on, new.due_on, new.closes_on)
    db.session.commit()
    plans = db.session.scalar(select(func.count()).select_from(TargetPlan).where(TargetPlan.cycle_id == cycle.id))
    flash(_("Opened “%(cycle)s” with a plan for each of %(num)s schools.", cycle=cycle.name, num=count(plans)),
          "success")
    return redirect(url_for("cycles.cycles"), code=303)


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
            form.school_code.errors.append(_("No school has that code."))
        elif form.until.data < clock.today():
            form.until.errors.append(_("Choose today or a later date."))
        else:
            svc.extend_window(cycle, school, form.until.data, form.reason.data, current_user)
            db.session.commit()
            flash(_("%(school)s may edit “%(cycle)s” until %(date)s.", school=school.name, cycle=cycle.name,
                    date=formats.day(form.until.data)), "success")
            return redirect(url_for("cycles.cycles"), code=303)
    return _page(CycleForm(), form, 422)


def _extension_or_404(extension_id: int) -> tuple[WindowExtension, School, TargetCycle]:
    ext = db.session.get(WindowExtension, extension_id)
    if ext is None:
        abort(404)
    return (ext, *extensions.school_and_cycle(ext))


def _extension_page(extension_id: int, change_form, withdraw_form, status: int = 200):
    ext, school, cycle = _extension_or_404(extension_id)
    return render_template("admin/extension.html", ext=ext, school=school, cycle=cycle, change_form=change_form,
                           withdraw_form=withdraw_form, today=clock.today()), status


@bp.route("/extensions/<int:extension_id>", methods=["GET", "POST"])
@allow(Role.admin)
def extension(extension_id: int):
    ext, school, cycle = _extension_or_404(extension_id)
    if request.method == "GET":
        return _extension_page(extension_id, ExtensionChangeForm(obj=ext), WithdrawExtensionForm())
    form = ExtensionChangeForm()
    if form.validate_on_submit():
        if form.until.data < clock.today():
            form.until.errors.append(_("Choose today or a later date."))
        else:
            changed = extensions.change_extension(ext, form.until.data, form.reason.data, current_user)
            db.session.commit()
            flash(_("%(school)s may now edit “%(cycle)s” until %(date)s.", school=school.name, cycle=cycle.name,
                    date=formats.day(form.until.data)) if changed else _("Nothing changed in the extension."),
                  "success")
            return redirect(url_for("cycles.cycles"), code=303)
    return _extension_page(extension_id, form, WithdrawExtensionForm(), 422)


@bp.route("/extensions/<int:extension_id>/withdraw", methods=["POST"])
@allow(Role.admin)
def withdraw_extension(extension_id: int):
    ext, school, cycle = _extension_or_404(extension_id)
    form = WithdrawExtensionForm()
    if not form.validate_on_submit():
        return _extension_page(extension_id, ExtensionChangeForm(obj=ext, formdata=None), form, 422)
    extensions.withdraw_extension(ext, form.withdraw_reason.data, current_user)
    db.session.commit()
    flash(_("Withdrew the extension: %(school)s keeps the dates of “%(cycle)s”.", school=school.name,
            cycle=cycle.name), "success")
    return redirect(url_for("cycles.cycles"), code=303)
