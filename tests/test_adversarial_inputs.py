"""Adversarial input on every route, on the main test database (SQLite, or PostgreSQL when
TEST_DATABASE_URL names one): digits of other scripts (², ٣, １２), numbers past any float or BIGINT,
NaN and the infinities, dates in the years 1 and 9999, a NUL byte. Each value goes into every path
parameter and every query parameter of every page, and into every number, date, id and version field
of every form (and every such column of every import), sent by someone whose role may use it, with
the CSRF token. (A form's <int:...> in its path is the same converter as every page's, refused before
any view runs: the pages send it every value; the forms send them to their other path parameters.)

Never a server error; a refusal (4xx) says on the page what is wrong; a refused post writes nothing:
the engine's statements show no committed write, and after a form's round in which no input was
taken a dump of every table is as it was. A new page whose query parameters are not listed here, or
a new form not listed, fails. The forms act on records this module makes (tests/factories.py), never
on the demo district's; whatever an accepted input added is deleted again. The figures of a run are
printed at the end (pytest -s)."""
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

import pytest
from PIL import Image
from sqlalchemy import Integer, event, func, select

from portal.extensions import db, limiter
from portal.kernel import clock
from portal.kernel.access import rule_for
from portal.kernel.policy import Role
from portal.kernel.urls import IdConverter
from portal.measures.models import MeasureValue
from portal.measures.value_import import IMPORT_COLUMNS
from portal.org.imports import SCHOOL_COLUMNS, USER_COLUMNS
from portal.org.models import User
from portal.progress import evidence_files
from portal.progress.evidence_checks import check_upload
from portal.progress.models import BoardUpdate, CheckIn, CheckInPeriod, Initiative, ProgressMetric, Stage
from portal.strategic_plan.models import Measure
from portal.targets import results as actuals
from portal.targets.models import PlanStatus, Target, TargetPlan, WindowExtension
from tests.conftest import Actions, csrf_from
from tests.trust.conftest import DERIVED, changed_tables, dump
from tests.trust.test_bad_input import MESSAGES, csv_bytes

ADVERSARIAL = ["²", "٣", "１２", "20２４-２５", str(10**30), "1e309", "-1e309", "NaN", "inf", "1.7e308",
               "9999-12-31", "0001-01-01", "\x00", "9" * 40, "-1"]
TALLY: Counter = Counter()
ACCEPTED: list[str] = []  # the inputs a form took (2xx or 3xx), for the report

# ---------------------------------------------------------------- pages: the query parameters each reads

DASHBOARD = ["region", "goal", "level", "group"]
REVIEW = ["status", "level", "sort", "overdue", "q", "region", "page"]
SCORECARD = ["year", "pillar", "office", "status"]
ACTION_PLAN = ["name", "priority", "description", "measure", "extra_measures", "office"]
QUERY = {
    "admin.imports_page": [], "admin.import_template": [], "admin.new_user": [], "admin.user": [],
    "admin.users": ["q", "role", "page"],
    "auth.login": ["next"], "auth.oidc_login": ["next"],
    "auth.oidc_callback": ["code", "state", "error", "error_description", "iss"],
    "password.forgot": [], "password.reset": [], "mfa.verify": [], "mfa.enrol": [], "mfa.account": [],
    "board.data_reviews": ["tier", "page", "region", "below"], "board.update": [],
    "board.report_pdf": [], "board.report_pptx": [],
    "board.updates": [], "cycles.cycles": [], "cycles.extension": [],
    "dashboard.district": [*DASHBOARD, "refresh", "poll"],
    "dashboard.export": ["table", "format", "school", *DASHBOARD],
    "dashboard.region": [*DASHBOARD, "refresh", "poll"],
    "dashboard.school": DASHBOARD, "dashboard.offices": [], "dashboard.office": ["year", "pillar", "status"],
    "dashboard.office_export": ["table", "format", "year", "pillar", "status"], "initiatives.check_in": [],
    "initiatives.evidence_file": [],
    "initiatives.cycle": ["pillar", "status", "office"],
    "initiatives.edit": ACTION_PLAN, "initiatives.initiative": ["period"], "initiatives.new": ACTION_PLAN,
    "initiatives.calendar": [], "initiatives.edit_period": [],
    "main.healthz": [], "main.favicon": [], "main.home": [], "main.index": [], "main.my_school": DASHBOARD,
    "main.school": [],
    "main.schools": ["q", "level", "region", "page"], "plan.browse": ["pillar", "q"], "plan.priority": [],
    "search.search_page": ["q"],
    "plan.plans_list": [], "plan.choose": [],
    "public.progress": [], "results.actuals_import": [], "review.completeness": [], "review.plan": ["queue"],
    "review.queue": REVIEW, "review.queue_export": REVIEW, "scorecard.annual_report": [],
    "scorecard.annual_reports": [], "scorecard.export": SCORECARD, "scorecard.import_values": [],
    "scorecard.measure": ["year", "subtarget"], "scorecard.scorecard": SCORECARD, "static": [],
    "targets.mine": [], "targets.plan": [], "targets.approved": [], "targets.approved_export": [],
    "notifications.bell": [], "notifications.index": ["show", "page"], "notifications.preferences": [],
    "notifications.outbox": ["page"],
}


