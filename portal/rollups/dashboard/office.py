"""Office dashboard views: the list of offices' dashboards, one office's dashboard, and its tables'
CSV and Excel export. Read-only. A central office reads its own office's (another's answers 404, as
if absent); the superintendent's office and administrators read every office's.

The page is the filters over a body (dashboard/_office_body.html) that an htmx filter change gets
alone, as on the district's pages."""
from flask import abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.extensions import db
from portal.kernel import formatting
from portal.kernel.access import allow, deny
from portal.kernel.clock import today
from portal.kernel.exports import export_response
from portal.kernel.htmx import is_htmx, render
from portal.kernel.numbers import parse_int
from portal.kernel.policy import OFFICE_DASHBOARD_READERS, Role
from portal.measures import status as ms
from portal.org.models import Office
from portal.org.scope import scoped_to_office
from portal.progress.models import STAGE_NAMES
from portal.rollups.dashboard import bp, office_view
from portal.rollups.dashboard.office_tables import OFFICE_TABLES

FORMATS = ("csv", "xlsx")


def office_or_404(ref: str) -> Office:
    """The office a dashboard address names, by its code (or its id), within the person's reach."""
    office = db.session.scalar(select(Office).where(Office.code == ref.strip()[:40]))
    number = parse_int(ref)
    if office is None and number is not None:
        office = db.session.get(Office, number)
    if office is None:
        abort(404)
    if not scoped_to_office(current_user, office):
        deny(404, "another office's dashboard")
    return office


@bp.route("/office")
@bp.route("/offices")
@allow(*OFFICE_DASHBOARD_READERS)
def offices():
    """A central office lands on its own dashboard; the district's roles choose an office."""
    if current_user.role == Role.central_office:
        if current_user.office is None:
            abort(404)
        return redirect(url_for("dashboard.office", code=current_user.office.code))
    return render_template("dashboard/offices.html", rows=office_view.office_rows(today()))


@bp.route("/offices/<code>")
@allow(*OFFICE_DASHBOARD_READERS)
def office(code: str):
    office = office_or_404(code)
    view = office_view.load(office, request.args, today())
    clear = {"endpoint": "dashboard.office", "endpoint_args": {"code": office.code},
             "filters_set": bool(view.flt.narrowed or view.flt.year)}
    response = make_response(render("dashboard/office.html", "dashboard/_office_body.html", view=view,
                                    titles=ms.TITLES, target_label=ms.target_label(), stage_names=STAGE_NAMES,
                                    fmt_measure=formatting.measure_value, **clear))
    if is_htmx():  # the filters' canonical address, without empty ones, for shared links and history
        response.set_data(response.get_data(as_text=True) + render_template("dashboard/_clear.html", **clear,
                                                                              clear_oob=True))
        response.headers["HX-Push-Url"] = url_for("dashboard.office", code=office.code, **view.flt.as_args())
    return response


@bp.route("/offices/<code>/export")
@allow(*OFFICE_DASHBOARD_READERS)
def office_export(code: str):
    """GET /dashboard/offices/<code>/export?table=measures&format=xlsx&<the page's filters>; the
    initiatives table when no table is named, CSV when no format is."""
    office = office_or_404(code)
    name = request.args.get("table") or "initiatives"
    fmt = request.args.get("format") or "csv"
    if fmt not in FORMATS or name not in OFFICE_TABLES:
        abort(404)
    view = office_view.load(office, request.args, today())
    _title, columns, rows = OFFICE_TABLES[name]({"page": view, "grid": view.grid})
    stem = "-".join([office.code, name, *view.flt.as_args(year=view.year).values()])
    return export_response(stem, columns, rows, fmt)
