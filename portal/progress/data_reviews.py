"""Priority 4A's data review meetings: which priority schools a person may see, how many meetings
each took part in this school year against the plan's three, and logging a meeting.

Every list here is one query whatever the number of schools."""
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.formatting import long_date
from portal.kernel.i18n import N_
from portal.kernel.numbers import page_number
from portal.kernel.policy import Role
from portal.org.models import Region, School
from portal.progress.models import DataReviewMeeting, data_review_school

# "Implement annually at least three data sessions with designated priority schools" (Measure 4A-3).
SESSIONS_A_YEAR = 3
PAGE_SIZE = 100
TIER_NAMES = {2: N_("Tier 2 (central office)"), 3: N_("Tier 3 (region)")}  # the page translates them
PLAN_START = date(2022, 7, 1)
MAX_CODES = 500


@dataclass(frozen=True)
class SchoolYear:
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.start.year}-{(self.start.year + 1) % 100:02d}"


def school_year(today: date) -> SchoolYear:
    """The school year runs from 1 July to 30 June."""
    first = today.year if today.month >= 7 else today.year - 1
    return SchoolYear(date(first, 7, 1), date(first + 1, 6, 30))


@dataclass
class ReviewFilter:
    tier: int | None = None
    region: str = ""
    below: bool = False
    page: int = 1

    @classmethod
    def from_args(cls, args, user) -> "ReviewFilter":
        tier = args.get("tier", "")
        page = page_number(args.get("page"))
        leader = user.role == Role.regional_leader
        return cls(tier=int(tier) if tier in ("2", "3") and not leader else None,
                   region="" if leader else args.get("region", "").strip()[:8],
                   below=args.get("below", "") in ("1", "on", "true", "yes"), page=page)

    def as_args(self, **changes) -> dict:
        values = {"tier": self.tier or "", "region": self.region, "below": "1" if self.below else "",
                  "page": self.page, **changes}
        return {k: v for k, v in values.items() if v not in ("", None) and not (k == "page" and v == 1)}

    @property
    def narrowed(self) -> bool:
        return bool(self.tier or self.region or self.below)


def in_scope(user):
    """The priority schools a person sees: a regional leader their region's Tier 3 schools; district
    roles every Tier 2 and Tier 3 school."""
    if user.role == Role.regional_leader:
        return and_(School.priority_tier == 3, School.region_id == user.region_id)
    return School.priority_tier.in_(tuple(TIER_NAMES))


def _counted(columns, user, flt: ReviewFilter, year: SchoolYear, region: Region | None):
    meetings = func.count(DataReviewMeeting.id).label("meetings")
    stmt = (select(*columns, meetings)
            .outerjoin(data_review_school, data_review_school.c.school_id == School.id)
            .outerjoin(DataReviewMeeting, and_(DataReviewMeeting.id == data_review_school.c.meeting_id,
                                               DataReviewMeeting.held_on.between(year.start, year.end)))
            .where(in_scope(user)))
    if flt.tier:
        stmt = stmt.where(School.priority_tier == flt.tier)
    if region is not None:
        stmt = stmt.where(School.region_id == region.id)
    return stmt, meetings