# ---------------------------------------------------------------- the records the forms act on

@dataclass
class Places:
    """What this module made, by name: ids for paths and forms, and a check-in at each stage a form needs."""

    app: object
    ids: dict
    check_ins: dict[str, int]
    emails: dict[str, str]  # who -> email: "admin"; the principal of the draft plan's school; its region's leader

    def version(self, model, record_id: int) -> Callable[[], str]:
        """The record's version when the form is sent (an accepted input may have moved it)."""
        def read() -> str:
            with self.app.app_context():
                return str(db.session.get(model, record_id).version)
        return read

    def page_args(self, endpoint: str) -> dict:
        """A valid value for every path parameter of a page."""
        ids = self.ids
        args = {"plan_id": ids["plan"], "row_id": ids["row"], "update_id": ids["update"], "school_id": ids["school"],
                "check_in_id": self.check_ins["save"], "initiative_id": ids["initiative"], "user_id": ids["user"],
                "code": ids["measure"], "fmt": "csv", "filename": "app.css", "period_id": ids["period"],
                "extension_id": ids["extension"], "kind": "schools", "file_id": ids["file"]}
        return args | {"review.plan": {"plan_id": ids["submitted"]},
                       "scorecard.annual_report": {"update_id": ids["report"]},
                       "dashboard.region": {"code": "C"}, "plan.priority": {"code": "1A"},
                       "dashboard.office": {"code": ids["office"]}, "dashboard.office_export": {"code": ids["office"]},
                       "plan.choose": {"code": "2022-26"},
                       "initiatives.evidence_file": {"check_in_id": self.check_ins["files"]}}.get(endpoint, {})


def arrange(f, app) -> Places:
    """A school of its own with a draft plan, a second school in its region with a submitted plan, an
    action plan with a check-in at each stage a form needs, a draft Board update and annual report."""
    school = f.school("elementary")
    plan = f.target_plan(school, PlanStatus.draft)
    submitted = f.target_plan(f.school("elementary", region=school.region), PlanStatus.submitted)
    initiative = f.initiative()
    draft = f.board_update()
    stages = {"save": Stage.sharing, "sharing": Stage.sharing, "submit": Stage.sharing, "review": Stage.data_review,
              "superintendent": Stage.superintendent, "place": Stage.ready, "advance": Stage.ready,
              "board_place": Stage.ready, "unplace": Stage.board, "board_unplace": Stage.board, "files": Stage.sharing}
    check_ins = {purpose: f.check_in(initiative, stage, period=f"Fuzzed {purpose}", period_end=date(2025, 1, 31),
                                     board=draft).id for purpose, stage in stages.items()}
    measure = db.session.scalar(select(Measure).where(Measure.unit == "percent").order_by(Measure.code))
    taken = set(db.session.scalars(select(MeasureValue.year).where(MeasureValue.measure_id == measure.id)))
    free = next(y for y in range(2011, 2021) if f"{y}-{(y + 1) % 100:02d}" not in taken)
    ids = {"plan": plan.id, "row": db.session.scalar(select(Target.id).where(Target.plan_id == plan.id)
                                                      .order_by(Target.id)),
           "submitted": submitted.id, "school": school.id, "school_code": school.code, "region": school.region.code,
           "initiative": initiative.id, "metric": initiative.metrics[0].id, "update": draft.id,
           "report": f.board_update("annual_report").id, "cycle": plan.cycle_id, "user": f.principal(school).id,
           "measure": measure.code, "free_year": f"{free}-{(free + 1) % 100:02d}", "free_as_of": f"{free + 1}-06-30",
           "office": initiative.office.code, "today": clock.today().isoformat(),  # the portal's date
           "period": f.check_in_period(date(2025, 3, 3), date(2025, 5, 30)).id}
    admin = db.session.scalar(select(User).where(User.email == "admin@district.example"))
    extension = WindowExtension(cycle_id=plan.cycle_id, school_id=school.id, until=clock.today(),
                                reason="A new principal.", granted_by_id=admin.id)
    db.session.add(extension)
    db.session.flush()
    ids["extension"] = extension.id
    ids["file"] = evidence_file(f, check_ins["files"])
    emails = {"admin": "admin@district.example", "principal": f.principal(school).email,
              "leader": f.regional_leader(school.region).email}
    return Places(app, ids, check_ins, emails)


