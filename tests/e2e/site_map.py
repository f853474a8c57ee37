"""Every page a person can reach, as the accessibility and layout tests walk it.

Who may open each endpoint is the access table of tests/test_access.py (DECLARED); this module
adds what a browser needs to open it: the URL arguments, built from the demo district. A GET
endpoint that renders HTML and is in neither PAGES nor NOT_PAGES fails the tests, so a new page
is checked from the day it is added.
"""
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select

from portal.auth.reset import token_for
from portal.extensions import db
from portal.kernel.access import rule_for
from portal.kernel.policy import Role
from portal.org.models import User
from portal.progress.models import BoardUpdate, CheckIn, CheckInPeriod, Initiative, Stage
from portal.strategic_plan.models import Measure
from portal.targets.models import PlanStatus, TargetPlan
from tests.conftest import ROLE_EMAILS
from tests.test_access import DECLARED, PUBLIC

ANONYMOUS = "anonymous"

# GET endpoints that are not pages: files, data and probes.
NOT_PAGES = {
    "static": "stylesheets, scripts and vendored files",
    "main.healthz": "JSON for the load balancer",
    "main.favicon": "a redirect to the icon",
    "dashboard.export": "CSV / Excel download",
    "dashboard.office_export": "CSV / Excel download",
    "review.queue_export": "CSV / Excel download",
    "targets.approved_export": "CSV / Excel download",
    "scorecard.export": "CSV / Excel download",
    "board.report_pdf": "PDF download",
    "board.report_pptx": "PowerPoint download",
    "admin.import_template": "CSV / Excel download of an import's columns and an example row",
    "initiatives.evidence_file": "an evidence file, always a download (tests/e2e/test_evidence_journey.py)",
    "plan.choose": "chooses the plan in view and redirects to the plan page",
    "mfa.verify": "redirects to the log-in page unless a password was just given",
    "mfa.enrol": "redirects to the log-in page unless an administrator's password was just given",
    "notifications.bell": "the header's bell, a fragment htmx loads into every page",
    # The identity provider's pages stand between them (tests/e2e/test_oidc_journey.py walks them,
    # with axe on their refusal pages).
    "auth.oidc_login": "redirects to the district's identity provider",
    "auth.oidc_callback": "the identity provider's answer: redirects home, or a refusal page",
}

# Endpoint -> the sample URL arguments, by name in the dict `samples()` builds. A list of several
# argument sets checks the page in each state it has (a check-in at each stage, a draft and a
# published Board update).
PAGES = {
    "auth.login": [{}],
    "password.forgot": [{}],
    "mfa.account": [{}],
    "password.reset": [{"token": "reset_token"}],
    "main.index": [{}],
    "public.progress": [{}],
    "main.home": [{}],
    "search.search_page": [{}, {"q": "1A"}, {"q": "elementary"}, {"q": "no such thing"}],
    "plan.browse": [{}],
    "plan.priority": [{"code": "2D"}],
    "plan.plans_list": [{}],
    "main.schools": [{}],
    "main.school": [{"school_id": "school_id"}],
    "main.my_school": [{}],
    "targets.mine": [{}],
    "targets.plan": [{"plan_id": "plan_id"}],
    "targets.approved": [{"plan_id": "approved_plan_id"}, {"plan_id": "plan_id"}],
    "review.queue": [{}],
    "review.plan": [{"plan_id": "plan_id"}],
    "review.completeness": [{}],
    "initiatives.cycle": [{}],
    "initiatives.initiative": [{"initiative_id": "initiative_id"}],
    "initiatives.check_in": [{"check_in_id": "check_in_sharing"}, {"check_in_id": "check_in_data_review"},
                             {"check_in_id": "check_in_sent_back"}, {"check_in_id": "check_in_superintendent"},
                             {"check_in_id": "check_in_ready"}, {"check_in_id": "check_in_board"}],
    "initiatives.new": [{}],
    "initiatives.edit": [{"initiative_id": "initiative_id"}],
    "initiatives.calendar": [{}],
    "initiatives.edit_period": [{"period_id": "period_id"}],
    "board.updates": [{}],
    "board.update": [{"update_id": "published_update"}, {"update_id": "draft_update"}],
    "board.data_reviews": [{}],
    "dashboard.district": [{}],
    "dashboard.region": [{"code": "region_code"}],
    "dashboard.school": [{"school_id": "school_id"}],
    "dashboard.offices": [{}],
    "dashboard.office": [{"code": "office_code"}],
    "scorecard.scorecard": [{}],
    "scorecard.measure": [{"code": "measure_code"}],
    "scorecard.annual_reports": [{}],
    "scorecard.annual_report": [{"update_id": "annual_report"}, {"update_id": "annual_report_draft"}],
    "scorecard.import_values": [{}],
    "cycles.cycles": [{}],
    "cycles.extension": [{"extension_id": "extension_id"}],
    "results.actuals_import": [{}],
    "admin.users": [{}],
    "admin.new_user": [{}],
    "admin.user": [{"user_id": "user_id"}],
    "admin.imports_page": [{}],
    "notifications.index": [{}],
    "notifications.preferences": [{}],
    "notifications.outbox": [{}],
}

