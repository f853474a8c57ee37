"""What a reviewer reads: the current cycle, the region's queue, completeness per region and
the principals of overdue schools. Every function runs a fixed number of queries."""
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import abort
from sqlalchemy import Select, and_, case, false, func, or_, select

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.access import deny
from portal.kernel.i18n import N_
from portal.kernel.numbers import page_number
from portal.kernel.policy import Role
from portal.org.models import LEVELS, Region, School, User
from portal.org.scope import scoped_to_school
from portal.targets import notices
from portal.targets.models import PlanStatus, TargetCycle, TargetPlan
from portal.targets.operations import NOT_SUBMITTED, due_cutoff

PAGE_SIZE = 50
SORTS = {"school": N_("School"), "status": N_("Status"), "submitted": N_("Submitted"), "updated": N_("Last updated")}
# A reviewer's order of work: what waits for them first, what is finished last.
STATUS_ORDER = [PlanStatus.submitted, PlanStatus.returned, PlanStatus.draft, PlanStatus.not_started,
                PlanStatus.approved]



def plan_or_404(plan_id: int, user) -> TargetPlan:
    """A plan the reviewer may see: any for district roles, their region's for a regional leader."""
    plan = db.session.get(TargetPlan, plan_id)
    if plan is None:
        abort(404)
    if not scoped_to_school(user, plan.school):
        deny(404, "another region's plan")
    return plan


@dataclass
class ReviewFilter:
    status: str = ""
    level: str = ""
    overdue: bool = False
    q: str = ""
    sort: str = "school"
    region: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "ReviewFilter":
        page = page_number(args.get("page"))
        status = args.get("status", "")
        level = args.get("level", "")
        sort = args.get("sort", "school")
        return cls(status=status if status in PlanStatus.__members__ else "",
                   level=level if level in LEVELS else "",
                   overdue=args.get("overdue", "") in ("1", "on", "true", "yes"),
                   q=args.get("q", "").strip()[:100],
                   sort=sort if sort in SORTS else "school",
                   region=args.get("region", "").strip()[:8], page=page)

    def as_args(self, **changes) -> dict:
        values = {"status": self.status, "level": self.level, "overdue": "1" if self.overdue else "",
                  "q": self.q, "sort": self.sort, "region": self.region, "page": self.page, **changes}
        return {k: v for k, v in values.items()
                if v not in ("", None, False) and not (k == "page" and v == 1) and not (k == "sort" and v == "school")}

    @property
    def narrowed(self) -> bool:
        return bool(self.status or self.level or self.overdue or self.q)


def scope_region(user, code: str = "") -> Region | None:
    """The region a list is for: the leader's own; the one a district role picked; None = district."""
    if user.role == Role.regional_leader:
        return user.region
    if code:
        return db.session.scalar(select(Region).where(Region.code == code))
    return None


def cycle_plans(user, cycle: TargetCycle, region: Region | None) -> Select:
    stmt = select(TargetPlan).join(School, TargetPlan.school_id == School.id).where(TargetPlan.cycle_id == cycle.id)
    if user.role == Role.regional_leader:
        stmt = stmt.where(School.region_id == user.region_id)
    elif region is not None:
        stmt = stmt.where(School.region_id == region.id)
    return stmt


def overdue_clause(cycle: TargetCycle):
    """targets.operations.is_overdue in SQL."""
    if clock.today() <= cycle.due_on:
        return false()
    return and_(TargetPlan.status.in_(NOT_SUBMITTED), returned_on_time(cycle) == 0)


def narrowed(user, cycle: TargetCycle, region: Region | None, flt: ReviewFilter) -> Select:
    """The cycle's plans the person may see that match the queue's filters (every page)."""
    stmt = cycle_plans(user, cycle, region)
    if flt.status:
        stmt = stmt.where(TargetPlan.status == PlanStatus(flt.status))
    if flt.level:
        stmt = stmt.where(School.level == flt.level)
    if flt.overdue:
        stmt = stmt.where(overdue_clause(cycle))
    if flt.q:
        stmt = stmt.where(or_(func.lower(School.name).contains(flt.q.lower(), autoescape=True), School.code == flt.q))
    return stmt


def queue_order(flt: ReviewFilter) -> list[Any]:
    """The queue's order for its sort, ending with the plan's id so that ties always fall the same way."""
    orders: dict[str, list[Any]] = {
        "school": [School.name],
        "status": [case({s: i for i, s in enumerate(STATUS_ORDER)}, value=TargetPlan.status), School.name],
        "submitted": [TargetPlan.submitted_at.is_(None), TargetPlan.submitted_at.desc(), School.name],
        "updated": [TargetPlan.updated_at.desc(), School.name],
    }
    return [*orders[flt.sort], TargetPlan.id]


