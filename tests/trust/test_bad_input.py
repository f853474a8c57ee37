"""Bad input: every form the portal posts, and every import, fed text of any kind (control
characters, NUL, right-to-left marks, 100,000 characters, nothing at all), numbers out of range,
NaN and infinity, wrong types, unknown ids, and files that are not what they claim (random bytes,
bad quoting, a wrong header, a byte-order mark, Latin-1, a zip that is not a workbook, a workbook
with the wrong sheet). Never a server error; a refusal says what is wrong on the page; and a
refused request leaves every table as it was. A new form route without a case here fails."""
import io
import zipfile
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from PIL import Image
from sqlalchemy import select

from portal.admin.forms import ImportForm
from portal.auth.reset import token_for
from portal.extensions import db
from portal.kernel.policy import Role
from portal.measures.value_import import IMPORT_COLUMNS
from portal.notifications.models import Notification
from portal.org import imports
from portal.org.models import UNUSABLE_PASSWORD, School, User
from portal.progress import action_plans, evidence_files
from portal.progress.evidence_checks import check_upload
from portal.progress.models import CheckIn, CheckInPeriod, Initiative
from portal.targets import results as actuals
from portal.targets.models import Target, TargetCycle, TargetPlan, WindowExtension
from tests.trust.conftest import changed_tables, dump, log_in

NASTY = ["", " ", "\x00", "a\x00b", "\u202eevil\u202c", "\u200f\u05e9\u05dc\u05d5\u05dd", "NaN", "nan", "inf", "-inf",
         "Infinity", "1e309", "-1e309", "-1", "0", "-0", "99999999999999999999", "1,000,000", "12.5%", "\u2212 20",
         "\u0661\u0662\u0663", "=1+1", "@SUM(A1)", "<script>alert(1)</script>", "' OR 1=1 --", "2023-02-30",
         "9999-12-31", "0001-01-01", "2023-13-01", "24/12/2023", "\r\n\t", "%00", "../../etc/passwd", "[]", "{}",
         "true", "None", "null", "1; DROP TABLE school", "\ufeff", "\ud7ff", "x" * 100_000, "9" * 400]
text_values = st.one_of(st.sampled_from(NASTY), st.text(max_size=40), st.integers(-10**20, 10**20).map(str),
                        st.floats().map(str), st.text(min_size=1, max_size=3).map(lambda s: s * 30_000))
# Numbers and ids: mostly plausible-looking, sometimes anything at all.
id_values = st.one_of(st.integers(-5, 10**12).map(str), text_values)

