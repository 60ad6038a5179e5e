"""Workbooks from outside, handled safely: sized before they are loaded, and text written as text.

A county's workbook is untrusted input. Two rules live here, each in one place:

- **Size before load.** ``measure(data, file)`` sizes an .xlsx from its zip directory and its XML
  parts — streamed with expat, never loaded whole, and stopped as soon as the answer is known — before
  openpyxl builds it in memory. openpyxl makes a Python object of about 300–450 bytes for every cell,
  for every cell of a merged range and of a ranged hyperlink, and for every row; so a 27 KB file with
  one merged range ``A1:CV10000`` costs 400 MB and half a minute. ``measure`` refuses such a workbook
  in milliseconds with a ``WorkbookTooLarge`` (a ``ToolkitError`` naming the file, the sheet and the
  place) when the estimate exceeds ``BUDGET`` or a sheet runs past the row limit its caller states.
  A sheet's ``<dimension>`` is not counted: openpyxl ignores it when it loads a whole workbook, so a
  sloppy or lying dimension costs nothing.
- **Text stays text.** ``put(cell, value)`` and ``neutralise(cell)`` are how every xlsx the toolkit
  writes stores a county's text: text beginning with ``= + - @``, a tab or a carriage return (the
  characters OWASP's CSV-injection guidance lists) is stored as a string cell with Excel's quote prefix
  — what Excel itself stores when someone types ``'=…`` — so it shows exactly as typed, is never
  evaluated, and stays text when the cell is edited. openpyxl on its own writes any ``str`` starting
  with ``=`` as a live formula. Numbers stay numbers.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable
from xml.parsers import expat

from toolkit.core.errors import ToolkitError

MB = 1024 * 1024
BUDGET = 200 * MB          # estimated memory openpyxl may use for one workbook
CELL_BYTES = 500           # per cell, merged cell, hyperlinked cell or row (measured: 300–450 with openpyxl 3.1)
ELEMENT_BYTES = 200        # per element of the other XML parts (shared strings, styles, comments …)
MAX_DIRECTORY = 4 * MB     # the zip's central directory (a real workbook's is a few KB)
# Cells under hyperlink ranges, per sheet. openpyxl gives every cell of a range its own copy of the
# link, about 50 µs each: well inside the memory budget, 137,000 of them took 7 s per load (the
# 5,000-case fuzz run's slowest case, 85 s). A county's workbook links a few cells, never thousands.
MAX_LINK_AREA = 10_000

_MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
         "http://purl.oclc.org/ooxml/spreadsheetml/main")
_REL_NS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships")
_WORKBOOK_TYPES = (  # as openpyxl looks for the workbook part
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
)
_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([1-9]\d{0,6})(?::\$?([A-Za-z]{1,3})\$?([1-9]\d{0,6}))?$")
_ROW = re.compile(r"(\d+)$")
_CHUNK = 1 << 16


class WorkbookTooLarge(ToolkitError):
    """A workbook refused before it is loaded. ``sheet`` and ``cell`` say where, when one place is the cause."""

    def __init__(self, file: str, message: str, fix: str, sheet: str | None = None, cell: str | None = None):
        self.file, self.sheet, self.cell, self.message, self.fix = file, sheet, cell, message, fix
        place = " › ".join(p for p in (file, sheet, cell) if p)
        super().__init__(f"{place}: {message} — {fix}")


@dataclass
class SheetSize:
    """What one sheet's XML holds, as far as it was read."""

    title: str
    member: str
    cells: int = 0
    rows: int = 0              # <row> elements
    last_row: int = 0          # the last row with a value in it
    merged_area: int = 0
    largest_merge: tuple[str, int] = ("", 0)
    link_area: int = 0
    largest_link: tuple[str, int] = ("", 0)

    @property
    def units(self) -> int:
        return self.cells + self.rows + self.merged_area + self.link_area


