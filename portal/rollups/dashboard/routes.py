"""Dashboard views: the district, one region with its schools, one school, and every table's
CSV and Excel export. Read-only; the superintendent's office, the board and administrators.

Views parse the filters, ask payloads for the (cached) rollups, and render; an htmx request gets
the part below the filters alone."""
from typing import Any

from flask import abort, make_response, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from portal.cache import store
from portal.extensions import db
from portal.kernel import formatting
from portal.kernel.access import allow
from portal.kernel.clock import today
from portal.kernel.exports import export_response
from portal.kernel.htmx import is_htmx, render
from portal.kernel.numbers import parse_int
from portal.kernel.policy import DASHBOARD_READERS, SUPERINTENDENTS
from portal.org.models import School
from portal.rollups import compute as r
from portal.rollups import data as rd
from portal.rollups import present
from portal.rollups.dashboard import bp, payloads, tables, views
from portal.rollups.dashboard.filters import DashboardFilter, Vocabulary
from portal.targets.models import TargetPlan
from portal.targets.queries import current_cycle

FORMATS = ("csv", "xlsx")


@bp.context_processor
def helpers():
    return {"fmt_value": formatting.result, "fmt_gain": formatting.signed, "fmt_number": formatting.number,
            "level_names": present.LEVEL_NAMES, "status_titles": tables.STATUS_TITLES}


def page(template: str, partial: str, endpoint: str, endpoint_args: dict, flt: DashboardFilter, **ctx):
    """The full page, or for htmx the part below the filters, with the canonical address of what is
    shown pushed to the browser's history (no empty or unknown filters in shared links). A part
    already drawn (body_html) is sent as it is for htmx."""
    if is_htmx() and "body_html" in ctx:
        response = make_response(ctx["body_html"])
    else:
        response = make_response(render(template, partial, endpoint=endpoint, endpoint_args=endpoint_args,
                                        flt=flt, **ctx))
    if is_htmx():
        # A filter adds a step to the browser's history; the refresh of stored figures does not.
        header = "HX-Replace-Url" if request.args.get(REFRESH_ARG) == "1" else "HX-Push-Url"
        response.headers[header] = url_for(endpoint, **endpoint_args, **shown_args(endpoint, flt))
    return response


def shown_args(endpoint: str, flt: DashboardFilter) -> dict:
    """The filters in a page's address: a region's page carries its region in the path."""
    return flt.as_args(**({"region": ""} if endpoint != "dashboard.district" else {}))


def load_district_page(flt: DashboardFilter, vocab: Vocabulary,
                       accept_stale: bool = False) -> views.DistrictPage | None:
    """The body of the district or region page for the filters, or None before the first cycle."""
    cycle = current_cycle()
    if cycle is None:
        return None
    payload = payloads.district(cycle, flt, vocab, today(), accept_stale)
    return views.district_page(cycle, flt, vocab, payload, rd.trajectory_names(), rd.initiative_grid())


def export_context(flt: DashboardFilter, vocab: Vocabulary, table: str) -> dict | None:
    """What a district table's export reads: the stored rollup and the names it shows, without the
    charts and cards the page draws around it."""
    cycle = current_cycle()
    if cycle is None:
        return None
    ctx = {"cycle": cycle, "flt": flt, "vocab": vocab, "payload": payloads.district(cycle, flt, vocab, today()),
           "trajectory_names": rd.trajectory_names()}
    if table == "initiatives":
        ctx["grid"] = rd.initiative_grid()
    return ctx


REFRESH_ARG = "refresh"


def body_context(flt: DashboardFilter, vocab: Vocabulary, endpoint: str, endpoint_args: dict) -> dict | None:
    """What the district and region pages show around their body, with the body itself drawn from
    the stored rollup (body_html): drawn again only when the rollup is recomputed.

    After a change the reader is not kept waiting while the rollup is computed again (seconds, for
    a district of thousands of schools): the page shows the figures stored earlier today, says when
    they were computed, and asks at once (htmx, on load) for the same body with ?refresh=1, which
    computes and stores the rollup and takes their place. Without script, the notice's link does."""
    cycle = current_cycle()
    if cycle is None:
        return None
    filters = {"cycle": cycle.id, **flt.as_args()}
    # The body links initiatives for the roles that may open them (_body.html).
    linked = current_user.role in SUPERINTENDENTS
    variant = f"{endpoint}|{sorted(endpoint_args.items())}|{'linked' if linked else 'plain'}"

    def draw(stale: bool) -> str:
        view = load_district_page(flt, vocab, accept_stale=stale)
        return render_template("dashboard/_body.html", endpoint=endpoint, endpoint_args=endpoint_args, view=view)
    html, as_of = store.rendered("district", filters, variant, draw, today(),
                                 accept_stale=request.args.get(REFRESH_ARG) != "1", drafts=bool(flt.region))
    if as_of is not None:
        # Typed Any: a dict[str, str] could, for all mypy knows, fill url_for's _external (a bool).
        refresh: dict[str, Any] = {REFRESH_ARG: "1"}
        notice = render_template("dashboard/_refreshing.html", as_of=as_of, refresh_url=url_for(
            endpoint, **endpoint_args, **shown_args(endpoint, flt), **refresh))
        html = notice + html
    return {"cycle": cycle, "flt": flt, "vocab": vocab, "region": vocab.region(flt.region),
            "body_html": Markup(html)}


