"""The small-group rule, written once: a figure built on fewer than SMALL_GROUP students is shown only to
the people who work with its school, marked "small group"; everyone else sees a suppression mark, and
complementary cells are hidden too, so no hidden figure can be recovered by subtraction.

Who works with a school (may_see_small_groups): its principal, the leader of its Local District, the
superintendent's office and administrators. A Local District's own totals: its leader, the superintendent's
office and administrators; the district's totals: the superintendent's office and administrators. Board
members, other schools' principals, other regions' leaders, central offices and the public never see a
small group's figure, on a page or in an export.

What is hidden (hidden_cells): a cell of fewer than SMALL_GROUP students (its value, its count and
everything computed from it: on track or behind, the interim targets its baseline anchors), and, where
cells add up to a total shown beside them (a Partition), one more cell whenever exactly one would
otherwise be unknown: the smallest visible member, else the total. This repeats until no partition
has exactly one unknown, because hiding a cell can leave another partition with exactly one.

Which cells add up, and which do not:
- Schools add up to their Local District and the Local Districts to the district (every school is in
  one region): these are partitions, for each metric, level, student group and year.
- The student groups do NOT partition "all students": Students with Disabilities, English Learners, Low
  Income and Foster Youth overlap one another and the ethnic groups, and the ethnic groups shown
  (Latinx, Black) leave out every other student. No shown group is the complement of another, so
  "all students" minus the shown groups never isolates one group: a school's groups are suppressed
  one by one, with no complementary cell among them. A grade or gender breakdown would be a partition
  and would go through hidden_cells like the regions.
"""
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from portal.kernel.policy import SMALL_GROUP, Role

MARK = f"n<{SMALL_GROUP}"
NOTE = f"Fewer than {SMALL_GROUP} students: not shown to protect student privacy"
SMALL_MARK = "small group"
# A school's count of students as a reader who does not work with the school reads it: exact counts of
# every school would let a Local District's total, less the other schools, give a hidden school's cell back.
AT_LEAST = f"{SMALL_GROUP}+"
SMALL_NOTE = (f"Fewer than {SMALL_GROUP} students: shown to you because you work with this school. "
              f"Board members, other schools and the public see “{MARK}” instead.")
# The text pages and exports use, for the templates (a template global) and the exports alike.
TEXT = {"mark": MARK, "note": NOTE, "small": SMALL_MARK, "small_note": SMALL_NOTE, "threshold": SMALL_GROUP,
        "at_least": AT_LEAST}

# Who works with every school.
WHOLE_DISTRICT = frozenset({Role.superintendent, Role.admin})

SHOWN, SMALL, HIDDEN = "shown", "small", "hidden"


def is_small(n: float | None) -> bool:
    """A figure built on fewer than SMALL_GROUP students (None: there is no figure at all)."""
    return n is not None and n < SMALL_GROUP


def may_see_small_groups(user: Any, school: Any = None, region_id: int | None = None) -> bool:
    """Whether the person works with the school (or, given no school, the Local District region_id; given
    neither, the whole district), and so sees its small groups' figures."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    role = user.role
    if role in WHOLE_DISTRICT:
        return True
    if school is not None:
        if role == Role.principal:
            return user.school_id is not None and user.school_id == school.id
        region_id = school.region_id
    return role == Role.regional_leader and region_id is not None and user.region_id == region_id


@dataclass(frozen=True)
class Partition:
    """Cells whose students add up to `total` (None when the total is not shown anywhere: then nothing
    can be subtracted from it and the partition constrains nothing)."""

    members: tuple[Hashable, ...]
    total: Hashable | None = None


def hidden_cells(counts: Mapping[Hashable, float | None], partitions: Iterable[Partition] = ()) -> set:
    """The cells to hide from a reader who may not see small groups: every small cell, and the
    complementary cells that keep each partition from having exactly one unknown. `counts` holds each
    shown cell's number of students (None: no figure, not part of any sum)."""
    present = {key for key, n in counts.items() if n is not None}
    hidden = {key for key in present if is_small(counts[key])}
    parts = [p for p in partitions if p.total is not None and p.total in present]
    changed = True
    while changed:
        changed = False
        for part in parts:
            members = [m for m in dict.fromkeys(part.members) if m in present and m != part.total]
            unknown = [m for m in members if m in hidden] + ([part.total] if part.total in hidden else [])
            if len(unknown) != 1:
                continue
            visible = sorted((m for m in members if m not in hidden), key=lambda m: (counts[m], repr(m)))
            hidden.add(visible[0] if visible else part.total)
            changed = True
    return hidden


def visibility(counts: Mapping[Hashable, float | None], partitions: Iterable[Partition] = (),
               may_see: bool = False) -> dict:
    """Each cell as the reader sees it: SHOWN, SMALL (shown, with the small-group marker, to those who
    work with the school) or HIDDEN (the suppression mark)."""
    if may_see:
        return {key: SMALL if is_small(n) else SHOWN for key, n in counts.items()}
    hidden = hidden_cells(counts, partitions)
    return {key: HIDDEN if key in hidden else SHOWN for key in counts}


def hierarchy(schools: Mapping[Hashable, Hashable]) -> list[Partition]:
    """The partitions of a district's cells for one metric, level, group and year: each Local District's
    schools add up to it, the Local Districts to the district, and all the schools to the district.
    `schools` maps each school cell's key to its region's key; the district's key is "district"."""
    by_region: dict[Hashable, list[Hashable]] = {}
    for school, region in schools.items():
        by_region.setdefault(region, []).append(school)
    parts = [Partition(tuple(members), region) for region, members in by_region.items()]
    parts.append(Partition(tuple(by_region), "district"))
    parts.append(Partition(tuple(schools), "district"))
    return parts
