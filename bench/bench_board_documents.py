"""The Board documents' benchmark (`make bench-documents`): how long publishing spends making a Board
update's PDF (WeasyPrint) and slide deck (python-pptx) when the update reports 40 initiatives, each with
its metrics' tables and charts: the most a quarterly update carries (the plan has about 25 action plans).

The report is the demo's published March 2023 update, its initiatives repeated under new names until
there are 40, frozen as publishing freezes it; each document is rendered --runs times from that frozen
copy, in one process on a throwaway SQLite database. Goal: both under 15 s together, so publishing stays
one ordinary request.

    python bench/bench_board_documents.py [--runs 3] [--initiatives 40]
"""
import argparse
import copy
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_S = 15.0


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def forty(snapshot: dict, wanted: int) -> dict:
    """The report with its initiatives repeated (under new names) until it reports `wanted`."""
    report = copy.deepcopy(snapshot)
    slots = [pr for p in report["pillars"] for pr in p["priorities"]]
    originals = [(pr, i) for pr in slots for i in pr["initiatives"]]
    count, copies = len(originals), 1
    while count < wanted:
        for priority, item in originals:
            if count == wanted:
                break
            priority["initiatives"].append({**copy.deepcopy(item), "name": f"{item['name']} ({copies + 1})"})
            count += 1
        copies += 1
    report["initiative_count"] = count
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--initiatives", type=int, default=40)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from pptx import Presentation
    from pypdf import PdfReader
    from sqlalchemy import select

    from portal import create_app
    from portal.demo.district import build_demo
    from portal.extensions import db
    from portal.progress import documents
    from portal.progress.board import documents as board_documents
    from portal.progress.board.report import present
    from portal.progress.models import BoardUpdate
    from portal.strategic_plan.seed import load_plan

    tmp = Path(tempfile.mkdtemp(prefix="portal-bench-documents-"))
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "bench-documents-secret-key-0123456789",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}", "DEMO_PASSWORD": "bench-pass-9Kq!",
                      "PORTAL_TODAY": "2024-10-15"})
    with app.app_context(), app.test_request_context():
        log("Building the demo district (a few schools) ...")
        upgrade()
        load_plan(app.config["SEED_DIR"])
        build_demo(4, "bench-pass-9Kq!", seed=7)
        source = db.session.scalar(select(BoardUpdate).where(BoardUpdate.school_year == "2022-23",
                                                             BoardUpdate.kind_code == "mid_year"))
        update = BoardUpdate(kind_code=source.kind_code, school_year=source.school_year, title=source.title,
                             meeting_date=source.meeting_date, published_at=source.published_at,
                             snapshot=forty(source.snapshot, args.initiatives))
        report = present(update.snapshot)
        timings: dict[str, list[float]] = {"pdf": [], "pptx": []}
        files: dict[str, bytes] = {}
        with documents.in_district_language():
            for run in range(args.runs):
                started = time.perf_counter()
                files["pdf"] = documents.pdf_from(board_documents.print_page("board/document.html", update, report))
                timings["pdf"].append(time.perf_counter() - started)
                started = time.perf_counter()
                files["pptx"] = documents.deck_bytes(lambda: board_documents.deck(update, report))
                timings["pptx"].append(time.perf_counter() - started)
                log(f"run {run + 1}: PDF {timings['pdf'][-1]:.2f} s, deck {timings['pptx'][-1]:.2f} s")
    pages = len(PdfReader(io.BytesIO(files["pdf"])).pages)
    slides = len(Presentation(io.BytesIO(files["pptx"])).slides)
    pdf_s, deck_s = statistics.median(timings["pdf"]), statistics.median(timings["pptx"])
    when = datetime.now(UTC).isoformat(timespec="seconds")
    print(f"Board documents, {report['initiative_count']} initiatives ({when}, "
          f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores)")
    print(f"  PDF:  median {pdf_s:.2f} s of {args.runs} (min {min(timings['pdf']):.2f}, max {max(timings['pdf']):.2f}),"
          f" {pages} pages, {len(files['pdf']) / 1024:,.0f} KB")
    print(f"  deck: median {deck_s:.2f} s of {args.runs} (min {min(timings['pptx']):.2f}, "
          f"max {max(timings['pptx']):.2f}), {slides} slides, {len(files['pptx']) / 1024:,.0f} KB")
    verdict = "met" if pdf_s + deck_s < GOAL_S else "MISSED"
    print(f"  both: {pdf_s + deck_s:.2f} s; goal under {GOAL_S:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
