"""The check-in page: its place in the four stages, the office's values and narrative, the sharing
session, submitting the platform update, data review, the update with the superintendent, and
placing it in a Board update. Every form carries the check-in's version; a stale one answers 409
with who changed it first, and what the person typed is kept.

Views never set a stage: each action goes through progress.check_ins (progress.workflow.CHECK_IN)."""
from collections import Counter

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db
from portal.kernel import clock, workflow
from portal.kernel.access import allow
from portal.kernel.actions import posted_version, refusal_status
from portal.kernel.audit import AuditEvent
from portal.kernel.i18n import N_
from portal.kernel.numbers import parse_int
from portal.kernel.policy import CYCLE_READERS, OFFICES, SUPERINTENDENTS, Role
from portal.progress import check_ins as svc
from portal.progress import evidence_files, readiness
from portal.progress import workflow as check_in_workflow
from portal.progress.board_updates import fmt
from portal.progress.evidence_checks import ACCEPTED, size_text
from portal.progress.initiatives import bp
from portal.progress.initiatives import queries as q
from portal.progress.initiatives.check_in_form import read_check_in
from portal.progress.initiatives.forms import plain_number
from portal.progress.models import BoardUpdate, CheckIn, Progress, Stage
from portal.progress.wording import day, missing_version

ACTIONS = ("edit", "record_sharing", "submit_update", "send_back", "accept_data", "record_superintendent",
           "place", "unplace")
OFFICE_ACTIONS = {"edit", "record_sharing", "submit_update"}
# What each step of a check-in's history did, in the history table.
HISTORY = {"create": N_("Started the check-in"), "edit": N_("Edited values or narrative"),
           "record_sharing": N_("Recorded the sharing session"), "submit_update": N_("Submitted the platform update"),
           "send_back": N_("Sent back to the office"), "accept_data": N_("Accepted the data"),
           "record_superintendent": N_("Recorded the superintendent's update"),
           "place": N_("Placed in a Board update"), "unplace": N_("Taken out of a Board update"),
           "attach_file": N_("Attached an evidence file"), "remove_file": N_("Removed an evidence file")}


def stage_change(event: AuditEvent, stages: dict[str, str]) -> str:
    """The history's "From → to" cell: a move between two stages, or, for a step that leaves the
    check-in in its stage, that it was edited (its figures, when the step changed any)."""
    if event.from_state is not None and event.from_state == event.to_state:
        changes = (event.details or {}).get("changes") or {}
        if event.action == "edit" and any(":" in key for key in changes):  # a figure is "metric:breakdown"
            return _("Edited the figures")
        return _("Edited")
    return f"{stages.get(event.from_state or '', event.from_state or '—')} → " \
           f"{stages.get(event.to_state or '', event.to_state or '—')}"


# Where an error in the summary links to, when the input's id is not the field's name.
FIELD_IDS = {"comment": "send_back_comment"}


class Incomplete(workflow.WorkflowError):
    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def allowed_actions(check_in: CheckIn, user) -> dict[str, bool]:
    office = svc.can_edit_initiative(user, check_in.initiative)
    return {a: check_in_workflow.CHECK_IN.check(check_in, a, user).allowed and (office or a not in OFFICE_ACTIONS)
            for a in ACTIONS}


def value_blocks(check_in: CheckIn) -> list[dict]:
    """The office's form, metric by metric: one row per breakdown (progress.check_ins.breakdowns
    decides the order, so the field names match what read_check_in reads)."""
    every = svc.initiative_values(check_in.initiative)
    blocks = []
    for metric in check_in.initiative.metrics:
        keys = svc.breakdowns(metric, every)
        current = {v.breakdown: v for v in check_in.values if v.metric_id == metric.id}
        earlier = [k for k in svc.breakdowns(metric, every) if k not in keys] if metric.breakdown else []
        blocks.append({"metric": metric, "earlier": earlier, "rows": [
            {"index": i, "key": key, "field": f"value-{metric.id}-{i}", "as_of_field": f"as_of-{metric.id}-{i}",
             "value": current.get(key)} for i, key in enumerate(keys)]})
    return blocks


