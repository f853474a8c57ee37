"""What an evidence file may be: its type recognised from its bytes (never from its name), an Office file
checked to be the Office document it says inside, a zip bomb refused before anything opens it, and its
name cleaned of path parts and control characters for display and download."""
import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from flask_babel import gettext as _

from portal.kernel.formatting import count, plain
from portal.kernel.uploads import unpacks_too_far

MAX_NAME = 160
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
# Each accepted type: the extensions a name of it may end in, and what the page calls it.
KINDS = {PDF: ((".pdf",), "PDF"), DOCX: ((".docx",), "Word"), XLSX: ((".xlsx",), "Excel"),
         PPTX: ((".pptx",), "PowerPoint"), "image/png": ((".png",), "PNG"),
         "image/jpeg": ((".jpg", ".jpeg"), "JPEG")}
# An Office file is a zip whose [Content_Types].xml names its main part, in its own folder.
OFFICE_PARTS = {DOCX: ("word/", "wordprocessingml.document.main+xml"),
                XLSX: ("xl/", "spreadsheetml.sheet.main+xml"),
                PPTX: ("ppt/", "presentationml.presentation.main+xml")}
ACCEPTED = ".pdf,.docx,.xlsx,.pptx,.png,.jpg,.jpeg"  # the file picker's hint; the bytes decide
_UNSAFE = re.compile(r"[\\/:*?\"<>|]+")


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def kind_name(content_type: str) -> str:
    return KINDS.get(content_type, ((), content_type))[1]


def clean_name(raw: str) -> str:
    """The name to show and to download as: its last path part, without control characters or the
    characters no file system takes, spaces collapsed, no leading dots, at most MAX_NAME characters
    (the extension kept). Empty when nothing of it is left."""
    last = re.split(r"[\\/]", raw or "")[-1]
    kept = "".join(" " if unicodedata.category(ch)[0] == "Z" else ch for ch in last
                   if unicodedata.category(ch)[0] != "C")  # control, format (e.g. right-to-left override), unassigned
    kept = re.sub(r"\s+", " ", _UNSAFE.sub("_", kept)).strip().lstrip(".").strip()
    if len(kept) > MAX_NAME:
        stem, dot, ext = kept.rpartition(".")
        kept = f"{stem[:MAX_NAME - len(ext) - 1]}.{ext}" if dot and len(ext) <= 10 else kept[:MAX_NAME]
    return kept


def _office_type(data: bytes) -> str | None:
    """The Office type the archive really is (None when it is none, or unpacks too far to look)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        if unpacks_too_far(members):
            raise ValueError("unpacks too far")
        names = {m.filename for m in members}
        if "[Content_Types].xml" not in names:
            return None
        with archive.open("[Content_Types].xml") as part:
            declared = part.read(1_000_001).decode("utf-8", "replace")
    for content_type, (folder, main) in OFFICE_PARTS.items():
        if main in declared and any(n.startswith(folder) for n in names):
            return content_type
    return None


def recognise(data: bytes) -> tuple[str | None, str | None]:
    """(the accepted type the bytes are, None) or (None, why not)."""
    guess = filetype.guess(data)
    mime = guess.mime if guess is not None else None
    if mime in OFFICE_PARTS or mime == "application/zip":
        try:
            mime = _office_type(data)
        except ValueError:
            return None, _("This file unpacks to far more than its size suggests, so it was not accepted. "
                           "Save it again from Office, or split it, and try again.")
        except zipfile.BadZipFile:
            mime = None
    if mime not in KINDS:
        return None, _("This file is not a PDF, Word, Excel or PowerPoint document, or a PNG or JPEG image. "
                       "Only those can be attached.")
    return mime, None


def check_upload(raw_name: str, data: bytes, limit: int) -> tuple[CheckedFile | None, str | None]:
    """The file as it will be kept, or why it cannot be."""
    if not data:
        return None, _("This file is empty. Choose the file again.")
    if len(data) > limit:
        return None, _("This file is larger than %(size)s. Attach a smaller one.", size=size_text(limit))
    name = clean_name(raw_name)
    if not name or name.startswith(".") or not name.rpartition(".")[0].strip():
        return None, _("The file's name has nothing left once its path and unusual characters are taken "
                       "out. Rename the file and try again.")
    content_type, problem = recognise(data)
    if problem or content_type is None:
        return None, problem
    extensions, kind = KINDS[content_type]
    if not name.lower().endswith(extensions):
        return None, _("This is a file of type %(kind)s, but its name does not end in %(ext)s. Rename it and try "
                       "again.", kind=kind, ext=extensions[0])
    return CheckedFile(name, content_type, data), None


def size_text(size: int) -> str:
    """A file's size as people read it: 850 bytes, 12 KB, 3.4 MB."""
    if size < 1024:
        return _("%(num)s bytes", num=count(size))
    if size < 1024 * 1024:
        return _("%(num)s KB", num=count(round(size / 1024)))
    return _("%(num)s MB", num=plain(size / (1024 * 1024), 1))
