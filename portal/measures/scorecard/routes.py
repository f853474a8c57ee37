"""The scorecard's views: the scorecard, each measure's page and forms, the value import and the annual reports.

Each view that changes something parses the request, calls one operation and owns the transaction:
it commits when the operation succeeds and rolls back when it refuses. Statuses come from
portal.measures.status through the catalog; views never compute one."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.kernel import clock, formatting, workflow
from portal.kernel.access import allow, deny, public
from portal.kernel.actions import posted_version, refusal_status
from portal.kernel.exports import export_response
from portal.kernel.htmx import is_htmx, render
from portal.kernel.i18n import N_
from portal.kernel.policy import OFFICES, PROGRESS_READERS, SUPERINTENDENTS
from portal.measures import annual_reports as ar
from portal.measures import catalog, value_import, values
from portal.measures import scorecard_table as table
from portal.measures import status as ms
from portal.measures.charts import spark_chart
from portal.measures.scorecard import bp
from portal.measures.scorecard import documents as report_documents
from portal.measures.scorecard.loaders import measure_or_404, report_or_404
from portal.progress import documents
from portal.progress.wording import missing_version

# English kept as data; the page translates them where it shows them.
VALUE_LABELS = {"year": N_("School year"), "subtarget": N_("Sub-target"), "value": N_("Value"), "as_of": N_("As of"),
                "source": N_("Source"), "note": N_("Note")}


def common() -> dict:
    return {"TITLES": ms.TITLES, "SYMBOLS": table.SYMBOLS, "status_text": table.status_text,
            "long_date": formatting.long_date, "chart": lambda line, m: spark_chart(line, m.direction, m.unit),
            "fmt_value": formatting.measure_value}


# ---------------------------------------------------------------- the scorecard

def _scorecard_context() -> dict:
    measures = catalog.load_measures()
    offices = table.offices_with_measures()
    pillars = table.pillar_names()
    years = table.year_choices(measures)
    flt = table.ScorecardFilter.from_args(request.args, years, [o.code for o in offices],
                                          [str(n) for n, _ in pillars])
    year = flt.year or table.default_year(measures)
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    card = table.build_scorecard(year, measures, flt.pillar, flt.office, flt.status)
    return {"flt": flt, "year": year, "years": years, "offices": offices, "card": card,
            "pillars": pillars,
            "status_filters": table.STATUS_FILTERS, "all_count": len(measures), **common()}


@bp.route("/scorecard")
@public
def scorecard():
    return render("scorecard/scorecard.html", "scorecard/_results.html", **_scorecard_context())


@bp.route("/scorecard/export.csv", defaults={"fmt": "csv"})
@bp.route("/scorecard/export.xlsx", defaults={"fmt": "xlsx"})
@public
def export(fmt: str):
    context = _scorecard_context()
    columns, rows = table.export_rows(context["card"])
    return export_response(f"Measures of Success {context['year']}", columns, rows, fmt)


# ---------------------------------------------------------------- one measure

def _seen(measure, year: str, subtarget: str, version: int | None = None) -> dict:
    """What the value form is set to replace: the school year and sub-target it shows, the value saved
    for them (None when there is none) and the version it carries (that value's unless given; 0 for none)."""
    row = values.value_row(measure, year, subtarget) if year else None
    return {"year": year, "subtarget": subtarget, "row": row,
            "version": version if version is not None else (row.version if row is not None else 0)}


def _measure_page(measure, status: int = 200, posted: dict | None = None, errors: dict | None = None,
                  feed_error: str = "", problems: list[str] | None = None, seen: dict | None = None):
    view = catalog.load_measures([measure.code])[0]
    signed_in = current_user.is_authenticated
    may_enter = signed_in and values.can_enter(current_user, measure)
    years = view.years()
    return render_template(
        "scorecard/measure.html", measure=measure, view=view, years=years,
        statuses=[(y, view.status(y)) for y in reversed(years)], signed_in=signed_in,
        history=catalog.history(measure) if signed_in else [],  # names of staff: for people who log in
        initiatives=catalog.moving_initiatives(measure), may_enter=may_enter,
        entry_years=values.entry_years() if may_enter else [],
        feed_choices=values.feed_choices(measure) if may_enter else [],
        feed_label=values.feed_label(measure),
        feed_value=f"{measure.feed_metric_id}:{measure.feed_breakdown or ''}" if measure.feed_metric_id else "",
        values=posted or {"as_of": clock.today().isoformat()}, errors=errors or {}, feed_error=feed_error,
        problems=problems or [], seen=seen or _seen(measure, *_chosen(posted or {})), labels=VALUE_LABELS,
        directions=catalog.DIRECTIONS, units=catalog.UNITS, **common()), status


def _chosen(source) -> tuple[str, str]:
    """The school year and sub-target a value form (or the link that opened it) names."""
    return (source.get("year") or "").strip(), (source.get("subtarget") or "").strip()


@bp.route("/measures/<code>")
@public
def measure(code: str):
    """The measure's page (public: values, statuses and charts; who entered what is for people who log
    in); ?year= (and &subtarget=) sets the value form to them. When the form's choice changes, htmx asks
    for what saving would replace, with that value's version."""
    measure = measure_or_404(code)
    year, subtarget = _chosen(request.args)
    if is_htmx() and current_user.is_authenticated and values.can_enter(current_user, measure):
        return render_template("scorecard/_value_seen.html", seen=_seen(measure, year, subtarget), measure=measure,
                               **common())
    return _measure_page(measure, posted={"as_of": clock.today().isoformat(), "year": year,
                                          "subtarget": subtarget} if year else None)


def _posted_seen() -> tuple[str, str]:
    """The school year and sub-target the value form was showing the value of when it was sent."""
    return (request.form.get("seen_year") or "").strip(), (request.form.get("seen_subtarget") or "").strip()


def _save_value(measure, version: int) -> tuple[dict, dict, str]:
    """The operation, once more after a clash on the same year: the second try finds their value."""
    seen = _posted_seen()
    try:
        return values.save_value(measure, request.form, current_user, seen, version)
    except IntegrityError:  # someone saved the same year a moment ago
        db.session.rollback()
        return values.save_value(measure, request.form, current_user, seen, version)


@bp.route("/measures/<code>/values", methods=["POST"])
@allow(*OFFICES)
def add_value(code: str):
    """Save a year's value. The form carries the version of the value it showed for the school year
    and sub-target chosen (0 when there was none): a value entered or changed since is not replaced."""
    measure = measure_or_404(code)
    if not values.can_enter(current_user, measure):
        deny(403, "another office's measure")
    posted = {k: (request.form.get(k) or "") for k in VALUE_LABELS}
    version = posted_version()
    if version is None:
        return _measure_page(measure, 422, posted=posted, problems=[missing_version("value")])
    try:
        clean, errors, outcome = _save_value(measure, version)
    except workflow.WorkflowError as exc:
        db.session.rollback()
        return _measure_page(measure, refusal_status(exc), posted=posted, problems=[str(exc)])
    if errors:  # the form keeps the value and version it was showing, so a later save is still checked
        db.session.rollback()
        return _measure_page(measure, 422, posted=posted, errors=errors, seen=_seen(measure, *_posted_seen(), version))
    db.session.commit()
    line = f"{measure.code} {clean['subtarget']}" if clean["subtarget"] else measure.code
    what = _("%(measure)s for %(year)s", measure=line, year=clean["year"])
    message = {"created": _("Saved the value of %(what)s.", what=what),
               "updated": _("Updated the value of %(what)s.", what=what),
               "same": _("The value of %(what)s was already saved as it is.", what=what)}[outcome]
    flash(message, "success")
    return redirect(url_for("scorecard.measure", code=measure.code), code=303)


@bp.route("/measures/<code>/feed", methods=["POST"])
@allow(*OFFICES)
def set_feed(code: str):
    measure = measure_or_404(code)
    if not values.can_enter(current_user, measure):
        deny(403, "another office's measure")
    problem = values.set_feed(measure, request.form.get("feed", ""), current_user)
    if problem:
        db.session.rollback()
        return _measure_page(measure, 422, feed_error=problem)
    db.session.commit()
    flash(_("%(code)s is now fed by the chosen check-in metric.", code=measure.code) if measure.feed_metric_id
          else _("No check-in metric feeds %(code)s now; its office types its values.", code=measure.code), "success")
    return redirect(url_for("scorecard.measure", code=measure.code), code=303)


# ---------------------------------------------------------------- import

def _imported(report) -> str:
    """What an import did, in one sentence whatever its numbers."""
    numbers = {"rows": report.rows, "created": report.created, "updated": report.updated}
    if report.rows == 1:
        return (_("Imported %(rows)s row: %(created)s new and %(updated)s updated value.", **numbers)
                if report.updated == 1 else
                _("Imported %(rows)s row: %(created)s new and %(updated)s updated values.", **numbers))
    return (_("Imported %(rows)s rows: %(created)s new and %(updated)s updated value.", **numbers)
            if report.updated == 1 else
            _("Imported %(rows)s rows: %(created)s new and %(updated)s updated values.", **numbers))


@bp.route("/measures/import", methods=["GET", "POST"])
@allow(*OFFICES)
def import_values():
    report, problem = None, ""
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            problem = _("Choose a CSV or Excel file to import.")
        else:
            try:
                report = value_import.import_values(upload.read(), upload.filename, current_user)
            except workflow.ConflictError as exc:
                db.session.rollback()
                return _import_page(None, str(exc), 409)
            if report.ok:
                db.session.commit()
                flash(_imported(report), "success")
                return redirect(url_for("scorecard.import_values"), code=303)
            db.session.rollback()
    return _import_page(report, problem, 422 if problem or (report and not report.ok) else 200)


def _import_page(report, problem: str, status: int):
    return render_template("scorecard/import.html", report=report, problem=problem, columns=value_import.IMPORT_COLUMNS,
                           office=current_user.office), status


# ---------------------------------------------------------------- annual reports

def _reports_page(status: int = 200, posted: dict | None = None, errors: dict | None = None):
    reports = ar.annual_reports(current_user)
    return render_template("scorecard/annual_reports.html", reports=reports,
                           documents=documents.kinds_by_update([r.id for r in reports if r.published]),
                           can_edit=ar.can_edit(current_user), values=posted or {}, errors=errors or {},
                           year_hint=clock.current_school_year(), long_date=formatting.long_date), status


@bp.route("/annual-reports")
@allow(*PROGRESS_READERS)
def annual_reports():
    return _reports_page()


@bp.route("/annual-reports", methods=["POST"])
@allow(*SUPERINTENDENTS)
def create_annual_report():
    update, errors = ar.create_annual_report(request.form, current_user)
    if update is None:
        db.session.rollback()
        return _reports_page(422, posted={k: request.form.get(k, "") for k in ("school_year", "meeting_date")},
                             errors=errors)
    db.session.commit()
    flash(_("Created the draft “%(title)s”. Read it through, then publish it to the Board.", title=update.title),
          "success")
    return redirect(url_for("scorecard.annual_report", update_id=update.id), code=303)


def _show_report(update, status: int = 200, problem: str = "", message: str = ""):
    return render("scorecard/annual_report.html", "scorecard/_annual_report_body.html", update=update,
                  report=ar.report_for(update), editing=ar.can_edit(current_user) and not update.published,
                  problem=problem, message=message, documents=documents.of(update), **common()), status


@bp.route("/annual-reports/<int:update_id>")
@allow(*PROGRESS_READERS)
def annual_report(update_id: int):
    return _show_report(report_or_404(update_id, current_user))


@bp.route("/annual-reports/<int:update_id>/publish", methods=["POST"])
@allow(*SUPERINTENDENTS)
def publish_annual_report(update_id: int):
    update = report_or_404(update_id, current_user)
    version = posted_version()
    if version is None:
        return _show_report(update, 422, problem=missing_version())
    try:
        ar.publish_annual_report(update, current_user, version, report_documents.render)
        db.session.commit()
    except workflow.WorkflowError as exc:
        db.session.rollback()
        update = report_or_404(update_id, current_user)
        return _show_report(update, 409 if isinstance(exc, workflow.ConflictError) else 422, problem=str(exc))
    message = _("Published “%(title)s”. The report is frozen as the Board reads it now.", title=update.title)
    if is_htmx():
        return _show_report(update, message=message)
    flash(message, "success")
    return redirect(url_for("scorecard.annual_report", update_id=update.id), code=303)
