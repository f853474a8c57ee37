"""A file to start an import from, for each kind the imports page takes: the columns the import reads
and one example row, named from the district's own schools and regions so it imports as it is."""
from sqlalchemy import select

from portal.extensions import db
from portal.org import imports
from portal.org.models import Region, School
from portal.targets import baselines

KINDS = ("schools", "users", "baselines")
FILE_NAMES = {"schools": "schools-template", "users": "people-template", "baselines": "school-baselines-template"}


def _codes() -> tuple[str, str]:
    """An elementary school's code (grade 3 reading applies to it) and a region code of this district
    (made-up ones when it has none yet)."""
    school = db.session.scalar(select(School.code).where(School.level == "elementary").order_by(School.code)
                               .limit(1))
    region = db.session.scalar(select(Region.code).order_by(Region.code).limit(1))
    return school or "E101", region or "C"


def template(kind: str) -> tuple[list[str], list]:
    """The columns and the example row of one kind of import."""
    school, region = _codes()
    if kind == "schools":
        return list(imports.SCHOOL_COLUMNS), ["E999", "Harbor View Elementary", "elementary", "K", 5, 412, region, 1]
    if kind == "users":
        return list(imports.USER_COLUMNS), ["jane.doe@district.example", "Jane Doe", "principal", school, "", ""]
    return list(baselines.COLUMNS), [school, "ela_g3", "all", "2021-22", 48.5, 62]