# Every form route: who posts it, and the fields it reads (values drawn from text_values).
FORMS = {
    "auth.login": (None, ["email", "password", "next"]),
    "password.forgot": (None, ["email"]),
    "password.reset": (None, ["password", "confirm"]),
    "admin.people_sync_apply": ("admin", ["content", "fingerprint"]),
    "mfa.account": ("principal", ["code"]),
    "mfa.change": ("principal", ["code"]),
    "mfa.verify": (None, ["code", "recovery"]),
    "mfa.enrol": (None, ["code"]),
    "targets.save_row": ("principal", ["target_2026-{row}", "trajectory-{row}", "year_target-{row}",
                                       "rationale-{row}", "version"]),
    "targets.save_all": ("principal", ["target_2026-{row}", "trajectory-{row}", "year_target-{row}",
                                       "rationale-{row}", "version"]),
    "targets.fill": ("principal", ["fill", "target_2026-{row}", "trajectory-{row}", "rationale-{row}", "version"]),
    "targets.submit": ("principal", ["version"]),
    "targets.comment": ("principal", ["comment"]),
    "review.approve": ("leader", ["version", "back", "show_region"]),
    "review.bulk_approve": ("leader", ["plan", "status", "level", "q", "sort", "region", "page"]),
    "review.decide": ("leader", ["action", "comment", "version", "then", "queue"]),
    "review.comment": ("leader", ["comment", "queue"]),
    "review.remind": ("leader", ["region", "back"]),
    "initiatives.new": ("admin", ["name", "priority", "description", "measure", "extra_measures", "office"]),
    "initiatives.edit": ("admin", ["name", "priority", "description", "measure", "extra_measures", "office",
                                   "version"]),
    "initiatives.add_metric": ("admin", ["name", "unit", "direction", "breakdown", "baselines", "targets",
                                         "baseline_label", "target_label"]),
    "initiatives.edit_metric": ("admin", ["name", "unit", "direction", "breakdown", "baselines", "targets",
                                          "baseline_label", "target_label", "version"]),
    "initiatives.start_check_in": ("admin", ["period_id", "period", "period_end"]),
    "initiatives.add_period": ("admin", ["name", "opens_on", "due_on"]),
    "initiatives.edit_period": ("admin", ["version", "name", "opens_on", "due_on"]),
    "initiatives.save_check_in": ("admin", ["version", "as_of", "value-{metric}-0", "new-breakdown-{metric}",
                                            "value-{metric}-new", "status", "narrative", "evidence"]),
    "initiatives.record_sharing": ("admin", ["version", "sharing_date", "sharing_attendees", "sharing_notes"]),
    "initiatives.submit_check_in": ("admin", ["version", "narrative", "status", "value-{metric}-0"]),
    "initiatives.review_check_in": ("admin", ["action", "comment", "review_notes", "version"]),
    "initiatives.record_superintendent": ("admin", ["version", "supt_date", "supt_feedback", "supt_decisions",
                                                    "supt_followups"]),
    "initiatives.place_check_in": ("admin", ["version", "board_update_id"]),
    "initiatives.unplace_check_in": ("admin", ["version", "board_update_id"]),
    "initiatives.advance": ("admin", ["action", "version", "board_update_id", "back"]),
    # On a check-in of its own at stage 1 (so the office may change its files): a file field sent as text.
    "initiatives.attach_file": ("admin", ["version", "evidence_file"]),
    "initiatives.remove_file": ("admin", ["version"]),
    "board.create_update": ("admin", ["kind", "school_year", "meeting_date", "title"]),
    "board.place": ("admin", ["check_in_id", "version"]),
    "board.unplace": ("admin", ["check_in_id", "version"]),
    "board.publish": ("admin", ["version"]),
    "board.log_meeting": ("admin", ["held_on", "held_by", "region", "schools", "notes"]),
    "scorecard.add_value": ("admin", ["year", "subtarget", "value", "as_of", "source", "note", "version",
                                      "seen_year", "seen_subtarget"]),
    "scorecard.set_feed": ("admin", ["feed"]),
    "scorecard.create_annual_report": ("admin", ["school_year", "meeting_date"]),
    "scorecard.publish_annual_report": ("admin", ["version"]),
    "cycles.new_cycle": ("admin", ["school_year", "kind", "name", "opens_on", "due_on", "closes_on"]),
    "cycles.extend_window": ("admin", ["school_code", "until", "reason"]),
    "cycles.extension": ("admin", ["until", "reason"]),
    "cycles.withdraw_extension": ("admin", ["withdraw_reason"]),
    "admin.new_user": ("admin", ["email", "name", "role", "school_code", "region_code", "office_code"]),
    "admin.set_password": ("admin", ["password", "confirm"]),
    "notifications.mark_read": ("principal", ["next"]),
    "main.language": ("principal", ["language", "next"]),
    # The principal's kinds, security (never a choice), a leader's kind and no kind at all.
    "notifications.preferences": ("principal", ["target_window_open", "plan_returned", "plan_approved",
                                                "plan_reopened", "window_extended", "target_due",
                                                "reviewer_reminder", "security", "plan_submitted", "no_such_kind"]),
}
# Posts whose only input is the record in the URL and the CSRF token (covered by the access matrix).
NO_FIELDS = {"auth.logout", "admin.toggle_active", "plan.make_current", "notifications.open_notification",
             "initiatives.remove_period", "notifications.read_all", "notifications.retry", "notifications.retry_all"}
# Imports: the columns a good file has.
UPLOADS = {
    "admin.imports_page": {"schools": imports.SCHOOL_COLUMNS, "users": imports.USER_COLUMNS,
                           "baselines": actuals.COLUMNS},
    "results.actuals_import": {"": actuals.COLUMNS},
    "admin.people_sync_preview": {"": imports.USER_COLUMNS},
    "scorecard.import_values": {"": IMPORT_COLUMNS},
}
MESSAGES = ("error-summary", "field--error", "report-problem", "error-page", "app-alert", "flash--error",
            'role="alert"', "Not saved", "Too many failed log-in attempts")


