"""Who hears of a check-in's move through the four stages, and of a Board update or an annual report
being published, and in what words.

What the superintendent's office decides about a check-in goes to the central office that owns its
action plan (no other office); what waits for the superintendent's office goes to its people; a
published report goes to the Board and the superintendent's office. The person who acted is not told
of their own act. Each is written by notify() in the change's own transaction (the workflows'
announce: progress.workflow.CHECK_IN and progress.publishing), so a change that is rolled back tells
nobody."""
from collections.abc import Callable, Iterable

from sqlalchemy import select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.formatting import long_date
from portal.kernel.policy import Role
from portal.kernel.urls import page_path
from portal.notifications.outbox import notify
from portal.org.models import User
from portal.progress.models import BoardUpdate, CheckIn, Stage


def people(roles: Iterable[Role], office_id: int | None = None, besides: int | None = None) -> list[User]:
    """The active people of these roles (of one office, when given), but not `besides` (who acted)."""
    stmt = select(User).where(User.role.in_(list(roles)), User.active.is_(True))
    if office_id is not None:
        stmt = stmt.where(User.office_id == office_id)
    if besides is not None:
        stmt = stmt.where(User.id != besides)
    return list(db.session.scalars(stmt.order_by(User.id)))


def actor_name(event: AuditEvent) -> str:
    """Who acted. The event is not yet flushed, so its actor is read by id (already in the session)."""
    actor = event.actor or (db.session.get(User, event.actor_id) if event.actor_id else None)
    return actor.name if actor is not None else "Someone"


def check_in_page(check_in: CheckIn) -> str:
    return page_path("initiatives.check_in", check_in_id=check_in.id)


def named(check_in: CheckIn) -> str:
    """"the Spring 2025 check-in of Reading Tutors": one check-in, as the messages say it."""
    return f"the {check_in.period} check-in of {check_in.initiative.name}"


def headline(check_in: CheckIn) -> str:
    return f"{check_in.initiative.name}, {check_in.period}"


# ---------------------------------------------------------------- the check-in workflow's announce

def _to_office(check_in: CheckIn, event: AuditEvent, kind: str, subject: str, body: str,
               comment: str | None = None) -> None:
    notify(people([Role.central_office], check_in.initiative.office_id, besides=event.actor_id), kind,
           f"{subject}: {headline(check_in)}", body, check_in_page(check_in), comment=comment)


def _to_superintendents(check_in: CheckIn, event: AuditEvent, kind: str, subject: str, body: str) -> None:
    notify(people([Role.superintendent], besides=event.actor_id), kind, f"{subject}: {headline(check_in)}", body,
           check_in_page(check_in))


def _sent_back(check_in: CheckIn, event: AuditEvent) -> None:
    _to_office(check_in, event, "check_in_sent_back", "Sent back",
               f"{actor_name(event)} sent {named(check_in)} back to {check_in.initiative.office.name} at data "
               "review, with the comment below. Make the changes it asks for and submit the platform update again.",
               comment=event.comment)


def _accepted(check_in: CheckIn, event: AuditEvent) -> None:
    _to_office(check_in, event, "check_in_accepted", "Data accepted",
               f"{actor_name(event)} accepted the data of {named(check_in)}. It goes on to the update with the "
               "superintendent (stage 3); nothing more is needed from your office for it now.",
               comment=event.comment)  # the review notes, when they wrote any


def _placed(check_in: CheckIn, event: AuditEvent) -> None:
    update = db.session.get(BoardUpdate, (event.details or {}).get("board_update_id", 0))
    where = f"“{update.title}”, for the Board's meeting of {long_date(update.meeting_date)}" \
        if update is not None else "a Board update"
    _to_office(check_in, event, "check_in_placed", "Placed in a Board update",
               f"{actor_name(event)} placed {named(check_in)} in {where}.")


def _submitted(check_in: CheckIn, event: AuditEvent) -> None:
    again = " again, after it was sent back" if event.from_state == Stage.sent_back.value else ""
    _to_superintendents(check_in, event, "check_in_for_review", "Waiting for data review",
                        f"{check_in.initiative.office.name} submitted the platform update of {named(check_in)}"
                        f"{again}. It waits for data review (stage 2): accept the data, or send it back with a "
                        "comment.")


def _recorded(check_in: CheckIn, event: AuditEvent) -> None:
    _to_superintendents(check_in, event, "check_in_for_board", "Ready for a Board update",
                        f"{actor_name(event)} recorded the update with the superintendent on {named(check_in)}. "
                        "It is ready to be placed in a Board update (stage 4).")


ANNOUNCED: dict[str, Callable[[CheckIn, AuditEvent], None]] = {
    "send_back": _sent_back, "accept_data": _accepted, "place": _placed, "submit_update": _submitted,
    "record_superintendent": _recorded}


def announce_check_in(check_in: CheckIn, event: AuditEvent) -> None:
    """The check-in workflow's announce: tell the people a move concerns (edits and records tell nobody)."""
    tell = ANNOUNCED.get(event.action)
    if tell is not None:
        tell(check_in, event)


# ---------------------------------------------------------------- publishing

def published(update: BoardUpdate, event: AuditEvent, kind: str) -> None:
    """The publishing workflows' announce: the Board and the superintendent's office may read the
    report (`kind` board_update_published or annual_report_published, by which report it is)."""
    annual = kind == "annual_report_published"
    what = f"the {'annual report' if annual else update.kind.name} for {update.school_year}"
    link = page_path("scorecard.annual_report" if annual else "board.update", update_id=update.id)
    notify(people([Role.board, Role.superintendent], besides=event.actor_id), kind, f"Published: {update.title}",
           f"{actor_name(event)} published “{update.title}”, {what}, for the Board's meeting of "
           f"{long_date(update.meeting_date)}. It is frozen as the Board reads it.", link)
