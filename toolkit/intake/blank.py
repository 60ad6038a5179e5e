"""The blank intake workbook a consultant sends to the county, built from ``data/schema/intake.yaml``.

``new_client(folder, cluster_name, years)`` (``clusterkit new-client``) makes a client folder with the
blank workbook and an ``evidence/`` folder, refusing a blank name, years without statistics yet and an
existing workbook; ``write_blank_workbook(path, cluster_name, years)`` writes the workbook alone;
``build_workbook(..., data=...)`` builds the same workbook with values filled in (the demo clients and
the tests use it). The layout is the one the reader (``toolkit.intake.reader``) expects:

- 填写说明: how to fill it in, the units, the template version;
- 基本信息: one row per field (A 项目, B 填写内容, C 单位/说明, D 示例); the region is derived from the province;
- 年度指标: one row per indicator (A 序号, B 指标, C 单位, D–F the three years in the header row, G 说明);
- 企业名单, 平台机构, 发展规划, 佐证材料: header in row 1, an example row (示例, skipped by the reader)
  in row 2, data from row 3;
- 梯度企业数量: one row per tier (A 序号, B 称号, C 已知数量, D 其中属于主导产业, E 来源) for firms known
  by number before the roster names them;
- 负面清单: one fixed row per item (A 序号, B 事项, C 是否发生, D 说明).

Every closed choice is a drop-down (lists on the hidden sheet ``_lists``); the template version is
recorded as the defined name ``clusterkit_template_version``.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from toolkit.core import atomic
from toolkit.core.clock import today as today_of
from toolkit.core.xlsx_safe import put

from toolkit.intake import schema
from toolkit.core.errors import ToolkitError
from toolkit.intake.model import REGIONS

TABLE_ROWS = 500  # drop-downs cover this many data rows
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLE_FILL = PatternFill("solid", fgColor="F2F2F2")
INPUT_FILL = PatternFill("solid", fgColor="FFFFF0")
HEADER_FONT = Font(bold=True)
EXAMPLE_FONT = Font(italic=True, color="808080")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")

# Lists on the hidden sheet: name → column letter. Values from row 2.
_LIST_COLUMNS = ["provinces", "regions", "recommenders", "yes_no", "application_type", "recognised_year",
                 "level", "platform_kind", "evidence_kinds", "indicator_ids", "direction"]


def default_years(today: dt.date | None = None) -> list[int]:
    """The three years before ``today``'s (``toolkit.core.clock.today``)."""
    y = today_of(today).year
    return [y - 3, y - 2, y - 1]


def display_width(text: Any) -> float:
    s = "" if text is None else str(text)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s) + 2


def _header(cell, text: str) -> None:
    put(cell, text)
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.border = BORDER
    cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")


def _choice_key(spec) -> str:
    if isinstance(spec, list):
        return "direction" if set(spec) == {"越高越好", "越低越好"} else ""
    return spec


def _lists_sheet(wb: Workbook) -> dict[str, str]:
    """Write the hidden lists; return list name → absolute range formula for a data validation."""
    ws = wb.create_sheet(schema.LISTS_SHEET)
    ws.sheet_state = "hidden"
    values = {
        "provinces": list(REGIONS),
        "regions": list(REGIONS.values()),
        "recommenders": schema.choices("recommenders"),
        "yes_no": schema.choices("yes_no"),
        "application_type": schema.choices("application_type"),
        "recognised_year": schema.choices("recognised_year"),
        "level": schema.choices("level"),
        "platform_kind": schema.choices("platform_kind"),
        "evidence_kinds": schema.choices("evidence_kinds"),
        "indicator_ids": list(schema.indicator_labels().values()),  # the county chooses by name
        "direction": ["越高越好", "越低越好"],
    }
    ranges = {}
    for i, name in enumerate(_LIST_COLUMNS, start=1):
        col = get_column_letter(i)
        put(ws.cell(1, i), name)
        for r, v in enumerate(values[name], start=2):
            put(ws.cell(r, i), int(v) if name == "recognised_year" else v)
        ranges[name] = f"'{schema.LISTS_SHEET}'!${col}$2:${col}${len(values[name]) + 1}"
    # The template version, again (the defined name is the first place the reader looks).
    put(ws.cell(1, len(_LIST_COLUMNS) + 2), schema.VERSION_NAME)
    put(ws.cell(1, len(_LIST_COLUMNS) + 3), schema.version())
    return ranges