def evidence_file(f, check_in_id: int) -> int:
    """A PDF the office attached to the check-in: the file's id."""
    check_in = db.session.get(CheckIn, check_in_id)
    page = Image.new("RGB", (200, 100), "white")
    pdf = io.BytesIO()
    page.save(pdf, "PDF")
    checked, problem = check_upload("report.pdf", pdf.getvalue(), 10 * 1024 * 1024)
    assert checked is not None, problem
    assert evidence_files.attach(check_in, checked, f.office_user(check_in.initiative.office), check_in.version) == {}
    db.session.commit()
    return check_in.files[0].id


# ---------------------------------------------------------------- forms: who sends them, what, and the fields fuzzed

@dataclass
class Post:
    """A form as a person sends it; `fields` are read as numbers, dates, ids or versions, each given as
    the template its value goes into ("{}" alone, or e.g. "K-5={}" for a figure by breakdown)."""

    who: str
    args: dict
    form: dict  # a callable value is read when the form is sent (a record's current version)
    fields: dict[str, str] = field(default_factory=dict)
    htmx: bool = False


def _plan_row(p: Places, autosave: bool) -> Post:
    """A row of the target form, saved as it is typed (htmx, the row's own address) or with Save draft."""
    row = p.ids["row"]
    form = {f"target_2026-{row}": "62", f"trajectory-{row}": "linear", f"year_target-{row}": "",
            f"rationale-{row}": "", "version": p.version(TargetPlan, p.ids["plan"])}
    args = {"plan_id": p.ids["plan"], "row_id": row} if autosave else {"plan_id": p.ids["plan"]}
    return Post("principal", args, form, {f"target_2026-{row}": "{}", f"year_target-{row}": "{}", "version": "{}"},
                htmx=autosave)


def _check_in(p: Places, purpose: str, form: dict, fields: list[str], **extra) -> Post:
    check_in = p.check_ins[purpose]
    return Post("admin", {"check_in_id": check_in}, {**form, "version": p.version(CheckIn, check_in)},
                dict.fromkeys([*fields, "version"], "{}"), **extra)


def _entry(p: Places) -> dict:
    metric = p.ids["metric"]
    return {f"value-{metric}-0": "120", f"as_of-{metric}-0": "", f"new-breakdown-{metric}": "East",
            f"value-{metric}-new": "", "as_of": "", "status": "on_track", "narrative": "The pilot reached 120."}


def _placing(p: Places, purpose: str) -> Post:
    check_in = p.check_ins[purpose]
    return Post("admin", {"update_id": p.ids["update"]}, {"check_in_id": str(check_in),
                                                          "version": p.version(CheckIn, check_in)},
                {"check_in_id": "{}", "version": "{}"})


def _metric(p: Places) -> Post:
    metric = p.ids["metric"]
    form = {"name": "Students tutored", "unit": "count", "direction": "up", "breakdown": "School level",
            "baselines": "K-5=100", "targets": "K-5=200; 6-8=150", "version": p.version(ProgressMetric, metric)}
    return Post("admin", {"initiative_id": p.ids["initiative"], "metric_id": metric}, form,
                {"baselines": "K-5={}", "targets": "K-5={}; 6-8=150", "version": "{}"})