@pytest.fixture(scope="module")
def places(private_app, cast):
    """The records the forms post about: a plan and a check-in nobody else's test uses."""
    with private_app.app_context():
        school = db.session.scalar(select(School).where(School.id.not_in([cast.school, cast.other_school]))
                                   .order_by(School.id))
        principal = db.session.scalar(select(User).where(User.school_id == school.id, User.role == Role.principal))
        plan = db.session.scalar(select(TargetPlan).where(TargetPlan.school_id == school.id))
        row = db.session.scalar(select(Target.id).where(Target.plan_id == plan.id).order_by(Target.id))
        initiative = db.session.scalar(select(Initiative).where(Initiative.code == "connectivity"))
        check_in = db.session.scalar(select(CheckIn).where(CheckIn.initiative_id == initiative.id)
                                     .order_by(CheckIn.period_end.desc()))
        leader = db.session.scalar(select(User).where(User.role == Role.regional_leader,
                                                      User.region_id == school.region_id))
        someone = User(email="fuzzed.password@district.example", name="Password Fuzzed", role=Role.board,
                       password_hash=UNUSABLE_PASSWORD)
        db.session.add(someone)
        note = Notification(user_id=principal.id, kind="reviewer_reminder", subject="Your targets are overdue",
                            body="Please finish and submit them.", link="/targets/", delivery="off")
        db.session.add(note)
        admin = db.session.scalar(select(User).where(User.email == "admin@district.example"))
        extension = WindowExtension(cycle_id=plan.cycle_id, school_id=school.id, until=plan.cycle.closes_on,
                                    reason="A new principal.", granted_by_id=admin.id)
        db.session.add(extension)
        evidence_check_in, file_id = evidence_place(initiative, admin)
        db.session.commit()
        args = {"extension_id": extension.id, "evidence_check_in_id": evidence_check_in, "file_id": file_id,
                "plan_id": plan.id, "row_id": row, "initiative_id": initiative.id,
                "metric_id": initiative.metrics[0].id, "check_in_id": check_in.id, "update_id": 3,
                "user_id": someone.id, "cycle_id": db.session.scalar(select(TargetCycle.id)),
                "code": "2D-1", "row": str(row), "metric": str(initiative.metrics[0].id), "notification_id": note.id,
                "token": token_for(someone), "what": "codes",
                # a period check-ins report on: its name and last day stay, and it is never removed
                "period_id": db.session.scalar(select(CheckInPeriod.id).where(CheckInPeriod.name == "Fall 2024"))}
        emails = {"principal": principal.email, "leader": leader.email, "admin": "admin@district.example"}
        db.session.remove()
    people = {who: log_in(private_app, email) for who, email in emails.items()}
    return args, people


EVIDENCE_FORMS = {"initiatives.attach_file", "initiatives.remove_file"}


def evidence_place(initiative: Initiative, admin: User) -> tuple[int, int]:
    """A check-in at stage 1 of its own, with a PDF attached: (its id, the file's id)."""
    check_in = action_plans.start_check_in(initiative, "Evidence files, bad input", date(2019, 1, 31), admin)
    page = Image.new("RGB", (200, 100), "white")
    pdf = io.BytesIO()
    page.save(pdf, "PDF")
    checked, problem = check_upload("report.pdf", pdf.getvalue(), 10 * 1024 * 1024)
    assert checked is not None and check_in is not None, problem
    db.session.flush()
    assert evidence_files.attach(check_in, checked, admin, check_in.version) == {}
    return check_in.id, check_in.files[0].id


def post_routes(app) -> set[str]:
    with app.test_request_context():
        return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def test_every_form_and_import_has_a_bad_input_case(private_app):
    missing = sorted(post_routes(private_app) - FORMS.keys() - UPLOADS.keys() - NO_FIELDS)
    assert not missing, f"form routes with no bad-input case: {missing}"
    with private_app.test_request_context():
        kinds = {choice.value for choice in ImportForm.kind.kwargs["choices"]}
    assert kinds == set(UPLOADS["admin.imports_page"]), "every kind of import has a bad-input case"


def url_of(app, endpoint: str, args: dict) -> str:
    from flask import url_for

    with app.test_request_context():
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint and "POST" in r.methods)
        return url_for(endpoint, **{k: args[k] for k in rule.arguments})


def answer_is_clear(app, before: dict, response) -> None:
    """Never a 500; a refusal says what is wrong and changes nothing."""
    status = response.status_code
    assert status < 500, status
    if status >= 400:
        page = response.get_data(as_text=True)
        assert any(marker in page for marker in MESSAGES), (status, page[:500])
        assert not changed_tables(before, dump(app)), f"a refused request ({status}) changed the database"


