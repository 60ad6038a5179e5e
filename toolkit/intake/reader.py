"""Read a county's intake workbook into a ``Client``, and check it cell by cell.

Two steps, so that one failed conversion never hides a column's other problems:

1. **parse** every cell (``toolkit.intake.cells``): numbers with units, percentages, full-width digits,
   blanks, dates, formulas (their cached value), merged cells;
2. **check** the rules: required fields, 0–100 shares, non-negative values, SME and leading-industry
   output not above cluster output, three consecutive years, the 统一社会信用代码 check digit, duplicate
   firms, roster counts against declared counts, what a review (复核) needs.

Every problem is collected (``toolkit.core.errors.Problem``: file, sheet, cell, value, message, fix,
severity) and reads like ``intake.xlsx › 年度指标 › E3 (2023 主导产业产值): 「约12亿」不是数字 — 填写 12，单位“亿元”已在表头``.
Problems come in three kinds: **有误** (``error``: a value that cannot be right — text in a number cell,
a bad check digit, a total below its part, a figure no county has), **待补充** (``missing``: a required
cell left blank — incompleteness, not an error) and **提示** (``warning``). Figures implausible for one
county are named by cell (``toolkit.intake.plausibility``); the 说明 (notes) column of 年度指标 is read
into each value (``Value.note``) and a 口径 it states that the criteria do not mean is a 提示.

However incomplete or wrong, a readable workbook gives a client for a provisional assessment
(``CheckResult.partial``; wrong cells carry ``Value.error`` or ``Value.doubt``); ``CheckResult.client``
is given only when nothing is 有误 or 待补充.

Public API::

    check_workbook(path) -> CheckResult      # never raises on bad input; .client is None unless complete and right
    read_client(path) -> Client              # raises IntakeError(problems) when anything is 有误 or 待补充
    read_partial(path) -> Client             # as far as it can be read (a provisional assessment)
    write_annotated(result, out) -> Path     # copy with problem cells filled and commented + 问题清单
    format_report(result) -> str             # every problem by sheet and a count line (`clusterkit check`)

The client's workbook is only ever read (its bytes are loaded once into memory). Before openpyxl
loads it, it is sized from its XML (``toolkit.core.xlsx_safe.measure``): a workbook that would need
more than 200 MB of memory (one merged range over a million cells, a hundred thousand pasted rows) is
refused with a message naming the sheet. The tables (企业名单, 平台机构, 发展规划, 佐证材料) are read
to their last row with a value, up to ``MAX_DATA_ROWS`` rows under the header; a table longer than
that is an error naming the sheet, never cut short.

Over 500 lines: the one reader of the county's workbook. Each sheet's parsing sits beside the checks
that name its cells and shares one problem list (``_Reader``), so every message names file › sheet ›
cell the same way; the cell parsers (``cells``), evidence paths (``evidence``), plausibility and
sizing (``core.xlsx_safe``) are their own modules.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.core import xlsx_safe
from toolkit.intake import cells, evidence, plausibility, schema
from toolkit.core.errors import IntakeError, Problem, ToolkitError
from toolkit.intake.model import (
    REVIEW, TIERS, Client, EvidenceItem, Firm, NegativeItem, Platform, PlanTarget, Source, TierCount, Value, firm_key,
)

ERROR, MISSING, WARNING = "error", "missing", "warning"
KIND_NAMES = {ERROR: "有误", MISSING: "待补充", WARNING: "提示"}

_FAIL = object()  # a cell whose value could not be read (a problem was recorded)
_CELL_RE = re.compile(r"^[A-Z]{1,3}[1-9]\d{0,6}$")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_KIND_SPLIT = re.compile(r"[、,，;；\n]+")
MAX_DATA_ROWS = 20_000  # rows under a table's header; far above any county's roster, platforms, plan or evidence


def _table_titles() -> set[str]:
    return {_norm(spec["title"]) for spec in schema.load_schema()["sheets"].values() if spec.get("kind") == "table"}


def _row_limit(title: str) -> int | None:
    """The rows a sheet may hold under its header: ``MAX_DATA_ROWS`` for a table, no limit for the others
    (they are read by label within their first rows; their size counts towards the memory budget)."""
    return MAX_DATA_ROWS if _norm(title) in _table_titles() else None


@dataclass(frozen=True)
class CellProblem(Problem):
    """A ``Problem`` that also says what the cell holds, e.g. ``E3 (2023 主导产业产值)``."""

    label: str = ""

    @property
    def place(self) -> str:
        base = super().place
        return f"{base} ({self.label})" if self.label and self.cell else base

    def to_dict(self) -> dict:
        return {**super().to_dict(), "label": self.label}


@dataclass
class CheckResult:
    """What ``check_workbook`` found. ``client`` is None when the workbook has errors."""

    workbook: Path
    problems: list[Problem] = field(default_factory=list)
    client: Client | None = None
    sha256: str = ""
    partial: Client | None = None  # the client as far as it can be read, even with errors or blanks
    template_version: str | None = None
    readable: bool = False  # the file opened as a workbook (an annotated copy can be written)

    @property
    def errors(self) -> list[Problem]:
        """有误: values that cannot be right."""
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def missing(self) -> list[Problem]:
        """待补充: required cells left blank."""
        return [p for p in self.problems if p.severity == MISSING]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        """Complete and right: nothing 有误, nothing 待补充."""
        return not self.errors and not self.missing


def resolve_paths(path: Path | str) -> tuple[Path, Path]:
    """(client folder, workbook) for a client folder or a workbook path."""
    path = Path(path)
    if path.is_dir():
        return path, path / schema.load_schema()["file"]
    return path.parent, path


def _norm(text: Any) -> str:
    """A header or label compared loosely: NFKC, no spaces, no required-marks or unit suffix."""
    s = unicodedata.normalize("NFKC", str(text or ""))
    s = re.sub(r"\s+", "", s)
    s = s.replace("（必填）", "").replace("(必填)", "").rstrip("*")
    return s


def _header_matches(found: Any, label: str) -> bool:
    f, l = _norm(found), _norm(label)
    return bool(f) and (f == l or f.startswith(l))


class _Reader:
    def __init__(self, path: Path | str):
        self.folder, self.path = resolve_paths(path)
        self.file = self.path.name
        self.problems: list[Problem] = []
        self.wb = None
        self._cached_wb = None
        self._data = b""

    # -- problems ---------------------------------------------------------------------------
    def add(self, sheet: str | None, cell: str | None, message: str, fix: str = "", value: Any = None,
            severity: str = "error", label: str = "") -> None:
        if isinstance(value, float):
            value = cells.fmt(value) if abs(value) < 1e15 else repr(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()[:10] if hasattr(value, "year") else value.isoformat()
        elif value is not None and not isinstance(value, (str, int)):
            value = str(value)
        self.problems.append(CellProblem(file=self.file, sheet=sheet, cell=cell, message=message, fix=fix,
                                         value=value, severity=severity, label=label))

    def fatal(self, message: str, fix: str = "") -> None:
        self.add(None, None, message, fix)

    def blank(self, sheet: str | None, cell: str | None, message: str, fix: str = "", value: Any = None,
              label: str = "") -> None:
        """A required cell left blank: 待补充, not an error."""
        self.add(sheet, cell, message, fix, value, MISSING, label)

    def cell_error(self, sheet: str, coord: str) -> str:
        """What is wrong with a cell (its 有误 problems), for the Value that stands for it."""
        out = []
        for p in self.problems:
            if p.severity == ERROR and p.sheet == sheet and p.cell == coord:
                out.append((f"「{p.value}」" if p.value not in (None, "") else "") + p.message
                           + (f"（{p.fix}）" if p.fix else ""))
        return "；".join(out)

    def value(self, ws, row: int, col: int, v: Any, note: str = "") -> Value:
        """The Value of a parsed cell: blank, the value, or — when it could not be read — its error."""
        src = self.src(ws, row, col)
        return Value(_val(v), src, error=self.cell_error(ws.title, src.cell) if v is _FAIL else "", note=note)

    def refuse(self, exc: xlsx_safe.WorkbookTooLarge) -> None:
        self.add(exc.sheet, exc.cell, exc.message, exc.fix)

    # -- opening ----------------------------------------------------------------------------
    def open(self) -> bool:
        new_client = "用 `clusterkit new-client` 生成新的工作簿，把数据复制进去"
        if not self.path.exists() and not self.path.suffix:
            # a client folder that does not exist (a workbook path would have a suffix)
            self.fatal(f"找不到客户文件夹 {self.path}",
                       f"确认路径拼写；新客户请先运行 clusterkit new-client {self.path} --name …")
            return False
        if not self.path.exists():
            where = f"{self.folder} 中没有 {self.file}" if self.folder.is_dir() else f"找不到 {self.path}"
            others = sorted(p.name for p in self.folder.glob("*.xls*") if not p.name.startswith(("~$", ".")))
            others = [n for n in others if not n.endswith(".checked.xlsx")]
            if others:
                fix = (f"文件夹中有 {'、'.join(others[:5])}：把县里返回的工作簿改名为 {self.file}，"
                       f"或直接检查它：clusterkit check {self.folder / others[0]}")
            else:
                fix = f"确认路径；新客户请先运行 clusterkit new-client {self.folder} --name …"
            self.fatal(where, fix)
            return False
        if self.path.is_dir():
            self.fatal(f"{self.path} 是文件夹，不是工作簿", "给出客户文件夹或其中的 intake.xlsx")
            return False
        try:
            xlsx_safe.check_file_size(self.file, self.path.stat().st_size)
            self._data = self.path.read_bytes()
        except xlsx_safe.WorkbookTooLarge as exc:
            self.refuse(exc)
            return False
        except OSError as exc:
            self.fatal(f"无法读取文件（{exc.strerror or exc}）", "检查文件权限，或关闭正在占用它的程序")
            return False
        data = self._data
        if data.startswith(_OLE_MAGIC):
            if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data:
                self.fatal("工作簿设置了打开密码（已加密），无法读取",
                           "在 Excel 中打开，“文件 › 信息 › 保护工作簿 › 用密码进行加密”中清空密码后保存，再检查")
            else:
                self.fatal("这是旧版 Excel 97-2003（.xls）格式，无法读取",
                           "在 Excel 中“另存为” Excel 工作簿（.xlsx），或" + new_client)
            return False
        if self.path.suffix.lower() in (".xls", ".et", ".csv", ".ods", ".numbers"):
            self.fatal(f"不支持 {self.path.suffix} 格式", "另存为 Excel 工作簿（.xlsx）")
            return False
        if not zipfile.is_zipfile(io.BytesIO(data)):
            self.fatal("文件已损坏或不是 Excel 工作簿（.xlsx）",
                       "请县里重新导出/发送原文件；仍不行就" + new_client)
            return False
        try:  # sized before openpyxl builds it: a small file can unpack to gigabytes of cells
            xlsx_safe.measure(data, self.file, row_limit=_row_limit)
        except xlsx_safe.WorkbookTooLarge as exc:
            self.refuse(exc)
            return False
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            names = set()
        if names and not any(n.startswith("xl/") for n in names):
            # another Office file or a zip renamed to .xlsx: say what it is rather than "damaged"
            kind = ("Word 文档（.docx）" if "word/document.xml" in names else
                    "PowerPoint 演示文稿（.pptx）" if "ppt/presentation.xml" in names else "")
            if kind:
                self.fatal(f"这是{kind}，只是扩展名改成了 .xlsx，不是 Excel 工作簿",
                           "请县里发送填好的 Excel 工作簿（.xlsx）；仍不行就" + new_client)
            else:
                self.fatal("文件已损坏或不是 Excel 工作簿（是压缩包，但其中没有工作表）",
                           "请县里重新导出/发送原文件；仍不行就" + new_client)
            return False
        try:
            import openpyxl

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
        except Exception as exc:  # openpyxl raises many types on a damaged package
            self.fatal(f"文件已损坏，无法作为 Excel 工作簿打开（{type(exc).__name__}）",
                       "请县里用 Excel 重新保存后发送；仍不行就" + new_client)
            return False
        return True

    def check_version(self) -> str | None:
        want = schema.version()
        found = None
        dn = None
        try:
            dn = self.wb.defined_names.get(schema.VERSION_NAME)
        except Exception:
            dn = None
        if dn is not None and dn.attr_text:
            found = str(dn.attr_text).strip().strip('"')
        elif schema.LISTS_SHEET in self.wb.sheetnames:
            # Some spreadsheet programs drop constant defined names: the hidden lists sheet has a copy.
            ws = self.wb[schema.LISTS_SHEET]
            for c in range(1, 30):
                if ws.cell(1, c).value == schema.VERSION_NAME and ws.cell(1, c + 1).value:
                    found = str(ws.cell(1, c + 1).value).strip()
                    break
        fix = "用 `clusterkit new-client` 生成新模板的工作簿，把数据逐表复制（选择性粘贴“数值”）进去后再检查"
        if found is None:
            self.fatal("这不是由 clusterkit 模板生成的工作簿（没有模板版本标记）", fix)
            return None
        if found != want:
            self.fatal(f"工作簿的模板版本是 {found}，当前工具读取的是 {want} 版模板", fix)
            return found
        return found

    # -- cells ------------------------------------------------------------------------------
    def _cached(self, sheet: str, coord: str) -> Any:
        if self._cached_wb is None:
            import openpyxl

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._cached_wb = openpyxl.load_workbook(io.BytesIO(self._data), data_only=True)
        try:
            return self._cached_wb[sheet][coord].value
        except Exception:
            return None

    def raw(self, ws, row: int, col: int, label: str = "") -> Any:
        """The cell's value as a person sees it: a formula's cached result; _FAIL if unreadable."""
        from openpyxl.cell.cell import MergedCell

        cell = ws.cell(row, col)
        if isinstance(cell, MergedCell):
            return None  # reported once per merged range
        v = cell.value
        is_formula = cell.data_type == "f" or not isinstance(v, (str, int, float, bool, type(None))) and not hasattr(v, "year")
        if is_formula:
            cached = self._cached(ws.title, cell.coordinate)
            if cached is None:
                shown = v if isinstance(v, str) else getattr(v, "text", None) or "公式"
                self.add(ws.title, cell.coordinate, "是公式，但工作簿中没有它的计算结果",
                         "在 Excel 中打开并保存一次（会存下计算结果），或直接填写数值", shown, label=label)
                return _FAIL
            if isinstance(cached, str) and cached.startswith("#"):
                self.add(ws.title, cell.coordinate, "公式的计算结果是 Excel 错误值", "修正公式，或直接填写数值",
                         f"{v} → {cached}", label=label)
                return _FAIL
            return cached
        return v

    def parse(self, ws, row: int, col: int, spec: dict, allowed: list[str] | None = None,
              label: str = "") -> Any:
        """Parse one cell as ``spec`` says; record problems; return the value (None if blank or bad)."""
        raw = self.raw(ws, row, col, label)
        if raw is _FAIL:
            return _FAIL
        cell = ws.cell(row, col)
        pct = "%" in str(getattr(cell, "number_format", "") or "")
        parsed = cells.parse(raw, spec, allowed, percent_format=pct)
        if parsed.error:
            self.add(ws.title, cell.coordinate, parsed.error, parsed.fix, raw, label=label)
            return _FAIL
        if parsed.warning:
            self.add(ws.title, cell.coordinate, parsed.warning, "核对无误可忽略", raw, "warning", label)
        return parsed.value

    def merged(self, ws, severity: str = "error") -> None:
        for rng in list(ws.merged_cells.ranges):
            first = rng.coord.split(":")[0]
            sev = severity
            if severity == "basic":
                sev = "warning" if rng.min_row == rng.max_row else "error"
            self.add(ws.title, first, f"合并了单元格 {rng.coord}",
                     "取消合并（开始 › 合并后居中 › 取消合并单元格），每个单元格分别填写", severity=sev)

    def sheet(self, key: str):
        title = schema.sheet_title(key)
        if title in self.wb.sheetnames:
            return self.wb[title]
        close = [n for n in self.wb.sheetnames if _norm(n) == _norm(title)]
        if close:
            return self.wb[close[0]]
        self.add(title, None, f"缺少工作表「{title}」",
                 f"恢复名为「{title}」的工作表（不要改工作表名称），或用 clusterkit new-client 生成新模板后复制数据")
        return None

    def src(self, ws, row: int, col: int) -> Source:
        from openpyxl.utils import get_column_letter

        return Source(self.file, ws.title, f"{get_column_letter(col)}{row}")


def _blank(v: Any) -> bool:
    return v is None or v is _FAIL


def _val(v: Any) -> Any:
    return None if v is _FAIL else v


# -- the sheets -------------------------------------------------------------------------------------

def _read_basic(r: _Reader) -> dict[str, Value]:
    spec = schema.sheet("basic")
    ws = r.sheet("basic")
    out: dict[str, Value] = {f["id"]: Value(None) for f in spec["fields"]}
    if ws is None:
        return out
    r.merged(ws, "basic")
    if not _header_matches(ws["B1"].value, "填写内容"):
        r.add(ws.title, "B1", "表头应为「填写内容」", "恢复原表头；数据填在 B 列", ws["B1"].value)
    rows: dict[str, int] = {}
    for row in range(2, min(ws.max_row, 200) + 1):
        key = _norm(ws.cell(row, 1).value)
        if key and key not in rows:
            rows[key] = row
    for n, f in enumerate(spec["fields"], start=2):
        row = rows.get(_norm(f["label"]))
        if row is None and not f.get("required"):
            # an optional item a workbook of an earlier template does not have yet: blank, said once
            r.add(ws.title, f"A{n}", f"没有「{f['label']}」一行（可选项，按未填写处理）",
                  f"如需填写，在第一列空行写「{f['label']}」，内容填在 B 列", ws.cell(n, 1).value, "warning")
            out[f["id"]] = Value(None, None)
            continue
        if row is None:
            r.add(ws.title, f"A{n}", f"缺少「{f['label']}」一行（第一列的项目名称被改动或删除）",
                  f"在 A 列恢复「{f['label']}」，内容填在 B 列", ws.cell(n, 1).value)
            continue
        allowed = schema.choices(f["choices"]) if f["type"] == "choice" else None
        v = r.parse(ws, row, 2, f, allowed, label=f["label"])
        if f["id"] == "recognised_year" and isinstance(v, str):
            v = int(v)
        if f["type"] == "number" and isinstance(v, (int, float)) and v <= 0:
            r.add(ws.title, f"B{row}", "应为正数", f"填写{f['label']}（{f.get('unit', '')}）", v, label=f["label"])
            v = _FAIL
        if f.get("required") and v is None:
            r.blank(ws.title, f"B{row}", "必填，未填写", f"填写{f['label']}" + (f"，如「{f['example']}」" if f.get("example") else ""),
                    label=f["label"])
        out[f["id"]] = r.value(ws, row, 2, v)
    # What a review needs.
    app = out.get("application_type")
    ry = out.get("recognised_year")
    if app and app.value == REVIEW and ry is not None and ry.value is None and ry.source:
        r.blank(ws.title, ry.source.cell, "申报类型为复核，但未填写认定年度", "从下拉列表选择集群获认定的年度，如 2022",
                label="认定年度")
    elif app and app.value and app.value != REVIEW and ry is not None and ry.value is not None and ry.source:
        r.add(ws.title, ry.source.cell, "申报类型为新申报，却填写了认定年度", "新申报请留空；已获认定的集群申报类型应选“复核”",
              ry.value, "warning", label="认定年度")
    return out


def _read_indicators(r: _Reader) -> tuple[list[int], dict[str, dict[int, Value]]]:
    spec = schema.sheet("indicators")
    ws = r.sheet("indicators")
    indicators: dict[str, dict[int, Value]] = {row["id"]: {} for row in spec["rows"]}
    if ws is None:
        return [], indicators
    r.merged(ws)
    ncols = int(spec.get("year_columns", 3))
    from openpyxl.utils import get_column_letter

    # Years in the header row, D1–F1.
    years: list[int | None] = []
    for i in range(ncols):
        col = 4 + i
        coord = f"{get_column_letter(col)}1"
        raw = r.raw(ws, 1, col, "年度")
        if raw is _FAIL:
            years.append(None)
            continue
        p = cells.parse_year(raw)
        if p.value is None:
            msg = "表头缺少年度" if p.ok else "表头不是年份"
            r.add(ws.title, coord, msg, "在表头填写四位年份（三个连续年度，如 2022、2023、2024）", raw, label="年度")
            years.append(None)
        else:
            years.append(p.value)
    known = [y for y in years if y is not None]
    if len(known) == ncols and len(set(known)) == ncols:
        ordered = sorted(known)
        consecutive = ordered == list(range(ordered[0], ordered[0] + ncols))
        shown = "、".join(str(y) for y in years)
        if consecutive and years != ordered:
            # each column is read under its own header year, so the data is right; only the order is
            # unusual — and relabelling the headers would pin the figures to the wrong years
            r.add(ws.title, "D1", f"年度列不是从早到晚排列（{shown}）：已按各列表头的年份读取数据",
                  "如需调整顺序，请连同数据整列移动（最早年度放在 D 列）；不要只改表头年份，否则数据会对应到错误的年份",
                  shown, WARNING, label="年度")
        elif not consecutive:
            i = next(i for i in range(1, ncols) if ordered[i] != ordered[i - 1] + 1)
            col = 4 + years.index(ordered[i])
            r.add(ws.title, f"{get_column_letter(col)}1",
                  f"年度不连续（{shown}）：{ordered[i - 1]} 之后应为 {ordered[i - 1] + 1}",
                  "三个指标年度应为连续的三年（如 2022、2023、2024）：核对表头年份与该列数据是否为同一年度；"
                  "若该列数据属于另一年度，请换成所缺年度的数据，不要只改表头年份", ws.cell(1, col).value, label="年度")
    # Rows, found by the code in column A (or the label in column B).
    by_id: dict[str, int] = {}
    by_label: dict[str, int] = {}
    for row in range(2, min(ws.max_row, 200) + 1):
        a, b = _norm(ws.cell(row, 1).value), _norm(ws.cell(row, 2).value)
        if a:
            by_id.setdefault(a, row)
        if b:
            by_label.setdefault(b, row)
    percent_formatted = set()
    note_col = 4 + ncols
    for n, row_spec in enumerate(spec["rows"], start=2):
        row = by_id.get(row_spec["id"]) or by_label.get(_norm(row_spec["label"]))
        if row is None:
            r.add(ws.title, f"A{n}", f"缺少指标行「{row_spec['label']}」（代码 {row_spec['id']}）",
                  "恢复该行：B 列指标名称不要改动", ws.cell(n, 1).value)
            continue
        note = _row_note(r, ws, row, note_col, row_spec)
        unit_found = _norm(ws.cell(row, 3).value)
        if unit_found and unit_found != _norm(row_spec["unit"]):
            r.add(ws.title, f"C{row}", f"单位被改为「{ws.cell(row, 3).value}」，本行单位应为「{row_spec['unit']}」",
                  f"把单位恢复为“{row_spec['unit']}”，数值按{row_spec['unit']}填写", ws.cell(row, 3).value,
                  "warning", row_spec["label"])
        for i in range(ncols):
            year = years[i]
            label = f"{year if year else '?'} {row_spec['label']}"
            v = r.parse(ws, row, 4 + i, row_spec, label=label)
            coord = f"{get_column_letter(4 + i)}{row}"
            if isinstance(v, (int, float)):
                if v < 0:
                    r.add(ws.title, coord, "不能为负数", f"填写{row_spec['label']}的实际值（{row_spec['unit']}）", v,
                          label=label)
                    v = _FAIL
                elif row_spec["type"] == "percent" and v > 100:
                    r.add(ws.title, coord, "是百分比，应在 0–100 之间", "填写百分数本身，如 26.4（表示26.4%）", v,
                          label=label)
                    v = _FAIL
            if "%" in str(ws.cell(row, 4 + i).number_format) and year is not None:
                percent_formatted.add((row_spec["id"], year))
            if v is None and row_spec.get("required"):
                shown = ws.cell(row, 4 + i).value
                r.blank(ws.title, coord, "视为空白：必填，未填写" if isinstance(shown, str) and shown.strip() else "必填，未填写",
                        f"填写{year or ''}年{row_spec['label']}（{row_spec['unit']}）；确无数据请说明原因",
                        shown if isinstance(shown, str) else None, label=label)
            if year is not None:
                indicators[row_spec["id"]][year] = r.value(ws, row, 4 + i, v, note)
    if len(set(known)) != len(known):
        r.add(ws.title, "D1", "表头年度重复", "三个年度应各不相同且连续，如 2022、2023、2024", label="年度")
    # Plausibility by cell: unit and typing errors, totals below their parts (toolkit.intake.plausibility).
    labels = schema.indicator_labels()
    year_list = sorted(y for y in set(known))
    findings = plausibility.check(indicators, year_list, percent_formatted=frozenset(percent_formatted))
    for f in findings:
        v = indicators[f.key][f.year]
        if v.source is None:
            continue
        message = f.message if f.certain else f"疑似有误：{f.message}"
        r.add(ws.title, v.source.cell, message, f.fix, v.value, WARNING if f.confirmed else ERROR,
              f"{f.year} {labels[f.key]}")
    plausibility.attach(indicators, findings)
    return sorted(y for y in set(known)), indicators


def _row_note(r: _Reader, ws, row: int, col: int, row_spec: dict) -> str:
    """What the county wrote in the 说明 column of an indicator row ('' for blank or the template's own
    help text); a 口径 that the criteria do not mean is a 提示 at the note."""
    from openpyxl.utils import get_column_letter

    raw = r.raw(ws, row, col, "说明")
    text = cells.parse_text(raw).value if raw is not _FAIL else None
    if not text or text == schema.indicator_help(row_spec):
        return ""
    caution = schema.basis_caution(row_spec["id"], text)
    if caution:
        r.add(ws.title, f"{get_column_letter(col)}{row}", f"说明写明“{text}”：{caution}",
              "核实统计口径；确按集群工业总产值统计请改写说明", text, WARNING, f"{row_spec['label']} · 说明")
    return text


def _table_columns(r: _Reader, ws, key: str) -> dict[str, int]:
    """Column id → column number, found by header label; records renamed/missing headers."""
    from openpyxl.utils import get_column_letter

    spec = schema.sheet(key)
    headers = {c: ws.cell(1, c).value for c in range(1, min(ws.max_column, 60) + 1)}
    out: dict[str, int] = {}
    for n, col in enumerate(spec["columns"], start=1):
        if _header_matches(headers.get(n), col["label"]):
            out[col["id"]] = n
            continue
        found = [c for c, h in headers.items() if _header_matches(h, col["label"]) and c not in out.values()]
        if found:
            out[col["id"]] = found[0]
            continue
        r.add(ws.title, f"{get_column_letter(n)}1", f"表头应为「{col['label']}」",
              "恢复原表头（不要改动表头文字），或用 clusterkit new-client 生成新模板后复制数据", headers.get(n))
    return out


def _last_row(ws) -> int:
    """The last row holding a value (a sheet's max_row also counts formatted empty cells far below)."""
    return max((row for (row, _), cell in ws._cells.items() if cell.value is not None), default=1)


def _table_rows(r: _Reader, ws, key: str, cols: dict[str, int]):
    """Yield (row number, {column id: parsed value}) for each data row; skips blank and 示例 rows."""
    spec = schema.sheet(key)
    specs = {c["id"]: c for c in spec["columns"]}
    last = _last_row(ws)
    if last > MAX_DATA_ROWS + 1:  # a header row, then the data
        exc = xlsx_safe.too_many_rows(r.file, ws.title, last, MAX_DATA_ROWS)
        r.add(ws.title, None, exc.message, exc.fix)
        return
    for row in range(2, last + 1):
        raws = {cid: ws.cell(row, c).value for cid, c in cols.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raws.values()):
            continue
        first = raws.get(spec["columns"][0]["id"])
        if isinstance(first, str) and unicodedata.normalize("NFKC", first).strip().startswith(schema.EXAMPLE_MARK):
            continue
        values: dict[str, Any] = {}
        name_raw = first
        for cid, c in cols.items():
            cs = specs[cid]
            allowed = None
            if cs["type"] == "choice":
                allowed = schema.choices(cs["choices"])
            if key == "evidence" and cid == "kind":
                values[cid] = _parse_kinds(r, ws, row, c)
                continue
            if key == "evidence" and cid == "file":
                raw = r.raw(ws, row, c, cs["label"])
                values[cid] = raw if raw is _FAIL else cells.parse_text(raw).value
                continue
            if key == "plan" and cid == "indicator":
                allowed = list(allowed or []) + list(schema.indicator_labels().values())
            label = f"第{row}行 {cs['label']}" if cid != spec["columns"][0]["id"] else cs["label"]
            if name_raw is not None and cid != spec["columns"][0]["id"]:
                nm = cells.parse_text(name_raw).value
                if nm:
                    label = f"{nm} · {cs['label']}"
            values[cid] = r.parse(ws, row, c, cs, allowed, label=label)
        for cid, cs in specs.items():
            if cs.get("required") and cid in cols and values.get(cid) is None:
                from openpyxl.utils import get_column_letter

                r.blank(ws.title, f"{get_column_letter(cols[cid])}{row}", "必填，未填写",
                        f"填写{cs['label']}" + ("（从下拉列表选择）" if cs["type"] == "choice" else ""),
                        label=f"第{row}行 {cs['label']}")
        yield row, values


def _parse_kinds(r: _Reader, ws, row: int, col: int) -> Any:
    raw = r.raw(ws, row, col, "证明内容")
    if raw is _FAIL:
        return _FAIL
    text = cells.parse_text(raw).value
    if text is None:
        return None
    ids = schema.evidence_kind_ids()
    norm_ids = {_norm(k): v for k, v in ids.items()}
    kinds: list[str] = []
    whole = ids.get(text) or norm_ids.get(_norm(text))
    for part in [text] if whole else _KIND_SPLIT.split(text):
        part = part.strip()
        if not part:
            continue
        kid = ids.get(part) or norm_ids.get(_norm(part))
        if kid is None:
            r.add(ws.title, ws.cell(row, col).coordinate, "不是可选的证明内容",
                  "从下拉列表中选择（如“产值等统计数据证明”）；一份材料证明多项内容可分行列出", raw, label="证明内容")
            return _FAIL
        if kid not in kinds:
            kinds.append(kid)
    return tuple(kinds) or None


def _yes(v: Any) -> bool:
    return v == "是"


def _read_roster(r: _Reader) -> list[Firm]:
    ws = r.sheet("roster")
    if ws is None:
        return []
    r.merged(ws)
    cols = _table_columns(r, ws, "roster")
    firms: list[Firm] = []
    by_name: dict[str, str] = {}
    by_code: dict[str, str] = {}
    by_key: dict[str, tuple[str, str, str | None]] = {}  # firm_key → (cell, name, code)
    from openpyxl.utils import get_column_letter

    for row, v in _table_rows(r, ws, "roster", cols):
        name = _val(v.get("name"))
        code = _val(v.get("credit_code"))
        if name:
            key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
            cell = f"{get_column_letter(cols['name'])}{row}"
            if key in by_name:
                r.add(ws.title, cell, f"企业重复：与 {by_name[key]} 同名",
                      "删除重复的一行，或核对企业名称", name, label="企业名称")
            else:
                by_name[key] = cell
                near = by_key.get(firm_key(name))
                if near and (not code or not near[2] or code != near[2]):
                    # 某某电器有限公司 and 某某电器有限责任公司: likely one firm typed twice
                    r.add(ws.title, cell, f"与 {near[0]}「{near[1]}」名称仅组织形式不同：疑似同一企业列了两次",
                          "同一企业只列一行；确为两家企业，请核对两家的统一社会信用代码并在备注中说明",
                          name, WARNING, "企业名称")
                else:
                    by_key.setdefault(firm_key(name), (cell, name, code))
        if code and "credit_code" in cols:
            if code in by_code:
                r.add(ws.title, f"{get_column_letter(cols['credit_code'])}{row}",
                      f"统一社会信用代码重复：与 {by_code[code]} 相同", "一家企业只列一行；核对代码", code,
                      label=f"{name or ''} · 统一社会信用代码")
            else:
                by_code[code] = f"{get_column_letter(cols['credit_code'])}{row}"
        tiers = frozenset(t for t in TIERS if _yes(v.get(t)))
        tier_cols = [t for t in TIERS if t in cols]
        # every title cell blank: the titles are not known (a list of names from the press), not "none"
        unknown = bool(tier_cols) and all(_val(v.get(t)) is None for t in tier_cols)
        is_sme = _yes(v.get("is_sme"))
        if v.get("is_sme") == "否":
            sme_only = [TIERS[t] for t in ("little_giant", "specialised", "innovative") if t in tiers]
            if sme_only:
                r.add(ws.title, f"{get_column_letter(cols['is_sme'])}{row}",
                      f"标为非中小企业，但有“{'、'.join(sme_only)}”称号（这些称号只授予中小企业）",
                      "核对“是否中小企业”或称号", "否", "warning", f"{name or ''} · 是否中小企业")
        if name:
            firms.append(Firm(name=name, credit_code=code, is_sme=is_sme,
                              in_leading_industry=_yes(v.get("in_leading_industry")), tiers=tiers,
                              source=r.src(ws, row, cols.get("name", 1)), note=_val(v.get("note")) or "",
                              tiers_unknown=unknown))
    return firms


def _read_tier_counts(r: _Reader) -> list[TierCount]:
    """Firms known by count, not yet by name (梯度企业数量: one row per tier, A 代码, B 称号, C 已知数量,
    D 其中属于主导产业, E 来源). Optional: a workbook without the sheet has no declared counts."""
    title = schema.sheet_title("tier_counts")
    names = [n for n in r.wb.sheetnames if _norm(n) == _norm(title)]
    if not names:
        return []
    ws = r.wb[names[0]]
    r.merged(ws)
    by_id, by_label = {}, {}
    for row in range(2, min(ws.max_row, 60) + 1):
        by_id.setdefault(_norm(ws.cell(row, 1).value), row)
        by_label.setdefault(_norm(ws.cell(row, 2).value), row)
    out = []
    count_spec = {"type": "integer", "unit": "家"}
    for tier, label in TIERS.items():
        row = by_id.get(tier) or by_label.get(_norm(label))
        if row is None:
            continue
        count = r.parse(ws, row, 3, count_spec, label=f"{label} · 已知数量")
        leading = r.parse(ws, row, 4, count_spec, label=f"{label} · 其中属于主导产业")
        basis = cells.parse_text(_safe(r.raw(ws, row, 5, "来源"))).value or ""
        for col, x in ((3, count), (4, leading)):
            if isinstance(x, int) and x < 0:
                r.add(ws.title, f"{'CD'[col - 3]}{row}", "数量不能为负数", "填写已知的企业家数（不小于 0 的整数）", x,
                      label=f"{label} · {'已知数量' if col == 3 else '其中属于主导产业'}")
        if not isinstance(count, int) or count < 0:
            if count is None and isinstance(leading, int):
                r.blank(ws.title, f"C{row}", "填写了其中属于主导产业的家数，但未填写已知数量", "填写该称号企业的总家数",
                        label=f"{label} · 已知数量")
            continue
        if isinstance(leading, int) and leading > count:
            r.add(ws.title, f"D{row}", f"其中属于主导产业的家数大于已知数量（{count}家）", "核对两格：其中部分不能多于总数",
                  leading, label=f"{label} · 其中属于主导产业")
            continue
        if not basis:
            r.blank(ws.title, f"E{row}", "已知数量须注明来源", "写明数字的出处，如“2024年县政府工作报告”“省工信厅公示名单”",
                    label=f"{label} · 来源")
        out.append(TierCount(tier, count, leading if isinstance(leading, int) and leading >= 0 else None, basis,
                             Source(r.file, ws.title, f"C{row}")))
    return out


def _read_platforms(r: _Reader) -> list[Platform]:
    ws = r.sheet("platforms")
    if ws is None:
        return []
    r.merged(ws)
    cols = _table_columns(r, ws, "platforms")
    out = []
    for row, v in _table_rows(r, ws, "platforms", cols):
        name = _val(v.get("name"))
        if name:
            out.append(Platform(name=name, kind=_val(v.get("kind")) or "", level=_val(v.get("level")),
                                host=_val(v.get("host")) or "", source=r.src(ws, row, cols.get("name", 1)),
                                note=_val(v.get("note")) or ""))
    return out


def _read_negative(r: _Reader) -> list[NegativeItem]:
    spec = schema.sheet("negative")
    ws = r.sheet("negative")
    if ws is None:
        return []
    r.merged(ws)
    if not _header_matches(ws["C1"].value, "是否发生"):
        r.add(ws.title, "C1", "表头应为「是否发生（是/否）」", "恢复原表头；逐项在 C 列填写是/否", ws["C1"].value)
    by_id, by_label = {}, {}
    for row in range(2, min(ws.max_row, 200) + 1):
        by_id.setdefault(_norm(ws.cell(row, 1).value), row)
        by_label.setdefault(_norm(ws.cell(row, 2).value), row)
    out = []
    yes_no = schema.choices("yes_no")
    for n, item in enumerate(spec["items"], start=2):
        row = by_id.get(item["id"]) or by_label.get(_norm(item["label"]))
        if row is None:
            r.add(ws.title, f"A{n}", f"缺少负面清单事项「{item['label']}」", "恢复该行（B 列事项不要改动）",
                  ws.cell(n, 1).value)
            out.append(NegativeItem(item["id"], item["label"], None))
            continue
        v = r.parse(ws, row, 3, {"type": "choice"}, yes_no, label=item["label"])
        note = cells.parse_text(_safe(r.raw(ws, row, 4, "说明"))).value or ""
        if v is None:
            r.blank(ws.title, f"C{row}", "未声明", "填写“是”或“否”（从下拉列表选择）", label=item["label"])
        elif v == "是":
            r.add(ws.title, f"C{row}", "声明近三年发生：负面清单事项一票否决",
                  "核实；确未发生请改为“否”；确已发生则不符合申报条件" + ("" if note else "，并在 D 列说明情况"), v,
                  "warning", item["label"])
        out.append(NegativeItem(item["id"], item["label"], None if _blank(v) else v == "是", note,
                                Source(r.file, ws.title, f"C{row}")))
    return out


def _safe(v: Any) -> Any:
    return None if v is _FAIL else v


def _read_plan(r: _Reader, is_review: bool) -> list[PlanTarget]:
    ws = r.sheet("plan")
    if ws is None:
        return []
    r.merged(ws)
    cols = _table_columns(r, ws, "plan")
    from openpyxl.utils import get_column_letter

    label_to_id = {v: k for k, v in schema.indicator_labels().items()}
    out = []
    for row, v in _table_rows(r, ws, "plan", cols):
        name = _val(v.get("name"))
        ind = _val(v.get("indicator"))
        ind = label_to_id.get(ind, ind)
        by, ty = _val(v.get("base_year")), _val(v.get("target_year"))
        if isinstance(by, int) and isinstance(ty, int) and ty <= by and "target_year" in cols:
            r.add(ws.title, f"{get_column_letter(cols['target_year'])}{row}", f"目标年应晚于基期年 {by}",
                  "填写规划期末年份，如基期 2022 则目标年 2025", ty, label=f"{name or ''} · 目标年")
        actual = _val(v.get("actual_value"))
        if is_review and actual is None and "actual_value" in cols and v.get("actual_value") is not _FAIL:
            r.blank(ws.title, f"{get_column_letter(cols['actual_value'])}{row}", "复核须填写实际完成值",
                    "填写最近一年的实际值（单位同目标值）", label=f"{name or ''} · 实际完成值")
        if name:
            out.append(PlanTarget(name=name, indicator=ind, unit=_val(v.get("unit")) or "", base_year=by,
                                  base_value=_val(v.get("base_value")), target_year=ty,
                                  target_value=_val(v.get("target_value")), actual_value=actual,
                                  source=r.src(ws, row, cols.get("name", 1)),
                                  higher_is_better=_val(v.get("direction")) != "越低越好",
                                  note=_val(v.get("note")) or ""))
    if not out:
        if is_review:
            r.blank(ws.title, "A3", "复核须填写三年发展规划目标及实际完成值", "在“发展规划”表逐项填写目标、基期值、目标值和实际完成值")
        else:
            r.add(ws.title, "A3", "未填写三年发展规划目标", "申报材料需附三年发展规划；在此逐项填写主要目标",
                  severity="warning")
    return out


def _read_evidence(r: _Reader) -> list[EvidenceItem]:
    ws = r.sheet("evidence")
    if ws is None:
        return []
    r.merged(ws)
    cols = _table_columns(r, ws, "evidence")
    from openpyxl.utils import get_column_letter

    out = []
    for row, v in _table_rows(r, ws, "evidence", cols):
        title = _val(v.get("title"))
        file = _val(v.get("file"))
        exists = None
        if file:
            found = evidence.resolve(r.folder, file)
            if not found.ok:
                r.add(ws.title, f"{get_column_letter(cols['file'])}{row}", found.message, found.fix, file,
                      found.severity, f"{title or ''} · 文件名")
            file, exists = found.rel or file, found.ok
        kinds = _val(v.get("kind")) or ()
        if title:
            out.append(EvidenceItem(title=title, file=file, kinds=tuple(kinds),
                                    source=r.src(ws, row, cols.get("title", 1)), exists=exists,
                                    note=_val(v.get("note")) or ""))
    return out


def _counts(r: _Reader, firms: list[Firm], years: list[int], indicators: dict[str, dict[int, Value]]) -> None:
    """Roster counts against the declared counts of the latest year."""
    if not years:
        return
    latest = years[-1]
    ent = indicators.get("enterprises", {}).get(latest)
    smes = indicators.get("smes", {}).get(latest)
    sme_firms = [f for f in firms if f.is_sme]
    if ent and isinstance(ent.value, (int, float)) and len(firms) > ent.value and ent.source:
        r.add(ent.source.sheet, ent.source.cell,
              f"企业名单列出 {len(firms)} 家企业，多于填报的{latest}年集群企业数",
              "核对集群企业数，或删去名单中不属于集群的企业", ent.value, label=f"{latest} 集群企业数")
    if smes and isinstance(smes.value, (int, float)) and len(sme_firms) > smes.value and smes.source:
        r.add(smes.source.sheet, smes.source.cell,
              f"企业名单中有 {len(sme_firms)} 家中小企业，多于填报的{latest}年中小企业数",
              "核对中小企业数，或名单中“是否中小企业”一栏", smes.value, label=f"{latest} 中小企业数")
    tiered = [f for f in firms if f.tiers & {"little_giant", "specialised", "innovative"}]
    if smes and isinstance(smes.value, (int, float)) and len(tiered) > smes.value and smes.source:
        r.add(smes.source.sheet, smes.source.cell,
              f"名单中有专精特新/创新型称号的企业 {len(tiered)} 家，多于中小企业数", "核对称号或中小企业数", smes.value,
              "warning", f"{latest} 中小企业数")


# -- public API --------------------------------------------------------------------------------------

def check_workbook(path: Path | str) -> CheckResult:
    """Read and check a client's workbook. Never raises on bad input: problems are in ``.problems``;
    ``.client`` is the Client when there are no errors (warnings go to ``client.problems`` too)."""
    r = _Reader(path)
    result = CheckResult(workbook=r.path)
    if not r.open():
        result.problems = r.problems
        return result
    result.readable = True
    result.sha256 = hashlib.sha256(r._data).hexdigest()
    version = r.check_version()
    result.template_version = version
    if version != schema.version():
        result.problems = r.problems
        return result
    basic = _read_basic(r)
    years, indicators = _read_indicators(r)
    firms = _read_roster(r)
    platforms = _read_platforms(r)
    negative = _read_negative(r)
    is_review = basic.get("application_type", Value(None)).value == REVIEW
    plan = _read_plan(r, is_review)
    evidence = _read_evidence(r)
    tier_counts = _read_tier_counts(r)
    _counts(r, firms, years, indicators)
    result.problems = _sorted(r.problems)
    if years:  # without a single indicator year there is nothing to assess against
        result.partial = Client(
            id=r.folder.resolve().name, folder=r.folder.resolve(), workbook=r.path.resolve(), template_version=version,
            basic=basic, years=years, indicators=indicators, firms=firms, platforms=platforms,
            negative=negative, plan=plan, evidence=evidence, tier_counts=tier_counts, sha256=result.sha256,
            problems=list(result.problems),
        )
        if result.ok:
            result.client = result.partial
    elif result.ok:
        r.add(schema.sheet_title("indicators"), "D1", "表头没有任何年度", "在 D1–F1 填写三个连续年度")
        result.problems = _sorted(r.problems)
    return result


def _sheet_order() -> list[str]:
    return [spec["title"] for spec in schema.load_schema()["sheets"].values()]


def _cell_key(cell: str | None) -> tuple:
    if not cell or not _CELL_RE.match(cell):
        return (0, 0, cell or "")
    m = re.match(r"([A-Z]+)(\d+)", cell)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return (int(m.group(2)), col, "")


def _sorted(problems: list[Problem]) -> list[Problem]:
    order = {t: i for i, t in enumerate(_sheet_order())}
    return sorted(problems, key=lambda p: (order.get(p.sheet or "", -1 if p.sheet is None else 99),
                                           _cell_key(p.cell)))


def read_client(path: Path | str) -> Client:
    """The client in ``path`` (its folder or its workbook), complete and right, for the documents and
    the package. Raises IntakeError listing every problem when anything is 有误 or 待补充 (for a
    provisional assessment of an incomplete workbook use ``read_partial``); warnings are kept in
    ``client.problems``."""
    result = check_workbook(path)
    if result.client is None:
        raise IntakeError([p for p in result.problems if p.severity != WARNING] or result.problems or "工作簿无法读取",
                          file=str(result.workbook))
    return result.client


def read_partial(path: Path | str) -> Client:
    """The client in ``path`` as far as it can be read, for a provisional assessment: blank cells stay
    blank and wrong ones carry their error (``Value.error``). Raises IntakeError only when the workbook
    cannot be read at all (not a workbook, another template version, …)."""
    result = check_workbook(path)
    if result.partial is None:
        raise IntakeError(result.problems or "工作簿无法读取", file=str(result.workbook))
    return result.partial


# -- annotated copy ----------------------------------------------------------------------------------

ERROR_FILL = "FFC7CE"    # 有误: red
MISSING_FILL = "BDD7EE"  # 待补充: blue
WARNING_FILL = "FFEB9C"  # 提示: yellow
FILLS = {ERROR: ERROR_FILL, MISSING: MISSING_FILL, WARNING: WARNING_FILL}
PROBLEMS_SHEET = "问题清单"
_RANK = {ERROR: 0, MISSING: 1, WARNING: 2}


def default_annotated_path(workbook: Path) -> Path:
    return workbook.with_name(f"{workbook.stem}.checked.xlsx")


def write_annotated(result: CheckResult, out: Path | str | None = None) -> Path:
    """A copy of the checked workbook: problem cells filled red (有误), blue (待补充) or yellow (提示)
    with a comment giving the message and the fix, and a 问题清单 sheet listing every problem. Written
    atomically; the client's file is only read.

    The copy carries no live formula of the county's: a formula cell holds the result the workbook had
    saved for it (what the county saw, and what the reader read), or its text when none was saved
    (``=D8+E8``); only the template's own formula (the region derived from the province) stays live. Every
    text that could run as a formula is stored as text (``xlsx_safe``), and links to other workbooks are
    dropped."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.cell.cell import MergedCell

    from toolkit.core import atomic

    out = Path(out) if out else default_annotated_path(result.workbook)
    if out.resolve() == Path(result.workbook).resolve():
        raise ToolkitError(f"{out}: 标注副本不能覆盖客户的工作簿，请换一个文件名")
    if not result.readable:
        raise IntakeError([p for p in result.problems] or "工作簿无法打开", file=str(result.workbook))
    try:
        data = Path(result.workbook).read_bytes()
    except OSError as exc:
        raise IntakeError(f"无法读取工作簿以生成标注副本（{exc.strerror or exc}）", file=str(result.workbook)) from exc
    if result.sha256 and hashlib.sha256(data).hexdigest() != result.sha256:
        raise IntakeError("工作簿在检查之后被改动了，未生成标注副本：请重新运行 clusterkit check", file=str(result.workbook))
    xlsx_safe.measure(data, Path(result.workbook).name, row_limit=_row_limit)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False, keep_links=False)
    except Exception as exc:
        raise IntakeError(f"无法打开工作簿以生成标注副本（{type(exc).__name__}）", file=str(result.workbook)) from exc
    _values_not_formulas(wb, data)
    by_cell: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for p in result.problems:
        if p.sheet and p.cell and p.sheet in wb.sheetnames and _CELL_RE.match(p.cell):
            by_cell[(p.sheet, p.cell)].append(p)
    for (sheet, coord), probs in by_cell.items():
        ws = wb[sheet]
        cell = ws[coord]
        if isinstance(cell, MergedCell):
            # the top-left cell of its merged range carries the mark; where ranges overlap (Excel
            # refuses such a file, a generator may write one) the first whose top-left is a real cell
            tops = (ws.cell(rng.min_row, rng.min_col) for rng in ws.merged_cells.ranges if coord in rng)
            cell = next((c for c in tops if not isinstance(c, MergedCell)), None)
            if cell is None:
                continue   # listed, with its cell, on the 问题清单 sheet below
        worst = min((p.severity for p in probs), key=lambda k: _RANK.get(k, 3))
        cell.fill = PatternFill("solid", fgColor=FILLS.get(worst, WARNING_FILL))
        lines = []
        for p in probs:
            tag = KIND_NAMES.get(p.severity, "提示")
            found = f"「{p.value}」" if p.value not in (None, "") else ""
            lines.append(f"{tag}：{found}{p.message}" + (f"\n改法：{p.fix}" if p.fix else ""))
        comment = Comment("\n".join(lines), "clusterkit check")
        comment.width, comment.height = 320, 40 + 36 * len(lines)
        cell.comment = comment
    if PROBLEMS_SHEET in wb.sheetnames:
        del wb[PROBLEMS_SHEET]
    ws = wb.create_sheet(PROBLEMS_SHEET, 0)
    heads = ["序号", "类别", "工作表", "单元格", "内容", "填写的值", "问题", "改法"]
    xlsx_safe.put_row(ws, 1, heads)
    for c in range(1, len(heads) + 1):
        ws.cell(1, c).font = Font(bold=True)
    for n, p in enumerate(result.problems, start=1):
        label = getattr(p, "label", "")
        row = [n, KIND_NAMES.get(p.severity, "提示"), p.sheet or "", p.cell or "", label,
               None if p.value is None else str(p.value), p.message, p.fix]
        xlsx_safe.put_row(ws, n + 1, row)
        ws.cell(n + 1, 2).fill = PatternFill("solid", fgColor=FILLS.get(p.severity, WARNING_FILL))
        if p.sheet and p.cell and p.sheet in wb.sheetnames and _CELL_RE.match(p.cell):
            link = ws.cell(n + 1, 4)
            link.hyperlink = f"#'{p.sheet}'!{p.cell}"
            link.font = Font(color="0563C1", underline="single")
    if not result.problems:
        xlsx_safe.put(ws.cell(2, 1), "未发现问题。")
    for col, w in zip("ABCDEFGH", (6, 10, 12, 8, 26, 20, 50, 50)):
        ws.column_dimensions[col].width = w
    ws.freeze_panes = "A2"
    wb.active = 0
    with atomic.atomic_path(out) as tmp:  # an unwritable folder is a ToolkitError naming it
        wb.save(tmp)
    return out


def _values_not_formulas(wb, data: bytes) -> None:
    """Every county formula in ``wb`` replaced by its saved result (or its text when none was saved);
    every other text that could run as a formula neutralised. The template's own formulas stay."""
    from openpyxl.cell.cell import MergedCell

    from toolkit.intake.blank import template_formulas

    own = template_formulas()
    cached = None
    for ws in wb.worksheets:
        for cell in list(ws._cells.values()):  # the cells that exist (iter_rows would create the rest)
            if isinstance(cell, MergedCell):
                continue
            if cell.data_type != "f":
                xlsx_safe.neutralise(cell)
                continue
            text = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", None) or ""
            if own.get((ws.title, cell.coordinate)) == text:
                continue
            if cached is None:
                import openpyxl

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    cached = openpyxl.load_workbook(io.BytesIO(data), data_only=True, keep_links=False)
            try:
                value = cached[ws.title][cell.coordinate].value
            except KeyError:
                value = None
            cell.value = None
            xlsx_safe.put(cell, text if value is None else value)


def format_report(result: CheckResult) -> str:
    """Every problem, grouped by sheet (有误 first, then 待补充, then 提示), and a count line."""
    lines = []
    groups: dict[str, list[Problem]] = defaultdict(list)
    for p in result.problems:
        groups[p.sheet or "（整个工作簿）"].append(p)
    for sheet, probs in groups.items():
        lines.append(f"【{sheet}】")
        for p in sorted(probs, key=lambda p: _RANK.get(p.severity, 3)):
            lines.append(f"  {KIND_NAMES.get(p.severity, '提示')}  {p}")
    n_err, n_miss, n_warn = len(result.errors), len(result.missing), len(result.warnings)
    if not result.problems:
        lines.append("未发现问题。")
    tail = ""
    if result.partial is not None or result.client is not None:
        if not n_err and not n_miss:
            tail = "可以进入评估（clusterkit assess）。"
        elif not n_err:
            tail = "空白不影响读取：可先做初步评估（clusterkit assess），补齐后结论才是正式的。"
        else:
            tail = "可先做初步评估（clusterkit assess，有误的单元格记为“数据有误”）；更正后再评估。"
    lines.append(f"共 {n_err} 项有误、{n_miss} 项待补充、{n_warn} 个提示。{tail}")
    return "\n".join(lines)