POSTS: dict[str, Callable[[Places], Post]] = {
    "auth.login": lambda p: Post("admin", {}, {}),  # text only; the log-in's own tests cover it
    "auth.logout": lambda p: Post("admin", {}, {}),
    "password.forgot": lambda p: Post("admin", {}, {"email": "nobody@district.example"}),
    # A preview writes nothing, and applying one checks its file and fingerprint (tests/test_people_sync.py).
    "admin.people_sync_preview": lambda p: Post("admin", {}, {}),
    "mfa.verify": lambda p: Post("admin", {}, {"code": "123456"}),
    "mfa.enrol": lambda p: Post("admin", {}, {"code": "123456"}),
    "mfa.account": lambda p: Post("principal", {}, {"code": "123456"}),
    "mfa.change": lambda p: Post("principal", {"what": "codes"}, {"code": "123456"}),
    "admin.people_sync_apply": lambda p: Post("admin", {}, {"content": "bm90IGEgZmlsZQ==", "fingerprint": "0" * 64}),
    "password.reset": lambda p: Post("admin", {"token": "not-a-signed-link"}, {"password": "x", "confirm": "x"}),
    "notifications.open_notification": lambda p: Post("admin", {"notification_id": 1}, {}),
    "notifications.mark_read": lambda p: Post("admin", {"notification_id": 1}, {"next": "/home"}),
    "notifications.read_all": lambda p: Post("admin", {}, {}),
    "main.language": lambda p: Post("principal", {}, {"language": "es", "next": "/home"}),
    "notifications.preferences": lambda p: Post("principal", {}, {"plan_returned": "daily"}),  # choices, not figures
    "notifications.retry": lambda p: Post("admin", {"email_id": 1}, {}),
    "notifications.retry_all": lambda p: Post("admin", {}, {}),
    "admin.new_user": lambda p: Post("admin", {}, {
        "email": "fuzzed.person@factory.example", "name": "Fuzzed Person", "role": "principal",
        "school_code": p.ids["school_code"], "region_code": "", "office_code": ""},
        dict.fromkeys(["school_code", "region_code", "office_code"], "{}")),
    "admin.set_password": lambda p: Post("admin", {"user_id": p.ids["user"]}, {"password": "x" * 20, "confirm": ""}),
    "admin.toggle_active": lambda p: Post("admin", {"user_id": p.ids["user"]}, {}),
    "plan.make_current": lambda p: Post("admin", {"code": "2022-26"}, {}),
    "targets.save_row": lambda p: _plan_row(p, autosave=True),
    "targets.save_all": lambda p: _plan_row(p, autosave=False),
    "targets.fill": lambda p: Post("principal", {"plan_id": p.ids["plan"]},
                                   {"fill": "pace:all", "version": p.version(TargetPlan, p.ids["plan"])},
                                   {"version": "{}", f"target_2026-{p.ids['row']}": "{}"}),
    "targets.submit": lambda p: Post("principal", {"plan_id": p.ids["plan"]},
                                     {"version": p.version(TargetPlan, p.ids["plan"])}, {"version": "{}"}),
    "targets.comment": lambda p: Post("principal", {"plan_id": p.ids["plan"]}, {"comment": "A question."}),
    "review.approve": lambda p: Post("leader", {"plan_id": p.ids["submitted"]},
                                     {"version": p.version(TargetPlan, p.ids["submitted"]), "back": "/review/"},
                                     {"version": "{}"}, htmx=True),
    "review.bulk_approve": lambda p: Post("leader", {}, {"back": "/review/"}, {"plan": "{}", "page": "{}"}),
    "review.decide": lambda p: Post("leader", {"plan_id": p.ids["submitted"]},
                                    {"action": "return", "comment": "Please look again.",
                                     "version": p.version(TargetPlan, p.ids["submitted"])}, {"version": "{}"}),
    "review.comment": lambda p: Post("leader", {"plan_id": p.ids["submitted"]}, {"comment": "Looks good."}),
    "review.remind": lambda p: Post("leader", {}, {}),  # the leader's own region: nothing typed
    "initiatives.new": lambda p: Post("admin", {}, {
        "name": "Fuzzed action plan", "priority": "1C", "description": "An action plan.", "measure": "1C-1",
        "office": p.ids["office"]}, dict.fromkeys(["priority", "measure", "office"], "{}")),
    "initiatives.edit": lambda p: Post("admin", {"initiative_id": p.ids["initiative"]}, {
        "name": "Reading Tutors", "priority": "1C", "description": "An action plan.", "measure": "1C-1",
        "office": p.ids["office"], "version": p.version(Initiative, p.ids["initiative"])},
        dict.fromkeys(["priority", "measure", "office", "version"], "{}")),
    "initiatives.add_metric": lambda p: Post("admin", {"initiative_id": p.ids["initiative"]}, {
        "name": "Fuzzed metric", "unit": "count", "direction": "up", "breakdown": "", "baselines": "10",
        "targets": "20"}, {"baselines": "{}", "targets": "{}"}),
    "initiatives.edit_metric": _metric,
    "initiatives.start_check_in": lambda p: Post("admin", {"initiative_id": p.ids["initiative"]},
                                                 {"period": "Fuzzed period", "period_end": "2025-06-30"},
                                                 {"period_end": "{}", "period_id": "{}"}),
    "initiatives.add_period": lambda p: Post("admin", {}, {"name": "Fuzzed calendar period", "opens_on": "2025-06-02",
                                                           "due_on": "2025-08-29"},
                                             {"opens_on": "{}", "due_on": "{}"}),
    "initiatives.edit_period": lambda p: Post("admin", {"period_id": p.ids["period"]}, {
        "name": "Fuzzed period on the calendar", "opens_on": "2025-03-03", "due_on": "2025-05-30",
        "version": p.version(CheckInPeriod, p.ids["period"])}, {"opens_on": "{}", "due_on": "{}", "version": "{}"}),
    "initiatives.remove_period": lambda p: Post("admin", {"period_id": p.ids["period"]}, {}),
    "initiatives.save_check_in": lambda p: _check_in(p, "save", _entry(p), [
        f"value-{p.ids['metric']}-0", f"as_of-{p.ids['metric']}-0", f"value-{p.ids['metric']}-new", "as_of"]),
    "initiatives.record_sharing": lambda p: _check_in(p, "sharing", {
        "sharing_date": p.ids["today"], "sharing_attendees": "Program team", "sharing_notes": ""}, ["sharing_date"]),
    "initiatives.submit_check_in": lambda p: _check_in(p, "submit", _entry(p), [f"value-{p.ids['metric']}-0"]),
    "initiatives.review_check_in": lambda p: _check_in(p, "review", {"action": "send_back",
                                                                     "comment": "Split it by level."}, []),
    "initiatives.record_superintendent": lambda p: _check_in(p, "superintendent", {
        "supt_date": p.ids["today"], "supt_feedback": "Keep going."}, ["supt_date"]),
    "initiatives.place_check_in": lambda p: _check_in(p, "place", {"board_update_id": str(p.ids["update"])},
                                                      ["board_update_id"]),
    "initiatives.unplace_check_in": lambda p: _check_in(p, "unplace", {"board_update_id": str(p.ids["update"])},
                                                        ["board_update_id"]),
    "initiatives.advance": lambda p: _check_in(p, "advance", {"action": "place", "back": "/cycle",
                                                              "board_update_id": str(p.ids["update"])},
                                               ["board_update_id"], htmx=True),
    "board.create_update": lambda p: Post("admin", {}, {"kind": "end_of_year", "school_year": "2005-06",
                                                        "meeting_date": "2006-06-09", "title": ""},
                                          {"school_year": "{}", "meeting_date": "{}"}),
    "initiatives.attach_file": lambda p: _check_in(p, "files", {}, []),  # no file chosen: told so at the field
    "initiatives.remove_file": lambda p: Post("admin", {"check_in_id": p.check_ins["files"], "file_id": p.ids["file"]},
                                              {"version": "0"}, {"version": "{}"}),
    "board.place": lambda p: _placing(p, "board_place"),
    "board.unplace": lambda p: _placing(p, "board_unplace"),
    "board.publish": lambda p: Post("admin", {"update_id": p.ids["update"]},
                                    {"version": p.version(BoardUpdate, p.ids["update"])}, {"version": "{}"}),
    "board.log_meeting": lambda p: Post("admin", {}, {"held_on": p.ids["today"], "held_by": "central", "region": "",
                                                      "schools": p.ids["school_code"], "notes": ""},
                                        {"held_on": "{}", "schools": "{}", "region": "{}"}),
    "scorecard.add_value": lambda p: Post("admin", {"code": p.ids["measure"]}, {
        "year": p.ids["free_year"], "subtarget": "", "value": "55", "as_of": p.ids["free_as_of"], "source": "",
        "note": "", "version": "0", "seen_year": p.ids["free_year"], "seen_subtarget": ""},
        dict.fromkeys(["year", "value", "as_of", "version", "seen_year"], "{}")),
    "scorecard.set_feed": lambda p: Post("admin", {"code": p.ids["measure"]}, {"feed": ""}, {"feed": "{}"}),
    "scorecard.create_annual_report": lambda p: Post("admin", {}, {"school_year": "2012-13", "meeting_date": ""},
                                                     {"school_year": "{}", "meeting_date": "{}"}),
    "scorecard.publish_annual_report": lambda p: Post("admin", {"update_id": p.ids["report"]},
                                                      {"version": p.version(BoardUpdate, p.ids["report"])},
                                                      {"version": "{}"}),
    "cycles.new_cycle": lambda p: Post("admin", {}, {
        "school_year": "2012-13", "kind": "trajectory", "name": "Fuzzed cycle", "opens_on": "2012-08-01",
        "due_on": "2012-09-01", "closes_on": "2012-10-01"},
        dict.fromkeys(["school_year", "opens_on", "due_on", "closes_on"], "{}")),
    "cycles.extend_window": lambda p: Post("admin", {"cycle_id": p.ids["cycle"]}, {
        "school_code": p.ids["school_code"], "until": p.ids["today"], "reason": "A new principal."},
        {"until": "{}", "school_code": "{}"}),
    "cycles.extension": lambda p: Post("admin", {"extension_id": p.ids["extension"]}, {
        "until": p.ids["today"], "reason": "The data team needs a week."}, {"until": "{}"}),
    "cycles.withdraw_extension": lambda p: Post("admin", {"extension_id": p.ids["extension"]},
                                                {"withdraw_reason": "Granted to the wrong school."}),
}
# Imports: the file's columns, a row a person would send, and the columns read as numbers, dates or codes.
UPLOADS: dict[tuple[str, str], Callable[[Places], tuple[list[str], dict, list[str]]]] = {
    ("results.actuals_import", ""): lambda p: (actuals.COLUMNS, {
        "school_code": p.ids["school_code"], "metric": "ela_g3", "group": "all", "year": "2022-23", "value": "55",
        "n_students": "40"}, ["school_code", "year", "value", "n_students"]),
    ("admin.imports_page", "baselines"): lambda p: (actuals.COLUMNS, {
        "school_code": p.ids["school_code"], "metric": "ela_g3", "group": "all", "year": "2021-22", "value": "50",
        "n_students": "40"}, ["school_code", "year", "value", "n_students"]),
    ("admin.imports_page", "schools"): lambda p: (SCHOOL_COLUMNS, {
        "code": p.ids["school_code"], "name": "Fuzzed Elementary", "level": "elementary", "grade_low": "0",
        "grade_high": "5", "enrolment": "1000", "region": p.ids["region"], "priority_tier": "1"},
        ["code", "grade_low", "grade_high", "enrolment", "priority_tier"]),
    ("admin.imports_page", "users"): lambda p: (USER_COLUMNS, {
        "email": "fuzzed.import@factory.example", "name": "Fuzzed Import", "role": "principal",
        "school_code": p.ids["school_code"], "region_code": "", "office_code": ""},
        ["school_code", "region_code", "office_code"]),
    ("scorecard.import_values", ""): lambda p: (IMPORT_COLUMNS, {
        "measure": p.ids["measure"], "subtarget": "", "year": p.ids["free_year"], "value": "55",
        "as_of": p.ids["free_as_of"], "source": "", "note": ""}, ["year", "value", "as_of"]),
}


