"""Which schools a person may read: principals their own, regional leaders their region, district
roles every school."""
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

