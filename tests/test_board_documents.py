"""The PDF and slide deck of a published report, told as the people's story: the superintendent's office
publishes a Board update (or an annual report) and the portal makes its PDF and deck once, from the frozen
report; the page shows each one's SHA-256; whoever may read the report downloads them, and the bytes
always hash to the value shown. A document the engine cannot make leaves the report unpublished, with
the reason on the page, and publishing again works.

Each test arranges its own draft and ready check-in (tests/test_board.py) or the annual report of a
school year of its own (2010-11 here), and reads the documents back with pypdf and python-pptx."""
import hashlib
import html
import io
import re
from contextlib import contextmanager

import pytest
import weasyprint
from flask_migrate import downgrade, upgrade
from pptx import Presentation
from pptx.presentation import Presentation as Deck
from pypdf import PdfReader
from sqlalchemy import create_engine, func, inspect, select

from portal import create_app
from portal.extensions import db
from portal.kernel import privacy
from portal.kernel.policy import PROGRESS_READERS, Role
from portal.progress.board import documents as board_documents
from portal.progress.models import BoardDocument, BoardUpdate, CheckIn, Stage
from tests.test_annual_report import district_results, report_id
from tests.test_board import arrange_draft, arrange_ready_check_in, audit, march_2023, text_of

HASH = re.compile(r'<code data-hash="(pdf|pptx)">([0-9a-f]{64})</code>')


def pdf_text(content: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def deck_of(content: bytes) -> list[tuple[str, str]]:
    """Each slide's title and the rest of its text."""
    slides = []
    for slide in Presentation(io.BytesIO(content)).slides:
        title = slide.shapes.title.text if slide.shapes.title is not None else ""
        rest = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame and shape != slide.shapes.title]
        rest += [cell.text for shape in slide.shapes if shape.has_table
                 for row in shape.table.rows for cell in row.cells]
        slides.append((title, " ".join(rest)))
    return slides


def place_and_publish(client, auth, update_id: int, check_in_id: int, version: int):
    token = auth.csrf(f"/board-updates/{update_id}")
    assert client.post(f"/board-updates/{update_id}/place", data={"csrf_token": token, "check_in_id": check_in_id,
                                                                  "version": version}).status_code == 303
    return publish(client, auth, update_id)


def publish(client, auth, update_id: int):
    """Publish as the office does from the draft's page: the update's version is the one it read."""
    token = auth.csrf(f"/board-updates/{update_id}")
    with data_of(client) as s:
        version = s.get(BoardUpdate, update_id).version
    return client.post(f"/board-updates/{update_id}/publish",
                       data={"csrf_token": token, "version": version, "confirm": "yes"})


@contextmanager
def data_of(client):
    with client.application.app_context():
        yield db.session
        db.session.remove()


@pytest.fixture
def data(client):
    """The database in an application context of its own, apart from the requests' sessions."""
    return lambda: data_of(client)