def field_labels(blocks: list[dict]) -> dict[str, str]:
    """What each value field is, for the error summary: "Tutoring users, High-Dose Tutoring"."""
    labels = {}
    for block in blocks:
        metric = block["metric"]
        for row in block["rows"]:
            labels[row["field"]] = f"{metric.name}, {row['key']}" if row["key"] else metric.name
        if metric.breakdown:
            another = _("%(metric)s, another %(breakdown)s", metric=metric.name, breakdown=metric.breakdown.lower())
            labels[f"value-{metric.id}-new"] = labels[f"new-breakdown-{metric.id}"] = another
    return labels


def default_as_of(check_in: CheckIn):
    """The date the form offers for the values: the one most of them carry, else the period's last day;
    never after today, as the form takes no as-of date that has not come (kernel.dates.HAPPENED)."""
    dates = Counter(v.as_of for v in check_in.values if v.as_of is not None)
    return min(dates.most_common(1)[0][0] if dates else check_in.period_end, clock.today())


def _draft_options(check_in: CheckIn, drafts: list[BoardUpdate]) -> list[tuple[int, str]]:
    """The Board updates a check-in can go into, each saying so when the check-in is from an earlier
    school year than the update's (progress.readiness)."""
    year = readiness.school_year_of(check_in)
    return [(u.id, _("%(title)s (%(date)s): this check-in is from %(year)s, an earlier school year",
                     title=u.title, date=day(u.meeting_date), year=year)
             if readiness.is_earlier(check_in, u.school_year) else f"{u.title} ({day(u.meeting_date)})")
            for u in drafts]


def check_in_context(check_in: CheckIn, posted: str = "", typed=None, errors: dict | None = None,
                     problems: list[str] | None = None, heading: str = "") -> dict:
    typed = typed if typed is not None else {}

    def val(form: str, name: str, default=""):
        """What a field shows: what the person just typed into this form, else the saved value."""
        if posted == form and name in typed:
            return typed.get(name)
        return "" if default is None else default

    blocks = value_blocks(check_in)
    drafts = q.draft_updates()
    placed = list(check_in.board_updates)
    evidence = "\n".join(link["url"] if link.get("label") in ("", link["url"]) else f"{link['label']} | {link['url']}"
                         for link in check_in.evidence or [])
    return {
        "check_in": check_in, "initiative": check_in.initiative, "allowed": allowed_actions(check_in, current_user),
        "blocks": blocks, "as_of_default": default_as_of(check_in),
        "sent_back": q.last_send_back(check_in) if check_in.stage == Stage.sent_back else None,
        "events": svc.history(check_in), "drafts": drafts, "placed": placed,
        "drafts_options": _draft_options(check_in, drafts), "check_in_year": readiness.school_year_of(check_in),
        "earlier": any(readiness.is_earlier(check_in, u.school_year) for u in drafts),
        "removable_options": [(u.id, u.title) for u in placed if not u.published],
        "latest_draft": readiness.preselect(check_in, drafts), "heading": heading, "evidence_text": evidence,
        "status_options": [(p.value, _(p.title)) for p in Progress], "problems": problems or [], "errors": errors or {},
        "posted": posted, "val": val, "field_ids": FIELD_IDS, "field_labels": field_labels(blocks), "fmt": fmt,
        "plain": plain_number, "stages": {s.value: _(s.title) for s in Stage},
        "roles": {r.value: _(r.title) for r in Role}, "actions": {k: _(v) for k, v in HISTORY.items()},
        "submit_problems": svc.submit_problems(check_in),
        "past": workflow.PAST, "stage_change": stage_change,
        "files": [evidence_files.listed(f) for f in check_in.files], "accepted_files": ACCEPTED,
        "max_file_size": size_text(current_app.config["EVIDENCE_FILE_MAX_BYTES"]),
        "may_change_files": evidence_files.may_change_files(check_in, current_user),
    }


