"""Access to records: every route that takes a record, for every role and an anonymous visitor,
on a record inside the person's reach (their school, region, office, or a published report) and
one outside it, as a page, as an htmx partial and as a post with a valid CSRF token. Each cell
answers as declared here, refused cells change nothing and are logged with who, what and when,
and a new route that takes a record without a declared scope fails the walk.

Who may reach each endpoint at all is the DECLARED table of tests/test_access.py; this file adds
only what happens to records outside a person's reach."""
import csv
import io
import logging
from datetime import date

import pytest
from flask import url_for
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.measures import annual_reports as ar
from portal.notifications.models import Notification
from portal.org.models import Office, User
from portal.progress import board_updates
from portal.progress import check_ins as check_in_ops
from portal.progress.board import documents as board_documents
from portal.progress.evidence_checks import check_upload
from portal.progress.models import BoardUpdate, CheckIn, EvidenceFile, Initiative, Progress, Stage
from portal.strategic_plan.models import Measure
from portal.targets.models import Target, TargetPlan
from tests.test_access import DECLARED, PUBLIC
from tests.trust.conftest import changed_tables, dump, log_in

P, L, C, S, B, A = (Role.principal, Role.regional_leader, Role.central_office, Role.superintendent, Role.board,
                    Role.admin)
EVERY_ROLE = dict.fromkeys(Role, 404)

# Endpoint -> (kind of record, what an admitted role gets for a record outside its reach).
# A role not named reaches every record of that kind (the district roles read every school).
SCOPED = {
    "main.school": ("school", {P: 404, L: 404}),
    "dashboard.school": ("school", {P: 404, L: 404}),
    "dashboard.region": ("region", {L: 404}),  # a principal has no region page (403 in DECLARED)
    "dashboard.office": ("office", {C: 404}),  # a central office reads its own office's dashboard only
    "dashboard.office_export": ("office", {C: 404}),
    "targets.plan": ("plan", {P: 404}),
    "targets.save_row": ("plan", {P: 404}),
    "targets.save_all": ("plan", {P: 404}),
    "targets.fill": ("plan", {P: 404}),
    "targets.submit": ("plan", {P: 404}),
    "targets.comment": ("plan", {P: 404}),
    "targets.approved": ("plan", {P: 404, L: 404}),  # another school's, another region's: never
    "targets.approved_export": ("plan", {P: 404, L: 404}),
    "review.plan": ("plan", {L: 404}),
    "review.approve": ("plan", {L: 404}),
    "review.decide": ("plan", {L: 404}),
    "review.comment": ("plan", {L: 404}),
    "initiatives.initiative": ("initiative", {}),  # every office reads every action plan
    "initiatives.edit": ("initiative", {C: 403}),  # ... and keeps only its own
    "initiatives.add_metric": ("initiative", {C: 403}),
    "initiatives.edit_metric": ("initiative", {C: 403}),
    "initiatives.start_check_in": ("initiative", {C: 403}),
    "initiatives.check_in": ("check_in", {}),
    "initiatives.save_check_in": ("check_in", {C: 403}),
    "initiatives.record_sharing": ("check_in", {C: 403}),
    "initiatives.submit_check_in": ("check_in", {C: 403}),
    "initiatives.advance": ("check_in", {}),
    "initiatives.review_check_in": ("check_in", {}),
    "initiatives.record_superintendent": ("check_in", {}),
    "initiatives.place_check_in": ("check_in", {}),
    "initiatives.unplace_check_in": ("check_in", {}),
    "initiatives.attach_file": ("check_in", {C: 403}),  # the office keeps its check-ins' files ...
    "initiatives.remove_file": ("evidence_file", {C: 403}),
    # ... every reader of check-ins downloads them; the Board only a file frozen in a published update
    "initiatives.evidence_file": ("evidence_file", {B: 404}),
    "board.update": ("board_update", {B: 404, C: 404}),  # a draft is hidden until published
    "board.place": ("board_update", {}),
    "board.unplace": ("board_update", {}),
    "board.publish": ("board_update", {}),
    "board.report_pdf": ("board_update", EVERY_ROLE),  # a draft has no PDF or deck, for anyone
    "board.report_pptx": ("board_update", EVERY_ROLE),
    "scorecard.annual_report": ("annual_report", {B: 404, C: 404}),
    "scorecard.publish_annual_report": ("annual_report", {}),
    "scorecard.add_value": ("measure", {C: 403}),  # the owning office keeps a measure's values
    "scorecard.set_feed": ("measure", {C: 403}),
    "notifications.open_notification": ("notification", EVERY_ROLE),  # each person's own only
    "notifications.mark_read": ("notification", EVERY_ROLE),
}
# Routes with arguments that name no record one person has and another has not.
UNSCOPED = {
    "static": "the portal's own files",
    "plan.priority": "the Strategic Plan is the same for everyone",
    "plan.choose": "every Strategic Plan the district adopted is public to read",
    "plan.make_current": "administrators only",
    "scorecard.measure": "a Measure of Success is public (who entered each value shows only after log-in)",
    "review.queue_export": "the format only; a leader's export holds their region (tested below)",
    "scorecard.export": "the format only; the scorecard is district-wide",
    "admin.user": "administrators only", "admin.set_password": "administrators only",
    "admin.toggle_active": "administrators only", "cycles.extend_window": "administrators only",
    "admin.import_template": "administrators only; a template names nobody's records",
    "cycles.extension": "administrators only", "cycles.withdraw_extension": "administrators only",
    "initiatives.edit_period": "the check-in calendar is the district's, the same for every office",
    "initiatives.remove_period": "the check-in calendar is the district's, the same for every office",
    "password.reset": "the signed link is the key, and names its own account",
    "mfa.change": "what to change (codes or off), always of the signed-in person's own account",
    "notifications.retry": "administrators only: any failed e-mail in the outbox",
}
# Posts whose own-record cell does change something (a notification marked read): a fresh record each time.
CHANGES_OWN = {"notifications.open_notification", "notifications.mark_read"}