@pytest.mark.parametrize("endpoint", sorted(FORMS))
@settings(max_examples=8)
@given(data=st.data())
def test_no_form_fails_or_half_writes_whatever_is_typed(private_app, places, endpoint, data):
    args, people = places
    if endpoint in EVIDENCE_FORMS:
        args = {**args, "check_in_id": args["evidence_check_in_id"]}
    who, fields = FORMS[endpoint]
    person = people[who] if who else log_in(private_app, None)
    form = {}
    for field in fields:
        name = field.format(**args)
        if data.draw(st.integers(0, 5)) == 0:
            continue  # a field left out altogether
        strategy = id_values if name in ("version", "board_update_id", "check_in_id", "plan", "page") else text_values
        form[name] = data.draw(strategy, label=name)
    htmx = data.draw(st.booleans(), label="htmx")
    before = dump(private_app)
    response = person.post(url_of(private_app, endpoint, args), form, htmx=htmx)
    answer_is_clear(private_app, before, response)


# ---------------------------------------------------------------- answers from another site

# What the sign-in callback reads from its address: the identity provider's answer. Anyone can send
# anything there; an answer to no sign-in this browser started is refused before the provider is asked.
ANSWERS = ["code", "state", "error", "error_description", "iss", "session_state"]


@pytest.fixture
def provider_set(private_app, monkeypatch):
    """Sign-in through an identity provider, which is never reached: nothing listens at its address."""
    monkeypatch.setitem(private_app.config, "OIDC_ISSUER", "http://127.0.0.1:9")
    monkeypatch.setitem(private_app.config, "OIDC_CLIENT_ID", "ready-portal")


@settings(max_examples=30)
@given(data=st.data())
def test_no_answer_at_the_sign_in_callback_fails_or_signs_anyone_in(private_app, provider_set, data):
    visitor = log_in(private_app, None)
    answer = {name: data.draw(text_values, label=name) for name in ANSWERS if data.draw(st.booleans(), label=name)}
    before = dump(private_app)
    response = visitor.get("/login/oidc/callback", query_string=answer)
    answer_is_clear(private_app, before, response)
    assert response.status_code == 400
    assert visitor.get("/home").status_code == 302


# ---------------------------------------------------------------- files
def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    import csv

    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def workbook(rows: list[list], sheet: str = "Sheet1", extra_first: bool = False) -> bytes:
    book = Workbook()
    first = book.active
    if extra_first:
        first.title = "Notes"
        first.append(["This workbook's first sheet is not the data."])
        first = book.create_sheet(sheet)
    else:
        first.title = sheet
    for row in rows:  # a workbook cannot hold control characters at all: Excel would not write them
        first.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def not_a_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "This zip holds no workbook.")
    return out.getvalue()


@st.composite
def bad_files(draw, columns: list[str]):
    """(file bytes, file name): a file that is wrong in one of many ways."""
    cells = st.one_of(text_values.filter(lambda v: len(v) < 2000), st.integers(-10**6, 10**6).map(str))
    rows = draw(st.lists(st.lists(cells, min_size=len(columns), max_size=len(columns)), min_size=1, max_size=4))
    kind = draw(st.sampled_from(["random", "csv_rows", "duplicate", "wrong_header", "bom", "latin1", "quoting",
                                 "ragged", "header_only", "xlsx_random", "not_xlsx", "xlsx_rows", "xlsx_sheet",
                                 "wrong_name", "empty"]))
    name = draw(st.sampled_from(["data.csv", "DATA.CSV", "../../data.csv", "data .csv"]))
    xlsx = "data.xlsx"
    if kind == "random":
        return draw(st.binary(min_size=1, max_size=3000)), draw(st.sampled_from([name, xlsx]))
    if kind == "csv_rows":
        return csv_bytes([columns] + rows), name
    if kind == "duplicate":
        return csv_bytes([columns] + rows + rows), name
    if kind == "wrong_header":
        return csv_bytes([[c.upper() + "x" for c in columns]] + rows), name
    if kind == "bom":
        return b"\xef\xbb\xbf" + csv_bytes([columns] + rows), name
    if kind == "latin1":
        return ("\n".join(",".join(columns) for _ in range(2)) + "\ncaf\xe9,\xff\xfe").encode("latin-1"), name
    if kind == "quoting":
        return (",".join(columns) + '\n"unclosed,' + ",".join(rows[0]) + '\n"a""b",c"d\n').encode(), name
    if kind == "ragged":
        return csv_bytes([columns] + [r + ["extra", "cells"] for r in rows] + [r[:1] for r in rows]), name
    if kind == "header_only":
        return csv_bytes([columns]), name
    if kind == "xlsx_random":
        return draw(st.binary(min_size=1, max_size=3000)), xlsx
    if kind == "not_xlsx":
        return not_a_workbook(), xlsx
    if kind == "xlsx_rows":
        return workbook([columns] + rows), xlsx
    if kind == "xlsx_sheet":
        return workbook([columns] + rows, sheet="Results", extra_first=True), xlsx
    if kind == "wrong_name":
        return csv_bytes([columns] + rows), draw(st.sampled_from(["data.xls", "data.txt", "data", ".csv", "x.exe"]))
    return b"", name