# Pages a role may open but never sees in that form: a board member reads published updates only.
SKIP_FOR = {
    ("board.update", "draft_update"): {Role.board, Role.central_office},
    ("scorecard.annual_report", "annual_report_draft"): {Role.board, Role.central_office},
}


@dataclass(frozen=True)
class Visit:
    endpoint: str
    url: str

    @property
    def name(self) -> str:
        return self.url


def get_html_endpoints(app) -> set[str]:
    """Every endpoint a browser can GET."""
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}


def unlisted_endpoints(app) -> list[str]:
    return sorted(get_html_endpoints(app) - PAGES.keys() - NOT_PAGES.keys())


def roles_for(endpoint: str) -> set:
    """Who may open the endpoint: the access table, or the code's own rule for a route that
    tests/test_access.py has not declared yet (that test fails on it)."""
    if endpoint in DECLARED:
        who = DECLARED[endpoint]
        return {ANONYMOUS} if who == PUBLIC else set(who)
    rule = rule_for(endpoint)
    if rule is None:
        return set()
    return {ANONYMOUS} if rule.public else set(rule.roles)


def samples(app, annual_report_id: int) -> dict:
    """Records every role may open: the principal's own school and plan (in Local District
    Central, the regional leader's), the Division of Instruction's tutoring plan (the central
    office account's), a check-in at each stage of the cycle, a draft and a published update."""
    with app.app_context():
        principal = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.principal]))
        school = principal.school
        plan_id = db.session.scalar(select(TargetPlan.id).where(TargetPlan.school_id == school.id)
                                    .order_by(TargetPlan.id.desc()))
        approved_plan_id = db.session.scalar(select(TargetPlan.id).where(  # a past cycle's, approved
            TargetPlan.school_id == school.id, TargetPlan.status == PlanStatus.approved).order_by(TargetPlan.id))
        tutoring = db.session.scalar(select(Initiative.id).where(Initiative.code == "tutoring"))

        def check_in(stage):
            return db.session.scalar(select(CheckIn.id).where(CheckIn.stage == stage).order_by(CheckIn.id))

        values = {
            "school_id": school.id, "plan_id": plan_id, "approved_plan_id": approved_plan_id, "initiative_id": tutoring,
            "office_code": db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.central_office]))
            .office.code,
            "region_code": school.region.code,
            "check_in_sharing": check_in(Stage.sharing), "check_in_data_review": check_in(Stage.data_review),
            "check_in_sent_back": check_in(Stage.sent_back),
            "check_in_superintendent": check_in(Stage.superintendent), "check_in_ready": check_in(Stage.ready),
            "check_in_board": check_in(Stage.board),
            # the latest published update: the demo keeps its PDF and deck, so the walks read their links
            "published_update": db.session.scalar(select(BoardUpdate.id).where(
                BoardUpdate.published_at.is_not(None), BoardUpdate.kind_code != "annual_report")
                .order_by(BoardUpdate.meeting_date.desc()).limit(1)),
            "draft_update": db.session.scalar(select(BoardUpdate.id).where(
                BoardUpdate.published_at.is_(None), BoardUpdate.kind_code != "annual_report")
                .order_by(BoardUpdate.id)),
            "measure_code": db.session.scalar(select(Measure.code).order_by(Measure.id)),
            "period_id": db.session.scalar(select(CheckInPeriod.id).where(CheckInPeriod.name == "Fall 2024")),
            "user_id": db.session.scalar(select(User.id).where(User.email == ROLE_EMAILS[Role.board])),
            "annual_report": annual_report_id,
            "reset_token": token_for(db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.board]))),
        }
        db.session.remove()
    missing = [name for name, value in values.items() if value is None]
    assert not missing, f"the demo district has no record for {missing}"
    return values


def visits_for(app, role, values: dict) -> list[Visit]:
    """The pages `role` can open, in a stable order, each with its sample URL."""
    visits = []
    with app.test_request_context():
        for endpoint, arg_sets in PAGES.items():
            if role not in roles_for(endpoint):
                continue
            for args in arg_sets:
                if any(role in SKIP_FOR.get((endpoint, name), ()) for name in args.values()):
                    continue
                built = {key: values.get(name, name) for key, name in args.items()}
                visits.append(Visit(endpoint, url_for(endpoint, **built)))
    return visits
