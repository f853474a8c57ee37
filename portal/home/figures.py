"""A school's page as its reader may see it: each baseline, plan row and result of the school's student
groups marked shown, small (for those who work with the school) or hidden, by the one small-group rule
(portal.kernel.privacy). A school's groups overlap (kernel.privacy explains why), so no cell of one
school's page is the complement of another."""
from portal.kernel import privacy
from portal.org.models import School
from portal.targets.results import SchoolProgress


def school_states(user, school: School, tables: list, progress: SchoolProgress) -> dict:
    """("baseline", metric id, group id, year), ("plan", metric id, group id) and ("result", metric id,
    group id, year) -> shown, small or hidden. A plan row's baseline anchors its interim targets, so a
    hidden baseline hides the row's targets too (the template reads the plan cell for them)."""
    counts: dict = {}
    for metric, _years, groups in tables:
        for group, by_year in groups.items():
            for year, baseline in by_year.items():
                counts[("baseline", metric.id, group.id, year)] = baseline.n_students
    for metric, rows in progress.sections:
        for row in rows:
            counts[("plan", metric.id, row.group.id)] = row.baseline_n
            for result in row.years:
                counts[("result", metric.id, row.group.id, result.year)] = result.n_students
    return privacy.visibility(counts, (), privacy.may_see_small_groups(user, school))


def visible_counts(progress: SchoolProgress, seen: dict) -> dict[str, int]:
    """On track, behind and no result yet, counted over the results the reader sees (a count over every
    result, less the ones shown, would tell a hidden one's status)."""
    counts = dict.fromkeys(progress.counts, 0)
    for metric, rows in progress.sections:
        for row in rows:
            if seen.get(("plan", metric.id, row.group.id)) == privacy.HIDDEN:
                continue
            for result in row.years:
                if seen.get(("result", metric.id, row.group.id, result.year)) != privacy.HIDDEN:
                    counts[result.status] += 1
    return counts