def test_publishing_a_board_update_stores_its_pdf_and_deck_and_a_board_member_downloads_them(
        data, login_as, client, auth, factories):
    with data() as s:
        update = arrange_draft(s, factories)
        check_in = arrange_ready_check_in(s, factories, "documents")
        update_id, title = update.id, update.title
        check_in_id, version = check_in.id, check_in.version
    login_as(Role.superintendent)
    assert place_and_publish(client, auth, update_id, check_in_id, version).status_code == 303
    auth.logout()

    login_as(Role.board)
    page = client.get(f"/board-updates/{update_id}").get_data(as_text=True)
    shown = dict(HASH.findall(page))
    assert set(shown) == {"pdf", "pptx"} and "Download the PDF" in page and "Download the slide deck" in page
    assert "use your browser's Print command" not in page.replace("&#39;", "'")  # the PDF is the copy to keep
    assert f'href="/board-updates/{update_id}/report.pdf"' in client.get("/board-updates").get_data(as_text=True)

    first = client.get(f"/board-updates/{update_id}/report.pdf")
    second = client.get(f"/board-updates/{update_id}/report.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.headers["Content-Disposition"] == f"attachment; filename={re.sub('[^A-Za-z0-9]+', '-', title)}.pdf"
    assert first.data == second.data and hashlib.sha256(first.data).hexdigest() == shown["pdf"]
    assert first.headers["X-Content-SHA256"] == shown["pdf"] and first.headers["ETag"] == f'"{shown["pdf"]}"'
    text = pdf_text(first.data)
    assert title in text and "Contents" in text and "Greening Projects" in text and "Page 1 / " in text
    assert "Seven projects approved, valued at $14.2 million." in text and "Continue as planned." in text
    assert "Greening projects approved 7" in text and "Value of approved projects $14,200,000" in text

    deck = client.get(f"/board-updates/{update_id}/report.pptx")
    assert deck.mimetype == documents_mime() and hashlib.sha256(deck.data).hexdigest() == shown["pptx"]
    assert deck.headers["Content-Disposition"].startswith("attachment; filename=") and deck.data.startswith(b"PK")
    slides = deck_of(deck.data)
    assert slides[0][0] == title and "Board meeting of" in slides[0][1]
    assert any(t.startswith("Pillar ") and "Greening Projects" in body for t, body in slides)
    initiative = next(body for t, body in slides if t == "Greening Projects")
    assert "$14,200,000" in initiative and "At risk" in initiative and "Continue as planned." in initiative


def documents_mime() -> str:
    return "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def test_the_march_2023_reports_pdf_draws_its_charts_as_vectors_and_its_deck_charts_each_metrics_path(app, data):
    """Rendered from the demo's frozen report: every initiative and figure of it in the PDF, the charts
    inline SVG (text a reader can select, no picture), a native line chart per metric path in the deck."""
    with data() as s, app.test_request_context():
        update = march_2023(s)
        files = board_documents.render(update)
        snapshot = update.snapshot
    text = pdf_text(files["pdf"])
    reader = PdfReader(io.BytesIO(files["pdf"]))
    assert not any(page.images for page in reader.pages)  # charts are drawn, not pasted in as pictures
    initiatives = [i for p in snapshot["pillars"] for pr in p["priorities"] for i in pr["initiatives"]]
    for item in initiatives:
        assert item["name"] in text
        for metric in item["metrics"]:
            for row in metric["rows"]:
                assert row["value_text"].replace("\u2009", " ") in text, (item["name"], row)
    slides = deck_of(files["pptx"])
    assert {item["name"] for item in initiatives} <= {t for t, _body in slides}
    charts = [shape.chart for slide in Presentation(io.BytesIO(files["pptx"])).slides
              for shape in slide.shapes if shape.has_chart]
    expected = sum(1 for item in initiatives for m in item["metrics"] if len({p for s in m["series"]
                                                                              for p, *_rest in s["points"]}) >= 2)
    assert expected and len(charts) == expected


@pytest.mark.parametrize("role", list(Role))
def test_who_may_download_is_who_may_read_the_report(data, login_as, client, role):
    """The demo's latest Board update, published with its PDF and deck the day of its meeting."""
    with data() as s:
        update_id = s.scalar(select(BoardUpdate.id).where(BoardUpdate.published_at.is_not(None),
                                                          BoardUpdate.kind_code != "annual_report")
                             .order_by(BoardUpdate.meeting_date.desc()).limit(1))
    login_as(role)
    report = client.get(f"/board-updates/{update_id}")
    want = 200 if role in PROGRESS_READERS else 403
    assert report.status_code == want
    for kind in ("pdf", "pptx"):
        assert client.get(f"/board-updates/{update_id}/report.{kind}").status_code == want
    if want == 200:
        page = report.get_data(as_text=True)
        assert {kind for kind, _hash in HASH.findall(page)} == {"pdf", "pptx"} and "Download the PDF" in page


def test_a_report_published_before_the_portal_kept_documents_says_so_and_offers_none(data, login_as, client):
    with data() as s:
        update_id = march_2023(s).id  # the demo's older updates were published before documents were kept
        assert not s.get(BoardUpdate, update_id).documents
    login_as(Role.board)
    page = text_of(client.get(f"/board-updates/{update_id}").get_data(as_text=True))
    assert "This report was published before the portal kept a PDF and slide deck of each report." in page
    assert "Download the PDF" not in page and "To print this report or save it as a PDF" in page
    assert client.get(f"/board-updates/{update_id}/report.pdf").status_code == 404


def test_a_drafts_documents_do_not_exist_for_anyone(data, login_as, client, auth, factories):
    with data() as s:
        update_id = arrange_draft(s, factories, "initial").id
    for role in (Role.superintendent, Role.board):
        if role == Role.board:
            auth.logout()
        login_as(role)
        assert client.get(f"/board-updates/{update_id}/report.pdf").status_code == 404
        assert client.get(f"/board-updates/{update_id}/report.docx").status_code == 404


@pytest.mark.parametrize("breaks, words", [
    ("pdf", "The PDF could not be made, so nothing was published."),
    ("pptx", "The slide deck could not be made, so nothing was published."),
])
def test_a_document_that_cannot_be_made_leaves_the_update_unpublished_and_publishing_again_works(
        data, login_as, client, auth, factories, monkeypatch, breaks, words):
    with data() as s:
        update = arrange_draft(s, factories)
        check_in = arrange_ready_check_in(s, factories, f"broken {breaks}")
        update_id, check_in_id, version = update.id, check_in.id, check_in.version
    login_as(Role.superintendent)
    with monkeypatch.context() as patched:
        if breaks == "pdf":
            patched.setattr(weasyprint.HTML, "write_pdf", _fails(OSError("cannot load font")))
        else:
            patched.setattr(Deck, "save", _fails(ValueError("bad slide part")))
        refused = place_and_publish(client, auth, update_id, check_in_id, version)
        assert refused.status_code == 422 and words in text_of(refused.get_data(as_text=True))
    with data() as s:
        update = s.get(BoardUpdate, update_id)
        assert not update.published and update.snapshot is None and audit(s, "board_update", update_id, "publish") == 0
        assert s.get(CheckIn, check_in_id).stage == Stage.board
        assert not s.scalar(select(func.count()).select_from(BoardDocument).where(
            BoardDocument.board_update_id == update_id))
    assert publish(client, auth, update_id).status_code == 303
    with data() as s:
        assert s.get(BoardUpdate, update_id).published
        assert {d.kind for d in s.get(BoardUpdate, update_id).documents} == {"pdf", "pptx"}


def _fails(error: Exception):
    def fail(*_args, **_kwargs):
        raise error
    return fail


def test_an_annual_reports_pdf_and_deck_hold_its_parts_with_small_groups_suppressed(data, login_as, client, auth,
                                                                                    factories):
    year = "2010-11"
    with data() as s:
        district_results(s, factories, "ag_completion", year, [(12.7, privacy.SMALL_GROUP - 1)])
        district_results(s, factories, "ag_completion", "2009-10", [(48.0, 300)])
    login_as(Role.superintendent)
    token = auth.csrf("/annual-reports")
    assert client.post("/annual-reports", data={"csrf_token": token, "school_year": year,
                                                "meeting_date": ""}).status_code == 303
    with data() as s:
        update_id = report_id(s, year)
    token = auth.csrf(f"/annual-reports/{update_id}")
    assert client.post(f"/annual-reports/{update_id}/publish",
                       data={"csrf_token": token, "version": 1}).status_code == 303
    auth.logout()
    login_as(Role.board)
    page = client.get(f"/annual-reports/{update_id}").get_data(as_text=True)
    shown = dict(HASH.findall(page))
    assert f'href="/board-updates/{update_id}/report.pptx"' in client.get("/annual-reports").get_data(as_text=True)
    pdf = client.get(f"/board-updates/{update_id}/report.pdf")
    assert hashlib.sha256(pdf.data).hexdigest() == shown["pdf"]
    text = pdf_text(pdf.data)
    assert f"Annual Report {year}" in text and "The District Goals" in text and "Highlights of the initiatives" in text
    on_page = html.unescape(text_of(page))
    assert f"{privacy.MARK} ({privacy.NOTE})" in on_page
    assert text.count(privacy.MARK) == on_page.count(privacy.MARK) >= 1
    assert text.count("12.7%") == on_page.count("12.7%")  # the hidden result nowhere the page does not show it
    with data() as s:
        snapshot = s.get(BoardUpdate, update_id).snapshot
    for goal in snapshot["goals"]:
        assert goal["name"] in text
    deck = client.get(f"/board-updates/{update_id}/report.pptx")
    assert hashlib.sha256(deck.data).hexdigest() == shown["pptx"]
    slides = deck_of(deck.data)
    titles = [t for t, _body in slides]
    assert titles[0] == f"Annual Report {year}" and titles[1] == f"{year} at a glance"
    glance = slides[1][1]
    total = snapshot["scorecard"]["total"]
    assert f"All pillars {total['total']} {total['improved']} {total['no_change']}" in glance
    assert any(t.startswith("Goal ") and f"{year}: {privacy.MARK}" in body for t, body in slides)
    assert not any(f"{year}: 12.7%" in body for _t, body in slides)
    assert sum(t.startswith("Pillar ") for t in titles) == len(snapshot["scorecard"]["pillars"])
    charts = {slide.shapes.title.text: shape.chart for slide in Presentation(io.BytesIO(deck.data)).slides
              for shape in slide.shapes if shape.has_chart}
    charted = [f"Goal {goal['number']}: {metric['name']}" for goal in snapshot["goals"] for metric in goal["metrics"]
               if any(r["value"] is not None for line in metric["lines"] for r in line["results"])]
    assert charted and sorted(charts) == sorted(charted)  # a chart for each goal metric with a result to show
    ag = next(chart for title, chart in charts.items() if title.startswith("Goal 1:"))
    years = list(ag.plots[0].categories)
    assert "2009-10" in years and year in years
    everyone = next(series for series in ag.plots[0].series if series.name == "All students")
    assert everyone.values[years.index("2009-10")] == 48.0
    assert everyone.values[years.index(year)] is None  # the small group's result is a gap, as on the page
    assert not any(12.7 in series.values for chart in charts.values() for series in chart.plots[0].series)


def test_the_migration_adds_the_documents_table_and_takes_it_away(tmp_path):
    url = "sqlite:///" + str(tmp_path / "documents.db")
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "documents-migration-secret-key-0123456789",
                      "SQLALCHEMY_DATABASE_URI": url, "PORTAL_TODAY": "2024-10-15"})
    engine = create_engine(url)
    with app.app_context():
        upgrade()
        columns = {c["name"] for c in inspect(engine).get_columns("board_document")}
        assert columns == {"id", "board_update_id", "kind", "content", "sha256", "size", "created_at"}
        downgrade(revision="b3e8d6f19a42")
        engine.dispose()
        assert "board_document" not in inspect(engine).get_table_names()
        upgrade()
        engine.dispose()
        assert "board_document" in inspect(engine).get_table_names()
