"""The check-in calendar's page: the periods open now, still to come and past, which every central office
reads (its own action plans beside each open period, with where to start each check-in); the
superintendent's office and administrators add, change and remove periods (progress.periods)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel import clock, workflow
from portal.kernel.access import allow
from portal.kernel.actions import missing_version, posted_version, refusal_status
from portal.kernel.policy import CYCLE_READERS, SUPERINTENDENTS, Role
from portal.progress import periods
from portal.progress.initiatives import bp
from portal.progress.models import CheckIn, CheckInPeriod, Initiative


def _period_or_404(period_id: int) -> CheckInPeriod:
    period = db.session.get(CheckInPeriod, period_id)
    if period is None:
        abort(404)
    return period


def _own_plans(open_periods: list[CheckInPeriod]) -> tuple[list[Initiative], dict]:
    """A central office's own action plans, and their check-ins for the open periods by (plan, period)."""
    if current_user.role != Role.central_office or current_user.office_id is None:
        return [], {}
    plans = list(db.session.scalars(select(Initiative).where(Initiative.office_id == current_user.office_id)
                                    .order_by(Initiative.name)))
    started = {(c.initiative_id, c.period): c for c in db.session.scalars(select(CheckIn).where(
        CheckIn.initiative_id.in_([p.id for p in plans]), CheckIn.period.in_([p.name for p in open_periods])))}
    return plans, started


def _page(typed: dict | None = None, errors: dict | None = None, status: int = 200):
    today = clock.today()
    groups = periods.by_when(today)
    counts: dict[str, int] = dict(db.session.execute(select(CheckIn.period, func.count())
                                                     .group_by(CheckIn.period)).all())
    plans, started = _own_plans(groups["open"])
    return render_template("initiatives/calendar.html", groups=groups, today=today, counts=counts,
                           can_keep=current_user.role in SUPERINTENDENTS, typed=typed or {}, errors=errors or {},
                           own_plans=plans, started=started), status


@bp.route("/check-in-calendar")
@allow(*CYCLE_READERS)
def calendar():
    return _page()


@bp.route("/check-in-calendar", methods=["POST"])
@allow(*SUPERINTENDENTS)
def add_period():
    data, errors = periods.read_period(request.form)
    if errors:
        return _page(request.form, errors, 422)
    period = periods.add_period(data, current_user)
    db.session.commit()
    flash(f"Added {period.name} to the check-in calendar.", "success")
    return redirect(url_for("initiatives.calendar") + f"#period-{period.id}", code=303)


def _form(period: CheckInPeriod, typed: dict, errors: dict | None = None, problems: list[str] | None = None,
          version: int | str | None = None, status: int = 200):
    return render_template("initiatives/period_form.html", period=period, typed=typed, errors=errors or {},
                           problems=problems or [], version=period.version if version is None else version,
                           in_use=periods.in_use(period)), status


@bp.route("/check-in-calendar/<int:period_id>", methods=["GET", "POST"])
@allow(*SUPERINTENDENTS)
def edit_period(period_id: int):
    period = _period_or_404(period_id)
    if request.method == "GET":
        return _form(period, {"name": period.name, "opens_on": period.opens_on.isoformat(),
                              "due_on": period.due_on.isoformat()})
    version = posted_version()
    if version is None:
        return _form(period, request.form, problems=[missing_version(_("of the period"))],
                     version=request.form.get("version", ""), status=422)
    data, errors = periods.read_period(request.form, period)
    if errors:
        return _form(period, request.form, errors, version=version, status=422)
    try:
        periods.change_period(period, data, current_user, version)
    except workflow.WorkflowError as exc:
        db.session.rollback()
        return _form(_period_or_404(period_id), request.form, problems=[str(exc)], version=version,
                     status=refusal_status(exc))
    db.session.commit()
    flash(f"Saved {period.name}.", "success")
    return redirect(url_for("initiatives.calendar") + f"#period-{period.id}", code=303)


@bp.route("/check-in-calendar/<int:period_id>/remove", methods=["POST"])
@allow(*SUPERINTENDENTS)
def remove_period(period_id: int):
    period = _period_or_404(period_id)
    name = period.name
    refused = periods.remove_period(period, current_user)
    if refused:
        db.session.rollback()
        flash(refused, "error")
        return _page(status=409)
    db.session.commit()
    flash(f"Removed {name} from the check-in calendar.", "success")
    return redirect(url_for("initiatives.calendar"), code=303)