def search_queue(user, cycle: TargetCycle, region: Region | None, flt: ReviewFilter):
    """The page of (plan, school) rows and the total that match the filter."""
    stmt = narrowed(user, cycle, region, flt)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.execute(
        stmt.add_columns(School).order_by(*queue_order(flt))
        .limit(PAGE_SIZE).offset((flt.page - 1) * PAGE_SIZE)
    ).all()
    # Regions for a district-wide list, in one query (the rows' schools are already loaded).
    region_ids = {school.region_id for _, school in rows}
    regions = {r.id: r for r in db.session.scalars(select(Region).where(Region.id.in_(region_ids)))} \
        if region_ids else {}
    return [(plan, school, regions.get(school.region_id)) for plan, school in rows], total


@dataclass
class Completeness:
    plans: int
    submitted: int  # submitted or approved
    approved: int
    overdue: int
    counts: dict

    @property
    def pct_submitted(self) -> float:
        return 100 * self.submitted / self.plans if self.plans else 0.0

    @property
    def pct_approved(self) -> float:
        return 100 * self.approved / self.plans if self.plans else 0.0


# In a plan count: how many returned plans their schools had sent in by the due date (not overdue).
RETURNED_ON_TIME = "returned_on_time"


def returned_on_time(cycle: TargetCycle, submitted_at=TargetPlan.submitted_at, status=TargetPlan.status):
    """1 for a returned plan its school had sent in by the due date, else 0: to sum in a count."""
    return case((and_(status == PlanStatus.returned, submitted_at.is_not(None), submitted_at < due_cutoff(cycle)), 1),
                else_=0)


def plan_counts(plans_stmt: Select, cycle: TargetCycle) -> dict:
    """The plans of `plans_stmt` by status, and how many returned plans were sent in on time."""
    sub = plans_stmt.subquery()
    counts: dict = dict.fromkeys(PlanStatus, 0) | {RETURNED_ON_TIME: 0}
    for status, n, on_time in db.session.execute(
            select(sub.c.status, func.count(), func.sum(returned_on_time(cycle, sub.c.submitted_at, sub.c.status)))
            .group_by(sub.c.status)):
        counts[status] = n
        counts[RETURNED_ON_TIME] += on_time or 0
    return counts


def completeness(counts: dict, cycle: TargetCycle) -> Completeness:
    late = clock.today() > cycle.due_on
    return Completeness(
        plans=sum(counts.get(s, 0) for s in PlanStatus),
        submitted=counts.get(PlanStatus.submitted, 0) + counts.get(PlanStatus.approved, 0),
        approved=counts.get(PlanStatus.approved, 0),
        overdue=sum(counts.get(s, 0) for s in NOT_SUBMITTED) - counts.get(RETURNED_ON_TIME, 0) if late else 0,
        counts={s: counts.get(s, 0) for s in PlanStatus} | {RETURNED_ON_TIME: counts.get(RETURNED_ON_TIME, 0)},
    )


def completeness_by_region(user, cycle: TargetCycle) -> list[tuple[Region, Completeness]]:
    """One row per region the person may see, from one grouped query."""
    regions_stmt = select(Region).order_by(Region.name)
    if user.role == Role.regional_leader:
        regions_stmt = regions_stmt.where(Region.id == user.region_id)
    regions = db.session.scalars(regions_stmt).all()
    grouped: dict[int, dict] = {}
    for region_id, status, n, on_time in db.session.execute(
            select(School.region_id, TargetPlan.status, func.count(), func.sum(returned_on_time(cycle)))
            .join(School, TargetPlan.school_id == School.id)
            .where(TargetPlan.cycle_id == cycle.id, School.region_id.in_([r.id for r in regions]))
            .group_by(School.region_id, TargetPlan.status)):
        region_counts = grouped.setdefault(region_id, {RETURNED_ON_TIME: 0})
        region_counts[status] = n
        region_counts[RETURNED_ON_TIME] += on_time or 0
    return [(r, completeness(grouped.get(r.id, {}), cycle)) for r in regions]


def total(rows: list[tuple[Region, Completeness]], cycle: TargetCycle) -> Completeness:
    counts: dict = {}
    for _, c in rows:
        for key, n in c.counts.items():
            counts[key] = counts.get(key, 0) + n
    return completeness(counts, cycle)


def overdue_principals(cycle: TargetCycle, region: Region) -> Sequence[User]:
    """Active principals of the region's schools whose plans are overdue."""
    return db.session.scalars(
        select(User).join(School, User.school_id == School.id)
        .join(TargetPlan, and_(TargetPlan.school_id == School.id, TargetPlan.cycle_id == cycle.id))
        .where(User.role == Role.principal, User.active.is_(True), School.region_id == region.id,
               overdue_clause(cycle))
        .order_by(User.id)
    ).all()


def remind_overdue(cycle: TargetCycle, region: Region, sender) -> tuple[int, int]:
    """A reminder (a notification, and an e-mail as each chooses) to each overdue principal not already
    reminded of their school's plan today, by anyone, each naming their own school and linking to its plan.

    Returns (reminded now, already reminded today)."""
    principals = overdue_principals(cycle, region)
    told = notices.reviewer_reminder(cycle, principals, sender, clock.today())
    db.session.commit()
    return len(told), len(principals) - len(told)
