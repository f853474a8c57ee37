"""Views of the horizontal work: the cycle board with its in-place next steps, the action plan
(initiative) pages with their progress metrics, and starting a check-in. The check-in page and
its stage forms are in check_ins.py.

Views never set a stage: every move goes through progress.check_ins (progress.workflow.CHECK_IN)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.charts.initiative import line_chart
from portal.extensions import db
from portal.kernel import clock, workflow
from portal.kernel.access import allow
from portal.kernel.actions import BadInput, posted_version, refusal_status, safe_next
from portal.kernel.formatting import long_date
from portal.kernel.htmx import is_htmx, render
from portal.kernel.numbers import parse_int
from portal.kernel.policy import CYCLE_READERS, OFFICES, SUPERINTENDENTS, Role
from portal.org.models import Office
from portal.progress import action_plans as plans
from portal.progress import check_ins as svc
from portal.progress.board_updates import fmt
from portal.progress.initiatives import bp, forms
from portal.progress.initiatives import queries as q
from portal.progress.initiatives.queries import CycleFilter
from portal.progress.models import STAGE_NAMES, BoardUpdate, ProgressMetric
from portal.progress.periods import open_on as open_periods
from portal.progress.wording import missing_version
from portal.strategic_plan.models import Pillar, Priority

# ---------------------------------------------------------------- the cycle board

def safe_back() -> str:
    back = safe_next(request.form.get("back", ""))
    return back if back and back.startswith("/cycle") and "//" not in back else url_for("initiatives.cycle")


def _act(draft: BoardUpdate | None):
    return lambda card: q.next_action(card, current_user, draft, url_for)


@bp.route("/cycle")
@allow(*CYCLE_READERS)
def cycle():
    flt = CycleFilter.from_args(request.args)
    columns, waiting = q.board(flt)
    draft = q.latest_draft_update()
    context = {"flt": flt, "columns": columns, "waiting": waiting, "stage_names": STAGE_NAMES,
               "act": _act(draft), "back": request.full_path.rstrip("?"),
               "total": sum(len(c) for c in columns.values()) + len(waiting)}
    if not is_htmx():
        pillars, offices = q.filter_options()
        context.update(pillars=pillars, offices=offices, statuses=q.STATUSES,
                       can_create=current_user.role in OFFICES)
    return render("initiatives/cycle.html", "initiatives/_board.html", **context)


def _chosen_update(raw: str | None) -> BoardUpdate:
    """The Board update the form names; the one being prepared when it names none. A name that is not
    an id (other scripts' digits, a figure) is refused, never read as naming none."""
    update_id = parse_int(raw)
    if update_id is None and (raw or "").strip():
        raise BadInput(_("That Board update could not be found. Reload the page to see the current ones."))
    if update_id is not None:
        update = db.session.get(BoardUpdate, update_id)
        if update is None:
            raise BadInput(_("That Board update could not be found. Reload the page to see the current ones."))
        return update
    update = q.latest_draft_update()
    if update is None:
        raise BadInput(_("No Board update is being prepared. An administrator needs to set one up first."))
    return update


@bp.route("/cycle/check-ins/<int:check_in_id>/advance", methods=["POST"])
@allow(*SUPERINTENDENTS)
def advance(check_in_id: int):
    """The board's in-place next step: accept the data (stage 2) or place in a Board update (stage 3)."""
    check_in = q.check_in_or_404(check_in_id)
    action = request.form.get("action", "")
    back = safe_back()
    label = _("%(plan)s, %(period)s", plan=check_in.initiative.name, period=check_in.period)
    try:
        if action not in ("accept_data", "place"):
            raise BadInput(_("Choose to accept the data or to place the check-in in a Board update."))
        version = posted_version()
        if version is None:
            raise BadInput(missing_version("check-in"))
        if action == "accept_data":
            svc.review(check_in, "accept_data", {}, current_user, version)
            message = _("Accepted the data of %(label)s. It is now at stage 3, waiting for the update with the "
                        "superintendent.", label=label)
            note = _("Data accepted just now.")
        else:
            update = _chosen_update(request.form.get("board_update_id"))
            svc.place(check_in, update, current_user, version)
            message = _("Placed %(label)s in %(update)s.", label=label, update=update.title)
            note = _("Placed just now.")
    except workflow.WorkflowError as exc:
        db.session.rollback()
        status = refusal_status(exc)
        if is_htmx():
            fresh = q.check_in_or_404(check_in_id)
            return render_template("initiatives/_card.html", card=q.card_for(fresh), act=_act(q.latest_draft_update()),
                                   back=back, error=str(exc)), status
        flash(_("%(label)s: %(problem)s", label=label, problem=exc), "error")
        return redirect(back, code=303)
    db.session.commit()
    if is_htmx():
        return render_template("initiatives/_moved.html", card=q.card_for(check_in),
                               act=_act(q.latest_draft_update()), back=back, message=message, note=note)
    flash(message, "success")
    return redirect(back, code=303)


# ---------------------------------------------------------------- an action plan's page

def metric_view(metric: ProgressMetric, series: dict, check_ins: list, values: list) -> dict:
    """One progress metric: its chart and the same figures as a table, period by period."""
    keys = svc.breakdowns(metric, values)
    by_key: dict[str, dict] = {k: {} for k in keys}
    for key, points in series.items():
        for period, as_of, value, _stage, generated in points:
            by_key.setdefault(key, {})[period] = (value, as_of, generated)
    keys = list(by_key)
    rows = []
    for check_in in check_ins:
        cells = [by_key[k].get(check_in.period) for k in keys]
        if any(cells):
            dates = sorted({c[1] for c in cells if c and c[1]})
            rows.append({"check_in": check_in, "cells": [fmt(c[0], metric.unit) if c else "—" for c in cells],
                         "as_of": dates, "generated": any(c[2] for c in cells if c)})
    baselines, targets = metric.baselines or {}, metric.targets or {}
    chart = line_chart([c.period for c in check_ins], {k: {p: v for p, (v, _d, _g) in by_key[k].items()} for k in keys},
                       baselines, targets, metric.unit, fmt, metric.baseline_label or _("Baseline"),
                       metric.target_label or _("Target"))
    return {"metric": metric, "columns": keys, "rows": rows, "chart": chart,
            "baseline_row": [fmt(baselines[k], metric.unit) if baselines.get(k) is not None else "—" for k in keys]
            if baselines else None,
            "target_row": [fmt(targets[k], metric.unit) if targets.get(k) is not None else "—" for k in keys]
            if targets else None}


def metric_typed(metric: ProgressMetric) -> dict:
    return {"name": metric.name, "unit": metric.unit, "direction": metric.direction, "breakdown": metric.breakdown,
            "baselines": forms.format_reference(metric.baselines or {}),
            "targets": forms.format_reference(metric.targets or {}),
            "baseline_label": metric.baseline_label, "target_label": metric.target_label}


def initiative_context(initiative, posted: str = "", typed=None, errors: dict | None = None,
                       problems: list[str] | None = None, version: int | str | None = None) -> dict:
    """The action plan's page. After a refused post, `posted` names the form it came from, `typed`
    is what was typed there, `problems` are shown at that form and `version` is the one it keeps
    (as it was sent; None: the record's current version)."""
    check_ins = list(initiative.check_ins)
    values = svc.initiative_values(initiative)
    series = svc.series(initiative)
    return {
        "initiative": initiative, "check_ins": check_ins,
        "metrics": [metric_view(m, series.get(m.id, {}), check_ins, values) for m in initiative.metrics],
        "can_edit": svc.can_edit_initiative(current_user, initiative),
        "posted": posted, "typed": typed or {}, "errors": errors or {}, "problems": problems or [],
        "posted_version": version, "metric_typed": metric_typed, "units": forms.UNITS, "directions": forms.DIRECTIONS,
        "statuses": q.STATUSES, "open_periods": calendar_choices({c.period for c in check_ins}),
    }


def calendar_choices(taken: set[str]) -> list[tuple[int, str]]:
    """The check-in calendar's periods open today that the action plan has no check-in for yet."""
    return [(p.id, f"{p.name} (last day {long_date(p.due_on)})") for p in open_periods(clock.today())
            if p.name not in taken]


@bp.route("/initiatives/<int:initiative_id>")
@allow(*CYCLE_READERS)
def initiative(initiative_id: int):
    item = q.initiative_or_404(initiative_id)
    return render_template("initiatives/initiative.html", **initiative_context(item))


def _initiative_again(initiative, posted: str, errors: dict, problems: list[str] | None = None,
                      status: int = 422, version: int | str | None = None):
    return render_template("initiatives/initiative.html",
                           **initiative_context(initiative, posted, request.form, errors, problems, version)), status


# ---------------------------------------------------------------- creating and editing an action plan

def _choices() -> dict:
    priorities = db.session.scalars(select(Priority).options(selectinload(Priority.measures),
                                                             selectinload(Priority.pillar))
                                    .order_by(Priority.code)).all()
    return {"priorities": {p.code: p for p in priorities},
            "measures": {m.code: m for p in priorities for m in p.measures},
            "offices": {o.code: o for o in db.session.scalars(select(Office).order_by(Office.name))},
            "pillars": db.session.scalars(select(Pillar).order_by(Pillar.number)).all()}


def _typed_from(source, choices: dict) -> dict:
    """What the form shows: typed values, with checked measures of another Priority moved into the
    extra codes so that changing the Priority loses nothing."""
    priority = choices["priorities"].get((source.get("priority") or "").strip().upper())
    listed = {m.code for m in priority.measures} if priority else set()
    checked = [c.strip().upper() for c in source.getlist("measure")]
    extra = (source.get("extra_measures") or "").strip()
    moved = [c for c in checked if c not in listed and c not in extra.upper()]
    if moved:
        extra = ", ".join(filter(None, [extra, *moved]))
    return {"name": source.get("name", ""), "priority": priority.code if priority else "",
            "description": source.get("description", ""), "measure": [c for c in checked if c in listed],
            "extra_measures": extra, "office": source.get("office", "")}


def _typed_from_initiative(initiative, choices: dict) -> dict:
    listed = {m.code for m in initiative.priority.measures}
    codes = [m.code for m in initiative.measures]
    return {"name": initiative.name, "priority": initiative.priority.code, "description": initiative.description,
            "measure": [c for c in codes if c in listed],
            "extra_measures": ", ".join(c for c in codes if c not in listed), "office": initiative.office.code}


def _form_page(choices: dict, typed: dict, errors: dict | None = None, initiative=None,
               problems: list[str] | None = None, version: int | str | None = None):
    """The action plan form; an htmx request (the Priority changed) gets its measures part alone.
    An edit form keeps `version` (the one it was filled in on), else the plan's current one."""
    template = "initiatives/_measure_choice.html" if is_htmx() and request.method == "GET" else "initiatives/form.html"
    return render_template(template, initiative=initiative, typed=typed, errors=errors or {}, problems=problems or [],
                           version=version if version is not None or initiative is None else initiative.version,
                           is_admin=current_user.role == Role.admin,
                           office_options=[(o.code, o.name) for o in choices["offices"].values()], **choices)


@bp.route("/initiatives/new", methods=["GET", "POST"])
@allow(*OFFICES)
def new():
    choices = _choices()
    if request.method == "GET":
        typed = _typed_from(request.args, choices)
        if not typed["office"] and current_user.office is not None:
            typed["office"] = current_user.office.code
        return _form_page(choices, typed)
    data, errors = forms.read_initiative(request.form, current_user, choices["priorities"], choices["measures"],
                                         choices["offices"])
    if errors:
        return _form_page(choices, _typed_from(request.form, choices), errors), 422
    if data.office is None:  # a central office account without an office cannot own a plan
        return _form_page(choices, _typed_from(request.form, choices),
                          {"office": _("Your account has no office. Ask an administrator to set it.")}), 422
    item = plans.create_initiative(data, current_user)
    db.session.commit()
    flash(_("Created the action plan %(name)s. Add its progress metrics, then start a check-in.", name=item.name),
          "success")
    return redirect(url_for("initiatives.initiative", initiative_id=item.id), code=303)


@bp.route("/initiatives/<int:initiative_id>/edit", methods=["GET", "POST"])
@allow(*OFFICES)
def edit(initiative_id: int):
    item = q.initiative_or_404(initiative_id)
    q.editable_or_403(current_user, item)
    choices = _choices()
    if request.method == "GET":
        typed = _typed_from(request.args, choices) if request.args.get("priority") else \
            _typed_from_initiative(item, choices)
        return _form_page(choices, typed, initiative=item)
    typed = _typed_from(request.form, choices)
    version = posted_version()
    if version is None:  # sent again as it is, it is refused again: the page needs reloading
        return _form_page(choices, typed, initiative=item, problems=[missing_version("action plan")],
                          version=request.form.get("version", "")), 422
    data, errors = forms.read_initiative(request.form, current_user, choices["priorities"], choices["measures"],
                                         choices["offices"])
    if current_user.role != Role.admin:
        data.office = item.office  # an office's plan stays with that office
    # A refused form keeps the version it was filled in on, so sending it again is checked again: its
    # other fields still hold what the page showed before, and would undo the change it was refused for.
    if errors:
        return _form_page(choices, typed, errors, initiative=item, version=version), 422
    try:
        plans.update_initiative(item, data, current_user, version)
    except workflow.WorkflowError as exc:
        db.session.rollback()
        item = q.initiative_or_404(initiative_id)
        return _form_page(choices, typed, initiative=item, problems=[str(exc)], version=version), refusal_status(exc)
    db.session.commit()
    flash(_("Saved the action plan %(name)s.", name=item.name), "success")
    return redirect(url_for("initiatives.initiative", initiative_id=item.id), code=303)


# ---------------------------------------------------------------- progress metrics and new check-ins

@bp.route("/initiatives/<int:initiative_id>/metrics", methods=["POST"])
@allow(*OFFICES)
def add_metric(initiative_id: int):
    item = q.initiative_or_404(initiative_id)
    q.editable_or_403(current_user, item)
    data, errors = forms.read_metric(request.form)
    if errors:
        return _initiative_again(item, "metric-new", errors)
    metric = plans.add_metric(item, data, current_user)
    db.session.commit()
    flash(_("Added the progress metric %(name)s.", name=metric.name), "success")
    return redirect(url_for("initiatives.initiative", initiative_id=item.id) + f"#metric-{metric.id}", code=303)


@bp.route("/initiatives/<int:initiative_id>/metrics/<int:metric_id>", methods=["POST"])
@allow(*OFFICES)
def edit_metric(initiative_id: int, metric_id: int):
    item = q.initiative_or_404(initiative_id)
    q.editable_or_403(current_user, item)
    metric = db.session.get(ProgressMetric, metric_id)
    if metric is None or metric.initiative_id != item.id:
        abort(404)
    posted = f"metric-{metric.id}"
    version = posted_version()
    if version is None:
        return _initiative_again(item, posted, {}, [missing_version("progress metric")],
                                 version=request.form.get("version", ""))
    data, errors = forms.read_metric(request.form)
    if errors:
        return _initiative_again(item, posted, errors, version=version)
    try:
        plans.update_metric(metric, data, current_user, version)
    except workflow.WorkflowError as exc:  # the form keeps its version, as the action plan's does (edit)
        db.session.rollback()
        return _initiative_again(q.initiative_or_404(initiative_id), posted, {}, [str(exc)], refusal_status(exc),
                                 version)
    db.session.commit()
    flash(_("Saved the progress metric %(name)s.", name=metric.name), "success")
    return redirect(url_for("initiatives.initiative", initiative_id=item.id) + f"#metric-{metric.id}", code=303)


@bp.route("/initiatives/<int:initiative_id>/check-ins", methods=["POST"])
@allow(*OFFICES)
def start_check_in(initiative_id: int):
    item = q.initiative_or_404(initiative_id)
    q.editable_or_403(current_user, item)
    period, period_end, errors = forms.read_start(request.form, {c.period for c in item.check_ins})
    if errors:
        return _initiative_again(item, "start", errors)
    check_in = plans.start_check_in(item, period, period_end, current_user)
    if check_in is None:
        db.session.rollback()
        item = q.initiative_or_404(initiative_id)
        return _initiative_again(item, "start", {"period": forms.already_started(period)})
    db.session.commit()
    flash(_("Started the %(period)s check-in. Record the strategy sharing session, then enter the platform update.",
            period=period), "success")
    return redirect(url_for("initiatives.check_in", check_in_id=check_in.id), code=303)