@bp.route("/")
@allow(*DASHBOARD_READERS)
def district():
    vocab = Vocabulary.load()
    flt = DashboardFilter.from_args(request.args, vocab)
    ctx = body_context(flt, vocab, "dashboard.district", {})
    if ctx is None:
        return render_template("dashboard/no_cycle.html")
    return page("dashboard/district.html", "dashboard/_body.html", "dashboard.district", {}, **ctx)


@bp.route("/regions/<code>")
@allow(*DASHBOARD_READERS)
def region(code: str):
    vocab = Vocabulary.load()
    if vocab.region(code) is None:
        abort(404)
    flt = DashboardFilter.from_args(request.args, vocab)
    flt.region = code
    ctx = body_context(flt, vocab, "dashboard.region", {"code": code})
    if ctx is None:
        return render_template("dashboard/no_cycle.html")
    return page("dashboard/region.html", "dashboard/_body.html", "dashboard.region", {"code": code}, **ctx)


def school_context(school: School, flt: DashboardFilter, vocab: Vocabulary) -> dict | None:
    cycle = current_cycle()
    if cycle is None:
        return None
    plan = db.session.scalar(select(TargetPlan).where(TargetPlan.cycle_id == cycle.id,
                                                      TargetPlan.school_id == school.id))
    data = payloads.school(cycle, school.id, vocab, flt)
    overdue = plan is not None and plan.status.value in r.NOT_SUBMITTED and today() > cycle.due_on
    return {"cycle": cycle, "school": school, "plan": plan, "overdue": overdue, "flt": flt, "vocab": vocab,
            "school_payload": data, "trajectory_names": rd.trajectory_names(),
            "sections": views.school_sections(data, vocab)}


@bp.route("/schools/<int:school_id>")
@allow(*DASHBOARD_READERS)
def school(school_id: int):
    school = db.session.get(School, school_id)
    if school is None:
        abort(404)
    vocab = Vocabulary.load()
    flt = DashboardFilter.from_args(request.args, vocab)
    flt.region, flt.level = "", ""
    ctx = school_context(school, flt, vocab)
    if ctx is None:
        return render_template("dashboard/no_cycle.html")
    return page("dashboard/school.html", "dashboard/_school_body.html", "dashboard.school",
                {"school_id": school.id}, **ctx)


@bp.route("/export")
@allow(*DASHBOARD_READERS)
def export():
    """GET /dashboard/export?table=regions&format=xlsx&<the page's filters> (school=<id> for a school's)."""
    name = request.args.get("table", "")
    fmt = request.args.get("format", "csv")
    if fmt not in FORMATS or name not in {**tables.DISTRICT_TABLES, **tables.SCHOOL_TABLES}:
        abort(404)
    vocab = Vocabulary.load()
    flt = DashboardFilter.from_args(request.args, vocab)
    if name in tables.SCHOOL_TABLES:
        school_id = request.args.get("school", "")
        number = parse_int(school_id)
        school = db.session.get(School, number) if number is not None else None
        if school is None:
            abort(404)
        flt.region, flt.level = "", ""
        ctx = school_context(school, flt, vocab)
        stem = f"{school.code}-{name}"
        builder = tables.SCHOOL_TABLES[name]
    else:
        if name == "schools" and not flt.region:
            abort(404)
        ctx = export_context(flt, vocab, name)
        stem = "-".join(["dashboard", name, *flt.as_args().values()])
        builder = tables.DISTRICT_TABLES[name]
    if ctx is None:
        abort(404)
    _title, columns, rows = builder(ctx)
    return export_response(stem, columns, rows, fmt)