def _validation(ws, ranges: dict[str, str], spec, cells: str, title: str) -> None:
    key = _choice_key(spec)
    formula = ranges.get(key)
    if not formula:
        formula = '"' + ",".join(schema.choices(spec)) + '"'
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showDropDown=False,
                        showErrorMessage=True, errorTitle="请从下拉列表选择",
                        error=f"「{title}」只能从下拉列表中选择。", promptTitle=title[:32],
                        prompt="从下拉列表中选择", showInputMessage=True)
    ws.add_data_validation(dv)
    dv.add(cells)


def _number_validation(ws, cells: str, kind: str, title: str) -> None:
    """Numbers only (≥ 0; 0–100 for a percentage; a four-digit year; a whole number for counts)."""
    if kind == "percent":
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100")
        rule = "0–100 之间的数字（百分数本身，如 26.4）"
    elif kind == "year":
        dv = DataValidation(type="whole", operator="between", formula1="2000", formula2="2100")
        rule = "四位年份，如 2025"
    elif kind == "integer":
        dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
        rule = "不小于 0 的整数"
    else:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
        rule = "不小于 0 的数字（单位见表头）"
    dv.allow_blank = True
    dv.showErrorMessage = True
    dv.errorTitle = "只能填写数字"
    dv.error = f"「{title}」应为{rule}；不要写“约”“亿”等字样，没有数据请留空。"[:225]
    ws.add_data_validation(dv)
    dv.add(cells)


def _instructions(wb: Workbook, cluster_name: str, years: list[int]) -> None:
    s = schema.load_schema()
    ws = wb.active
    ws.title = schema.sheet_title("instructions")
    lines = [
        (f"{cluster_name or '中小企业特色产业集群'} · 申报数据填报表", "title"),
        (f"模板版本：{s['version']}（请勿修改工作表名称、表头和第一列；读取程序据此核对）", ""),
        (f"指标年度：{years[0]}—{years[-1]}年（三个连续年度）", ""),
        ("", ""),
        ("怎样填写", "h"),
        ("1. 只在白色/浅黄色单元格中填写；灰色斜体的“示例”行只作参考，读取时跳过，不要删除也可以。", ""),
        ("2. 数字只填数字：单位已写在表头或“单位”列（如亿元、万元、%），不要写“约”“左右”“亿”等字样。", ""),
        ("3. 百分比填写百分数本身，例如普及率26.4%填 26.4。", ""),
        ("4. 没有数据的单元格请留空，不要填“无”“N/A”或“-”。", ""),
        ("5. 有下拉箭头的单元格请从下拉列表中选择（省份、是/否、类型、级别、证明内容等）。", ""),
        ("6. 不要合并单元格，不要使用公式引用其他文件；每家企业、每个平台、每份材料各占一行。", ""),
        ("7. 统一社会信用代码按营业执照填写18位，系统会核对校验位。", ""),
        ("8. 佐证材料文件放在本工作簿所在文件夹的 evidence/ 子文件夹中，", ""),
        ("    在“佐证材料”表写相对路径，如 evidence/产值统计证明.pdf。", ""),
        ("9. 所在区域（东部/中部/西部/东北）由所在省份自动确定，无需填写。", ""),
        ("", ""),
        ("各工作表", "h"),
    ]
    for key, spec in s["sheets"].items():
        if key == "instructions":
            continue
        desc = {
            "basic": "集群的基本情况，每行一项。",
            "indicators": "三个年度的主要指标，年度写在表头（D1–F1）。",
            "roster": "集群重点企业名单及其梯度培育称号（是/否）；称号不清楚的留空（视为未知，不视为“否”）。",
            "tier_counts": "只知道家数、还没有名单时，按称号填写已知家数、其中属于主导产业的家数和来源。",
            "platforms": "创新平台、公共服务机构、集群运营机构等。",
            "negative": "负面清单逐项声明：近三年是否发生（是/否），发生的请说明。",
            "plan": "三年发展规划目标；复核时填写实际完成值。",
            "evidence": "佐证材料清单：材料名称、文件路径、证明内容。",
        }.get(key, "")
        lines.append((f"{spec['title']}：{desc}", ""))
    lines += [("", ""), ("单位", "h")]
    for row in schema.sheet("indicators")["rows"]:
        lines.append((f"{row['label']}：{row['unit']}", ""))
    lines.append(("集群面积：km²（平方公里）", ""))
    for r, (text, style) in enumerate(lines, start=1):
        c = put(ws.cell(r, 1), text or None)
        c.alignment = Alignment(wrap_text=True, vertical="top")  # a long line wraps instead of running off
        if style == "title":
            c.font = Font(bold=True, size=14)
        elif style == "h":
            c.font = Font(bold=True)
    ws.column_dimensions["A"].width = 100


