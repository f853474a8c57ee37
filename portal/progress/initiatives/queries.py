"""What the cycle pages read: the board's cards in a fixed number of queries whatever the number
of initiatives, records by id (404 when missing), and the Board updates a check-in can join."""
from dataclasses import dataclass, field

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.kernel import policy
from portal.kernel.access import deny
from portal.kernel.audit import AuditEvent
from portal.kernel.i18n import N_
from portal.kernel.numbers import parse_int
from portal.org.models import Office
from portal.progress import check_ins as svc
from portal.progress import readiness
from portal.progress import workflow as check_in_workflow
from portal.progress.models import BoardUpdate, CheckIn, Initiative, Stage, board_update_check_in
from portal.strategic_plan.models import Pillar, Priority

# English kept as data; the page translates them where it shows them.
STATUSES = {"on_track": N_("On track"), "at_risk": N_("At risk"), "off_track": N_("Off track"),
            "none": N_("No status yet")}


# ---------------------------------------------------------------- records by id

def initiative_or_404(initiative_id: int) -> Initiative:
    """Every office, the superintendent's office and administrators read every initiative."""
    initiative = db.session.get(Initiative, initiative_id)
    if initiative is None:
        abort(404)
    return initiative


def check_in_or_404(check_in_id: int) -> CheckIn:
    check_in = db.session.get(CheckIn, check_in_id)
    if check_in is None:
        abort(404)
    return check_in


def editable_or_403(user, initiative: Initiative) -> None:
    """An office keeps its own action plans; another office's answer 403, never a silent no-op."""
    if not svc.can_edit_initiative(user, initiative):
        deny(403, "another office's action plan")


def draft_updates() -> list[BoardUpdate]:
    """Board updates still being assembled (not published), the next meeting first."""
    return list(db.session.scalars(select(BoardUpdate).where(BoardUpdate.published_at.is_(None))
                                   .order_by(BoardUpdate.meeting_date.desc(), BoardUpdate.id.desc())).all())


def latest_draft_update() -> BoardUpdate | None:
    return db.session.scalars(select(BoardUpdate).where(BoardUpdate.published_at.is_(None))
                              .order_by(BoardUpdate.meeting_date.desc(), BoardUpdate.id.desc()).limit(1)).first()


def last_send_back(check_in: CheckIn) -> AuditEvent | None:
    return db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "check_in", AuditEvent.entity_id == check_in.id, AuditEvent.action == "send_back")
        .options(selectinload(AuditEvent.actor)).order_by(AuditEvent.id.desc()).limit(1)).first()


# ---------------------------------------------------------------- the cycle board


def _pillar(raw: str) -> int | None:
    number = parse_int(raw)
    return number if number is not None and 1 <= number <= 9 else None

@dataclass
class CycleFilter:
    pillar: int | None = None
    office: str = ""
    status: str = ""

    @classmethod
    def from_args(cls, args) -> "CycleFilter":
        raw_pillar = (args.get("pillar") or "").strip()
        status = (args.get("status") or "").strip()
        return cls(pillar=_pillar(raw_pillar),
                   office=(args.get("office") or "").strip()[:40],
                   status=status if status in STATUSES else "")

    def as_args(self, **changes) -> dict:
        values = {"pillar": self.pillar, "office": self.office, "status": self.status, **changes}
        return {k: v for k, v in values.items() if v not in ("", None)}

    @property
    def narrowed(self) -> bool:
        return bool(self.pillar or self.office or self.status)


@dataclass
class Card:
    """One initiative on the board: its current check-in and what the viewer may do next."""

    initiative: Initiative
    check_in: CheckIn | None
    sent_back: str = ""  # the latest send-back comment, when the check-in is sent back
    board_titles: list[str] = field(default_factory=list)

    @property
    def column(self) -> int:
        return self.check_in.stage.number if self.check_in else 0

    @property
    def status_key(self) -> str:
        return self.check_in.status.value if self.check_in and self.check_in.status else "none"


@dataclass
class NextAction:
    kind: str  # accept | place | link | wait
    label: str
    url: str = ""
    board_update: BoardUpdate | None = None


def _initiatives(flt: CycleFilter) -> list[Initiative]:
    stmt = (select(Initiative).join(Priority, Initiative.priority_id == Priority.id)
            .join(Pillar, Priority.pillar_id == Pillar.id).join(Office, Initiative.office_id == Office.id)
            .options(joinedload(Initiative.priority).joinedload(Priority.pillar), joinedload(Initiative.office))
            .order_by(Priority.code, Initiative.name))
    if flt.pillar:
        stmt = stmt.where(Pillar.number == flt.pillar)
    if flt.office:
        stmt = stmt.where(Office.code == flt.office)
    return list(db.session.scalars(stmt).unique().all())


