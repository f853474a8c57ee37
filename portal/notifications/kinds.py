"""Every kind of message the portal sends: who hears it, what the preferences page calls it, and how
it is delivered unless the person chooses otherwise."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.kernel.policy import Role

IMMEDIATE = "immediate"
DAILY = "daily"
OFF = "off"
MODES = (IMMEDIATE, DAILY, OFF)
MODE_LABELS = {IMMEDIATE: _l("Straight away"), DAILY: _l("In a daily digest"), OFF: _l("Off")}


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # what the preferences page calls it (a lazy text, in the page's language)
    roles: frozenset[Role]  # who may hear it (and so see it on their preferences page)
    default: str = IMMEDIATE
    always: bool = False  # security messages: always sent straight away, never switched off


P, L, C, S, B = Role.principal, Role.regional_leader, Role.central_office, Role.superintendent, Role.board
EVERYONE = frozenset(Role)

KINDS = {k.key: k for k in (
    Kind("target_window_open", _l("The target-setting window opens for my school"), frozenset({P})),
    Kind("plan_returned", _l("My school's plan is returned with comments"), frozenset({P})),
    Kind("plan_approved", _l("My school's plan is approved"), frozenset({P})),
    Kind("plan_reopened", _l("My school's approved plan is reopened"), frozenset({P})),
    Kind("window_extended", _l("My school's target window is extended, changed or withdrawn"), frozenset({P})),
    Kind("target_due", _l("Reminders: targets due in 7 days, in 1 day, and overdue"), frozenset({P})),
    Kind("reviewer_reminder", _l("A reminder from my regional leader"), frozenset({P})),
    Kind("plan_submitted", _l("Plans submitted or resubmitted in my region"), frozenset({L}), default=DAILY),
    Kind("region_overdue", _l("Weekly list of my region's overdue schools"), frozenset({L})),
    Kind("check_in_sent_back", _l("A check-in of my office is sent back"), frozenset({C})),
    Kind("check_in_accepted", _l("A check-in of my office is accepted"), frozenset({C})),
    Kind("check_in_placed", _l("A check-in of my office is placed in a Board update"), frozenset({C})),
    Kind("check_in_period_open", _l("A check-in period opens"), frozenset({C})),
    Kind("check_in_due", _l("Reminders: check-ins due in 7 days, and overdue"), frozenset({C})),
    Kind("check_in_for_review", _l("Check-ins waiting for data review"), frozenset({S})),
    Kind("check_in_for_board", _l("Check-ins ready for a Board update"), frozenset({S})),
    Kind("board_update_published", _l("A Board update is published"), frozenset({B, S})),
    Kind("annual_report_published", _l("An annual report is published"), frozenset({B, S})),
    Kind("security", _l("Password and sign-in security"), EVERYONE, always=True),
)}


def for_role(role: Role) -> list[Kind]:
    """The kinds a person in `role` can hear, in the order the preferences page lists them."""
    return [kind for kind in KINDS.values() if role in kind.roles]
