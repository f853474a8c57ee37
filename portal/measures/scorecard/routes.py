"""The Measures of Success scorecard (filtered in place, exported), each measure's page with its
values and the forms of its owning office, importing values from a file, and the annual report
(assembled, published and frozen as a Board update is).

Statuses come from services.measure_status through services.scorecard; views never compute one."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.kernel import workflow
from portal.kernel.access import allow, deny
from portal.extensions import db
from portal.kernel.htmx import is_htmx, render
from portal.models import Role
from portal.measures import annual_reports as ar
from portal.measures import status as ms
from portal.measures import catalog as sc
from portal.kernel.exports import export_response
from portal.measures.scorecard import bp
from portal.charts.measure import spark_chart

READERS = (Role.superintendent, Role.board, Role.central_office, Role.admin)
OFFICES = (Role.central_office, Role.admin)
EDITORS = (Role.superintendent, Role.admin)
NO_VERSION = "This form did not say which version you saw. Reload the page and try again."
VALUE_LABELS = {"year": "School year", "subtarget": "Sub-target", "value": "Value", "as_of": "As of",
                "source": "Source", "note": "Note"}


def long_date(value) -> str:
    from portal.progress.board.updates import long_date as _long

    return _long(value)


def common() -> dict:
    return {"TITLES": ms.TITLES, "SYMBOLS": sc.SYMBOLS, "status_text": sc.status_text, "long_date": long_date,
            "chart": lambda line, m: spark_chart(line, m.direction, m.unit), "fmt_value": sc.fmt_value}


# ---------------------------------------------------------------- the scorecard

def _scorecard_context() -> dict:
    measures = sc.load_measures()
    offices = sc.offices_with_measures()
    pillars = sc.pillar_names()
    years = sc.year_choices(measures)
    flt = sc.ScorecardFilter.from_args(request.args, years, [o.code for o in offices], [str(n) for n, _ in pillars])
    year = flt.year or sc.default_year(measures)
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    card = sc.build_scorecard(year, measures, flt.pillar, flt.office, flt.status)
    return {"flt": flt, "year": year, "years": years, "offices": offices, "card": card,
            "pillars": pillars,
            "status_filters": sc.STATUS_FILTERS, "all_count": len(measures), **common()}


@bp.route("/scorecard")
@allow(*READERS)
def scorecard():
    return render("scorecard/scorecard.html", "scorecard/_results.html", **_scorecard_context())


@bp.route("/scorecard/export.csv", defaults={"fmt": "csv"})
@bp.route("/scorecard/export.xlsx", defaults={"fmt": "xlsx"})
@allow(*READERS)
def export(fmt: str):
    context = _scorecard_context()
    columns, rows = sc.export_rows(context["card"])
    return export_response(f"Measures of Success {context['year']}", columns, rows, fmt)


# ---------------------------------------------------------------- one measure

def _measure_or_404(code: str):
    measure = sc.measure_or_none(code)
    if measure is None:
        abort(404)
    return measure


def _measure_page(measure, status: int = 200, values: dict | None = None, errors: dict | None = None,
                  feed_error: str = ""):
    view = sc.load_measures([measure.code])[0]
    may_enter = sc.can_enter(current_user, measure)
    years = view.years()
    return render_template(
        "scorecard/measure.html", measure=measure, view=view, years=years,
        statuses=[(y, view.status(y)) for y in reversed(years)], history=sc.history(measure),
        initiatives=sc.moving_initiatives(measure), may_enter=may_enter,
        entry_years=sc.entry_years() if may_enter else [],
        feed_choices=sc.feed_choices(measure) if may_enter else [],
        feed_label=sc.feed_label(measure),
        feed_value=f"{measure.feed_metric_id}:{measure.feed_breakdown or ''}" if measure.feed_metric_id else "",
        values=values or {"as_of": sc.today().isoformat()}, errors=errors or {}, feed_error=feed_error,
        labels=VALUE_LABELS, directions=sc.DIRECTIONS, units=sc.UNITS, **common()), status


@bp.route("/measures/<code>")
@allow(*READERS)
def measure(code: str):
    return _measure_page(_measure_or_404(code))


@bp.route("/measures/<code>/values", methods=["POST"])
@allow(*OFFICES)
def add_value(code: str):
    measure = _measure_or_404(code)
    if not sc.can_enter(current_user, measure):
        deny(403, "another office's measure")
    clean, errors, outcome = sc.save_value(measure, request.form, current_user)
    if errors:
        db.session.rollback()
        posted = {k: (request.form.get(k) or "") for k in VALUE_LABELS}
        return _measure_page(measure, 422, values=posted, errors=errors)
    what = f"{measure.code}{' ' + clean['subtarget'] if clean['subtarget'] else ''} for {clean['year']}"
    message = {"created": f"Saved the value of {what}.", "updated": f"Updated the value of {what}.",
               "same": f"The value of {what} was already saved as it is."}[outcome]
    flash(message, "success")
    return redirect(url_for("scorecard.measure", code=measure.code), code=303)


@bp.route("/measures/<code>/feed", methods=["POST"])
@allow(*OFFICES)
def set_feed(code: str):
    measure = _measure_or_404(code)
    if not sc.can_enter(current_user, measure):
        deny(403, "another office's measure")
    problem = sc.set_feed(measure, request.form.get("feed", ""), current_user)
    if problem:
        db.session.rollback()
        return _measure_page(measure, 422, feed_error=problem)
    flash(f"{measure.code} is now fed by the chosen check-in metric." if measure.feed_metric_id
          else f"No check-in metric feeds {measure.code} now; its office types its values.", "success")
    return redirect(url_for("scorecard.measure", code=measure.code), code=303)


# ---------------------------------------------------------------- import

@bp.route("/measures/import", methods=["GET", "POST"])
@allow(*OFFICES)
def import_values():
    report, problem = None, ""
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            problem = "Choose a CSV or Excel file to import."
        else:
            report = sc.import_values(upload.read(), upload.filename, current_user)
            if report.ok:
                flash(f"Imported {report.rows} row{'' if report.rows == 1 else 's'}: {report.created} new and "
                      f"{report.updated} updated value{'' if report.updated == 1 else 's'}.", "success")
                return redirect(url_for("scorecard.import_values"), code=303)
            db.session.rollback()
    status = 422 if problem or (report and not report.ok) else 200
    return render_template("scorecard/import.html", report=report, problem=problem, columns=sc.IMPORT_COLUMNS,
                           office=current_user.office), status


# ---------------------------------------------------------------- annual reports

def _reports_page(status: int = 200, values: dict | None = None, errors: dict | None = None):
    return render_template("scorecard/annual_reports.html", reports=ar.annual_reports(current_user),
                           can_edit=ar.can_edit(current_user), values=values or {}, errors=errors or {},
                           year_hint=sc.current_school_year(), long_date=long_date), status


@bp.route("/annual-reports")
@allow(*READERS)
def annual_reports():
    return _reports_page()


@bp.route("/annual-reports", methods=["POST"])
@allow(*EDITORS)
def create_annual_report():
    update, errors = ar.create_annual_report(request.form, current_user)
    if update is None:
        return _reports_page(422, values={k: request.form.get(k, "") for k in ("school_year", "meeting_date")},
                             errors=errors)
    flash(f"Created the draft “{update.title}”. Read it through, then publish it to the Board.", "success")
    return redirect(url_for("scorecard.annual_report", update_id=update.id), code=303)


def _show_report(update, status: int = 200, problem: str = "", message: str = ""):
    return render("scorecard/annual_report.html", "scorecard/_annual_report_body.html", update=update,
                  report=ar.report_for(update), editing=ar.can_edit(current_user) and not update.published,
                  problem=problem, message=message, **common()), status


@bp.route("/annual-reports/<int:update_id>")
@allow(*READERS)
def annual_report(update_id: int):
    return _show_report(ar.report_or_404(update_id, current_user))


@bp.route("/annual-reports/<int:update_id>/publish", methods=["POST"])
@allow(*EDITORS)
def publish_annual_report(update_id: int):
    update = ar.report_or_404(update_id, current_user)
    raw = (request.form.get("version") or "").strip()
    if not raw.isdigit() or len(raw) > 10:
        return _show_report(update, 422, problem=NO_VERSION)
    try:
        ar.publish_annual_report(update, current_user, int(raw))
    except workflow.WorkflowError as exc:
        db.session.rollback()
        update = ar.report_or_404(update_id, current_user)
        return _show_report(update, 409 if isinstance(exc, workflow.ConflictError) else 422, problem=str(exc))
    message = f"Published “{update.title}”. The report is frozen as the Board reads it now."
    if is_htmx():
        return _show_report(update, message=message)
    flash(message, "success")
    return redirect(url_for("scorecard.annual_report", update_id=update.id), code=303)