@pytest.mark.parametrize("endpoint,kind", [(e, k) for e, kinds in sorted(UPLOADS.items()) for k in sorted(kinds)])
@settings(max_examples=15)
@given(data=st.data())
def test_no_import_fails_or_half_writes_whatever_the_file(private_app, places, endpoint, kind, data):
    _, people = places
    content, filename = data.draw(bad_files(UPLOADS[endpoint][kind]), label="file")
    form = {"file": (io.BytesIO(content), filename)}
    if kind:
        form["kind"] = kind
    before = dump(private_app)
    response = people["admin"].post(url_of(private_app, endpoint, {}), form, content_type="multipart/form-data")
    answer_is_clear(private_app, before, response)


def test_an_import_of_unknown_kind_is_refused_plainly(private_app, places):
    _, people = places
    before = dump(private_app)
    response = people["admin"].post("/admin/imports", {"kind": "grades", "file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")},
                                    content_type="multipart/form-data")
    assert response.status_code == 422
    answer_is_clear(private_app, before, response)



# ---------------------------------------------------------------- evidence files

EVIDENCE_NAMES = ["report.pdf", "../../etc/passwd.pdf", "\x00\x1b.pdf", "\u202efdp.exe", "a" * 400 + ".pdf",
                  "page.html", "chart.svg", "book.xlsx", "notes.docx", "slides.pptx", "photo.png", ".pdf", ""]


@st.composite
def bad_evidence(draw):
    """A file that is not an evidence file the portal takes, under any name."""
    kind = draw(st.sampled_from(["random", "elf", "exe", "html", "svg", "zip", "office_without_parts", "empty"]))
    if kind == "random":
        content = draw(st.binary(min_size=1, max_size=2000))
    elif kind in ("elf", "exe"):
        content = (b"\x7fELF\x02\x01\x01" if kind == "elf" else b"MZ\x90\x00") + draw(st.binary(max_size=500))
    elif kind in ("html", "svg"):
        content = (b"<!doctype html><script>alert(1)</script>" if kind == "html" else
                   b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    elif kind in ("zip", "office_without_parts"):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("[Content_Types].xml" if kind == "office_without_parts" else "notes.txt",
                             draw(st.text(max_size=200)))
        content = out.getvalue()
    else:
        content = b""
    # A browser escapes line breaks and quotes in the name it sends (as %0D, %0A and %22).
    typed = st.text(st.characters(exclude_characters='\r\n"'), max_size=60)
    return content, draw(st.one_of(st.sampled_from(EVIDENCE_NAMES), typed))


@settings(max_examples=25)
@given(data=st.data())
def test_no_evidence_file_fails_or_half_writes_whatever_the_file(private_app, places, data):
    args, people = places
    content, filename = data.draw(bad_evidence(), label="file")
    with private_app.app_context():
        version = db.session.get(CheckIn, args["evidence_check_in_id"]).version
    before = dump(private_app)
    url = url_of(private_app, "initiatives.attach_file", {"check_in_id": args["evidence_check_in_id"]})
    response = people["admin"].post(url, {"version": str(version), "evidence_file": (io.BytesIO(content), filename)},
                                    content_type="multipart/form-data")
    assert response.status_code == 422, response.status_code
    assert 'id="evidence_file-error"' in response.get_data(as_text=True)
    answer_is_clear(private_app, before, response)