@bp.route("/check-ins/<int:check_in_id>")
@allow(*CYCLE_READERS)
def check_in(check_in_id: int):
    item = q.check_in_or_404(check_in_id)
    return render_template("initiatives/check_in.html", **check_in_context(item))


def _again(check_in_id: int, status: int, posted: str, errors: dict | None = None, problems: list | None = None,
           heading: str = ""):
    """The check-in page again after a refused post: the current record, and what was typed."""
    item = q.check_in_or_404(check_in_id)
    return render_template("initiatives/check_in.html",
                           **check_in_context(item, posted, request.form, errors, problems, heading)), status


def _guard(check_in: CheckIn, action: str, version: int) -> None:
    if check_in.version != version:
        raise workflow.ConflictError(check_in_workflow.CHECK_IN.describe_last_change(check_in))
    decision = check_in_workflow.CHECK_IN.check(check_in, action, current_user)
    if not decision.allowed:
        raise workflow.WorkflowError(decision.reason)


def _act(check_in_id: int, action: str, posted: str, run, message, office: bool = False):
    """Load, check scope and version, run the service, and answer: 303 and a message, 422 with
    the errors at their fields, 409 when someone else acted first or the stage does not allow it."""
    item = q.check_in_or_404(check_in_id)
    if office:
        q.editable_or_403(current_user, item.initiative)
    version = posted_version()
    if version is None:
        return _again(check_in_id, 422, posted, problems=[missing_version("check-in")])
    try:
        _guard(item, action, version)
        errors = run(item, version)
    except Incomplete as exc:
        db.session.rollback()
        return _again(check_in_id, 422, posted, problems=exc.problems,
                      heading=_("The platform update cannot be submitted yet"))
    except workflow.WorkflowError as exc:
        db.session.rollback()
        return _again(check_in_id, refusal_status(exc), posted, problems=[str(exc)])
    if errors:
        db.session.rollback()
        return _again(check_in_id, 422, posted, errors=errors)
    db.session.commit()
    flash(message(item), "success")
    return redirect(url_for("initiatives.check_in", check_in_id=item.id), code=303)


def _name(item: CheckIn) -> str:
    return _("%(plan)s, %(period)s", plan=item.initiative.name, period=item.period)


# ---------------------------------------------------------------- the office: stages 1 and 2

def _save_values(item: CheckIn, version: int) -> dict[str, str]:
    """Save the values form; the errors at their fields when it cannot be saved as it is."""
    entry, errors = read_check_in(item, request.form)
    if not errors:
        svc.save_check_in(item, entry, current_user, version)
    return errors


@bp.route("/check-ins/<int:check_in_id>/save", methods=["POST"])
@allow(*OFFICES)
def save_check_in(check_in_id: int):
    return _act(check_in_id, "edit", "values",
                _save_values,
                lambda item: _("Saved the %(period)s check-in.", period=item.period), office=True)


@bp.route("/check-ins/<int:check_in_id>/sharing", methods=["POST"])
@allow(*OFFICES)
def record_sharing(check_in_id: int):
    return _act(check_in_id, "record_sharing", "sharing",
                lambda item, version: svc.record_sharing(item, request.form, current_user, version),
                lambda item: _("Recorded the strategy sharing session of %(date)s.", date=day(item.sharing_date)),
                office=True)