def school_counts(user, flt: ReviewFilter, year: SchoolYear, region: Region | None) -> tuple[list, dict]:
    """A page of (school, region, meetings this year) and the totals for the whole filter: 2 queries."""
    stmt, meetings = _counted([School.id], user, flt, year, region)
    per_school = stmt.group_by(School.id).subquery()
    total, met = db.session.execute(select(
        func.count(), func.coalesce(func.sum(case((per_school.c.meetings >= SESSIONS_A_YEAR, 1), else_=0)), 0))
        .select_from(per_school)).one()
    summary = {"schools": total, "met": int(met), "below": total - int(met)}
    stmt, meetings = _counted([School, Region], user, flt, year, region)
    stmt = stmt.join(Region, School.region_id == Region.id).group_by(School.id, Region.id)
    if flt.below:
        stmt = stmt.having(meetings < SESSIONS_A_YEAR)
    rows = db.session.execute(stmt.order_by(Region.name, School.name, School.id)
                              .limit(PAGE_SIZE).offset((flt.page - 1) * PAGE_SIZE)).all()
    summary["found"] = summary["below"] if flt.below else total
    summary["pages"] = max(1, -(-summary["found"] // PAGE_SIZE))
    return list(rows), summary


def count_text(n: int) -> str:
    """Meetings against the plan's three, in words: '2 of 3', 'Met: 4 of 3'."""
    if n >= SESSIONS_A_YEAR:
        return _("Met: %(n)s of %(needed)s", n=n, needed=SESSIONS_A_YEAR)
    return _("%(n)s of %(needed)s", n=n, needed=SESSIONS_A_YEAR)


def meetings_this_year(user, year: SchoolYear) -> list:
    """(meeting, region, number of schools), newest first. A regional leader sees their region's
    meetings and any other meeting one of their schools took part in."""
    schools = (select(func.count()).where(data_review_school.c.meeting_id == DataReviewMeeting.id)
               .scalar_subquery())
    stmt = (select(DataReviewMeeting, Region, schools)
            .outerjoin(Region, DataReviewMeeting.region_id == Region.id)
            .where(DataReviewMeeting.held_on.between(year.start, year.end)))
    if user.role == Role.regional_leader:
        theirs = (select(data_review_school.c.meeting_id)
                  .join(School, School.id == data_review_school.c.school_id)
                  .where(data_review_school.c.meeting_id == DataReviewMeeting.id, in_scope(user)).exists())
        stmt = stmt.where(or_(and_(DataReviewMeeting.held_by == "regional",
                                   DataReviewMeeting.region_id == user.region_id), theirs))
    return list(db.session.execute(stmt.order_by(DataReviewMeeting.held_on.desc(), DataReviewMeeting.id.desc())).all())


# ---------------------------------------------------------------- logging a meeting

def hosts_for(user) -> list[str]:
    """Who can have held a meeting this person logs: leaders log their region's, the
    superintendent's office central ones, central offices and administrators either."""
    if user.role == Role.regional_leader:
        return ["regional"]
    if user.role == Role.superintendent:
        return ["central"]
    return ["central", "regional"]


def parse_codes(text: str) -> list[str]:
    """School codes one a line or separated by commas (or spaces), each once, in the order typed."""
    seen: dict[str, None] = {}
    for code in re.split(r"[\s,;]+", text or ""):
        if code:
            seen.setdefault(code[:20], None)
    return list(seen)


def _names(schools: list[School]) -> str:
    return ", ".join(f"{s.code} ({s.name}, {s.region.name})" for s in schools)


def log_meeting(form, user, today: date) -> DataReviewMeeting | None:
    """Check a MeetingForm (after its own field checks) and add the meeting with its audit event; or
    put every reason at its field, add nothing and return None. The view commits."""
    hosts = hosts_for(user)
    held_by = hosts[0] if len(hosts) == 1 else form.held_by.data
    region = _host_region(form, user, held_by)
    _check_held_on(form, today)
    schools = _participants(form, user, region)
    if form.errors:
        return None
    held_on = form.held_on.data
    meeting = DataReviewMeeting(held_on=held_on, held_by=held_by, region_id=region.id if region else None,
                                notes=(form.notes.data or "").strip(), created_by_id=user.id, schools=schools)
    db.session.add(meeting)
    db.session.flush()
    db.session.add(AuditEvent(entity="data_review_meeting", entity_id=meeting.id, action="create",
                              to_state=held_by, actor_id=user.id, actor_role=user.role.value,
                              details={"held_on": held_on.isoformat(), "held_by": held_by,
                                       "region": region.code if region else None,
                                       "schools": [s.code for s in schools]}))
    db.session.flush()
    return meeting


def _host_region(form, user, held_by: str) -> Region | None:
    if user.role == Role.regional_leader:
        return user.region
    if held_by != "regional":
        return None
    code = form.region.data or ""
    region = db.session.scalar(select(Region).where(Region.code == code)) if code else None
    if region is None:
        form.region.errors.append(_("Choose the region that held the meeting."))
    return region


def _check_held_on(form, today: date) -> None:
    held_on = form.held_on.data
    if held_on is None:
        return  # the form has already said to enter the date
    if held_on > today:
        form.held_on.errors.append(_("That date has not come yet. Log a meeting once it has been held."))
    elif held_on < PLAN_START:
        form.held_on.errors.append(_("Data review meetings began with the Strategic Plan: enter a date from "
                                     "%(date)s.", date=long_date(PLAN_START)))


def _participants(form, user, region: Region | None) -> list[School]:
    """The schools the form names, each checked against who may log it; errors at the schools field."""
    codes = parse_codes(form.schools.data)
    if not codes and not form.schools.errors:
        form.schools.errors.append(_("Enter the codes of the schools that took part."))
    elif len(codes) > MAX_CODES:
        form.schools.errors.append(_("Enter at most %(num)s schools for one meeting.", num=MAX_CODES))
        codes = []
    found = {s.code: s for s in db.session.scalars(
        select(School).where(School.code.in_(codes)).options(joinedload(School.region)))} if codes else {}
    unknown = [c for c in codes if c not in found]
    if unknown:
        form.schools.errors.append(_("No school has the code %(codes)s. Check the codes and try again.",
                                     codes=", ".join(unknown)))
    schools = [found[c] for c in codes if c in found]
    if user.role == Role.regional_leader:
        outside = [s for s in schools if s.region_id != user.region_id or s.priority_tier != 3]
        if outside:
            form.schools.errors.append(_("Not Tier 3 priority schools of %(region)s, so you cannot log them: "
                                         "%(schools)s.", region=user.region.name, schools=_names(outside)))
        return schools
    outside = [s for s in schools if s.priority_tier not in TIER_NAMES]
    if outside:
        form.schools.errors.append(_("Not priority schools (Tier 2 or Tier 3): %(schools)s.", schools=_names(outside)))
    if region is not None:
        elsewhere = [s for s in schools if s.region_id != region.id and s not in outside]
        if elsewhere:
            form.schools.errors.append(_("A meeting held by %(region)s takes that region's schools; these are in "
                                         "other regions: %(schools)s.", region=region.name, schools=_names(elsewhere)))
    return schools
