"""Who hears of a check-in's move through the four stages, and of a Board update or an annual report
being published, and in what words.

What the superintendent's office decides about a check-in goes to the central office that owns its
action plan (no other office); what waits for the superintendent's office goes to its people; a
published report goes to the Board and the superintendent's office. The person who acted is not told
of their own act. Each is written by notify() in the change's own transaction (the workflows'
announce: progress.workflow.CHECK_IN and progress.publishing), so a change that is rolled back tells
nobody. Each is written in its reader's language (in_each_language)."""
from collections.abc import Callable, Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.formatting import long_date
from portal.kernel.policy import Role
from portal.kernel.urls import page_path
from portal.notifications.outbox import in_each_language, notify
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
    return actor.name if actor is not None else _l("Someone")


def check_in_page(check_in: CheckIn) -> str:
    return page_path("initiatives.check_in", check_in_id=check_in.id)


def named(check_in: CheckIn) -> str:
    """"the Spring 2025 check-in of Reading Tutors": one check-in, as the messages say it."""
    return _("the %(period)s check-in of %(initiative)s", period=check_in.period, initiative=check_in.initiative.name)


def headline(check_in: CheckIn) -> str:
    return _("%(initiative)s, %(period)s", initiative=check_in.initiative.name, period=check_in.period)


# ---------------------------------------------------------------- the check-in workflow's announce

def _to_office(check_in: CheckIn, event: AuditEvent, kind: str, comment: str | None = None) -> None:
    notify(people([Role.central_office], check_in.initiative.office_id, besides=event.actor_id), kind,
           *in_each_language(check_in_words, kind, check_in, event), check_in_page(check_in), comment=comment)


def _to_superintendents(check_in: CheckIn, event: AuditEvent, kind: str) -> None:
    notify(people([Role.superintendent], besides=event.actor_id), kind,
           *in_each_language(check_in_words, kind, check_in, event), check_in_page(check_in))


def check_in_words(kind: str, check_in: CheckIn, event: AuditEvent) -> tuple[str, str]:
    """The subject and body of a check-in's move, in the language in force."""
    subject, body = _WORDS[kind](check_in, event)
    return _("%(what)s: %(check_in)s", what=subject, check_in=headline(check_in)), body


def _sent_back(check_in: CheckIn, event: AuditEvent) -> tuple[str, str]:
    return _("Sent back"), _(
        "%(name)s sent %(check_in)s back to %(office)s at data review, with the comment below. Make the changes it "
        "asks for and submit the platform update again.", name=actor_name(event), check_in=named(check_in),
        office=check_in.initiative.office.name)


def _accepted(check_in: CheckIn, event: AuditEvent) -> tuple[str, str]:
    return _("Data accepted"), _(
        "%(name)s accepted the data of %(check_in)s. It goes on to the update with the superintendent (stage 3); "
        "nothing more is needed from your office for it now.", name=actor_name(event), check_in=named(check_in))


def _placed(check_in: CheckIn, event: AuditEvent) -> tuple[str, str]:
    update = db.session.get(BoardUpdate, (event.details or {}).get("board_update_id", 0))
    if update is None:
        body = _("%(name)s placed %(check_in)s in a Board update.", name=actor_name(event), check_in=named(check_in))
    else:
        body = _("%(name)s placed %(check_in)s in “%(title)s”, for the Board's meeting of %(date)s.",
                 name=actor_name(event), check_in=named(check_in), title=update.title,
                 date=long_date(update.meeting_date))
    return _("Placed in a Board update"), body


def _submitted(check_in: CheckIn, event: AuditEvent) -> tuple[str, str]:
    office, what = check_in.initiative.office.name, named(check_in)
    if event.from_state == Stage.sent_back.value:
        body = _("%(office)s submitted the platform update of %(check_in)s again, after it was sent back. It waits "
                 "for data review (stage 2): accept the data, or send it back with a comment.",
                 office=office, check_in=what)
    else:
        body = _("%(office)s submitted the platform update of %(check_in)s. It waits for data review (stage 2): "
                 "accept the data, or send it back with a comment.", office=office, check_in=what)
    return _("Waiting for data review"), body


def _recorded(check_in: CheckIn, event: AuditEvent) -> tuple[str, str]:
    return _("Ready for a Board update"), _(
        "%(name)s recorded the update with the superintendent on %(check_in)s. It is ready to be placed in a Board "
        "update (stage 4).", name=actor_name(event), check_in=named(check_in))


_WORDS: dict[str, Callable[[CheckIn, AuditEvent], tuple[str, str]]] = {
    "check_in_sent_back": _sent_back, "check_in_accepted": _accepted, "check_in_placed": _placed,
    "check_in_for_review": _submitted, "check_in_for_board": _recorded}
ANNOUNCED: dict[str, Callable[[CheckIn, AuditEvent], None]] = {
    "send_back": lambda c, e: _to_office(c, e, "check_in_sent_back", comment=e.comment),
    "accept_data": lambda c, e: _to_office(c, e, "check_in_accepted", comment=e.comment),  # the review notes
    "place": lambda c, e: _to_office(c, e, "check_in_placed"),
    "submit_update": lambda c, e: _to_superintendents(c, e, "check_in_for_review"),
    "record_superintendent": lambda c, e: _to_superintendents(c, e, "check_in_for_board")}




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
    link = page_path("scorecard.annual_report" if annual else "board.update", update_id=update.id)
    notify(people([Role.board, Role.superintendent], besides=event.actor_id), kind,
           *in_each_language(published_words, update, actor_name(event), annual), link)


def published_words(update: BoardUpdate, actor: str, annual: bool) -> tuple[str, str]:
    if annual:
        what = _("the annual report for %(year)s", year=update.school_year)
    else:
        what = _("the %(kind)s for %(year)s", kind=update.kind.name, year=update.school_year)
    return (_("Published: %(title)s", title=update.title),
            _("%(name)s published “%(title)s”, %(what)s, for the Board's meeting of %(date)s. It is frozen as the "
              "Board reads it.", name=actor, title=update.title, what=what, date=long_date(update.meeting_date)))