# ---------------------------------------------------------------- sending and judging

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.I)


class Writes:
    """The tables that committed transactions wrote to, from the statements the engine ran."""

    def __init__(self, engine) -> None:
        self.engine, self.committed = engine, set()
        event.listen(engine, "before_cursor_execute", self.statement)
        event.listen(engine, "commit", self.commit)
        event.listen(engine, "rollback", self.rollback)

    def statement(self, conn, _cursor, statement, *_args) -> None:
        match = WRITE.match(statement)
        if match:
            conn.info.setdefault("fuzz_writes", set()).add(match.group(1))

    def commit(self, conn) -> None:
        self.committed |= conn.info.pop("fuzz_writes", set())

    def rollback(self, conn) -> None:
        conn.info.pop("fuzz_writes", None)

    def during(self, send: Callable):
        """The answer to send(), and the tables (other than derived ones) it committed writes to."""
        self.committed = set()
        response = send()
        return response, self.committed - DERIVED

    def close(self) -> None:
        for name, fn in (("before_cursor_execute", self.statement), ("commit", self.commit),
                         ("rollback", self.rollback)):
            event.remove(self.engine, name, fn)


@dataclass
class Person:
    client: object
    token: str

    def get(self, url: str, query: dict):
        return self.client.get(url, query_string=query)

    def post(self, url: str, data: dict, htmx: bool = False, **kwargs):
        headers = {"HX-Request": "true", "X-CSRFToken": self.token} if htmx else {}
        return self.client.post(url, data={**data, "csrf_token": self.token}, headers=headers, **kwargs)


