"""Evidence files on a check-in: the office attaches its report as a PDF while it prepares the check-in,
the superintendent's office downloads it, people who may not read the check-in cannot; every kind of bad
file is refused at the file's field with nothing kept; the office removes a file while it may still edit
the check-in; and once the check-in is in a published Board update its files are frozen in the report,
downloadable by the Board and no longer removable."""
import hashlib
import io
import re
import zipfile
from contextlib import contextmanager
from html import unescape

import openpyxl
import pptx
import pypdf
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel import workflow
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.progress import check_ins as check_in_ops
from portal.progress import evidence_files
from portal.progress.models import BoardUpdate, CheckIn, EvidenceFile, Stage

TAG = re.compile(r"<[^>]+>")


@pytest.fixture
def data(app):
    @contextmanager
    def _open():
        with app.app_context():
            yield db.session
            db.session.remove()
    return _open


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(TAG.sub(" ", html)))


def report_pdf() -> bytes:
    """A one-page PDF written by Pillow's PDF writer."""
    page = Image.new("RGB", (600, 300), "white")
    ImageDraw.Draw(page).text((40, 40), "Reading Tutors: 120 K-5 students tutored", fill="black")
    out = io.BytesIO()
    page.save(out, "PDF")
    return out.getvalue()


def image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(out, kind)
    return out.getvalue()


def workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["School level", "Students tutored"])
    book.active.append(["K-5", 120])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def slides() -> bytes:
    """A one-slide deck written by python-pptx, as PowerPoint writes it."""
    deck = pptx.Presentation()
    deck.slides.add_slide(deck.slide_layouts[1]).shapes.title.text = "Reading Tutors: spring check-in"
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A small archive dressed as a workbook whose one sheet unpacks to 60 MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<Types><Override PartName="/xl/workbook.xml" ContentType="'
                         'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            for _ in range(60):
                part.write(b"\0" * 1024 * 1024)
    return out.getvalue()


def office_and_check_in(data, factories, stage: Stage = Stage.sharing) -> tuple[str, int, int]:
    with data():
        made = factories.check_in(stage=stage)
        email = factories.office_user(made.initiative.office).email
        return email, made.id, made.initiative.office_id


def attach(data, client, auth, check_in_id: int, name: str, content: bytes):
    """The office chooses the file on the check-in's page and sends the form."""
    with data() as s:
        version = s.get(CheckIn, check_in_id).version
    page = f"/check-ins/{check_in_id}"
    return client.post(f"{page}/files", content_type="multipart/form-data", data={
        "csrf_token": auth.csrf(page), "version": version, "evidence_file": (io.BytesIO(content), name)})


def files_of(data, check_in_id: int) -> list[tuple[str, str, int]]:
    with data() as s:
        return [(f.name, f.content_type, f.size) for f in s.scalars(
            select(EvidenceFile).where(EvidenceFile.check_in_id == check_in_id).order_by(EvidenceFile.id))]


def events(data, check_in_id: int, action: str) -> int:
    with data() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "check_in", AuditEvent.entity_id == check_in_id, AuditEvent.action == action))


# ---------------------------------------------------------------- the story