def _basic(wb: Workbook, ranges, data: dict) -> None:
    spec = schema.sheet("basic")
    ws = wb.create_sheet(spec["title"])
    for col, text in enumerate(["项目", "填写内容", "单位/说明", "示例"], start=1):
        _header(ws.cell(1, col), text)
    province_row = None
    for r, f in enumerate(spec["fields"], start=2):
        label = f["label"] + ("（必填）" if f.get("required") else "")
        put(ws.cell(r, 1), label).border = BORDER
        c = put(ws.cell(r, 2), data.get(f["id"]))
        c.border = BORDER
        c.fill = INPUT_FILL
        if f["id"] in ("contact_phone",):
            c.number_format = "@"
        note = " ".join(x for x in (f.get("unit", ""), f.get("help", "")) if x)
        put(ws.cell(r, 3), note or None).alignment = WRAP
        ex = put(ws.cell(r, 4), f.get("example"))
        ex.font = EXAMPLE_FONT
        if f["type"] == "choice":
            _validation(ws, ranges, f["choices"], f"B{r}", f["label"])
        elif f["type"] in ("number", "integer", "percent", "year"):
            _number_validation(ws, f"B{r}", f["type"], f["label"])
        if f["id"] == "province":
            province_row = r
    # The region, derived from the province (not typed; the reader derives it the same way).
    r = len(spec["fields"]) + 2
    put(ws.cell(r, 1), "所属区域（自动）").font = EXAMPLE_FONT
    if province_row:
        region = REGIONS.get(str(data.get("province") or ""), "")
        c = ws.cell(r, 2)
        c.value = f"=IFERROR(VLOOKUP(B{province_row},'{schema.LISTS_SHEET}'!$A$2:$B$40,2,FALSE),\"\")"
        c.font = EXAMPLE_FONT
        put(ws.cell(r, 3), "由所在省份自动确定（东部/中部/西部/东北），无需填写" + (f"；当前：{region}" if region else ""))
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 50
    ws.column_dimensions["D"].width = 34
    ws.freeze_panes = "B2"


def _indicators(wb: Workbook, years: list[int], data: dict) -> None:
    spec = schema.sheet("indicators")
    ws = wb.create_sheet(spec["title"])
    heads = ["序号", "指标", "单位"] + [f"{y}年" for y in years] + ["说明"]
    for col, text in enumerate(heads, start=1):
        _header(ws.cell(1, col), text)
    for r, row in enumerate(spec["rows"], start=2):
        put(ws.cell(r, 1), r - 1).font = EXAMPLE_FONT  # a number, not the toolkit's code: the reader goes by 指标
        put(ws.cell(r, 2), row["label"] + ("（必填）" if row.get("required") else "")).border = BORDER
        put(ws.cell(r, 3), row["unit"]).border = BORDER
        values = data.get(row["id"]) or []
        for i in range(len(years)):
            c = put(ws.cell(r, 4 + i), values[i] if i < len(values) else None)
            c.fill = INPUT_FILL
            c.border = BORDER
            c.number_format = "0" if row["type"] == "integer" else "General"
        last = get_column_letter(3 + len(years))
        _number_validation(ws, f"D{r}:{last}{r}", row["type"], row["label"])
        put(ws.cell(r, 4 + len(years)), schema.indicator_help(row) or None)
    for col, w in zip("ABCDEFG", (18, 30, 14, 14, 14, 14, 30)):
        ws.column_dimensions[col].width = w
    ws.freeze_panes = "D2"


