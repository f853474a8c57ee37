"""Tools for the hostile-input soak (test_hostile.py): decompression bombs built as .xlsx files,
the forms of a page read as a browser reads them, /healthz polled from its own thread, and a dump
of every table to show that nothing changed."""
import functools
import io
import re
import struct
import threading
import time
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from random import Random

import requests

from portal.extensions import db

# ---------------------------------------------------------------- decompression bombs

_PARTS = {
    "[Content_Types].xml":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>',
    "xl/workbook.xml":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>',
}
SHEET = "xl/worksheets/sheet1.xml"
BOMB_ROWS = 2_000_000


def rows_workbook(header: list[str], rows: int = BOMB_ROWS, noise_every: int = 0, seed: int = 7) -> bytes:
    """A workbook whose one sheet holds the import's header and then `rows` one-cell rows, written
    straight into a deflated zip entry (never held whole in memory). Every row is the same
    `<row><c><v>7</v></c></row>` (deflate squeezes it about 400 times), except one in `noise_every`,
    which holds a random number: that sets how well the sheet compresses."""
    rnd = Random(seed)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open(SHEET, "w") as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                        + f'<dimension ref="A1:{_column(len(header))}{rows}"/><sheetData><row>'.encode()
                        + b"".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>'.encode() for h in header)
                        + b"</row>")
            chunk: list[bytes] = []
            for i in range(1, rows):
                if noise_every and i % noise_every == 0:
                    chunk.append(b"<row><c><v>%d</v></c></row>" % rnd.randrange(1_000_000))
                else:
                    chunk.append(b"<row><c><v>7</v></c></row>")
                if len(chunk) == 10_000:
                    sheet.write(b"".join(chunk))
                    chunk = []
            sheet.write(b"".join(chunk) + b"</sheetData></worksheet>")
    return out.getvalue()


