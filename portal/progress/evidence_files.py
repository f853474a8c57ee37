"""Evidence files on a check-in: attaching and removing them (each an audited step of the check-in
workflow, at the stages the office edits the check-in), the list the page and the Board report show, and
who may download one: every reader of the check-in, and a Board member any file frozen in a published
Board update."""
from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.kernel import workflow
from portal.kernel.policy import CYCLE_READERS
from portal.progress import workflow as check_in_workflow
from portal.progress.check_ins import can_edit_initiative, clear_generated
from portal.progress.evidence_checks import CheckedFile, kind_name
from portal.progress.models import BoardUpdate, CheckIn, EvidenceFile, board_update_check_in

MAX_FILES = 20


def in_published_update(check_in: CheckIn) -> bool:
    return any(update.published for update in check_in.board_updates)


def may_change_files(check_in: CheckIn, user) -> bool:
    """The office edits its files while it may edit the check-in, never once a published Board update holds it."""
    return (can_edit_initiative(user, check_in.initiative) and not in_published_update(check_in)
            and check_in_workflow.CHECK_IN.check(check_in, "attach_file", user).allowed)


def _refuse_if_frozen(check_in: CheckIn) -> None:
    if in_published_update(check_in):
        raise workflow.WorkflowError(_("This check-in is in a published Board update; its files can no longer "
                                       "change."))


def attach(check_in: CheckIn, checked: CheckedFile, user, expected_version: int | None) -> dict[str, str]:
    """Keep the file on the check-in as one audited step; the error at the file's field when it may not."""
    _refuse_if_frozen(check_in)
    if len(check_in.files) >= MAX_FILES:
        return {"evidence_file": _("A check-in holds at most %(num)s files. Remove one before attaching another.",
                                   num=MAX_FILES)}
    made = EvidenceFile(name=checked.name, content_type=checked.content_type, size=len(checked.data),
                        sha256=checked.sha256, data=checked.data, uploaded_by_id=user.id)

    def add(obj: CheckIn, now) -> None:
        made.uploaded_at = now
        obj.files.append(made)
        clear_generated(obj, ())
    check_in_workflow.CHECK_IN.apply(check_in, "attach_file", user, expected_version=expected_version,
                                     before_flush=add, comment=checked.name,
                                     details={"file": checked.name, "size": len(checked.data),
                                              "sha256": checked.sha256})
    return {}


def remove(check_in: CheckIn, file: EvidenceFile, user, expected_version: int | None) -> None:
    _refuse_if_frozen(check_in)

    def drop(obj: CheckIn, _now) -> None:
        obj.files.remove(file)
        clear_generated(obj, ())
    check_in_workflow.CHECK_IN.apply(check_in, "remove_file", user, expected_version=expected_version,
                                     before_flush=drop, comment=file.name,
                                     details={"file": file.name, "file_id": file.id, "sha256": file.sha256})


def listed(file: EvidenceFile) -> dict:
    """A file as the page and the Board report list it (a published report keeps exactly this)."""
    return {"id": file.id, "name": file.name, "content_type": file.content_type, "kind": kind_name(file.content_type),
            "size": file.size, "sha256": file.sha256}


def attachments(check_in_ids: list[int]) -> dict[int, list[dict]]:
    """Each check-in's files, oldest first, in one query that leaves their bytes unread."""
    found: dict[int, list[dict]] = {}
    if check_in_ids:
        for file in db.session.scalars(select(EvidenceFile).where(EvidenceFile.check_in_id.in_(check_in_ids))
                                       .order_by(EvidenceFile.id)):
            found.setdefault(file.check_in_id, []).append(listed(file))
    return found


def frozen_for_board(check_in_id: int, file_id: int) -> bool:
    """Whether a published Board update's report lists the file (as it was frozen)."""
    snapshots = db.session.scalars(
        select(BoardUpdate.snapshot).join(board_update_check_in,
                                          board_update_check_in.c.board_update_id == BoardUpdate.id)
        .where(board_update_check_in.c.check_in_id == check_in_id, BoardUpdate.published_at.is_not(None)))
    for snapshot in snapshots:
        for pillar in (snapshot or {}).get("pillars", []):
            for priority in pillar.get("priorities", []):
                for item in priority.get("initiatives", []):
                    if item.get("check_in_id") == check_in_id and any(
                            a.get("id") == file_id for a in item.get("attachments", [])):
                        return True
    return False


def may_download(user, file: EvidenceFile) -> bool:
    return user.role in CYCLE_READERS or frozen_for_board(file.check_in_id, file.id)