def _extras(check_ins: list[CheckIn]) -> tuple[dict[int, str], dict[int, list[str]]]:
    """The latest send-back comment of each sent-back check-in, and the Board updates of each
    check-in at stage 4: two queries, run every time so the count never depends on the data."""
    sent_back_ids = [c.id for c in check_ins if c.stage == Stage.sent_back]
    comments: dict[int, str] = {}
    for entity_id, comment in db.session.execute(
            select(AuditEvent.entity_id, AuditEvent.comment).where(
                AuditEvent.entity == "check_in", AuditEvent.action == "send_back",
                AuditEvent.entity_id.in_(sent_back_ids)).order_by(AuditEvent.id)):
        comments[entity_id] = comment or ""
    titles: dict[int, list[str]] = {}
    board_ids = [c.id for c in check_ins if c.stage == Stage.board]
    for check_in_id, title in db.session.execute(
            select(board_update_check_in.c.check_in_id, BoardUpdate.title)
            .join(BoardUpdate, BoardUpdate.id == board_update_check_in.c.board_update_id)
            .where(board_update_check_in.c.check_in_id.in_(board_ids)).order_by(BoardUpdate.meeting_date)):
        titles.setdefault(check_in_id, []).append(title)
    return comments, titles


def board(flt: CycleFilter) -> tuple[dict[int, list[Card]], list[Card]]:
    """Cards by stage number (1-4), and the initiatives with no check-in yet."""
    initiatives = _initiatives(flt)
    current = svc.current_check_ins(initiatives)
    comments, titles = _extras(list(current.values()))
    columns: dict[int, list[Card]] = {n: [] for n in (1, 2, 3, 4)}
    waiting: list[Card] = []
    for initiative in initiatives:
        check_in = current.get(initiative.id)
        card = Card(initiative, check_in, comments.get(check_in.id, "") if check_in else "",
                    titles.get(check_in.id, []) if check_in else [])
        if flt.status and card.status_key != flt.status:
            continue
        (columns[card.column] if check_in else waiting).append(card)
    return columns, waiting


def card_for(check_in: CheckIn) -> Card:
    comments, titles = _extras([check_in])
    return Card(check_in.initiative, check_in, comments.get(check_in.id, ""), titles.get(check_in.id, []))


def filter_options() -> tuple[list[Pillar], list[Office]]:
    pillars = db.session.scalars(select(Pillar).order_by(Pillar.number)).all()
    offices = db.session.scalars(select(Office).where(Office.id.in_(select(Initiative.office_id)))
                                 .order_by(Office.name)).all()
    return list(pillars), list(offices)


def next_action(card: Card, user, draft: BoardUpdate | None, url_for) -> NextAction:
    """What this viewer can do next with the card's check-in; in place when it needs no typing."""
    check_in, initiative = card.check_in, card.initiative
    office = svc.can_edit_initiative(user, initiative)
    reviewer = user.role in policy.SUPERINTENDENTS
    if check_in is None:
        if office:
            return NextAction("link", _("Start a check-in"), url_for("initiatives.initiative",
                                                                  initiative_id=initiative.id) + "#start")
        return NextAction("wait", _("Waiting for %(office)s to start a check-in", office=initiative.office.name))
    page = url_for("initiatives.check_in", check_in_id=check_in.id)
    stage = check_in.stage
    if stage == Stage.sharing:
        if office:
            label = _("Record the sharing session") if check_in.sharing_date is None else _("Enter the platform update")
            return NextAction("link", label, page)
        return NextAction("wait", _("Waiting for %(office)s: strategy sharing session", office=initiative.office.name))
    if stage == Stage.sent_back:
        if office:
            return NextAction("link", _("Fix and resubmit the platform update"), page)
        return NextAction("wait", _("Waiting for %(office)s to fix and resubmit", office=initiative.office.name))
    if stage == Stage.data_review:
        if reviewer:
            return NextAction("accept", _("Accept the data"))
        return NextAction("wait", _("Waiting for data review by the superintendent's office"))
    if stage == Stage.superintendent:
        if reviewer:
            return NextAction("link", _("Record the superintendent's update"), page)
        return NextAction("wait", _("Waiting for the update with the superintendent"))
    if stage == Stage.ready:
        return _ready_action(check_in, draft, url_for) if reviewer else NextAction(
            "wait", _("Ready for the next Board update"))
    if reviewer:
        return NextAction("link", _("Open the check-in"), page)
    return NextAction("wait", _("In the update to the Board"))


def _ready_action(check_in: CheckIn, draft: BoardUpdate | None, url_for) -> NextAction:
    """For the superintendent's office, a check-in ready for the Board: placed in the draft in one click
    when it is of the draft's school year (progress.readiness), else chosen on its page; with no draft,
    a Board update prepared for it."""
    if draft is None:
        return NextAction("link", _("Prepare a Board update with this check-in"),
                          url_for("board.updates", check_in=check_in.id) + "#new-update")
    if readiness.is_earlier(check_in, draft.school_year):
        return NextAction("link", _("From %(year)s, an earlier school year: choose its Board update",
                                    year=readiness.school_year_of(check_in)),
                          url_for("initiatives.check_in", check_in_id=check_in.id))
    return NextAction("place", _("Place in %(update)s", update=draft.title), board_update=draft)


def role_may(user, action: str) -> bool:
    """Whether the person's role takes `action` at any stage (the stage itself is checked later)."""
    transitions = check_in_workflow.CHECK_IN.transitions.items()
    return any(user.role in roles for (_, act), (_, roles) in transitions if act == action)


