"""School queries, scoped to what the person may see."""
from dataclasses import dataclass

from sqlalchemy import Select, false, func, or_, select

from portal.extensions import db
from portal.kernel.numbers import page_number
from portal.kernel.policy import DISTRICT_WIDE, Role
from portal.org.models import Region, School

PAGE_SIZE = 50


def visible_schools(user) -> Select:
    """Schools this person may list: the whole district, their region, or their own school."""
    stmt = select(School)
    if user.role == Role.regional_leader:
        stmt = stmt.where(School.region_id == user.region_id)
    elif user.role == Role.principal:
        stmt = stmt.where(School.id == user.school_id)
    elif user.role not in DISTRICT_WIDE:
        stmt = stmt.where(false())
    return stmt


@dataclass
class SchoolFilter:
    q: str = ""
    level: str = ""
    region: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "SchoolFilter":
        page = page_number(args.get("page"))
        return cls(q=args.get("q", "").strip()[:100], level=args.get("level", ""),
                   region=args.get("region", ""), page=page)

    def as_args(self, **changes) -> dict:
        values = {"q": self.q, "level": self.level, "region": self.region, "page": self.page, **changes}
        return {k: v for k, v in values.items() if v not in ("", None, 1)}


def search_schools(user, flt: SchoolFilter):
    stmt = visible_schools(user)
    if flt.q:
        # autoescape: a % or _ typed into the box is a character to find, not a wildcard
        stmt = stmt.where(or_(func.lower(School.name).contains(flt.q.lower(), autoescape=True), School.code == flt.q))
    if flt.level:
        stmt = stmt.where(School.level == flt.level)
    if flt.region:
        stmt = stmt.join(Region).where(Region.code == flt.region)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(
        stmt.options(db.joinedload(School.region)).order_by(School.name)
        .limit(PAGE_SIZE).offset((flt.page - 1) * PAGE_SIZE)
    ).all()
    return rows, total