def _column(n: int) -> str:
    letters = ""
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def declare_sizes(data: bytes, sizes: dict[str, int]) -> bytes:
    """The same archive with the uncompressed size its headers declare for some entries changed
    (local header and central directory alike); the compressed bytes and the CRC are left alone."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = {i.filename: i for i in archive.infolist()}
        central = archive.start_dir
    for name, size in sizes.items():
        info = infos[name]
        if info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF:
            raise ValueError("only entries without zip64 sizes can be rewritten")
        assert out[info.header_offset:info.header_offset + 4] == b"PK\x03\x04"
        struct.pack_into("<I", out, info.header_offset + 22, size)
    pos = central
    while out[pos:pos + 4] == b"PK\x01\x02":  # the central directory, entry by entry
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", out, pos + 28)
        name = bytes(out[pos + 46:pos + 46 + name_len]).decode()
        if name in sizes:
            struct.pack_into("<I", out, pos + 24, sizes[name])
        pos += 46 + name_len + extra_len + comment_len
    with zipfile.ZipFile(io.BytesIO(bytes(out))) as archive:
        assert all(archive.getinfo(n).file_size == v for n, v in sizes.items())
    return bytes(out)


@dataclass(frozen=True)
class Bomb:
    kind: str
    data: bytes
    expect: str  # the message that shows which defence stopped it
    what: str

    @property
    def sheet(self) -> zipfile.ZipInfo:
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
            return archive.getinfo(SHEET)


@functools.cache  # built once for both databases
def bombs(header: tuple[str, ...], max_rows: int) -> dict[str, Bomb]:
    """Four small workbooks that unpack huge, each stopped by a different defence of the reader:
    - rows: two million rows compressed just under the ratio check (about 600 KB, unpacks to 52 MB),
      so the archive check lets it through and the streaming reader must stop at the row limit;
    - squeezed: the same rows squeezed as far as deflate goes (about 130 KB, 1:400): the ratio check;
    - declared: a workbook whose sheet declares it unpacks to 4 GB: the size check;
    - understated: the squeezed sheet declaring only 60 KB unpacked, so the archive checks pass and
      the reader must not trust the header (Python's zipfile stops at the declared size)."""
    squeezed = rows_workbook(list(header))
    rows = rows_workbook(list(header), noise_every=24)
    big = "unpacks to far more than its size suggests"
    return {
        "rows": Bomb("rows", rows, f"At most {max_rows:,} rows can be imported at once",
                     "2,000,000 rows, ratio under the limit"),
        "squeezed": Bomb("squeezed", squeezed, big, "2,000,000 rows at 1:400"),
        "declared": Bomb("declared", declare_sizes(squeezed, {SHEET: 0xFFFF0000}), big,
                         "sheet declares 4 GB unpacked"),
        "understated": Bomb("understated", declare_sizes(squeezed, {SHEET: 60_000}),
                            "could not be read as an Excel workbook", "sheet declares 60 KB, holds 52 MB"),
    }


# ---------------------------------------------------------------- forms, as a browser reads them

@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)  # a select's option values
    # What each field is, as a browser draws it: "figure" (an input for a number: inputmode
    # decimal or numeric, or type number), "select", "textarea", "hidden" or the input's type.
    kinds: dict[str, str] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [name for name, _ in self.fields]

    def filled(self, wanted: dict[str, str]) -> list[tuple[str, str]]:
        """What the browser sends once the person has typed or chosen `wanted` in the form's fields."""
        missing = set(wanted) - set(self.names())
        assert not missing, f"the form {self.action} has no field {sorted(missing)}: {self.names()}"
        return [(name, wanted.get(name, value)) for name, value in self.fields]


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: tuple[str, list[str], list[str]] | None = None  # name, options, selected
        self.textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self.form)
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "reset", "file"):
                self.form.fields.append((name, a.get("value", "on" if kind in ("checkbox", "radio") else "")))
                numeric = kind == "number" or a.get("inputmode", "").lower() in ("decimal", "numeric")
                self.form.kinds.setdefault(name, "figure" if numeric else kind)
        elif tag == "select" and name:
            self.select = (name, [], [])
            self.form.kinds.setdefault(name, "select")
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            self.select[1].append(value)
            if "selected" in a:
                self.select[2].append(value)
        elif tag == "textarea" and name:
            self.textarea = (name, [])
            self.form.kinds.setdefault(name, "textarea")

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1].append(data)

    def handle_endtag(self, tag):
        if self.form is None:
            return
        if tag == "select" and self.select is not None:
            name, options, selected = self.select
            self.form.options[name] = options
            chosen = selected[:1] or options[:1]
            self.form.fields.extend((name, v) for v in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.form.fields.append((self.textarea[0], "".join(self.textarea[1]).removeprefix("\n")))
            self.textarea = None
        elif tag == "form":
            self.form = None


def forms_on(page: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(page)
    parser.close()
    return parser.forms


def form_to(page: str, action: str) -> Form:
    found = [f for f in forms_on(page) if f.action == action]
    assert found, f"no form posting to {action} on the page"
    return found[0]


@dataclass(frozen=True)
class RowFields:
    """The fields one row of a principal's target form posts, as the page names them: the figure
    typed (this year's target in an annual cycle, the 2026 target in a trajectory cycle), the
    choice of trajectory (trajectory cycles only) and the rationale."""

    row: int
    figure: str
    text: str
    choice: str | None = None
    options: tuple[str, ...] = ()

    @property
    def column(self) -> str:
        """The row's attribute the figure is saved to (and its audit events record): the field's
        name without the row's id."""
        return self.figure.removesuffix(f"-{self.row}")

    def option(self, preferred: str) -> str:
        """`preferred` if the choice offers it, else its first option that is not blank."""
        chosen = [o for o in self.options if o]
        return preferred if preferred in chosen else (chosen[0] if chosen else "")

    def typed(self, figure: str, text: str, choice: str = "linear") -> dict[str, str]:
        """What the browser posts for this row once the person has typed `figure` and `text`."""
        data = {self.figure: figure, self.text: text}
        if self.choice:
            data[self.choice] = self.option(choice)
        return data


def plan_rows(page: str, plan_id: int) -> dict[int, RowFields]:
    """Each row's fields in the plan page's form (empty when the plan is locked: no inputs)."""
    form = form_to(page, f"/targets/plans/{plan_id}/save")
    found: dict[int, dict[str, str]] = {}
    for name, kind in form.kinds.items():
        head, _, tail = name.rpartition("-")
        if head and tail.isdigit():
            found.setdefault(int(tail), {})[kind] = name
    rows = {}
    for row, kinds in found.items():
        assert "figure" in kinds and "textarea" in kinds, f"row {row} of plan {plan_id}: fields {kinds}"
        choice = kinds.get("select")
        rows[row] = RowFields(row, kinds["figure"], kinds["textarea"], choice,
                              tuple(form.options.get(choice, ())) if choice else ())
    return rows


# ---------------------------------------------------------------- /healthz from its own thread

@dataclass
class Health:
    polls: int = 0
    ok: int = 0
    failures: list[str] = field(default_factory=list)
    worst: float = 0.0
    worst_rss_kb: int = 0


class HealthPoller:
    """GET /healthz every `every` seconds from its own connection, recording every answer, the
    slowest, and the largest resident memory of any gunicorn worker seen meanwhile."""

    def __init__(self, base: str, master_pid: int, every: float = 0.2, timeout: float = 35):
        self.base, self.master, self.every, self.timeout = base, master_pid, every, timeout
        self.phases: dict[str, Health] = {}
        self.phase = Health()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self, phase: str) -> "HealthPoller":
        self.switch(phase)
        self.thread.start()
        return self

    def switch(self, phase: str) -> None:
        self.phase = self.phases.setdefault(phase, Health())

    def stop(self) -> dict[str, Health]:
        self.stopping.set()
        self.thread.join(self.timeout + 5)
        return self.phases

    def _run(self) -> None:
        http = requests.Session()
        while not self.stopping.is_set():
            health = self.phase
            started = time.monotonic()
            try:
                answer = http.get(self.base + "/healthz", timeout=self.timeout)
                took = time.monotonic() - started
                if answer.status_code == 200 and answer.json().get("status") == "ok":
                    health.ok += 1
                else:
                    health.failures.append(f"{answer.status_code} after {took:.2f} s: {answer.text[:200]!r}")
            except (requests.RequestException, ValueError) as exc:
                took = time.monotonic() - started
                health.failures.append(f"{type(exc).__name__} after {took:.2f} s: {exc}")
            health.polls += 1
            health.worst = max(health.worst, took)
            health.worst_rss_kb = max(health.worst_rss_kb, workers_rss_kb(self.master))
            self.stopping.wait(max(0.0, self.every - (time.monotonic() - started)))


def workers_rss_kb(master: int) -> int:
    """The largest resident set of the master's children (the workers), in kB."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return 0
    largest = 0
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        if found:
            largest = max(largest, int(found.group(1)))
    return largest


# ---------------------------------------------------------------- nothing changed

DERIVED = {"rollup_cache"}  # computed from the records: a page may store one while reading


def dump(app) -> dict[str, list[tuple]]:
    """Every table but the derived ones, each ordered by its primary key: equal dumps, equal data."""
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            out = {}
            for table in db.metadata.sorted_tables:
                if table.name in DERIVED:
                    continue
                order = ", ".join(f'"{c.name}"' for c in (list(table.primary_key.columns) or list(table.columns)))
                cursor.execute(f'SELECT * FROM "{table.name}" ORDER BY {order}')
                out[table.name] = [tuple(r) for r in cursor.fetchall()]
            cursor.close()
        finally:
            connection.close()
        return out


def rows_changed(before: dict, after: dict) -> dict[str, int]:
    """For each table that differs, how many rows were added, removed or changed."""
    changed = {}
    for name in sorted(before.keys() | after.keys()):
        old, new = ({repr(r) for r in rows.get(name, [])} for rows in (before, after))  # JSON columns are dicts
        if old != new:
            changed[name] = len(old ^ new)
    return changed
