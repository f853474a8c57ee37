"""Dashboard views: the district, one region with its schools, one school, and every table's
CSV and Excel export. Read-only: the superintendent's office, the board and administrators read
every page; a regional leader their Local District and its schools; a principal their school (at
/my-school). portal.org.scope.dashboard_reach says which, for every page and export; the rest is 404.

Views parse the filters, ask payloads for the (cached) rollups, and render; an htmx request gets
the part below the filters alone."""
from datetime import datetime
from typing import Any

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from portal.cache import store
from portal.extensions import db
from portal.kernel import clock, formatting, i18n
from portal.kernel.access import allow, deny
from portal.kernel.clock import today
from portal.kernel.exports import export_response
from portal.kernel.htmx import is_htmx, render
from portal.kernel.numbers import parse_int
from portal.kernel.policy import DASHBOARD_READERS, REGION_DASHBOARD_READERS, SUPERINTENDENTS
from portal.org.models import School
from portal.org.scope import DashboardReach, dashboard_reach
from portal.rollups import compute as r
from portal.rollups import data as rd
from portal.rollups import present
from portal.rollups.dashboard import bp, compare, payloads, suppression, tables, views, words
from portal.rollups.dashboard.filters import DashboardFilter, Vocabulary
from portal.targets.models import TargetPlan
from portal.targets.queries import current_cycle

FORMATS = ("csv", "xlsx")


@bp.context_processor
def helpers():
    return {"fmt_value": formatting.result, "fmt_gain": formatting.signed, "fmt_number": formatting.number,
            "fmt_count": formatting.count, "level_names": present.LEVEL_NAMES, "status_titles": tables.STATUS_TITLES,
            **words.helpers()}


def page(template: str, partial: str, endpoint: str, endpoint_args: dict, flt: DashboardFilter, **ctx):
    """The full page, or for htmx the part below the filters, with the canonical address of what is
    shown pushed to the browser's history (no empty or unknown filters in shared links). A part
    already drawn (body_html) is sent as it is for htmx, with the filters' "Clear" link out of band
    (the filters themselves stay as the reader set them)."""
    filters_set = bool(shown_args(endpoint, flt))
    if is_htmx() and "body_html" in ctx:
        response = make_response(ctx["body_html"])
    else:
        response = make_response(render(template, partial, endpoint=endpoint, endpoint_args=endpoint_args,
                                        flt=flt, filters_set=filters_set, **ctx))
    if is_htmx():
        response.set_data(response.get_data(as_text=True) + render_template(
            "dashboard/_clear.html", endpoint=endpoint, endpoint_args=endpoint_args, filters_set=filters_set,
            clear_oob=True))
        # A filter adds a step to the browser's history; the new figures taking the stored ones' place do not.
        replace = request.args.get(REFRESH_ARG) == "1" or POLL_ARG in request.args
        header = "HX-Replace-Url" if replace else "HX-Push-Url"
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
    payload = suppression.district_for_reader(payloads.district(cycle, flt, vocab, today(), accept_stale),
                                              current_user, flt.region, suppression.region_ids(vocab))
    return views.district_page(cycle, flt, vocab, payload, rd.trajectory_names(), rd.initiative_grid())


def export_context(flt: DashboardFilter, vocab: Vocabulary, table: str) -> dict | None:
    """What a district table's export reads: the stored rollup and the names it shows, without the
    charts and cards the page draws around it."""
    cycle = current_cycle()
    if cycle is None:
        return None
    payload = suppression.district_for_reader(payloads.district(cycle, flt, vocab, today()), current_user, flt.region,
                                              suppression.region_ids(vocab))
    ctx = {"cycle": cycle, "flt": flt, "vocab": vocab, "payload": payload,
           "trajectory_names": rd.trajectory_names()}
    if table == "initiatives":
        ctx["grid"] = rd.initiative_grid()
    return ctx


REFRESH_ARG = "refresh"  # ?refresh=1: the figures computed now, in this request (the notice's link)
POLL_ARG = "poll"  # ?poll=<when the notice was drawn>: the notice asking for the worker's figures
POLL_SECONDS = 2
POLL_LIMIT_SECONDS = 180