@bp.route("/check-ins/<int:check_in_id>/submit", methods=["POST"])
@allow(*OFFICES)
def submit_check_in(check_in_id: int):
    """Submit the platform update. Sent from the values form it saves what was typed first, so a
    person who types and submits in one go loses nothing."""
    def run(item: CheckIn, version: int):
        saved = False
        if "narrative" in request.form:
            errors = _save_values(item, version)
            if errors:
                return errors
            saved = item.version != version
            if saved:
                db.session.commit()  # what was typed stays saved even if the submission is refused
            version = item.version
        problems = svc.submit_update(item, current_user, version)
        if problems:
            raise Incomplete(([_("Your changes are saved.")] if saved else []) + problems)
        return {}
    return _act(check_in_id, "submit_update", "values", run,
                lambda item: _("Submitted the platform update for %(name)s. It is now at stage 2, data review by the "
                               "superintendent's office.", name=_name(item)), office=True)


# ---------------------------------------------------------------- the superintendent's office: stages 2 to 4

@bp.route("/check-ins/<int:check_in_id>/review", methods=["POST"])
@allow(*SUPERINTENDENTS)
def review_check_in(check_in_id: int):
    action = request.form.get("action", "")
    if action not in ("accept_data", "send_back"):
        return _again(check_in_id, 422, "", problems=[_("Choose to accept the data or to send it back.")])
    posted = "review-accept" if action == "accept_data" else "review-send"

    def run(item: CheckIn, version: int):
        errors = svc.review(item, action, request.form, current_user, version)
        if errors and action == "accept_data":
            return {"review_notes": errors.get("comment", _("Check the review notes."))}
        return errors
    messages = {"accept_data": lambda item: _("Accepted the data of %(name)s. Next: the update with the "
                                              "superintendent (stage 3).", name=_name(item)),
                "send_back": lambda item: _("Sent %(name)s back to %(office)s with your comment.", name=_name(item),
                                            office=item.initiative.office.name)}
    return _act(check_in_id, action, posted, run, messages[action])


@bp.route("/check-ins/<int:check_in_id>/superintendent", methods=["POST"])
@allow(*SUPERINTENDENTS)
def record_superintendent(check_in_id: int):
    return _act(check_in_id, "record_superintendent", "supt",
                lambda item, version: svc.record_superintendent(item, request.form, current_user, version),
                lambda item: _("Recorded the update with the superintendent for %(name)s. It is ready for a Board "
                               "update.", name=_name(item)))


def _board_update(field: str = "board_update_id") -> BoardUpdate | None:
    raw = (request.form.get(field) or "").strip()
    update_id = parse_int(raw)
    return db.session.get(BoardUpdate, update_id) if update_id is not None else None


@bp.route("/check-ins/<int:check_in_id>/place", methods=["POST"])
@allow(*SUPERINTENDENTS)
def place_check_in(check_in_id: int):
    update = _board_update()

    def run(item: CheckIn, version: int):
        if update is None:
            return {"board_update_id": _("Choose the Board update to place this check-in in.")}
        svc.place(item, update, current_user, version)
        return {}
    title = update.title if update is not None else ""  # the message is only shown once placed
    return _act(check_in_id, "place", "place", run,
                lambda item: _("Placed %(name)s in %(update)s.", name=_name(item), update=title))


@bp.route("/check-ins/<int:check_in_id>/unplace", methods=["POST"])
@allow(*SUPERINTENDENTS)
def unplace_check_in(check_in_id: int):
    update = _board_update()

    def run(item: CheckIn, version: int):
        if update is not None and update not in item.board_updates:
            # The Board updates are read after the check-in: someone may have just taken it out.
            db.session.refresh(item)
            if item.version != version:
                raise workflow.ConflictError(check_in_workflow.CHECK_IN.describe_last_change(item))
        if update is None or update not in item.board_updates:
            return {"unplace_board_update_id": _("Choose a Board update this check-in is in.")}
        svc.unplace(item, update, current_user, version)
        return {}
    title = update.title if update is not None else ""  # the message is only shown once taken out
    return _act(check_in_id, "unplace", "unplace", run,
                lambda item: _("Took %(name)s out of %(update)s. It is ready for a Board update again.",
                               name=_name(item), update=title))
