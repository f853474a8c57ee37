"""Who is who: the six roles, their titles and scope, and the named role sets that access rules,
workflow tables and navigation read (so a set like "the reviewers" is written once)."""
import enum


class Role(str, enum.Enum):
    principal = "principal"
    regional_leader = "regional_leader"
    central_office = "central_office"
    superintendent = "superintendent"
    board = "board"
    admin = "admin"

    @property
    def title(self) -> str:  # type: ignore[override]  # the district's name for it, not str.title()
        return ROLE_TITLES[self]


ROLE_TITLES = {
    Role.principal: "Principal",
    Role.regional_leader: "Regional leader",
    Role.central_office: "Central office",
    Role.superintendent: "Superintendent's office",
    Role.board: "Board member",
    Role.admin: "Administrator",
}

# Which scope column each role must carry.
ROLE_SCOPE = {
    Role.principal: "school",
    Role.regional_leader: "region",
    Role.central_office: "office",
    Role.superintendent: None,
    Role.board: None,
    Role.admin: None,
}


ALL_ROLES = frozenset(Role)
# The named role sets every access rule, workflow table and page reads: a set is written here once.
PRINCIPALS = frozenset({Role.principal})
# Review a school's target plan: the school's regional leader, or an administrator.
REVIEWERS = frozenset({Role.regional_leader, Role.admin})
# Read the regional review queue and completeness (the superintendent's office reads every region's).
TARGET_REVIEW_READERS = REVIEWERS | {Role.superintendent}
# Keep an office's action plans and check-ins.
OFFICES = frozenset({Role.central_office, Role.admin})
# Run data review, the superintendent's update and Board updates.
SUPERINTENDENTS = frozenset({Role.superintendent, Role.admin})
# Read the progress cycle board, initiatives and check-ins.
CYCLE_READERS = OFFICES | SUPERINTENDENTS
# Read what is reported on the plan's progress: Board updates, the scorecard, annual reports.
PROGRESS_READERS = CYCLE_READERS | {Role.board}
# Log and read data review meetings with priority schools.
DATA_REVIEWERS = CYCLE_READERS | {Role.regional_leader}
# See every school, region and office.
DISTRICT_WIDE = frozenset({Role.admin, Role.superintendent, Role.board})
# Read or print a school's approved targets: its principal, its region's leader and the district-wide roles
# (portal.org.scope.scoped_to_school says whose).
APPROVED_TARGET_READERS = DISTRICT_WIDE | {Role.regional_leader, Role.principal}
# Read the dashboard: district-wide roles every page, a regional leader their Local District's and its
# schools', a principal their school's (portal.org.scope.dashboard_reach says which pages).
DASHBOARD_READERS = DISTRICT_WIDE | {Role.regional_leader, Role.principal}
# Read a Local District's page of the dashboard: district-wide roles every region's, a regional leader their own.
REGION_DASHBOARD_READERS = DISTRICT_WIDE | {Role.regional_leader}
# Read an office's dashboard: a central office its own (portal.org.scope.scoped_to_office), the
# superintendent's office and administrators every office's.
OFFICE_DASHBOARD_READERS = CYCLE_READERS
# The home page's count of schools by level: everyone who sees more than one school.
SCHOOL_OVERVIEW = DISTRICT_WIDE | {Role.regional_leader}

# A student group of fewer students than this is too small to set a target for or to show a result
# of: the figure could identify a child.
SMALL_GROUP = 11