def body_context(flt: DashboardFilter, vocab: Vocabulary, endpoint: str, endpoint_args: dict) -> dict | None:
    """What the district and region pages show around their body, with the body itself drawn from
    the stored rollup (body_html): drawn again only when the rollup is recomputed.

    After a change no reader waits while the rollup is computed again (seconds, for a district of
    thousands of schools): the page shows the figures stored earlier today, says when they were
    computed, and asks every POLL_SECONDS (htmx, `poll` below, which never computes) until the worker
    (`flask worker`, portal.rollups.refresh) has stored the new figures, which then take their place.
    A request computes the figures itself only when there is no stored copy of today to show: the
    first reader of the day, or of filters nobody has asked for yet today. The notice's link
    (?refresh=1), the way without script, computes them in that request, at the reader's asking."""
    cycle = current_cycle()
    if cycle is None:
        return None
    # The body links initiatives for the roles that may open them (_body.html).
    linked = current_user.role in SUPERINTENDENTS
    # Other regions' names link to their pages only for those who may open them.
    regions_linked = dashboard_reach(current_user).district
    variant = (f"{endpoint}|{sorted(endpoint_args.items())}|{'linked' if linked else 'plain'}"
               f"{'' if regions_linked else '|own-region'}|{suppression.audience(current_user)}|{i18n.current()}")

    def draw(stale: bool) -> str:
        view = load_district_page(flt, vocab, accept_stale=stale)
        return render_template("dashboard/_body.html", endpoint=endpoint, endpoint_args=endpoint_args, view=view,
                               regions_linked=regions_linked)
    html, as_of = store.rendered("district", payloads.stored_filters(cycle, flt), variant, draw, today(),
                                 accept_stale=request.args.get(REFRESH_ARG) != "1", drafts=payloads.shows_drafts(flt))
    if as_of is not None:
        html = notice(endpoint, endpoint_args, flt, as_of, polling=True) + html
    return {"cycle": cycle, "flt": flt, "vocab": vocab, "region": vocab.region(flt.region),
            "body_html": Markup(html), "as_of": as_of, "crumbs": {"district": regions_linked}}


def notice(endpoint: str, endpoint_args: dict, flt: DashboardFilter, as_of: datetime | None, polling: bool) -> str:
    """The notice above stored figures a change has overtaken: polling for the new ones, or (polling
    given up) offering to compute them now."""
    shown = {**endpoint_args, **shown_args(endpoint, flt)}
    # Typed Any: a dict[str, str] could, for all mypy knows, fill url_for's _external (a bool).
    refresh: dict[str, Any] = {REFRESH_ARG: "1"}
    polled: dict[str, Any] = {POLL_ARG: int(clock.timestamp())}
    return render_template("dashboard/_refreshing.html", as_of=as_of, every=POLL_SECONDS,
                           refresh_url=url_for(endpoint, **shown, **refresh),
                           poll_url=url_for(endpoint, **shown, **polled) if polling else None)


def poll(flt: DashboardFilter, vocab: Vocabulary, endpoint: str, endpoint_args: dict):
    """The notice's question (htmx, every POLL_SECONDS): are the new figures stored yet? Nothing is
    computed here. Once the stored rollup is current, the new body (the notice goes with the old);
    until then 204, which leaves the page as it is; after POLL_LIMIT_SECONDS, or with no stored
    copy of today to wait for, 286 (htmx stops polling) and a notice with the link instead."""
    cycle = current_cycle()
    state, as_of = store.MISSING, None
    if cycle is not None:
        state, as_of = store.status("district", payloads.stored_filters(cycle, flt), today(),
                                    payloads.shows_drafts(flt))
    if state == store.CURRENT:
        try:
            with store.stored_only():
                ctx = body_context(flt, vocab, endpoint, endpoint_args)
        except store.NotStored:  # dropped in the meantime
            ctx = None
        if ctx is not None and ctx["as_of"] is None:
            return page("dashboard/_body.html", "dashboard/_body.html", endpoint, endpoint_args, **ctx)
        state = store.STALE  # changed again in the meantime: the worker's next turn
    began = parse_int(request.args.get(POLL_ARG) or "")
    if state == store.STALE and began is not None and 0 <= clock.timestamp() - began <= POLL_LIMIT_SECONDS:
        return make_response("", 204)
    response = make_response(notice(endpoint, endpoint_args, flt, as_of, polling=False), 286)
    response.headers.update({"HX-Retarget": "#figures-refreshing", "HX-Reswap": "outerHTML"})
    return response


def body_page(template: str, endpoint: str, endpoint_args: dict, flt: DashboardFilter, vocab: Vocabulary):
    """The district or region page (or, for htmx, its body; or the answer to the notice's poll)."""
    if is_htmx() and POLL_ARG in request.args:
        return poll(flt, vocab, endpoint, endpoint_args)
    ctx = body_context(flt, vocab, endpoint, endpoint_args)
    if ctx is None:
        return render_template("dashboard/no_cycle.html")
    return page(template, "dashboard/_body.html", endpoint, endpoint_args, **ctx)