def body_for(endpoint: str, args: dict) -> dict:
    """A post each endpoint refuses on its merits (a missing version, a blank or wrong field), so
    that a cell reached through access writes nothing either."""
    row = args.get("row_id")
    return {
        "targets.save_row": {f"target_2026-{row}": "not a number"},
        "targets.save_all": {f"target_2026-{row}": "not a number"},
        "targets.fill": {"fill": "nothing"},
        "targets.submit": {"version": "999999"},
        "review.decide": {"action": "nothing"},
        "scorecard.set_feed": {"feed": "no-such-metric"},
        "scorecard.add_value": {"year": "not a year"},
    }.get(endpoint, {})


@pytest.fixture(scope="module")
def records(private_app, cast):
    """Records inside and outside reach, by kind: (own, other) URL arguments."""
    with private_app.app_context():
        def plan_args(school_id):
            plan = db.session.scalar(select(TargetPlan).where(TargetPlan.school_id == school_id))
            row = db.session.scalar(select(Target.id).where(Target.plan_id == plan.id).order_by(Target.id))
            return {"plan_id": plan.id, "row_id": row, "fmt": "xlsx"}

        def initiative_args(code):
            item = db.session.scalar(select(Initiative).where(Initiative.code == code))
            return {"initiative_id": item.id, "metric_id": item.metrics[0].id}

        def check_in_args(code):
            item = db.session.scalar(select(Initiative).where(Initiative.code == code))
            latest = db.session.scalar(select(CheckIn.id).where(CheckIn.initiative_id == item.id)
                                       .order_by(CheckIn.period_end.desc()).limit(1))
            return {"check_in_id": latest}

        def measure_of(office_code):
            office = db.session.scalar(select(Office).where(Office.code == office_code))
            return db.session.scalar(select(Measure.code).where(Measure.owner_office_id == office.id)
                                     .order_by(Measure.code))

        published = db.session.scalar(select(BoardUpdate.id).where(  # the latest: the demo keeps its documents
            BoardUpdate.published_at.is_not(None), BoardUpdate.kind_code != ar.KIND)
            .order_by(BoardUpdate.meeting_date.desc()).limit(1))
        draft = db.session.scalar(select(BoardUpdate.id).where(BoardUpdate.published_at.is_(None),
                                                               BoardUpdate.kind_code != ar.KIND))
        supt = db.session.scalar(select(User).where(User.role == Role.superintendent))
        # The demo's annual report on 2022-23 (published in the fall of 2023), and this year's in draft.
        report = db.session.scalar(select(BoardUpdate).where(BoardUpdate.kind_code == ar.KIND,
                                                             BoardUpdate.school_year == "2022-23"))
        assert report is not None and report.published
        draft_report, errors = ar.create_annual_report({"school_year": "2024-25"}, supt)
        assert draft_report is not None, errors
        someone = db.session.scalar(select(User).where(User.email == cast.other_principal))
        notification = notification_for(someone, "Your targets are overdue.")
        files = evidence_files(supt)
        db.session.commit()
        out = {
            "school": ({"school_id": cast.school}, {"school_id": cast.other_school}),
            "region": ({"code": cast.region_code}, {"code": cast.other_region_code}),
            "plan": (plan_args(cast.school), plan_args(cast.other_school)),
            "initiative": (initiative_args("tutoring"), initiative_args("greening")),
            "check_in": (check_in_args("tutoring"), check_in_args("greening")),
            "board_update": ({"update_id": published}, {"update_id": draft}),
            "annual_report": ({"update_id": report.id}, {"update_id": draft_report.id}),
            "measure": ({"code": measure_of("instruction")}, {"code": measure_of("facilities")}),
            "office": ({"code": "instruction"}, {"code": "facilities"}),
            "notification": (None, {"notification_id": notification.id}),
            "evidence_file": files,
        }
        db.session.remove()
        return out


