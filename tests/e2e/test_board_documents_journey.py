"""The Board's documents in Chromium: the superintendent's office publishes a Board update it has
prepared; a board member opens it from the list of Board updates, downloads its PDF and slide deck,
and each file's bytes hash to the SHA-256 the page shows.

The update is an Initial Update for a school year no other update holds, with one Greening Projects
check-in placed in it, both removed when the module ends."""
import hashlib
import io
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.progress.models import BoardUpdate, CheckIn, Initiative, MetricValue, Progress, Stage
from portal.strategic_plan import calendar
from tests.factories import purge


@pytest.fixture(scope="module")
def prepared(app):
    with app.app_context():
        taken = set(db.session.scalars(select(BoardUpdate.school_year).where(BoardUpdate.kind_code == "initial")))
        year = next(y for y in reversed(calendar.plan_years()) if y not in taken)
        start = int(year[:4])
        update = BoardUpdate(kind_code="initial", school_year=year, meeting_date=date(start, 10, 14),
                             title=f"Documents journey update {year}")
        initiative = db.session.scalar(select(Initiative).where(Initiative.code == "greening"))
        metrics = {m.code: m for m in initiative.metrics}
        end = date(2018, 12, 31)
        check_in = CheckIn(initiative=initiative, period="Documents journey", period_end=end, stage=Stage.board,
                           status=Progress.on_track, narrative="Nine projects approved for outdoor classrooms.",
                           sharing_date=end, sharing_attendees="Facilities team", review_notes="Checked.",
                           supt_date=end, supt_feedback="Good.", supt_decisions="Fund two more sites.")
        check_in.values = [MetricValue(metric=metrics["projects_approved"], value=9, as_of=end)]
        check_in.board_updates = [update]
        db.session.add_all([update, check_in])
        db.session.commit()
        ids = update.id, check_in.id, update.title
        db.session.remove()
    yield ids
    with app.app_context():  # with their audit events and documents, so no later record inherits them
        purge([(CheckIn.__tablename__, ids[1]), (BoardUpdate.__tablename__, ids[0])])
        db.session.remove()


def downloaded(page, link_name: str) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    return Path(info.value.path()).read_bytes()


def test_the_superintendent_publishes_and_a_board_member_downloads_the_pdf_and_deck_the_page_vouches_for(
        browser, live_server, login, screenshot, prepared):
    update_id, _check_in_id, title = prepared
    supt = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(supt, Role.superintendent)
    supt.goto(live_server + f"/board-updates/{update_id}")
    supt.get_by_label("I have checked the report: freeze it and publish it to the Board.").check()
    supt.get_by_role("button", name="Publish this update").click()
    expect(supt.locator(".flash--success")).to_contain_text(f"Published “{title}”.")
    expect(supt.get_by_role("heading", name="The report as the Board received it")).to_be_visible()

    board = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True).new_page()
    login(board, Role.board)
    board.goto(live_server + "/board-updates")
    board.get_by_role("link", name=title, exact=True).click()
    expect(board.get_by_role("heading", level=1)).to_have_text(title)
    shown = {kind: board.locator(f'code[data-hash="{kind}"]').inner_text() for kind in ("pdf", "pptx")}
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in shown.values())
    screenshot(board, "board-documents-1-hashes")

    pdf = downloaded(board, "Download the PDF")
    assert hashlib.sha256(pdf).hexdigest() == shown["pdf"]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Greening Projects" in text and "Nine projects approved for outdoor classrooms." in text
    deck = downloaded(board, "Download the slide deck (PowerPoint)")
    assert hashlib.sha256(deck).hexdigest() == shown["pptx"] and deck.startswith(b"PK")

    # The list of Board updates offers the same files.
    board.goto(live_server + "/board-updates")
    assert downloaded(board, f"PDF of {title}") == pdf
