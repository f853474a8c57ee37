"""A check-in's evidence files: the office attaches one (a plain multipart form, answered with a 303
back to the check-in, or the page again with the error at the file's field) and removes one while it
may edit the check-in; its readers download one, always as an attachment of the type recognised from
its bytes."""
import io

from flask import abort, current_app, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from portal.extensions import db
from portal.kernel.access import allow, deny
from portal.kernel.policy import OFFICES, PROGRESS_READERS
from portal.kernel.uploads import answers_too_large
from portal.progress import evidence_files as ev
from portal.progress.evidence_checks import check_upload, size_text
from portal.progress.initiatives import bp
from portal.progress.initiatives.check_ins import _act, check_in_context
from portal.progress.models import CheckIn, EvidenceFile

FIELD = "evidence_file"


def _limit() -> int:
    return current_app.config["EVIDENCE_FILE_MAX_BYTES"]


def _too_large(check_in_id: int, **_args):
    """A body past the size limit: the check-in page with the error at the file's field (nothing kept)."""
    item = db.session.get(CheckIn, check_in_id)
    if item is None:
        return None
    problem = _("This file is larger than %(size)s. Attach a smaller one.", size=size_text(_limit()))
    return render_template("initiatives/check_in.html", **check_in_context(item, "files", {}, {FIELD: problem})), 413


def _file_or_404(check_in_id: int, file_id: int) -> EvidenceFile:
    found = db.session.get(EvidenceFile, file_id)
    if found is None or found.check_in_id != check_in_id:
        abort(404)
    return found


@bp.route("/check-ins/<int:check_in_id>/files", methods=["POST"])
@allow(*OFFICES)
@answers_too_large(_too_large)
def attach_file(check_in_id: int):
    def run(item: CheckIn, version: int) -> dict[str, str]:
        upload = request.files.get(FIELD)
        if upload is None or not upload.filename:
            return {FIELD: _("Choose a file to attach.")}
        checked, problem = check_upload(upload.filename, upload.stream.read(_limit() + 1), _limit())
        if problem or checked is None:
            return {FIELD: problem or _("Choose a file to attach.")}
        return ev.attach(item, checked, current_user, version)
    return _act(check_in_id, "attach_file", "files", run,
                lambda item: _("Attached “%(name)s” to the check-in.", name=item.files[-1].name), office=True)


@bp.route("/check-ins/<int:check_in_id>/files/<int:file_id>/remove", methods=["POST"])
@allow(*OFFICES)
def remove_file(check_in_id: int, file_id: int):
    found = _file_or_404(check_in_id, file_id)
    name = found.name

    def run(item: CheckIn, version: int) -> dict[str, str]:
        ev.remove(item, found, current_user, version)
        return {}
    return _act(check_in_id, "remove_file", "files", run,
                lambda item: _("Removed “%(name)s” from the check-in.", name=name), office=True)


@bp.route("/check-ins/<int:check_in_id>/files/<int:file_id>")
@allow(*PROGRESS_READERS)
def evidence_file(check_in_id: int, file_id: int):
    """Always a download, never shown in the page: a file can hold anything its bytes began as."""
    found = _file_or_404(check_in_id, file_id)
    if not ev.may_download(current_user, found):
        deny(404, "an evidence file the Board was not given")
    response = send_file(io.BytesIO(found.data), mimetype=found.content_type, as_attachment=True,
                         download_name=found.name, max_age=0, etag=found.sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"  # people's reports: never in a shared cache
    return response
