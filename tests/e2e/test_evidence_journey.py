"""Evidence files, in Chromium: a central office opens its check-in, chooses its report (a PDF) in the file
field and attaches it, sees it listed with its type and size, and downloads it again: the browser saves
the same bytes under the same name. A file that is not a document is refused at the field."""
import hashlib
import io

from PIL import Image
from playwright.sync_api import expect

from portal.extensions import db
from tests.e2e.arrange import action_plan


def report_pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 300), "white").save(out, "PDF")
    return out.getvalue()


def test_an_office_attaches_its_report_sees_it_listed_and_downloads_it(app, browser, live_server, login, factories,
                                                                        screenshot, tmp_path):
    with app.app_context():
        plan = action_plan(factories)
        db.session.remove()
    pdf = report_pdf()
    report = tmp_path / "Tutoring report spring.pdf"
    report.write_bytes(pdf)
    program = tmp_path / "installer.pdf"
    program.write_bytes(b"\x7fELF\x02\x01\x01" + b"\0" * 400)

    page = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True).new_page()
    login(page, plan["office"])
    page.goto(live_server + f"/check-ins/{plan['check_in_id']}")
    files = page.locator("#evidence-files")
    expect(files.get_by_text("No files attached.")).to_be_visible()

    files.get_by_label("Attach a file").set_input_files(str(program))
    files.get_by_role("button", name="Attach the file").click()
    expect(page.locator("#evidence_file-error")).to_contain_text("is not a PDF, Word, Excel or PowerPoint document")
    screenshot(page, "evidence-1-refused")

    page.locator("#evidence-files").get_by_label("Attach a file").set_input_files(str(report))
    page.locator("#evidence-files").get_by_role("button", name="Attach the file").click()
    expect(page.locator(".flash--success")).to_contain_text("Attached “Tutoring report spring.pdf” to the check-in.")
    row = page.locator("#evidence-files").get_by_role("row", name="Tutoring report spring.pdf")
    expect(row).to_contain_text("PDF")
    screenshot(page, "evidence-2-listed")

    with page.expect_download() as waiting:
        row.get_by_role("link", name="Tutoring report spring.pdf").click()
    download = waiting.value
    assert download.suggested_filename == "Tutoring report spring.pdf"
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == hashlib.sha256(pdf).hexdigest()
