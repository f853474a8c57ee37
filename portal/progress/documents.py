"""The PDF and slide deck of a published report: rendered once, from the frozen snapshot, while it is
published, and stored with their SHA-256 beside it. A document that cannot be made stops the publishing."""
import hashlib
import io
import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.i18n import DEFAULT
from portal.kernel.workflow import WorkflowError
from portal.progress.models import BoardDocument, BoardUpdate

log = logging.getLogger(__name__)

PDF, DECK = "pdf", "pptx"
KINDS = (PDF, DECK)
MIME = {PDF: "application/pdf",
        DECK: "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
STYLESHEETS = ("report.css", "document.css")  # in the static css folder

Renderer = Callable[[BoardUpdate], dict[str, bytes]]


class DocumentError(WorkflowError):
    """A report's PDF or deck could not be made: the report is not published."""


def failed(kind: str) -> DocumentError:
    if kind == PDF:
        return DocumentError(_("The PDF could not be made, so nothing was published. Publish again; if it fails "
                               "again, tell the portal's administrators."))
    return DocumentError(_("The slide deck could not be made, so nothing was published. Publish again; if it fails "
                           "again, tell the portal's administrators."))


def in_district_language():
    """The documents are the one copy the Board receives: written in the district's language, whoever publishes."""
    return force_locale(DEFAULT)


def _static(name: str) -> Path:
    return Path(current_app.static_folder or "") / "css" / name


def _local_only(url: str):
    """The engine may read the portal's own stylesheets and nothing else: no network, no other file."""
    allowed = {_static(name).resolve() for name in STYLESHEETS}
    parsed = urlparse(url)
    if parsed.scheme == "file" and Path(parsed.path).resolve() in allowed:
        return {"string": Path(parsed.path).read_bytes(), "mime_type": "text/css"}
    raise ValueError(f"a report document may not load {url}")


def pdf_from(html: str) -> bytes:
    """A PDF from a print page's HTML; raise DocumentError when the engine fails."""
    from weasyprint import CSS, HTML  # loads pango when a report is published, not when the portal starts

    try:
        return HTML(string=html, url_fetcher=_local_only).write_pdf(
            stylesheets=[CSS(filename=str(_static(name)), url_fetcher=_local_only) for name in STYLESHEETS])
    except Exception as exc:  # the engine's errors come from pango, fonttools and pydyf alike
        log.exception("The PDF of a report could not be made")
        raise failed(PDF) from exc


def deck_bytes(build: Callable[[], object]) -> bytes:
    """A python-pptx Presentation from `build`, saved; raise DocumentError when it fails."""
    try:
        buffer = io.BytesIO()
        build().save(buffer)  # type: ignore[attr-defined]
        return buffer.getvalue()
    except Exception as exc:  # python-pptx raises from lxml and its own checks alike
        log.exception("The slide deck of a report could not be made")
        raise failed(DECK) from exc


def store(update: BoardUpdate, files: dict[str, bytes]) -> None:
    for kind, content in files.items():
        db.session.add(BoardDocument(board_update_id=update.id, kind=kind, content=content,
                                     sha256=hashlib.sha256(content).hexdigest(), size=len(content)))


def of(update: BoardUpdate) -> dict[str, BoardDocument]:
    """The update's stored documents by kind (without their bytes)."""
    rows = db.session.scalars(select(BoardDocument).where(BoardDocument.board_update_id == update.id))
    return {row.kind: row for row in rows}


def one(update: BoardUpdate, kind: str) -> BoardDocument | None:
    return db.session.scalar(select(BoardDocument).where(BoardDocument.board_update_id == update.id,
                                                         BoardDocument.kind == kind))


def filename(update: BoardUpdate, kind: str) -> str:
    """A file name any system accepts: the title's letters and digits joined by hyphens."""
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in update.title).split()
    return f"{'-'.join(words) or 'report'}.{kind}"


def kinds_by_update(update_ids: list[int]) -> dict[int, list[str]]:
    """Which documents each update has (pdf before pptx), for the lists of reports."""
    found: dict[int, list[str]] = {}
    if update_ids:
        for update_id, kind in db.session.execute(
                select(BoardDocument.board_update_id, BoardDocument.kind)
                .where(BoardDocument.board_update_id.in_(update_ids)).order_by(BoardDocument.kind)):
            found.setdefault(update_id, []).append(kind)
    return found