def landing(reach: DashboardReach, vocab: Vocabulary, flt: DashboardFilter):
    """Where /dashboard/ leads a person who may not read the district's page: a regional leader to
    their Local District's page, a principal to their school's (None: nowhere, 404)."""
    if reach.region_id is not None:
        region = next((reg for reg in vocab.regions if reg.id == reach.region_id), None)
        return url_for("dashboard.region", code=region.code, **flt.as_args(region="")) if region else None
    if reach.school_id is not None:
        return url_for("main.my_school", **flt.as_args(region="", level=""))
    return None


@bp.route("/")
@allow(*DASHBOARD_READERS)
def district():
    vocab = Vocabulary.load()
    flt = DashboardFilter.from_args(request.args, vocab)
    reach = dashboard_reach(current_user)
    if not reach.district:
        target = landing(reach, vocab, flt)
        if target is None:
            deny(404, "no dashboard within the person's scope")
        return redirect(target)
    return body_page("dashboard/district.html", "dashboard.district", {}, flt, vocab)


@bp.route("/regions/<code>")
@allow(*REGION_DASHBOARD_READERS)
def region(code: str):
    vocab = Vocabulary.load()
    found = vocab.region(code)
    if found is None:
        abort(404)
    if not dashboard_reach(current_user).region(found):
        deny(404, "another region")
    flt = DashboardFilter.from_args(request.args, vocab)
    flt.region = code
    return body_page("dashboard/region.html", "dashboard.region", {"code": code}, flt, vocab)


def school_context(school: School, flt: DashboardFilter, vocab: Vocabulary) -> dict | None:
    cycle = current_cycle()
    if cycle is None:
        return None
    plan = db.session.scalar(select(TargetPlan).where(TargetPlan.cycle_id == cycle.id,
                                                      TargetPlan.school_id == school.id))
    data = suppression.school_for_reader(payloads.school(cycle, school.id, vocab, flt), current_user, school)
    overdue = plan is not None and plan.status.value in r.NOT_SUBMITTED and today() > cycle.due_on
    return {"cycle": cycle, "school": school, "plan": plan, "overdue": overdue, "flt": flt, "vocab": vocab,
            "school_payload": data, "trajectory_names": rd.trajectory_names(),
            "sections": views.school_sections(data, vocab),
            "comparison": compare.school_comparison(cycle, school, vocab, data, today(), current_user)}


def reachable_school(school_id: int | None) -> School:
    """The school, when it exists and its dashboard is within the person's reach (404 otherwise)."""
    school = db.session.get(School, school_id) if school_id is not None else None
    if school is None:
        abort(404)
    if not dashboard_reach(current_user).school(school):
        deny(404, "another school")
    return school


def school_page(school: School, endpoint: str, endpoint_args: dict):
    """A school's dashboard: at /dashboard/schools/<id> in the drill-down, and its principal's /my-school."""
    vocab = Vocabulary.load()
    flt = DashboardFilter.from_args(request.args, vocab)
    flt.region, flt.level = "", ""
    ctx = school_context(school, flt, vocab)
    if ctx is None:
        return render_template("dashboard/no_cycle.html")
    reach = dashboard_reach(current_user)
    # Outside the blueprint (/my-school) its context processor does not run: its helpers go along.
    return page("dashboard/school.html", "dashboard/_school_body.html", endpoint, endpoint_args,
                crumbs={"district": reach.district, "region": reach.region(school.region)}, **helpers(), **ctx)


@bp.route("/schools/<int:school_id>")
@allow(*DASHBOARD_READERS)
def school(school_id: int):
    return school_page(reachable_school(school_id), "dashboard.school", {"school_id": school_id})


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
        school = reachable_school(parse_int(request.args.get("school", "")))
        flt.region, flt.level = "", ""
        ctx = school_context(school, flt, vocab)
        stem = f"{school.code}-{name}"
        builder = tables.SCHOOL_TABLES[name]
    else:
        if name == "schools" and not flt.region:
            abort(404)
        if not dashboard_reach(current_user).region(vocab.region(flt.region) if flt.region else None):
            deny(404, "another region")
        ctx = export_context(flt, vocab, name)
        stem = "-".join(["dashboard", name, *flt.as_args().values()])
        builder = tables.DISTRICT_TABLES[name]
    if ctx is None:
        abort(404)
    _title, columns, rows = builder(ctx)
    return export_response(stem, columns, rows, fmt)