def _table(wb: Workbook, key: str, ranges, rows: list[dict]) -> None:
    spec = schema.sheet(key)
    ws = wb.create_sheet(spec["title"])
    cols = spec["columns"]
    for c, col in enumerate(cols, start=1):
        label = col["label"] + (f"（{col['unit']}）" if col.get("unit") else "") + ("*" if col.get("required") else "")
        _header(ws.cell(1, c), label)
        if col.get("help"):
            ws.cell(1, c).comment = Comment(col["help"], "clusterkit")
        ex = col.get("example")
        if c == 1:
            ex = f"{schema.EXAMPLE_MARK}：{ex}"
        cell = put(ws.cell(2, c), ex if ex not in ("", None) else None)
        cell.font = EXAMPLE_FONT
        cell.fill = EXAMPLE_FILL
        letter = get_column_letter(c)
        if col["type"] in ("credit_code",) or col["id"] in ("file",):
            for r in range(3, max(len(rows) + 3, 50)):
                ws.cell(r, c).number_format = "@"
        if col["type"] == "choice":
            _validation(ws, ranges, col["choices"], f"{letter}3:{letter}{TABLE_ROWS + 2}", col["label"])
        elif col["type"] in ("number", "integer", "percent", "year"):
            _number_validation(ws, f"{letter}3:{letter}{TABLE_ROWS + 2}", col["type"], col["label"])
        width = max(display_width(label), display_width(ex), 8)
        ws.column_dimensions[letter].width = min(max(width, 10), 48)
    names = schema.indicator_labels() if key == "plan" else {}
    for r, row in enumerate(rows, start=3):
        for c, col in enumerate(cols, start=1):
            v = row.get(col["id"])
            if col["id"] == "indicator" and v in names:
                v = names[v]   # the county sees the indicator's name, never the toolkit's code
            if v is not None:
                put(ws.cell(r, c), v)
    ws.freeze_panes = "B3" if key == "roster" else "A3"


def _tier_counts(wb: Workbook, data: dict) -> None:
    """梯度企业数量: one row per tier — firms known by number (a press release) before the roster names them."""
    from toolkit.intake.model import TIERS

    spec = schema.sheet("tier_counts")
    ws = wb.create_sheet(spec["title"])
    heads = ["序号", "称号", "已知数量（家）", "其中属于主导产业（家）", "来源（如政府工作报告、公示名单）"]
    for col, text in enumerate(heads, start=1):
        _header(ws.cell(1, col), text)
    for r, (tier, label) in enumerate(TIERS.items(), start=2):
        ws.cell(r, 1, r - 1).font = EXAMPLE_FONT
        ws.cell(r, 2, label).border = BORDER
        row = data.get(tier) or {}
        for col, key in ((3, "count"), (4, "leading"), (5, "basis")):
            c = ws.cell(r, col, row.get(key))
            c.fill = INPUT_FILL
            c.border = BORDER
    n = len(TIERS) + 1
    _number_validation(ws, f"C2:D{n}", "integer", "已知数量")
    ws.cell(n + 2, 1, spec.get("help", "")).font = EXAMPLE_FONT  # overflows to the right; never merged
    for col, w in zip("ABCDE", (16, 24, 16, 22, 40)):
        ws.column_dimensions[col].width = w
    ws.freeze_panes = "C2"


def _negative(wb: Workbook, ranges, data: dict) -> None:
    spec = schema.sheet("negative")
    ws = wb.create_sheet(spec["title"])
    for col, text in enumerate(["序号", "事项", "是否发生（是/否）*", "说明（发生的请说明）"], start=1):
        _header(ws.cell(1, col), text)
    n = len(spec["items"])
    for r, item in enumerate(spec["items"], start=2):
        put(ws.cell(r, 1), r - 1).font = EXAMPLE_FONT
        put(ws.cell(r, 2), item["label"]).border = BORDER
        answer = data.get(item["id"])
        note = ""
        if isinstance(answer, tuple):
            answer, note = answer
        c = put(ws.cell(r, 3), answer)
        c.fill = INPUT_FILL
        c.border = BORDER
        put(ws.cell(r, 4), note or None)
    _validation(ws, ranges, "yes_no", f"C2:C{n + 1}", "是否发生")
    for col, w in zip("ABCD", (20, 50, 20, 40)):
        ws.column_dimensions[col].width = w
    ws.freeze_panes = "A2"


