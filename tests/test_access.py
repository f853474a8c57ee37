"""Access: every route declares who may use it (default deny), and every role gets what the
declaration says, through pages, htmx partials and posts alike. Records are scoped: a principal
sees only their school, a regional leader only their region (others answer 404)."""
import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.access import rule_for
from portal.kernel.policy import Role
from portal.org.models import School, User
from tests.conftest import ROLE_EMAILS, csrf_from

EVERYONE = set(Role)
PUBLIC = "public"
# Who may reach each endpoint: the product's intent, written down independently of the code.
DECLARED = {
    "auth.login": PUBLIC,
    "password.forgot": PUBLIC,  # asking for a reset link says nothing of who has an account
    "password.reset": PUBLIC,  # the signed link is the key
    "mfa.verify": PUBLIC,  # the second step: only for someone who has just given the right password
    "mfa.enrol": PUBLIC,
    "mfa.account": EVERYONE,
    "mfa.change": EVERYONE,
    "auth.oidc_login": PUBLIC,  # sends the person to the district's identity provider
    "auth.oidc_callback": PUBLIC,  # the provider's answer: a session only on its verified word
    "main.healthz": PUBLIC,
    "main.favicon": PUBLIC,
    "main.index": PUBLIC,
    "main.language": PUBLIC,  # the language switch: on the person when signed in, in the session otherwise
    "static": PUBLIC,
    "auth.logout": EVERYONE,
    "main.home": EVERYONE,
    "search.search_page": EVERYONE,  # each kind only for those who open its page, each record only in scope
    "notifications.bell": EVERYONE,  # each person's own notifications (others' answer 404)
    "notifications.index": EVERYONE,
    "notifications.open_notification": EVERYONE,
    "notifications.mark_read": EVERYONE,
    "notifications.read_all": EVERYONE,
    "notifications.preferences": EVERYONE,
    "notifications.outbox": {Role.admin},
    "notifications.retry": {Role.admin},
    "notifications.retry_all": {Role.admin},
    "plan.browse": PUBLIC,  # the district's plan is public
    "plan.priority": PUBLIC,
    "plan.plans_list": PUBLIC,  # every plan the district adopted, to read
    "plan.choose": PUBLIC,
    "plan.make_current": {Role.admin},
    "main.schools": {Role.regional_leader, Role.superintendent, Role.board, Role.admin},
    "main.school": {Role.principal, Role.regional_leader, Role.superintendent, Role.board, Role.admin},
    "main.my_school": {Role.principal},
    "targets.mine": {Role.principal},
    "targets.plan": {Role.principal},
    "targets.save_row": {Role.principal},
    "targets.save_all": {Role.principal},
    "targets.fill": {Role.principal},
    "targets.submit": {Role.principal},
    "targets.comment": {Role.principal},
    # A school's approved targets, to print or download: whoever reads the school (scope: tests/trust).
    "targets.approved": {Role.principal, Role.regional_leader, Role.superintendent, Role.board, Role.admin},
    "targets.approved_export": {Role.principal, Role.regional_leader, Role.superintendent, Role.board, Role.admin},
    "review.queue": {Role.regional_leader, Role.admin, Role.superintendent},
    "review.plan": {Role.regional_leader, Role.admin, Role.superintendent},
    "review.completeness": {Role.regional_leader, Role.admin, Role.superintendent},
    "review.approve": {Role.regional_leader, Role.admin},
    "review.bulk_approve": {Role.regional_leader, Role.admin},
    "review.decide": {Role.regional_leader, Role.admin},
    "review.comment": {Role.regional_leader, Role.admin},
    "review.remind": {Role.regional_leader, Role.admin},
    "initiatives.cycle": {Role.central_office, Role.superintendent, Role.admin},
    "initiatives.initiative": {Role.central_office, Role.superintendent, Role.admin},
    "initiatives.check_in": {Role.central_office, Role.superintendent, Role.admin},
    "initiatives.new": {Role.central_office, Role.admin},
    "initiatives.edit": {Role.central_office, Role.admin},
    "initiatives.add_metric": {Role.central_office, Role.admin},
    "initiatives.edit_metric": {Role.central_office, Role.admin},
    "initiatives.start_check_in": {Role.central_office, Role.admin},
    "initiatives.calendar": {Role.central_office, Role.superintendent, Role.admin},  # every office reads it
    "initiatives.add_period": {Role.superintendent, Role.admin},  # ... the superintendent's office keeps it
    "initiatives.edit_period": {Role.superintendent, Role.admin},
    "initiatives.remove_period": {Role.superintendent, Role.admin},
    "initiatives.save_check_in": {Role.central_office, Role.admin},
    "initiatives.record_sharing": {Role.central_office, Role.admin},
    "initiatives.submit_check_in": {Role.central_office, Role.admin},
    "initiatives.advance": {Role.superintendent, Role.admin},
    "initiatives.review_check_in": {Role.superintendent, Role.admin},
    "initiatives.record_superintendent": {Role.superintendent, Role.admin},
    "initiatives.place_check_in": {Role.superintendent, Role.admin},
    "initiatives.unplace_check_in": {Role.superintendent, Role.admin},
    "initiatives.attach_file": {Role.central_office, Role.admin},  # the office that keeps the check-in
    "initiatives.remove_file": {Role.central_office, Role.admin},
    # The check-in's readers; a Board member only a file frozen in a published Board update (others 404).
    "initiatives.evidence_file": {Role.central_office, Role.superintendent, Role.admin, Role.board},
    "board.updates": {Role.board, Role.superintendent, Role.admin, Role.central_office},
    "board.update": {Role.board, Role.superintendent, Role.admin, Role.central_office},
    "board.create_update": {Role.superintendent, Role.admin},
    "board.place": {Role.superintendent, Role.admin},
    "board.unplace": {Role.superintendent, Role.admin},
    "board.publish": {Role.superintendent, Role.admin},
    "board.report_pdf": {Role.board, Role.superintendent, Role.admin, Role.central_office},  # as board.update
    "board.report_pptx": {Role.board, Role.superintendent, Role.admin, Role.central_office},
    "board.data_reviews": {Role.regional_leader, Role.central_office, Role.superintendent, Role.admin},
    "board.log_meeting": {Role.regional_leader, Role.central_office, Role.superintendent, Role.admin},
    "results.actuals_import": {Role.admin},
    "public.progress": PUBLIC,
    "review.queue_export": {Role.regional_leader, Role.admin, Role.superintendent},
    # The dashboard's scope within a role (a leader's region, a principal's school): tests/test_role_dashboards.py.
    "dashboard.district": {Role.principal, Role.regional_leader, Role.superintendent, Role.board, Role.admin},
    "dashboard.region": {Role.regional_leader, Role.superintendent, Role.board, Role.admin},
    "dashboard.school": {Role.principal, Role.regional_leader, Role.superintendent, Role.board, Role.admin},
    "dashboard.export": {Role.principal, Role.regional_leader, Role.superintendent, Role.board, Role.admin},
    # An office's dashboard: a central office its own (another office's answers 404), the superintendent's
    # office and administrators every office's; the board reads the district's initiatives on its dashboard.
    "dashboard.offices": {Role.central_office, Role.superintendent, Role.admin},
    "dashboard.office": {Role.central_office, Role.superintendent, Role.admin},
    "dashboard.office_export": {Role.central_office, Role.superintendent, Role.admin},
    "scorecard.scorecard": PUBLIC,  # aggregates only: the district's Measures of Success
    "scorecard.export": PUBLIC,
    "scorecard.measure": PUBLIC,
    "scorecard.annual_reports": {Role.board, Role.superintendent, Role.admin, Role.central_office},
    "scorecard.annual_report": {Role.board, Role.superintendent, Role.admin, Role.central_office},
    "scorecard.add_value": {Role.central_office, Role.admin},
    "scorecard.set_feed": {Role.central_office, Role.admin},
    "scorecard.import_values": {Role.central_office, Role.admin},
    "scorecard.create_annual_report": {Role.superintendent, Role.admin},
    "scorecard.publish_annual_report": {Role.superintendent, Role.admin},
    "cycles.cycles": {Role.admin},
    "cycles.new_cycle": {Role.admin},
    "cycles.extend_window": {Role.admin},
    "cycles.extension": {Role.admin},
    "cycles.withdraw_extension": {Role.admin},
    "admin.users": {Role.admin},
    "admin.new_user": {Role.admin},
    "admin.user": {Role.admin},
    "admin.set_password": {Role.admin},
    "admin.toggle_active": {Role.admin},
    "admin.imports_page": {Role.admin},
    "admin.import_template": {Role.admin},
    "admin.people_sync_preview": {Role.admin},
    "admin.people_sync_apply": {Role.admin},
}