def evidence_files(supt: User) -> tuple[dict, dict]:
    """A file the Board was given (on a Tutoring check-in in a Board update published here), and one on
    Greening Projects' latest check-in that no Board update holds."""
    page = Image.new("RGB", (200, 100), "white")
    pdf = io.BytesIO()
    page.save(pdf, "PDF")
    checked, problem = check_upload("report.pdf", pdf.getvalue(), 10 * 1024 * 1024)
    assert checked is not None, problem

    def kept(check_in_id: int) -> dict:
        made = EvidenceFile(check_in_id=check_in_id, name=checked.name, content_type=checked.content_type,
                            size=len(checked.data), sha256=checked.sha256, data=checked.data)
        db.session.add(made)
        db.session.flush()
        return {"check_in_id": check_in_id, "file_id": made.id}

    tutoring = db.session.scalar(select(Initiative).where(Initiative.code == "tutoring"))
    given = CheckIn(initiative=tutoring, period="Access matrix", period_end=date(2019, 6, 30), stage=Stage.ready,
                    status=Progress.on_track, narrative="Given to the Board.", sharing_date=date(2019, 6, 30),
                    sharing_attendees="Team", supt_date=date(2019, 6, 30), supt_feedback="Good.")
    db.session.add(given)
    db.session.flush()
    own = kept(given.id)
    update = BoardUpdate(kind_code="end_of_year", school_year="2390-91", meeting_date=date(2391, 6, 10),
                         title="Access matrix update")
    db.session.add(update)
    db.session.flush()
    check_in_ops.place(given, update, supt, given.version)
    board_updates.publish(update, supt, update.version, board_documents.render)
    greening = db.session.scalar(select(Initiative).where(Initiative.code == "greening"))
    latest = db.session.scalar(select(CheckIn.id).where(CheckIn.initiative_id == greening.id)
                               .order_by(CheckIn.period_end.desc()).limit(1))
    return own, kept(latest)


def notification_for(user: User, subject: str) -> Notification:
    note = Notification(user_id=user.id, kind="reviewer_reminder", subject=subject,
                        body="Please finish and submit them.", link="/targets/", delivery="off")
    db.session.add(note)
    db.session.flush()
    return note


def fresh_notification(app, email: str) -> dict:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        note = notification_for(user, "A reminder for you.")
        db.session.commit()
        args = {"notification_id": note.id}
        db.session.remove()
        return args


PEOPLE = {None: None, P: "principal@district.example", L: "leader.central@district.example",
          C: "central@district.example", S: "superintendent@district.example", B: "board@district.example",
          A: "admin@district.example"}


def expected(endpoint: str, role: Role | None, reach: str, method: str):
    """200 (a page), 'ok' (a post let through to its own checks), 302 (log in), 403 or 404."""
    who = DECLARED[endpoint]
    if role is None:
        return 200 if who == PUBLIC and method == "GET" else 302
    if who != PUBLIC and role not in who:
        return 403
    allowed = 200 if method == "GET" else "ok"
    if reach == "own":
        return allowed
    return SCOPED[endpoint][1].get(role, allowed)


def test_every_route_that_takes_a_record_declares_its_scope(private_app):
    with private_app.test_request_context():
        with_arguments = {rule.endpoint for rule in private_app.url_map.iter_rules() if rule.arguments}
    undeclared = sorted(with_arguments - SCOPED.keys() - UNSCOPED.keys())
    assert not undeclared, f"routes taking a record with no declared scope: {undeclared}"
    assert not (SCOPED.keys() & UNSCOPED.keys())


def check_cell(person, endpoint, url, method, htmx, want, data):
    response = person.post(url, data, htmx=htmx) if method == "POST" else person.get(url, htmx=htmx)
    got = response.status_code
    where = (endpoint, url, method, "htmx" if htmx else "page", person.role, got)
    if want == 302 and htmx:
        assert got == 401 and "/login" in response.headers["HX-Redirect"], where
    elif want == 302:
        assert got == 302 and "/login" in response.headers["Location"], where
    elif want == "ok":
        assert got < 500 and got not in (401, 403, 404), where
    else:
        assert got == want, where
    headers = response.headers
    assert "script-src 'self'" in headers["Content-Security-Policy"], where
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY", where
    return got



