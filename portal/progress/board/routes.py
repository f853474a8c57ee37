"""Board update views: the calendar and list, creating a draft, the report (frozen once published),
placing check-ins and publishing; and Priority 4A's data review meetings.

Views never set a stage or publish by hand: placing goes through progress.check_ins (the
check-in workflow) and publishing through progress.publishing, which freezes the report."""
import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal.extensions import db
from portal.kernel import workflow
from portal.kernel.access import allow, deny
from portal.kernel.actions import form_int
from portal.kernel.clock import today
from portal.kernel.formatting import long_date
from portal.kernel.htmx import is_htmx, render
from portal.kernel.policy import DATA_REVIEWERS, PROGRESS_READERS, SUPERINTENDENTS, Role
from portal.org.models import Region
from portal.progress import board_updates as board_svc
from portal.progress import check_ins as checkin_svc
from portal.progress import data_reviews as rv
from portal.progress import documents, readiness
from portal.progress.board import bp
from portal.progress.board import documents as board_documents
from portal.progress.board import updates as up
from portal.progress.board.forms import BoardUpdateForm, MeetingForm
from portal.progress.board.report import present
from portal.progress.models import CheckIn
from portal.progress.wording import missing_version

# ---------------------------------------------------------------- the calendar and list

def _update_form(check_in: CheckIn | None = None) -> BoardUpdateForm:
    """The create form; for a check-in ready for the Board, prefilled for it (progress.board.updates)."""
    form = BoardUpdateForm(**(up.prefill_for(check_in) if check_in is not None else {}))
    form.kind.choices = [SelectChoice("", _("Choose a kind"))] + [
        SelectChoice(k.code, f"{k.name} ({k.season})") for k in up.kinds()]
    return form


def _updates_page(form: BoardUpdateForm | None, status: int = 200, check_in: CheckIn | None = None,
                  problem: str = ""):
    year = rv.school_year(today())
    listed = up.visible_updates(current_user)
    this_year = {row["record"].kind_code: row["record"] for row in listed
                 if row["record"].school_year == year.label}
    return render_template("board/updates.html", kinds=up.kinds(), updates=listed, this_year=this_year,
                           year=year, form=form, can_edit=up.can_edit(current_user), long_date=long_date,
                           check_in=check_in, check_in_version=form_int("check_in_version") or
                           (check_in.version if check_in is not None else None), problem=problem), status


@bp.route("/board-updates")
@allow(*PROGRESS_READERS)
def updates():
    if not up.can_edit(current_user):
        return _updates_page(None)
    check_in = up.ready_check_in(request.args.get("check_in"))
    return _updates_page(_update_form(check_in), check_in=check_in)


@bp.route("/board-updates", methods=["POST"])
@allow(*SUPERINTENDENTS)
def create_update():
    """Create a draft; prepared from a check-in's page, it also places that check-in in the new draft."""
    form = _update_form()
    check_in = up.ready_check_in(request.form.get("check_in_id"))
    form.validate_on_submit()
    update = up.create_update(form, current_user)
    if update is None:
        db.session.rollback()
        return _updates_page(form, 422, check_in)
    if check_in is not None:
        try:
            checkin_svc.place(check_in, update, current_user, form_int("check_in_version"))
        except workflow.WorkflowError as exc:
            db.session.rollback()
            return _updates_page(form, 409 if isinstance(exc, workflow.ConflictError) else 422, check_in, str(exc))
    db.session.commit()
    if check_in is not None:
        flash(_("Created the draft “%(title)s” with %(plan)s (%(period)s) in it. Place any other check-ins that are "
                "ready for the Board, then publish it.", title=update.title, plan=check_in.initiative.name,
                period=check_in.period), "success")
    else:
        flash(_("Created the draft “%(title)s”. Place the check-ins that are ready for the Board, then publish it.",
                title=update.title), "success")
    return redirect(url_for("board.update", update_id=update.id), code=303)


# ---------------------------------------------------------------- one update: the report

def _update_context(update, problem: str = "", message: str = "", confirm_error: str = "") -> dict:
    editing = up.can_edit(current_user) and not update.published
    return {
        "update": update, "report": present(board_svc.report_for(update)), "editing": editing,
        "ready": readiness.ready_for_board(update.school_year) if editing else [],
        "placed": up.placed_check_ins(update) if editing else [], "today": today(),
        "problem": problem, "message": message, "confirm_error": confirm_error, "long_date": long_date,
        "documents": documents.of(update),
    }


def _show(update, status: int = 200, problem: str = "", message: str = "", confirm_error: str = ""):
    return render("board/update.html", "board/_update_body.html",
                  **_update_context(update, problem, message, confirm_error)), status


@bp.route("/board-updates/<int:update_id>")
@allow(*PROGRESS_READERS)
def update(update_id: int):
    found = up.update_or_404(update_id, current_user)
    if found.kind_code == "annual_report":  # annual reports are assembled by the scorecard
        return redirect(url_for("scorecard.annual_report", update_id=found.id))
    return _show(found)


def _refused(update_id: int, exc: workflow.WorkflowError):
    db.session.rollback()
    status = 409 if isinstance(exc, workflow.ConflictError) else 422
    return _show(up.update_or_404(update_id, current_user), status, problem=str(exc))


def _done(update, message: str):
    db.session.commit()
    if is_htmx():
        return _show(update, message=message)
    flash(message, "success")
    return redirect(url_for("board.update", update_id=update.id), code=303)


def _posted_check_in() -> tuple[CheckIn | None, int | None, str]:
    check_in = db.session.get(CheckIn, form_int("check_in_id") or 0)
    version = form_int("version")
    if check_in is None:
        return None, None, _("Choose a check-in from the list on this page.")
    if version is None:
        return None, None, missing_version()
    return check_in, version, ""