def log_in(app, email: str) -> Person:
    client = app.test_client()
    with app.app_context():
        limiter.reset()
    assert Actions(client).login(email).status_code == 303, f"log-in as {email} failed"
    return Person(client, csrf_from(client.get("/home").get_data(as_text=True)))


@dataclass
class Fuzz:
    app: object
    places: Places
    people: dict[str, Person]
    writes: Writes
    snapshot: dict | None = None  # every table as the last round left it, when nothing was taken


@pytest.fixture(scope="module")
def fuzz(app, module_factories):
    with app.app_context():
        places = arrange(module_factories, app)
        engine = db.engine
    people = {who: log_in(app, email) for who, email in places.emails.items()}
    writes = Writes(engine)
    yield Fuzz(app, places, people, writes)
    writes.close()


def path_of(rule, args: dict) -> str:
    """The rule's path with these values, each quoted as a browser would send it (a NUL as %00)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: quote(str(args[m.group(1)]), safe=""), rule.rule)


def rules_of(app, endpoint: str, method: str) -> list:
    return [r for r in app.url_map.iter_rules() if r.endpoint == endpoint and method in r.methods]


def judge(what: str, response, written: set[str]) -> list[str]:
    """What is wrong with an answer: a server error, a refusal that says nothing, a refusal that wrote."""
    TALLY["inputs"] += 1
    status, problems = response.status_code, []
    if status >= 500:
        TALLY["server errors"] += 1
        problems.append(f"{what}: {status}")
    elif status >= 400:
        TALLY["refused"] += 1
        if not any(marker in response.get_data(as_text=True) for marker in MESSAGES):
            TALLY["refusals without a message"] += 1
            problems.append(f"{what}: {status} without a message")
        if written:
            TALLY["partial writes"] += 1
            problems.append(f"{what}: refused ({status}) but wrote {sorted(written)}")
    else:
        TALLY["accepted"] += 1
        if written:
            ACCEPTED.append(f"{what} ({status}, wrote {', '.join(sorted(written))})")
    return problems


def last_ids(app) -> dict[str, int]:
    """Each table's highest id (tables with one integer key): a row a round adds has a higher one."""
    with app.app_context():
        out = {}
        for table in db.metadata.sorted_tables:
            keys = list(table.primary_key.columns)
            if len(keys) == 1 and isinstance(keys[0].type, Integer) and table.name not in DERIVED:
                out[table.name] = db.session.scalar(select(func.max(keys[0]))) or 0
        db.session.remove()
        return out