def walk(app, person, role, records, caplog, own_changes: bool):
    """Every cell of one person's row of the matrix; returns (cells checked, cells refused)."""
    checked = refused = 0
    with app.test_request_context():
        rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint in SCOPED]
    for rule in sorted(rules, key=lambda r: r.rule):
        kind, _ = SCOPED[rule.endpoint]
        for reach, args in zip(("own", "other"), records[kind], strict=True):
            if (reach == "own" and rule.endpoint in CHANGES_OWN) != own_changes:
                continue
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                for htmx in (False, True):
                    if args is None:  # a record of one's own that the post changes: a fresh one each time
                        if role is None:
                            continue
                        args = fresh_notification(app, PEOPLE[role])
                    with app.test_request_context():
                        url = url_for(rule.endpoint, **{k: args[k] for k in rule.arguments})
                    caplog.clear()
                    with caplog.at_level(logging.WARNING, logger="portal"):
                        got = check_cell(person, rule.endpoint, url, method, htmx,
                                         expected(rule.endpoint, role, reach, method), body_for(rule.endpoint, args))
                    if got in (403, 404):
                        refused += 1
                        logged = [r.getMessage() for r in caplog.records if "access denied" in r.getMessage()]
                        assert logged and person.email in logged[0] and url in logged[0] and " at=" in logged[0], \
                            (rule.endpoint, reach, role)
                    if own_changes:
                        args = None
                    checked += 1
    return checked, refused


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: "anonymous" if r is None else r.value)
def test_records_outside_a_persons_reach_answer_as_declared(private_app, records, role, caplog):
    person = log_in(private_app, PEOPLE[role], role)
    before = dump(private_app)
    checked, refused = walk(private_app, person, role, records, caplog, own_changes=False)
    assert not changed_tables(before, dump(private_app)), "a refused or rejected request changed the database"
    walk(private_app, person, role, records, caplog, own_changes=True)
    assert checked >= 90 and (role is None or refused > 0)


# Public routes that sign a person in, taking no record: open to everyone, but an answer the identity
# provider did not give (a code and state of someone's making) signs nobody in and writes nothing, and
# a person already logged in stays who they are.
SIGN_IN = {"auth.oidc_login", "auth.oidc_callback"}
FORGED_ANSWERS = ["code=a-code&state=a-state", "error=access_denied&state=a-state", "code=a-code",
                  "state=&code=", "code=a-code&state=a-state&iss=https%3A%2F%2Fanother.example"]


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: "anonymous" if r is None else r.value)
def test_the_sign_in_routes_are_public_but_a_forged_answer_signs_nobody_in(private_app, monkeypatch, role):
    assert {endpoint: DECLARED[endpoint] for endpoint in SIGN_IN} == dict.fromkeys(SIGN_IN, PUBLIC)
    monkeypatch.setitem(private_app.config, "OIDC_ISSUER", "http://127.0.0.1:9")  # never reached
    monkeypatch.setitem(private_app.config, "OIDC_CLIENT_ID", "ready-portal")
    person = log_in(private_app, PEOPLE[role], role)
    before = dump(private_app)
    for answer in FORGED_ANSWERS:
        response = person.get("/login/oidc/callback?" + answer)
        if role is None:
            assert response.status_code == 400 and "This sign-in had expired" in response.get_data(as_text=True)
            assert person.get("/home").status_code == 302
        else:
            assert response.status_code == 302 and response.headers["Location"] == "/home"
            assert person.get("/home").status_code == 200
    assert not changed_tables(before, dump(private_app)), "a forged answer changed the database"


def test_a_leaders_export_holds_only_their_region_whatever_region_is_asked_for(private_app, cast):
    leader = log_in(private_app, cast.leader, L)
    for fmt in ("csv", "xlsx"):
        response = leader.get(f"/review/export.{fmt}?region={cast.other_region_code}")
        assert response.status_code == 200
    text = leader.get(f"/review/export.csv?region={cast.other_region_code}").get_data().decode("utf-8-sig")
    regions = {row["Region"] for row in csv.DictReader(io.StringIO(text))}
    assert regions == {"Local District Central"}
    district = log_in(private_app, PEOPLE[S], S)
    text = district.get(f"/review/export.csv?region={cast.other_region_code}").get_data().decode("utf-8-sig")
    assert {row["Region"] for row in csv.DictReader(io.StringIO(text))} == {"Local District East"}
    for role in (P, C):
        assert log_in(private_app, PEOPLE[role], role).get("/review/export.csv").status_code == 403


