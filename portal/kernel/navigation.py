"""The navigation each role sees."""
from flask import current_app, request, url_for

from portal.kernel.policy import Role

_NAV = {
    Role.principal: [("Home", "main.home"), ("Our targets", "targets.mine"), ("My school", "main.my_school"),
                     ("Scorecard", "scorecard.scorecard"), ("The plan", "plan.browse")],
    Role.regional_leader: [("Home", "main.home"), ("Dashboard", "dashboard.district"), ("Target plans", "review.queue"),
                           ("Schools", "main.schools"),
                           ("Data reviews", "board.data_reviews"), ("Scorecard", "scorecard.scorecard"),
                           ("The plan", "plan.browse")],
    Role.central_office: [("Home", "main.home"), ("Dashboard", "dashboard.offices"),
                          ("Progress cycle", "initiatives.cycle"),
                          ("Scorecard", "scorecard.scorecard"), ("Board updates", "board.updates"),
                          ("Data reviews", "board.data_reviews"),
                          ("The plan", "plan.browse")],
    Role.superintendent: [("Home", "main.home"), ("Dashboard", "dashboard.district"), ("Target plans", "review.queue"),
                          ("Progress cycle", "initiatives.cycle"), ("Scorecard", "scorecard.scorecard"),
                          ("Board updates", "board.updates"), ("Annual reports", "scorecard.annual_reports"),
                          ("Data reviews", "board.data_reviews"), ("Schools", "main.schools"),
                          ("The plan", "plan.browse")],
    Role.board: [("Home", "main.home"), ("Dashboard", "dashboard.district"), ("Scorecard", "scorecard.scorecard"),
                 ("Board updates", "board.updates"), ("Annual reports", "scorecard.annual_reports"),
                 ("The plan", "plan.browse")],
    Role.admin: [("Home", "main.home"), ("Dashboard", "dashboard.district"), ("Target plans", "review.queue"),
                 ("Progress cycle", "initiatives.cycle"), ("Scorecard", "scorecard.scorecard"),
                 ("Board updates", "board.updates"), ("Schools", "main.schools"), ("Cycles", "cycles.cycles"),
                 ("Results", "results.actuals_import"),
                 ("People", "admin.users"), ("Imports", "admin.imports_page"), ("The plan", "plan.browse")],
}


# Someone not logged in: the district's public pages.
_PUBLIC_NAV = [("Progress", "public.progress"), ("Scorecard", "scorecard.scorecard"), ("The plan", "plan.browse")]


# Pages that belong under a navigation item besides its own endpoint.
_SECTION = {
    "main.my_school": {"main.school", "dashboard.school"},
    "targets.mine": {"targets.plan"},
    "review.queue": {"review.plan", "review.completeness"},
    "initiatives.cycle": {"initiatives.initiative", "initiatives.check_in", "initiatives.new", "initiatives.edit"},
    "board.updates": {"board.update"},
    "dashboard.district": {"dashboard.region", "dashboard.school", "dashboard.offices", "dashboard.office"},
    "dashboard.offices": {"dashboard.office"},  # a central office's own dashboard
    "scorecard.scorecard": {"scorecard.measure", "scorecard.import_values"},
    "scorecard.annual_reports": {"scorecard.annual_report"},
    "main.schools": {"main.school"},
    "admin.users": {"admin.user", "admin.new_user"},
    "plan.browse": {"plan.priority"},
}


# Each role's items, built once per application root (the links never change while it runs).
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