@pytest.fixture(scope="module")
def samples(app):
    """URL arguments for each route: the principal's own school and one in another region."""
    with app.app_context():
        principal = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.principal]))
        own = principal.school
        other = db.session.scalar(select(School).where(School.region_id != own.region_id).order_by(School.id))
        board = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.board]))
        from portal.progress.models import BoardUpdate, CheckIn, CheckInPeriod, Initiative
        from portal.targets.models import Target, TargetPlan

        own_plan = db.session.scalar(select(TargetPlan).where(TargetPlan.school_id == own.id))
        row = db.session.scalar(select(Target.id).where(Target.plan_id == own_plan.id))
        tutoring = db.session.scalar(select(Initiative).where(Initiative.code == "tutoring"))
        return {"school_id": own.id, "other_school_id": other.id, "user_id": board.id, "code": "2D",
                "filename": "css/app.css", "plan_id": own_plan.id, "row_id": row,
                "cycle_id": own_plan.cycle_id, "notification_id": 10_000_000, "email_id": 10_000_000,
                "fmt": "csv", "token": "not-a-signed-link", "what": "codes", "extension_id": 10_000_000,
                "file_id": 10_000_000,
                "kind": "schools",
                "initiative_id": tutoring.id, "metric_id": tutoring.metrics[0].id,
                "check_in_id": db.session.scalar(select(CheckIn.id).where(CheckIn.initiative_id == tutoring.id)
                                                 .order_by(CheckIn.period_end.desc()).limit(1)),
                # the latest published Board update: the demo keeps its PDF and deck (portal/demo/board.py)
                "update_id": db.session.scalar(select(BoardUpdate.id).where(
                    BoardUpdate.published_at.is_not(None), BoardUpdate.kind_code != "annual_report")
                    .order_by(BoardUpdate.meeting_date.desc()).limit(1)),
                # a period check-ins report on: an administrator's post to remove it is refused
                "period_id": db.session.scalar(select(CheckInPeriod.id).where(CheckInPeriod.name == "Fall 2024"))}