def test_the_office_attaches_its_report_and_the_superintendents_office_downloads_it(
        data, factories, client, auth, login_as):
    email, check_in_id, _office = office_and_check_in(data, factories)
    pdf = report_pdf()
    login_as(Role.central_office, email)
    page = client.get(f"/check-ins/{check_in_id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "No files attached." in text_of(page)

    response = attach(data, client, auth, check_in_id, "Tutoring report spring.pdf", pdf)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/check-ins/{check_in_id}")
    page = text_of(client.get(f"/check-ins/{check_in_id}").get_data(as_text=True))
    assert "Attached “Tutoring report spring.pdf” to the check-in." in page
    assert "Tutoring report spring.pdf PDF" in page and "Attached an evidence file" in page
    assert files_of(data, check_in_id) == [("Tutoring report spring.pdf", "application/pdf", len(pdf))]
    assert events(data, check_in_id, "attach_file") == 1
    with data() as s:
        kept = s.scalar(select(EvidenceFile).where(EvidenceFile.check_in_id == check_in_id))
        file_id = kept.id
        assert kept.sha256 == hashlib.sha256(pdf).hexdigest() and kept.uploaded_by.email == email

    auth.logout()
    login_as(Role.superintendent)
    page = client.get(f"/check-ins/{check_in_id}").get_data(as_text=True)
    assert "Tutoring report spring.pdf" in page and "Attach the file" not in page
    download = client.get(f"/check-ins/{check_in_id}/files/{file_id}")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "Tutoring report spring.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.data == pdf and len(pypdf.PdfReader(io.BytesIO(download.data)).pages) == 1


@pytest.mark.parametrize("role", [Role.principal, Role.regional_leader])
def test_people_who_do_not_read_check_ins_cannot_download_their_files(data, factories, client, auth, login_as,
                                                                      role):
    email, check_in_id, _office = office_and_check_in(data, factories)
    login_as(Role.central_office, email)
    attach(data, client, auth, check_in_id, "report.pdf", report_pdf())
    file_id = files_of_ids(data, check_in_id)[0]
    auth.logout()
    login_as(role)
    assert client.get(f"/check-ins/{check_in_id}/files/{file_id}").status_code == 403


def files_of_ids(data, check_in_id: int) -> list[int]:
    with data() as s:
        return list(s.scalars(select(EvidenceFile.id).where(EvidenceFile.check_in_id == check_in_id)))


def test_a_board_member_cannot_download_a_file_the_board_was_not_given(data, factories, client, auth, login_as):
    email, check_in_id, _office = office_and_check_in(data, factories)
    login_as(Role.central_office, email)
    attach(data, client, auth, check_in_id, "report.pdf", report_pdf())
    file_id = files_of_ids(data, check_in_id)[0]
    auth.logout()
    login_as(Role.board)
    assert client.get(f"/check-ins/{check_in_id}/files/{file_id}").status_code == 404


def test_another_office_reads_the_file_as_it_reads_the_check_in_but_cannot_attach_or_remove(
        data, factories, client, auth, login_as):
    email, check_in_id, _office = office_and_check_in(data, factories)
    login_as(Role.central_office, email)
    attach(data, client, auth, check_in_id, "report.pdf", report_pdf())
    file_id = files_of_ids(data, check_in_id)[0]
    auth.logout()
    with data() as s:
        other = factories.office_user(factories.central_office()).email
    login_as(Role.central_office, other)
    page = client.get(f"/check-ins/{check_in_id}").get_data(as_text=True)
    assert "report.pdf" in page and "Attach the file" not in page and ">Remove<" not in page
    assert client.get(f"/check-ins/{check_in_id}/files/{file_id}").status_code == 200
    assert attach(data, client, auth, check_in_id, "mine.pdf", report_pdf()).status_code == 403
    token = auth.csrf(f"/check-ins/{check_in_id}")
    with data() as s:
        version = s.get(CheckIn, check_in_id).version
    response = client.post(f"/check-ins/{check_in_id}/files/{file_id}/remove",
                           data={"csrf_token": token, "version": version})
    assert response.status_code == 403
    assert files_of(data, check_in_id) == [("report.pdf", "application/pdf", len(report_pdf()))]


def test_a_file_of_another_check_in_is_not_found_through_this_one(data, factories, client, auth, login_as):
    email, check_in_id, _office = office_and_check_in(data, factories)
    login_as(Role.central_office, email)
    attach(data, client, auth, check_in_id, "report.pdf", report_pdf())
    file_id = files_of_ids(data, check_in_id)[0]
    with data():
        elsewhere = factories.check_in().id
    assert client.get(f"/check-ins/{elsewhere}/files/{file_id}").status_code == 404


# ---------------------------------------------------------------- what is accepted, and bad files

@pytest.mark.parametrize("name, content, content_type", [
    ("Tutor sign-ups.xlsx", workbook(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("Spring check-in.pptx", slides(), "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("Session photo.png", image("PNG"), "image/png"),
    ("Session photo.jpg", image("JPEG"), "image/jpeg"),
])
def test_workbooks_decks_and_images_are_recognised_from_their_bytes(data, factories, client, auth, login_as,
                                                                   name, content, content_type):
    email, check_in_id, _office = office_and_check_in(data, factories)
    login_as(Role.central_office, email)
    assert attach(data, client, auth, check_in_id, name, content).status_code == 303
    assert files_of(data, check_in_id) == [(name, content_type, len(content))]
    file_id = files_of_ids(data, check_in_id)[0]
    assert client.get(f"/check-ins/{check_in_id}/files/{file_id}").mimetype == content_type


def test_a_name_with_path_parts_and_control_characters_is_cleaned(data, factories, client, auth, login_as):
    email, check_in_id, _office = office_and_check_in(data, factories)
    login_as(Role.central_office, email)
    assert attach(data, client, auth, check_in_id, "../../etc/passwd.pdf", report_pdf()).status_code == 303
    assert attach(data, client, auth, check_in_id, "reports/2024/Spring\x1b[31m\u202e report.pdf",
                  report_pdf()).status_code == 303
    assert [name for name, _type, _size in files_of(data, check_in_id)] == ["passwd.pdf", "Spring[31m report.pdf"]


@pytest.mark.parametrize("name, content, message", [
    ("empty.pdf", b"", "This file is empty."),
    ("program.pdf", b"\x7fELF\x02\x01\x01" + b"\0" * 400, "is not a PDF, Word, Excel or PowerPoint document"),
    ("setup.pdf", b"MZ\x90\x00\x03" + b"\0" * 400, "is not a PDF, Word, Excel or PowerPoint document"),
    ("page.html", b"<!doctype html><script>alert(1)</script>", "is not a PDF, Word, Excel or PowerPoint document"),
    ("chart.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "is not a PDF, Word, Excel or PowerPoint document"),
    ("figures.xlsx", zip_bomb(), "unpacks to far more than its size suggests"),
    ("notes.docx", workbook(), "This is a file of type Excel, but its name does not end in .xlsx."),
    ("../\x07\x1b/.pdf", report_pdf(), "The file's name has nothing left"),
    ("big.pdf", report_pdf() + b"\0" * (10 * 1024 * 1024), "This file is larger than 10.0 MB."),
])
def test_a_bad_file_is_refused_at_the_field_and_nothing_is_kept(data, factories, client, auth, login_as, name,
                                                                content, message):
    email, check_in_id, _office = office_and_check_in(data, factories)
    with data() as s:
        version = s.get(CheckIn, check_in_id).version
    login_as(Role.central_office, email)
    response = attach(data, client, auth, check_in_id, name, content)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="evidence_file-error"' in html and message in text_of(html)
    assert files_of(data, check_in_id) == []
    with data() as s:
        assert s.get(CheckIn, check_in_id).version == version
    assert events(data, check_in_id, "attach_file") == 0


def test_a_body_past_the_request_limit_is_answered_at_the_field_not_with_an_error_page(
        data, factories, client, auth, login_as):
    email, check_in_id, _office = office_and_check_in(data, factories)
    login_as(Role.central_office, email)
    response = attach(data, client, auth, check_in_id, "huge.pdf", report_pdf() + b"\0" * (11 * 1024 * 1024))
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert 'id="evidence_file-error"' in html and "This file is larger than 10.0 MB." in text_of(html)
    assert "Reading Tutors" in html  # the check-in page, not the error page
    assert files_of(data, check_in_id) == []


def test_choosing_no_file_is_told_at_the_field(data, factories, client, auth, login_as):
    email, check_in_id, _office = office_and_check_in(data, factories)
    login_as(Role.central_office, email)
    page = f"/check-ins/{check_in_id}"
    with data() as s:
        version = s.get(CheckIn, check_in_id).version
    response = client.post(f"{page}/files", data={"csrf_token": auth.csrf(page), "version": version})
    assert response.status_code == 422 and "Choose a file to attach." in response.get_data(as_text=True)


# ---------------------------------------------------------------- removing, and what the stage allows

def test_the_office_removes_a_file_while_it_may_edit_the_check_in(data, factories, client, auth, login_as):
    email, check_in_id, _office = office_and_check_in(data, factories, Stage.sent_back)
    login_as(Role.central_office, email)
    attach(data, client, auth, check_in_id, "draft.pdf", report_pdf())
    attach(data, client, auth, check_in_id, "final.pdf", report_pdf())
    draft_id = files_of_ids(data, check_in_id)[0]
    page = f"/check-ins/{check_in_id}"
    with data() as s:
        version = s.get(CheckIn, check_in_id).version
    response = client.post(f"{page}/files/{draft_id}/remove", data={"csrf_token": auth.csrf(page), "version": version})
    assert response.status_code == 303
    assert "Removed “draft.pdf” from the check-in." in text_of(client.get(page).get_data(as_text=True))
    assert [name for name, _type, _size in files_of(data, check_in_id)] == ["final.pdf"]
    assert events(data, check_in_id, "remove_file") == 1
    # A page left open on the earlier version removes nothing.
    final_id = files_of_ids(data, check_in_id)[0]
    response = client.post(f"{page}/files/{final_id}/remove", data={"csrf_token": auth.csrf(page), "version": version})
    assert response.status_code == 409 and files_of_ids(data, check_in_id) == [final_id]


def test_once_submitted_the_files_can_no_longer_change(data, factories, client, auth, login_as):
    email, check_in_id, _office = office_and_check_in(data, factories, Stage.sent_back)
    login_as(Role.central_office, email)
    attach(data, client, auth, check_in_id, "report.pdf", report_pdf())
    file_id = files_of_ids(data, check_in_id)[0]
    with data() as s:
        check_in = s.get(CheckIn, check_in_id)
        assert check_in_ops.submit_update(check_in, factories.office_user(check_in.initiative.office),
                                          check_in.version) == []
        s.commit()
        version = check_in.version
    page = f"/check-ins/{check_in_id}"
    html = client.get(page).get_data(as_text=True)
    assert "report.pdf" in html and "Attach the file" not in html
    response = client.post(f"{page}/files/{file_id}/remove", data={"csrf_token": auth.csrf(page), "version": version})
    assert response.status_code == 409 and files_of_ids(data, check_in_id) == [file_id]
    assert attach(data, client, auth, check_in_id, "late.pdf", report_pdf()).status_code == 409
    assert len(files_of(data, check_in_id)) == 1


# ---------------------------------------------------------------- the Board report

def take_to_the_board(s, factories, check_in_id: int) -> int:
    """The office resubmits, the superintendent's office accepts, records its update and places the
    check-in in a Board update being prepared; the update's id."""
    check_in = s.get(CheckIn, check_in_id)
    office, reviewer = factories.office_user(check_in.initiative.office), factories.superintendent()
    assert check_in_ops.submit_update(check_in, office, check_in.version) == []
    s.commit()
    assert not check_in_ops.review(check_in, "accept_data", {}, reviewer, check_in.version)
    s.commit()
    assert not check_in_ops.record_superintendent(check_in, {"supt_date": "2024-10-01", "supt_feedback": "Good."},
                                                  reviewer, check_in.version)
    s.commit()
    update = factories.board_update()
    check_in_ops.place(check_in, update, reviewer, check_in.version)
    s.commit()
    return update.id


def test_a_published_board_update_freezes_the_files_and_the_board_downloads_them(
        data, factories, client, auth, login_as):
    email, check_in_id, _office = office_and_check_in(data, factories, Stage.sent_back)
    pdf, sheet = report_pdf(), workbook()
    login_as(Role.central_office, email)
    attach(data, client, auth, check_in_id, "Tutoring report.pdf", pdf)
    attach(data, client, auth, check_in_id, "Sign-ups.xlsx", sheet)
    pdf_id, sheet_id = files_of_ids(data, check_in_id)
    auth.logout()
    with data() as s:
        update_id = take_to_the_board(s, factories, check_in_id)
        update_version = s.get(BoardUpdate, update_id).version

    login_as(Role.superintendent)
    draft = text_of(client.get(f"/board-updates/{update_id}").get_data(as_text=True))
    assert "Evidence files" in draft and "Tutoring report.pdf (PDF," in draft and "Sign-ups.xlsx (Excel," in draft
    token = auth.csrf(f"/board-updates/{update_id}")
    response = client.post(f"/board-updates/{update_id}/publish",
                           data={"csrf_token": token, "version": update_version, "confirm": "yes"})
    assert response.status_code == 303
    with data() as s:
        frozen = s.get(BoardUpdate, update_id).snapshot
        item = frozen["pillars"][0]["priorities"][0]["initiatives"][0]
        assert [(a["id"], a["name"], a["size"], a["sha256"]) for a in item["attachments"]] == [
            (pdf_id, "Tutoring report.pdf", len(pdf), hashlib.sha256(pdf).hexdigest()),
            (sheet_id, "Sign-ups.xlsx", len(sheet), hashlib.sha256(sheet).hexdigest())]
        # The files of a check-in in a published update can no longer be removed, whoever asks.
        check_in = s.get(CheckIn, check_in_id)
        with pytest.raises(workflow.WorkflowError, match="published Board update"):
            evidence_files.remove(check_in, s.get(EvidenceFile, pdf_id), factories.administrator(), None)
        s.rollback()
    auth.logout()

    login_as(Role.board)
    report = client.get(f"/board-updates/{update_id}").get_data(as_text=True)
    link = f"/check-ins/{check_in_id}/files/{pdf_id}"
    assert f'href="{link}"' in report and "Tutoring report.pdf" in report
    download = client.get(link)
    assert download.status_code == 200 and download.data == pdf
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert client.get(f"/check-ins/{check_in_id}").status_code == 403  # the Board reads the report, not the check-in