@bp.route("/board-updates/<int:update_id>/place", methods=["POST"])
@allow(*SUPERINTENDENTS)
def place(update_id: int):
    update = up.update_or_404(update_id, current_user)
    check_in, version, problem = _posted_check_in()
    if check_in is None or version is None:
        return _show(update, 422, problem=problem)
    try:
        checkin_svc.place(check_in, update, current_user, version)
    except workflow.WorkflowError as exc:
        return _refused(update_id, exc)
    return _done(update, _("Placed %(plan)s (%(period)s) in this update.", plan=check_in.initiative.name,
                           period=check_in.period))


@bp.route("/board-updates/<int:update_id>/unplace", methods=["POST"])
@allow(*SUPERINTENDENTS)
def unplace(update_id: int):
    update = up.update_or_404(update_id, current_user)
    check_in, version, problem = _posted_check_in()
    if check_in is not None and not problem and not update.published and update not in check_in.board_updates:
        problem = _("That check-in is not in this Board update.")
    if check_in is None or version is None or problem:
        return _show(update, 422, problem=problem)
    try:
        checkin_svc.unplace(check_in, update, current_user, version)
    except workflow.WorkflowError as exc:
        return _refused(update_id, exc)
    return _done(update, _("Took %(plan)s (%(period)s) out of this update. It is ready for the Board again.",
                           plan=check_in.initiative.name, period=check_in.period))


@bp.route("/board-updates/<int:update_id>/publish", methods=["POST"])
@allow(*SUPERINTENDENTS)
def publish(update_id: int):
    update = up.update_or_404(update_id, current_user)
    version = form_int("version")
    if version is None:
        return _show(update, 422, problem=missing_version())
    if update.kind_code == "annual_report":
        return _show(update, 422, problem=_("Publish an annual report from its own page, where it is assembled."))
    # Publishing cannot be undone: the person says so first (a published one is refused as such below).
    if not update.published and request.form.get("confirm") != "yes":
        return _show(update, 422, confirm_error=_("Check the box to confirm you want to freeze and publish this "
                                                  "report. Nothing was published."))
    try:
        board_svc.publish(update, current_user, version, board_documents.render)
    except workflow.WorkflowError as exc:
        return _refused(update_id, exc)
    return _done(update, _("Published “%(title)s”. The report is frozen as the Board sees it now.", title=update.title))


@bp.route("/board-updates/<int:update_id>/report.pdf")
@allow(*PROGRESS_READERS)
def report_pdf(update_id: int):
    return _document(update_id, documents.PDF)


@bp.route("/board-updates/<int:update_id>/report.pptx")
@allow(*PROGRESS_READERS)
def report_pptx(update_id: int):
    return _document(update_id, documents.DECK)


def _document(update_id: int, kind: str):
    """The PDF or deck stored when the update (or annual report) was published: whoever may read the report."""
    update = up.update_or_404(update_id, current_user)
    if not update.published:
        deny(404, "the documents of a report not yet published")
    stored = documents.one(update, kind)
    if stored is None:
        abort(404)
    response = send_file(io.BytesIO(stored.content), mimetype=documents.MIME[kind], as_attachment=True,
                         download_name=documents.filename(update, kind), etag=stored.sha256, max_age=0)
    response.headers["X-Content-SHA256"] = stored.sha256
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# ---------------------------------------------------------------- data review meetings (Priority 4A)

def _meeting_form() -> MeetingForm:
    form = MeetingForm()
    hosts = rv.hosts_for(current_user)
    if len(hosts) == 1:
        del form.held_by
    if hosts != ["central", "regional"]:
        del form.region
    else:
        form.region.choices = [SelectChoice("", _("Choose a region"))] + [
            SelectChoice(r.code, r.name) for r in db.session.scalars(select(Region).order_by(Region.name))]
    return form


def _reviews_page(form: MeetingForm, status: int = 200):
    flt = rv.ReviewFilter.from_args(request.args, current_user)
    year = rv.school_year(today())
    leader = current_user.role == Role.regional_leader
    regions = [] if leader else db.session.scalars(select(Region).order_by(Region.name)).all()
    region = current_user.region if leader else next((r for r in regions if r.code == flt.region), None)
    if not leader and region is None:
        flt.region = ""
    rows, summary = rv.school_counts(current_user, flt, year, region)
    context = {"flt": flt, "year": year, "rows": rows, "summary": summary, "regions": regions, "leader": leader,
               "region": region, "tiers": rv.TIER_NAMES, "count_text": rv.count_text, "needed": rv.SESSIONS_A_YEAR,
               "long_date": long_date}
    if is_htmx() and request.method == "GET":
        return render_template("board/_review_results.html", **context), status
    return render_template("board/data_reviews.html", form=form, meetings=rv.meetings_this_year(current_user, year),
                           hosts=rv.hosts_for(current_user), today=today(), **context), status


@bp.route("/data-reviews")
@allow(*DATA_REVIEWERS)
def data_reviews():
    return _reviews_page(_meeting_form())


@bp.route("/data-reviews", methods=["POST"])
@allow(*DATA_REVIEWERS)
def log_meeting():
    form = _meeting_form()
    form.validate_on_submit()
    meeting = rv.log_meeting(form, current_user, today())
    if meeting is None:
        db.session.rollback()
        return _reviews_page(form, 422)
    db.session.commit()
    n = len(meeting.schools)
    flash(ngettext("Logged the data review meeting of %(date)s with %(num)s school.",
                   "Logged the data review meeting of %(date)s with %(num)s schools.", n,
                   date=long_date(meeting.held_on)), "success")
    return redirect(url_for("board.data_reviews"), code=303)
