"""A check-in's way through the four-stage cycle, as a transition table: sharing session, platform
update and data review, the superintendent's update, and the Board update."""
from flask_babel import lazy_gettext as _l

from portal.kernel.i18n import N_
from portal.kernel.policy import OFFICES, SUPERINTENDENTS
from portal.kernel.workflow import Machine, Noun
from portal.progress.models import CheckIn, Stage
from portal.progress.notices import announce_check_in

G = Stage

CHECK_IN = Machine(
    "check_in", Noun(_l("this check-in"), _l("This check-in"), _l("a check-in")), "stage",
    {
        (G.sharing, "edit"): (G.sharing, OFFICES),
        (G.sent_back, "edit"): (G.sent_back, OFFICES),
        (G.sharing, "record_sharing"): (G.sharing, OFFICES),
        (G.sent_back, "record_sharing"): (G.sent_back, OFFICES),
        (G.sharing, "attach_file"): (G.sharing, OFFICES),
        (G.sent_back, "attach_file"): (G.sent_back, OFFICES),
        (G.sharing, "remove_file"): (G.sharing, OFFICES),
        (G.sent_back, "remove_file"): (G.sent_back, OFFICES),
        (G.sharing, "submit_update"): (G.data_review, OFFICES),
        (G.sent_back, "submit_update"): (G.data_review, OFFICES),
        (G.data_review, "send_back"): (G.sent_back, SUPERINTENDENTS),
        (G.data_review, "accept_data"): (G.superintendent, SUPERINTENDENTS),
        (G.superintendent, "record_superintendent"): (G.ready, SUPERINTENDENTS),
        (G.ready, "place"): (G.board, SUPERINTENDENTS),
        (G.board, "unplace"): (G.ready, SUPERINTENDENTS),
    },
    {"send_back": N_("Say what the office should fix before the check-in is sent back.")},
    announce=announce_check_in,  # to the office what is decided, to the superintendent's office what waits
)


def apply_check_in(check_in: CheckIn, action: str, user, **kwargs) -> CheckIn:
    return CHECK_IN.apply(check_in, action, user, **kwargs)
