"""Which schools and offices a person may read: principals their own school, regional leaders their
region's, district roles every school; a central office its own office's work, district roles every
office's."""
from portal.kernel.policy import DISTRICT_WIDE, Role


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