@dataclass
class WorkbookSize:
    file_bytes: int
    uncompressed: int
    sheets: dict[str, SheetSize] = field(default_factory=dict)
    other_elements: int = 0

    @property
    def estimate(self) -> int:
        """Bytes openpyxl may need: the file, its parts' text, and an object per cell and element."""
        units = sum(s.units for s in self.sheets.values())
        return self.file_bytes + self.uncompressed + CELL_BYTES * units + ELEMENT_BYTES * self.other_elements


def area(ref: str) -> int:
    """Cells in a range such as ``A1:CV10000`` (1 for a single cell, 0 when it is not a range)."""
    m = _REF.match((ref or "").strip())
    if not m:
        return 0
    c1, r1, c2, r2 = m.groups()
    if c2 is None:
        return 1
    return (abs(_col(c2) - _col(c1)) + 1) * (abs(int(r2) - int(r1)) + 1)


def _first_cell(ref: str | None) -> str | None:
    """``A1`` for ``A1:CV10000``, ``$a$1`` or ``A1``; None for anything that is not a cell reference."""
    m = _REF.match((ref or "").strip())
    return f"{m.group(1).upper()}{m.group(2)}" if m else None


def _col(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _mb(n: int) -> str:
    return f"{n / MB:.0f}" if n >= 10 * MB else f"{n / MB:.1f}"


def check_file_size(file: str, nbytes: int, budget: int = BUDGET) -> None:
    """Refuse a file larger than the budget before it is read into memory."""
    if nbytes > budget:
        raise WorkbookTooLarge(
            file, f"文件过大（{_mb(nbytes)} MB，上限 {_mb(budget)} MB），未读取",
            "一个集群的申报工作簿通常不到 5 MB：删除工作簿里粘贴的图片和多余的工作表后另存，再检查")


def _directory_size(data: bytes) -> int:
    """The central directory's size as the end record states it (zip64 too); 0 if none is found."""
    tail = data[-(65535 + 22):]
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return 0
    size = struct.unpack("<L", tail[at + 12:at + 16])[0]
    loc = at - 20
    if loc >= 0 and tail[loc:loc + 4] == b"PK\x06\x07":
        offset = struct.unpack("<Q", tail[loc + 8:loc + 16])[0]
        rec = data[offset:offset + 56] if offset < len(data) else b""
        if rec[:4] == b"PK\x06\x06" and len(rec) >= 56:
            size = max(size, struct.unpack("<Q", rec[40:48])[0])
    return size


class _Stop(Exception):
    """Raised inside the expat handlers to stop a scan once the answer is known."""

    def __init__(self, refusal: WorkbookTooLarge):
        self.refusal = refusal


class _Scanner:
    def __init__(self, data: bytes, file: str, row_limit: Callable[[str], int | None] | None, budget: int):
        self.file, self.row_limit, self.budget = file, row_limit, budget
        self.size = WorkbookSize(file_bytes=len(data), uncompressed=0)

    # -- the parts -------------------------------------------------------------------------------
    def run(self, zf: zipfile.ZipFile) -> WorkbookSize:
        infos = zf.infolist()
        self.size.uncompressed = sum(i.file_size for i in infos)
        if self.size.estimate > self.budget:
            big = max(infos, key=lambda i: i.file_size)
            raise WorkbookTooLarge(
                self.file, f"工作簿解压后过大，未读取：其中 {big.filename} 解压后 {_mb(big.file_size)} MB，"
                           f"全部 {_mb(self.size.uncompressed)} MB（上限 {_mb(self.budget)} MB）",
                "文件可能已损坏或被改动：请县里用 Excel 另存为新的工作簿后发送；仍不行就用 clusterkit new-client "
                "生成新的工作簿，把数据复制进去")
        sheets = sheet_parts(zf)
        names = {i.filename for i in infos}
        for member, title in sheets.items():
            if member in names:
                self._sheet(zf, member, title)
        for info in infos:
            if info.filename not in sheets and info.filename.lower().endswith((".xml", ".rels")):
                self._other(zf, info.filename)
        return self.size

    def _parse(self, zf: zipfile.ZipFile, member: str, start) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = start
        parser.StartDoctypeDeclHandler = lambda *a: self._dtd(member)
        parser.EntityDeclHandler = lambda *a: self._dtd(member)
        try:
            with zf.open(member) as fh:
                while chunk := fh.read(_CHUNK):
                    parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except _Stop:
            raise
        except Exception:  # a damaged part: what openpyxl could load of it has been counted; it reports the damage
            return

    def _dtd(self, member: str) -> None:
        raise _Stop(WorkbookTooLarge(
            self.file, f"工作簿中的 {member} 含有 XML 文档类型声明（Excel 不会写出这样的内容），文件可能被改动过，未读取",
            "请县里用 Excel 重新保存后发送；仍不行就用 clusterkit new-client 生成新的工作簿，把数据复制进去"))

    def _other(self, zf: zipfile.ZipFile, member: str) -> None:
        size = self.size

        def start(name, attrs):
            size.other_elements += 1
            if size.other_elements & 0xFFF == 0 and size.estimate > self.budget:
                raise _Stop(self._over(None, member))

        try:
            self._parse(zf, member, start)
        except _Stop as stop:
            raise stop.refusal from None
        if size.estimate > self.budget:
            raise self._over(None, member)

    def _sheet(self, zf: zipfile.ZipFile, member: str, title: str) -> None:
        s = SheetSize(title=title, member=member)
        key = title if title not in self.size.sheets else f"{title} ({member})"  # two sheets of one name count twice
        self.size.sheets[key] = s
        limit = self.row_limit(title) if self.row_limit else None
        last_allowed = None if limit is None else limit + 1  # a header row, then ``limit`` rows
        state = {"row": 0, "cell_row": 0, "coord": None}
        main_c = {f"{ns} c" for ns in _MAIN} | {"c"}
        main_row = {f"{ns} row" for ns in _MAIN} | {"row"}
        main_val = {f"{ns} {t}" for ns in _MAIN for t in ("v", "is", "f")} | {"v", "is", "f"}
        main_merge = {f"{ns} mergeCell" for ns in _MAIN} | {"mergeCell"}
        main_link = {f"{ns} hyperlink" for ns in _MAIN} | {"hyperlink"}
        budget_units = (self.budget - self.size.estimate) // CELL_BYTES

        def over_budget() -> bool:
            return s.units > budget_units

        def start(name, attrs):
            if name in main_c:
                s.cells += 1
                coord = attrs.get("r")
                m = _ROW.search(coord) if coord else None
                state["cell_row"] = int(m.group(1)) if m else state["row"]
                state["coord"] = coord
                if s.cells & 0xFFF == 0 and over_budget():
                    raise _Stop(self._over(s, member))
            elif name in main_val:
                row = state["cell_row"]
                if row > s.last_row:
                    s.last_row = row
                    if last_allowed is not None and row > last_allowed:
                        raise _Stop(too_many_rows(self.file, title, row, limit, _first_cell(state["coord"])))
            elif name in main_row:
                s.rows += 1
                r = attrs.get("r")
                state["row"] = int(r) if r and r.isdigit() else state["row"] + 1
                if s.rows & 0xFFF == 0 and over_budget():
                    raise _Stop(self._over(s, member))
            elif name in main_merge:
                ref = attrs.get("ref", "")
                n = area(ref)
                s.merged_area += n
                if n > s.largest_merge[1]:
                    s.largest_merge = (ref, n)
                if over_budget():
                    raise _Stop(self._over(s, member))
            elif name in main_link:
                ref = attrs.get("ref", "")
                n = area(ref) if ":" in ref else 0  # a single cell's link is already counted as its cell
                s.link_area += n
                if n > s.largest_link[1]:
                    s.largest_link = (ref, n)
                if s.link_area > MAX_LINK_AREA:
                    raise _Stop(self._links(s))
                if over_budget():
                    raise _Stop(self._over(s, member))

        try:
            self._parse(zf, member, start)
        except _Stop as stop:
            raise stop.refusal from None
        if over_budget():
            raise self._over(s, member)

    # -- the refusal -----------------------------------------------------------------------------
    def _links(self, sheet: SheetSize) -> WorkbookTooLarge:
        ref, n = sheet.largest_link
        total = f"（全表超链接共覆盖 {sheet.link_area} 个单元格）" if sheet.link_area > n else ""
        return WorkbookTooLarge(
            self.file, f"工作表中的超链接范围过大：{ref} 覆盖 {n} 个单元格{total}，上限 {MAX_LINK_AREA} 个，未读取",
            "在 Excel 中选中这片区域，右键 › 删除超链接，保存后再检查", sheet=sheet.title, cell=_first_cell(ref))

    def _over(self, sheet: SheetSize | None, member: str) -> WorkbookTooLarge:
        sheets = [x for x in self.size.sheets.values() if x.units]
        worst = max(sheets, key=lambda x: x.units) if sheets else None
        est = max(self.size.estimate, self.budget + 1)
        need = f"读入需要约 {_mb(est)} MB 内存（上限 {_mb(self.budget)} MB），未读取"
        if worst is None or (sheet is None and CELL_BYTES * worst.units < ELEMENT_BYTES * self.size.other_elements):
            return WorkbookTooLarge(
                self.file, f"工作簿过大：{member} 中的内容过多，{need}",
                "文件可能已损坏或被改动：请县里用 Excel 另存为新的工作簿后发送；仍不行就用 clusterkit new-client "
                "生成新的工作簿，把数据复制进去")
        parts = {"merge": worst.merged_area, "link": worst.link_area, "cells": worst.cells, "rows": worst.rows}
        kind = max(parts, key=parts.get)
        if kind == "merge":
            ref, n = worst.largest_merge
            what = f"合并单元格 {ref} 覆盖 {n} 个单元格" + (
                f"（全表合并单元格共覆盖 {worst.merged_area} 个）" if worst.merged_area > n else "")
            fix = "在 Excel 中选中这片区域，取消合并（开始 › 合并后居中 › 取消合并单元格），保存后再检查"
            cell = _first_cell(ref)
        elif kind == "link":
            ref, n = worst.largest_link
            what = f"超链接范围 {ref} 覆盖 {n} 个单元格"
            fix = "在 Excel 中选中这片区域，右键 › 删除超链接，保存后再检查"
            cell = _first_cell(ref)
        else:
            what = f"有 {worst.cells} 个单元格" if kind == "cells" else f"有 {worst.rows} 行"
            fix = ("删除表格下方和右侧多余的行列（选中后右键 › 删除），保存后再检查；或用 clusterkit new-client "
                   "生成新的工作簿，只把数据复制进去")
            cell = None
        return WorkbookTooLarge(self.file, f"工作表过大：{what}，{need}", fix, sheet=worst.title, cell=cell)


def too_many_rows(file: str, sheet: str, row: int, limit: int, cell: str | None = None) -> WorkbookTooLarge:
    """The one wording of a table that runs past its limit (``limit`` data rows under one header row)."""
    return WorkbookTooLarge(
        file, f"第 {row} 行仍有内容：每张表表头以下最多 {limit} 行，这张表超过了上限，未读取",
        "删除表格下方多余的行（常是误粘贴或误填的内容），保存后再检查", sheet=sheet, cell=cell)


def _attrs(zf: zipfile.ZipFile, member: str, local: str) -> list[dict[str, str]]:
    """The attributes of every ``local`` element of a small part (namespaces dropped from the names)."""
    try:
        info = zf.getinfo(member)
    except KeyError:
        return []
    if info.file_size > MAX_DIRECTORY:
        return []
    out: list[dict[str, str]] = []

    def start(name, attrs):
        if name.rsplit(" ", 1)[-1] == local:
            out.append({k.rsplit(" ", 1)[-1] if k.split(" ", 1)[0] in _REL_NS or " " not in k else k: v
                        for k, v in attrs.items()})

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start

    def refuse(*a):
        raise ValueError("DTD")

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(zf.read(member), True)
    except Exception:
        return out
    return out


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target)).lstrip("/")


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → sheet title, found as openpyxl finds them (content types, workbook, its rels)."""
    workbook = "xl/workbook.xml"
    overrides = {a.get("ContentType"): a.get("PartName", "") for a in _attrs(zf, "[Content_Types].xml", "Override")}
    for ct in _WORKBOOK_TYPES:
        if overrides.get(ct):
            workbook = overrides[ct].lstrip("/")
            break
    folder, base = posixpath.split(workbook)
    rels = {a.get("Id"): a.get("Target", "") for a in _attrs(zf, posixpath.join(folder, "_rels", base + ".rels"),
                                                             "Relationship")
            if a.get("TargetMode") != "External"}
    out: dict[str, str] = {}
    for n, sheet in enumerate(_attrs(zf, workbook, "sheet"), start=1):
        target = rels.get(sheet.get("id"))
        if target:
            out.setdefault(_resolve(folder, target), sheet.get("name") or f"第{n}张工作表")
    for name in zf.namelist():  # worksheets the workbook part does not list still cost nothing more than this
        if name.startswith("xl/worksheets/") and name.endswith(".xml") and name not in out:
            out[name] = name
    return out


def measure(data: bytes, file: str, *, row_limit: Callable[[str], int | None] | None = None,
            budget: int = BUDGET) -> WorkbookSize | None:
    """The size of the .xlsx in ``data`` (``file`` names it in messages), or None when it is not a zip
    this module can read (the caller's own open reports the damage).

    Raises ``WorkbookTooLarge`` when loading it would need more than ``budget`` bytes, or when a sheet
    whose title ``row_limit`` gives a number has a value below row ``limit + 1`` (one header row, then
    ``limit`` rows)."""
    check_file_size(file, len(data), budget)
    directory = _directory_size(data)
    if directory > MAX_DIRECTORY:
        raise WorkbookTooLarge(
            file, f"文件的压缩目录异常大（{_mb(directory)} MB），不是正常的 Excel 工作簿，未读取",
            "文件可能已损坏或被改动：请县里用 Excel 另存为新的工作簿后发送")
    import io

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception:
        return None
    with zf:
        return _Scanner(data, file, row_limit, budget).run(zf)


# -- writing ----------------------------------------------------------------------------------------

RISKY_START = ("=", "+", "-", "@", "\t", "\r")


def needs_quote(value: Any) -> bool:
    """Text a spreadsheet could take for a formula (OWASP's list of leading characters)."""
    return isinstance(value, str) and value.startswith(RISKY_START)


def neutralise(cell) -> Any:
    """Make the value already in ``cell`` safe: text that could run as a formula becomes a string cell
    with Excel's quote prefix. A formula (openpyxl stores ``=…`` text as one) becomes its text."""
    v = cell.value
    if cell.data_type == "f" and not isinstance(v, str):  # an array or data-table formula object
        v = getattr(v, "text", None) or ""
        cell.value = None
        cell.value = v
    if needs_quote(v):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def put(cell, value: Any):
    """Write ``value`` into ``cell`` as a value, never as a formula: the one way the toolkit writes text
    that came from a county (or anyone) into an xlsx. Numbers, dates and None are written as they are;
    characters XML cannot hold are dropped (openpyxl would refuse the whole file)."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    return neutralise(cell)


def put_row(ws, row: int, values) -> None:
    """Write ``values`` into row ``row`` of ``ws``, from column A, each by ``put``."""
    for col, v in enumerate(values, start=1):
        put(ws.cell(row, col), v)