def url_for_rule(app, rule, samples):
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{arg: samples[arg] for arg in rule.arguments})


def test_every_route_has_a_declared_access_rule(app):
    with app.test_request_context():
        endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
        missing = sorted(e for e in endpoints if rule_for(e) is None)
    assert not missing, f"routes without an access rule: {missing}"
    undeclared = sorted(endpoints - DECLARED.keys())
    assert not undeclared, f"routes missing from the access table in this test: {undeclared}"


def test_the_code_rules_match_the_declared_table(app):
    with app.test_request_context():
        for endpoint, who in DECLARED.items():
            rule = rule_for(endpoint)
            if who == PUBLIC:
                assert rule.public, endpoint
            else:
                assert not rule.public and set(rule.roles) == who, endpoint


def expected_status(who, role, method):
    if who == PUBLIC:
        return None  # answered for everyone; the page decides
    if role is None:
        return 302
    return None if role in who else 403


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: "anonymous" if r is None else r.value)
def test_every_route_answers_each_role_as_declared(app, client, login_as, samples, role):
    if role is not None:
        login_as(role)
    token = csrf_from(client.get("/login" if role is None else "/home").get_data(as_text=True))
    checked = 0
    for rule in app.url_map.iter_rules():
        url = url_for_rule(app, rule, samples)
        who = DECLARED[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for htmx in (False, True):
                if rule.endpoint == "auth.logout":
                    continue  # logging out would end this walk; test_auth covers it
                headers = {"HX-Request": "true"} if htmx else {}
                if method == "POST":
                    headers["X-CSRFToken"] = token
                response = client.open(url, method=method, headers=headers)
                want = expected_status(who, role, method)
                got = response.status_code
                if want == 302 and htmx:
                    assert got == 401 and "/login" in response.headers["HX-Redirect"], (url, method, role)
                elif want == 302:
                    assert got == 302 and "/login" in response.headers["Location"], (url, method, role)
                elif want == 403:
                    assert got == 403, (url, method, role, got)
                else:
                    assert got < 500 and got not in (401, 403), (url, method, role, got)
                checked += 1
    assert checked > 20


def school_status(client, school_id, htmx=False):
    return client.get(f"/schools/{school_id}", headers={"HX-Request": "true"} if htmx else {}).status_code


def test_a_principal_sees_their_own_school_and_no_other(login_as, client, samples):
    login_as(Role.principal)
    assert school_status(client, samples["school_id"]) == 200
    assert school_status(client, samples["other_school_id"]) == 404
    assert school_status(client, samples["other_school_id"], htmx=True) == 404
    my = client.get("/my-school")  # the school's dashboard, at the principal's own address
    assert my.status_code == 200 and f'href="/schools/{samples["school_id"]}"' in my.get_data(as_text=True)


def test_a_regional_leader_sees_only_their_regions_schools(app, login_as, client, samples):
    login_as(Role.regional_leader)
    assert school_status(client, samples["school_id"]) == 200  # the principal's school is in Central
    assert school_status(client, samples["other_school_id"]) == 404
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.regional_leader]))
        in_region = db.session.scalar(select(School.code).where(School.region_id == leader.region_id)
                                      .order_by(School.id))
        elsewhere = db.session.scalar(select(School.code).where(School.region_id != leader.region_id)
                                      .order_by(School.id))
    listing = client.get("/schools?q=" + elsewhere).get_data(as_text=True)
    assert "0 schools match" in listing
    listing = client.get("/schools?q=" + in_region).get_data(as_text=True)
    assert "1 school matches" in listing


def test_a_district_role_reads_any_school(login_as, client, samples):
    login_as(Role.superintendent)
    assert school_status(client, samples["other_school_id"]) == 200
    assert school_status(client, 10_000_000) == 404


def test_every_navigation_item_is_a_page_its_role_may_open(app):
    """The navigation reads the same role rules as the views: no role is shown a link it would be refused."""
    from portal.kernel.access import rule_for
    from portal.kernel.navigation import _NAV

    with app.test_request_context():
        refused = [(role.value, endpoint) for role, items in _NAV.items() for _, endpoint in items
                   if not rule_for(endpoint).public and role not in rule_for(endpoint).roles]
    assert _NAV and refused == []