def remove_added(app, before: dict[str, int]) -> None:
    """Delete the rows accepted inputs added, with what belongs to them, as the factories delete theirs."""
    from tests import factories

    with app.app_context():
        made = []
        for table in db.metadata.sorted_tables:
            if table.name in before:
                key = list(table.primary_key.columns)[0]
                made += [(table.name, k) for k in db.session.scalars(select(key).where(key > before[table.name]))]
        if made:
            factories.purge(made)
        db.session.remove()


# ---------------------------------------------------------------- the tests

def test_every_page_and_form_says_which_inputs_it_reads(app):
    with app.test_request_context():
        rules = list(app.url_map.iter_rules())
    pages = {r.endpoint for r in rules if "GET" in r.methods}
    forms = {r.endpoint for r in rules if "POST" in r.methods}
    assert pages - QUERY.keys() == set(), "pages with no entry in QUERY (the query parameters each reads)"
    assert forms - POSTS.keys() - {endpoint for endpoint, _ in UPLOADS} == set(), "forms with no entry in POSTS"


# Query parameters a page checks before it reads the others (an unknown table is 404 at once): each is
# sent alone. A page's other parameters are read independently of each other, unknown values dropped,
# so one request carries the value in all of them.
GATES = {"dashboard.export": ["table", "format", "school"], "dashboard.office_export": ["table", "format"]}


def page_inputs(endpoint: str, rules: list, valid: dict, base: dict, value: str) -> list[tuple[str, dict]]:
    """The addresses that carry one adversarial value: in each path parameter in turn, and in the query
    (rules of one endpoint share their query, so the first rule's)."""
    sent = [(path_of(rule, valid | {name: value}), base) for rule in rules for name in sorted(rule.arguments)]
    gates = GATES.get(endpoint, [])
    together = [name for name in QUERY[endpoint] if name not in gates]
    groups = [[name] for name in gates] + ([together] if together else [])
    return sent + [(path_of(rules[0], valid), base | dict.fromkeys(group, value)) for group in groups]


@pytest.mark.parametrize("endpoint", sorted(QUERY))
def test_no_page_fails_whatever_is_in_its_path_or_query(fuzz, endpoint):
    """A page that refuses the value in several query parameters at once is asked again with it in each
    alone, so that no parameter's check hides behind another's (a NUL is refused whichever carries it)."""
    app, places = fuzz.app, fuzz.places
    with app.test_request_context():
        roles = rule_for(endpoint).roles
        rules = rules_of(app, endpoint, "GET")
    person = fuzz.people["admin" if Role.admin in roles else "principal"]
    valid = places.page_args(endpoint)
    base = {"table": "school-targets", "format": "csv", "school": str(places.ids["school"])} \
        if endpoint == "dashboard.export" else {}
    problems = []

    def ask(url: str, query: dict) -> int:
        response, written = fuzz.writes.during(lambda: person.get(url, query))
        what = f"GET {url} {query}"
        problems.extend(judge(what, response, set()))
        if written:
            problems.append(f"{what} wrote {sorted(written)}")
        return response.status_code

    for value in ADVERSARIAL:
        for url, query in page_inputs(endpoint, rules, valid, base, value):
            several = [name for name in query if query[name] == value and base.get(name) != value]
            if ask(url, query) >= 400 and len(several) > 1 and value != "\x00":
                for name in several:
                    ask(url, base | {name: value})
    assert problems == []


def _form(case: Post, name: str | None = None, value: str = "") -> dict:
    """The form as sent: its versions read now, one field made adversarial."""
    form = {k: (v() if callable(v) else v) for k, v in case.form.items()}
    if name is not None:
        form[name] = case.fields[name].format(value)
    return form