def _print_setup(ws, *, landscape: bool) -> None:
    """Printed (or saved as PDF), a sheet is one page wide on A4, its header row repeated on every page."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if landscape:
        ws.print_title_rows = "1:1"
    ws.oddFooter.center.text = "&A — 第 &P 页，共 &N 页"


def build_workbook(cluster_name: str, years: list[int], data: dict | None = None) -> Workbook:
    """The intake workbook for ``cluster_name`` and the three ``years``, optionally filled with ``data``:
    ``{"basic": {field: value}, "indicators": {id: [v1, v2, v3]}, "roster": [{col: value}],
    "tier_counts": {tier: {count, leading, basis}}, "platforms": [...],
    "negative": {item: "是"/"否" or (answer, note)}, "plan": [...], "evidence": [...]}``.
    """
    years = [int(y) for y in years]
    if len(years) != 3 or years != list(range(years[0], years[0] + 3)):
        raise ToolkitError(f"指标年度应为三个连续年份，收到 {years}；如 {'、'.join(map(str, default_years()))}")
    from toolkit.intake.cells import parse_year

    if any(parse_year(y).value is None for y in years):  # the reader's own rule, so check accepts what we write
        raise ToolkitError(f"指标年度 {years[0]}—{years[-1]} 不是有效年份：填写四位年份，"
                           f"如 {'、'.join(map(str, default_years()))}")
    data = data or {}
    basic = {"cluster_name": cluster_name, **(data.get("basic") or {})}
    wb = Workbook()
    _instructions(wb, cluster_name, years)
    # The lists go last in the tab order but must exist before the validations refer to them.
    ranges = {name: f"'{schema.LISTS_SHEET}'!${get_column_letter(i)}$2:${get_column_letter(i)}$200"
              for i, name in enumerate(_LIST_COLUMNS, start=1)}
    _basic(wb, ranges, basic)
    _indicators(wb, years, data.get("indicators") or {})
    _table(wb, "roster", ranges, data.get("roster") or [])
    _tier_counts(wb, data.get("tier_counts") or {})
    _table(wb, "platforms", ranges, data.get("platforms") or [])
    _negative(wb, ranges, data.get("negative") or {})
    _table(wb, "plan", ranges, data.get("plan") or [])
    _table(wb, "evidence", ranges, data.get("evidence") or [])
    for i, ws in enumerate(wb.worksheets):
        _print_setup(ws, landscape=i > 0)
    exact = _lists_sheet(wb)
    # Tighten the validations to the lists' exact lengths.
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            for name, loose in ranges.items():
                if dv.formula1 == loose:
                    dv.formula1 = exact[name]
    version = schema.version()
    wb.defined_names[schema.VERSION_NAME] = DefinedName(schema.VERSION_NAME, attr_text=f'"{version}"')
    wb.properties.title = f"{cluster_name} 申报数据填报表"
    wb.properties.subject = f"clusterkit intake template {version}"
    wb.properties.creator = "clusterkit"
    wb.properties.keywords = f"{schema.VERSION_NAME}={version}"
    wb.active = 0
    return wb


@functools.lru_cache(maxsize=1)
def template_formulas() -> dict[tuple[str, str], str]:
    """(sheet, cell) → formula, for the formulas the template itself writes (the annotated copy keeps these)."""
    wb = build_workbook("-", default_years())
    return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for c in ws._cells.values()
            if c.data_type == "f" and isinstance(c.value, str)}


def save_workbook(wb: Workbook, path: Path | str) -> Path:
    path = Path(path)
    with atomic.atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def write_blank_workbook(path: Path | str, cluster_name: str, years: list[int] | None = None) -> Path:
    """Write the blank intake workbook to ``path`` (a .xlsx file, or a folder to hold intake.xlsx)."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path / schema.load_schema()["file"]
    return save_workbook(build_workbook(cluster_name, years or default_years()), path)


def new_client(folder: Path | str, cluster_name: str, years: list[int] | None = None, *,
               force: bool = False) -> Path:
    """A client folder holding the blank workbook (for ``cluster_name`` and the three ``years``, in any
    order; default: the three years before this one) and an empty ``evidence/``; returns the workbook.

    Refused with a ``ToolkitError``, before anything is written: a blank name, a year without
    statistics yet (or not a year), a folder that is a file, an existing workbook unless ``force``.
    """
    folder = Path(folder)
    target = folder / schema.load_schema()["file"]
    if target.exists() and not force:
        raise ToolkitError(f"{target} 已存在，未覆盖。要重新生成空白工作簿请加 --force（Python 中 force=True；"
                           "原有数据会丢失）")
    if folder.exists() and not folder.is_dir():
        raise ToolkitError(f"{folder} 不是文件夹")
    name = (cluster_name or "").strip()
    if not name:
        raise ToolkitError("集群名称不能为空：写集群名称，如 --name 某某县智能家电产业集群")
    given = [int(y) for y in years] if years else None
    years = sorted(given) if given else default_years()  # 2024 2023 2022 means the same three years
    if given and years[-1] > today_of().year:
        raise ToolkitError(f"指标年度 {' '.join(map(str, given))}：{years[-1]} 年还没有统计数据；"
                           f"指标年度是申报前已结束的三个年度，如 --years {' '.join(map(str, default_years()))}")
    write_blank_workbook(target, name, years)  # an unwritable folder is a ToolkitError (toolkit.core.atomic)
    atomic.make_dirs(folder / "evidence")
    return target
