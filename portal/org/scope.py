"""Which schools and offices a person may read: principals their own school, regional leaders their
region's, district roles every school; a central office its own office's work, district roles every
office's; and, for the dashboard, which of its pages (the district, a Local District, a school) a
person may open."""
from dataclasses import dataclass

from portal.kernel.policy import DASHBOARD_READERS, DISTRICT_WIDE, Role


def scoped_to_school(user, school) -> bool:
    """Can this user read this school's records? Principals their own; regional leaders their region."""
    if user.role in DISTRICT_WIDE:
        return True
    if user.role == Role.principal:
        return user.school_id == school.id
    if user.role == Role.regional_leader:
        return user.region_id == school.region_id
    return False



def scoped_to_office(user, office) -> bool:
    """Can this user read this office's own pages (its dashboard)? A central office its own; the
    district roles every office."""
    if user.role == Role.central_office:
        return user.office_id == office.id
    return user.role in DISTRICT_WIDE


@dataclass(frozen=True)
class DashboardReach:
    """The part of the dashboard one person may open: every page (district-wide roles), one Local
    District with its schools (its regional leader) or one school (its principal). Every dashboard
    page and export asks it; what it refuses answers 404."""

    district: bool = False  # the district page, every region and every school
    region_id: int | None = None  # the one region (and its schools) a regional leader reads
    school_id: int | None = None  # the one school a principal reads

    def region(self, region) -> bool:
        """May this person open the region's page (None: the whole district's)?"""
        if self.district:
            return True
        return region is not None and self.region_id is not None and region.id == self.region_id

    def school(self, school) -> bool:
        if self.district:
            return True
        if self.school_id is not None:
            return school.id == self.school_id
        return self.region_id is not None and school.region_id == self.region_id


def dashboard_reach(user) -> DashboardReach:
    """What of the dashboard the person reaches: nothing for roles without one."""
    if not user.is_authenticated or user.role not in DASHBOARD_READERS:
        return DashboardReach()
    if user.role in DISTRICT_WIDE:
        return DashboardReach(district=True)
    if user.role == Role.regional_leader:
        return DashboardReach(region_id=user.region_id)
    if user.role == Role.principal:
        return DashboardReach(school_id=user.school_id)
    return DashboardReach()
