"""The navigation each role sees."""
from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l

from portal.kernel.policy import Role

_NAV = {
    Role.principal: [(_l("Home"), "main.home"), (_l("Our targets"), "targets.mine"),
                     (_l("My school"), "main.my_school"), (_l("Scorecard"), "scorecard.scorecard"),
                     (_l("The plan"), "plan.browse")],
    Role.regional_leader: [(_l("Home"), "main.home"), (_l("Dashboard"), "dashboard.district"),
                           (_l("Target plans"), "review.queue"),
                           (_l("Schools"), "main.schools"), (_l("Data reviews"), "board.data_reviews"),
                           (_l("Scorecard"), "scorecard.scorecard"), (_l("The plan"), "plan.browse")],
    Role.central_office: [(_l("Home"), "main.home"), (_l("Dashboard"), "dashboard.offices"),
                          (_l("Progress cycle"), "initiatives.cycle"),
                          (_l("Scorecard"), "scorecard.scorecard"), (_l("Board updates"), "board.updates"),
                          (_l("Data reviews"), "board.data_reviews"), (_l("The plan"), "plan.browse")],
    Role.superintendent: [(_l("Home"), "main.home"), (_l("Dashboard"), "dashboard.district"),
                          (_l("Target plans"), "review.queue"), (_l("Progress cycle"), "initiatives.cycle"),
                          (_l("Scorecard"), "scorecard.scorecard"), (_l("Board updates"), "board.updates"),
                          (_l("Annual reports"), "scorecard.annual_reports"),
                          (_l("Data reviews"), "board.data_reviews"), (_l("Schools"), "main.schools"),
                          (_l("The plan"), "plan.browse")],
    Role.board: [(_l("Home"), "main.home"), (_l("Dashboard"), "dashboard.district"),
                 (_l("Scorecard"), "scorecard.scorecard"), (_l("Board updates"), "board.updates"),
                 (_l("Annual reports"), "scorecard.annual_reports"), (_l("The plan"), "plan.browse")],
    Role.admin: [(_l("Home"), "main.home"), (_l("Dashboard"), "dashboard.district"),
                 (_l("Target plans"), "review.queue"), (_l("Progress cycle"), "initiatives.cycle"),
                 (_l("Scorecard"), "scorecard.scorecard"), (_l("Board updates"), "board.updates"),
                 (_l("Annual reports"), "scorecard.annual_reports"), (_l("Data reviews"), "board.data_reviews"),
                 (_l("Schools"), "main.schools"), (_l("Cycles"), "cycles.cycles"),
                 (_l("Results"), "results.actuals_import"), (_l("People"), "admin.users"),
                 (_l("Imports"), "admin.imports_page"), (_l("The plan"), "plan.browse")],
}


# Someone not logged in: the district's public pages.
_PUBLIC_NAV = [(_l("Progress"), "public.progress"), (_l("Scorecard"), "scorecard.scorecard"),
               (_l("The plan"), "plan.browse")]


# Pages that belong under a navigation item besides its own endpoint.
_SECTION = {
    "main.my_school": {"main.school", "dashboard.school"},
    "targets.mine": {"targets.plan"},
    "review.queue": {"review.plan", "review.completeness"},
    # the check-in calendar is the cycle's own: its page links it
    "initiatives.cycle": {"initiatives.initiative", "initiatives.check_in", "initiatives.new", "initiatives.edit",
                          "initiatives.calendar", "initiatives.edit_period", "initiatives.add_period",
                          "initiatives.remove_period"},
    "board.updates": {"board.update"},
    "dashboard.district": {"dashboard.region", "dashboard.school", "dashboard.offices", "dashboard.office"},
    "dashboard.offices": {"dashboard.office"},  # a central office's own dashboard
    "scorecard.scorecard": {"scorecard.measure", "scorecard.import_values"},
    "scorecard.annual_reports": {"scorecard.annual_report"},
    "main.schools": {"main.school"},
    "admin.users": {"admin.user", "admin.new_user"},
    "plan.browse": {"plan.priority"},
}


# Each role's items, built once per application root (the links never change while it runs); the labels
# are lazy, so each page reads them in its own language.
_built: dict[tuple, list[dict]] = {}


def nav_for(user) -> list[dict]:
    role = user.role if user.is_authenticated else None
    key = (id(current_app._get_current_object()), request.script_root, role)  # type: ignore[attr-defined]
    items = _built.get(key)
    if items is None:
        items = _built[key] = [{"label": label, "endpoint": endpoint, "url": url_for(endpoint),
                                "section": frozenset({endpoint} | _SECTION.get(endpoint, set()))}
                               for label, endpoint in (_NAV[role] if role else _PUBLIC_NAV)]
    return items