def _round(fuzz, sends: list[tuple[str, Callable]]) -> None:
    """Send each input and judge its answer. After a round in which nothing was taken every table is as
    it was; the rows an accepted input added are deleted again."""
    before, ids = fuzz.snapshot or dump(fuzz.app), last_ids(fuzz.app)
    problems, wrote = [], False
    for what, send in sends:
        response, written = fuzz.writes.during(send)
        problems += judge(what, response, written)
        wrote = wrote or bool(written)
    fuzz.snapshot = None
    if wrote:
        remove_added(fuzz.app, ids)
    else:
        fuzz.snapshot = dump(fuzz.app)
        changed = changed_tables(before, fuzz.snapshot)
        if changed:
            TALLY["partial writes"] += 1
            problems.append(f"the round changed {changed} though no input was taken")
    assert problems == []


def form_sends(fuzz, endpoint: str) -> list:
    """Every request the form's round sends: each adversarial value in each non-id path parameter and
    in each number, date, id or version field."""
    case = POSTS[endpoint](fuzz.places)
    person = fuzz.people[case.who]
    with fuzz.app.test_request_context():
        rules = rules_of(fuzz.app, endpoint, "POST")
    sends = []
    for rule in rules:
        # An <int:...> is refused by its converter before any view runs, the same on every route: the
        # pages' test sends it every value; here the other parameters (a measure's code) get them.
        for name in sorted(n for n in rule.arguments if not isinstance(rule._converters[n], IdConverter)):
            for value in ADVERSARIAL:
                url = path_of(rule, case.args | {name: value})
                sends.append((f"POST {url} ({name} in the path)",
                              lambda url=url: person.post(url, _form(case), case.htmx)))
        url = path_of(rule, case.args)
        for name in case.fields:
            for value in ADVERSARIAL:
                sends.append((f"POST {url} {name}={value!r}",
                              lambda url=url, name=name, value=value: person.post(url, _form(case, name, value),
                                                                                   case.htmx)))
    return sends


# Forms with no number, date, id or version field and only ids in their path: nothing of theirs is read
# as a number or a date (their ids meet the id converter, which the pages' test sends every value).
NOTHING_TO_FUZZ = {
    "admin.set_password", "admin.toggle_active", "auth.login", "auth.logout", "notifications.mark_read",
    "notifications.open_notification", "notifications.preferences", "notifications.read_all", "notifications.retry",
    "notifications.retry_all", "password.forgot", "admin.people_sync_preview", "admin.people_sync_apply",
    "mfa.verify", "mfa.enrol", "mfa.account", "review.comment", "review.remind", "targets.comment", "main.language",
    "initiatives.remove_period", "cycles.withdraw_extension",
}


@pytest.mark.parametrize("endpoint", sorted(set(POSTS) - NOTHING_TO_FUZZ))
def test_no_form_fails_or_writes_half_whatever_number_date_or_id_is_sent(fuzz, endpoint):
    sends = form_sends(fuzz, endpoint)
    assert sends, f"{endpoint} has nothing to fuzz: list it in NOTHING_TO_FUZZ"
    _round(fuzz, sends)


def test_the_forms_left_out_of_the_round_have_nothing_to_fuzz(fuzz):
    assert NOTHING_TO_FUZZ.issubset(POSTS)
    assert {endpoint: len(form_sends(fuzz, endpoint)) for endpoint in NOTHING_TO_FUZZ} == dict.fromkeys(
        NOTHING_TO_FUZZ, 0)


@pytest.mark.parametrize("endpoint,kind", sorted(UPLOADS))
def test_no_import_fails_or_writes_half_whatever_number_date_or_code_is_in_a_column(fuzz, endpoint, kind):
    columns, row, fuzzed = UPLOADS[(endpoint, kind)](fuzz.places)
    person = fuzz.people["admin"]
    url = path_of(rules_of(fuzz.app, endpoint, "POST")[0], {})

    def send(column: str, value: str):
        content = csv_bytes([columns, [value if c == column else row[c] for c in columns]])
        form = {"file": (io.BytesIO(content), "fuzzed.csv"), **({"kind": kind} if kind else {})}
        return person.post(url, form, content_type="multipart/form-data")

    _round(fuzz, [(f"POST {url} {kind} file, {column}={value!r}", lambda c=column, v=value: send(c, v))
                  for column in fuzzed for value in ADVERSARIAL])


def test_the_figures_of_the_run_are_printed():
    print(f"\nadversarial inputs: {TALLY['inputs']} tried, {TALLY['refused']} refused, "
          f"{TALLY['accepted']} answered 2xx/3xx, {TALLY['server errors']} server errors, "
          f"{TALLY['refusals without a message']} refusals without a message, "
          f"{TALLY['partial writes']} partial writes")
    for line in ACCEPTED:
        print("  taken:", line)
