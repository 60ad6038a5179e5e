"""The consultant's portfolio workbook: ``<output>/batch/summary.xlsx`` after every batch.

Sheet 客户总览 has one row per client: who it is, its verdict (the assessment's headline), whether the
package is ready to send or still a draft and why, the readiness score, the top gaps, the deadline
that applies (the province's own where the round file knows it, else MIIT's; 预计 for a projected
round) and the days left, the hand edits the package run kept, and the last run's status. Numbers are
numbers and dates are dates (sortable and filterable in Excel or WPS), the header is frozen with
filters on, verdicts and days left are coloured by conditional formatting, and every text a county
typed is stored as text (``core.xlsx_safe``). Sheet 运行明细 keeps each run's technical record (step,
error, notebook). Everything is read from the packages' manifests (``toolkit.package.manifest``) and
the run records: nothing here decides again.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from toolkit.core.atomic import atomic_path
from toolkit.core.clock import today as today_of
from toolkit.core.xlsx_safe import put_row

OVERVIEW = [("客户", 14), ("集群名称", 30), ("推荐单位", 12), ("申报类型", 9), ("评估结论", 16), ("材料状态", 10),
            ("未就绪原因", 36), ("准备度", 8), ("主要差距", 46), ("截止日期", 12), ("剩余天数", 9),
            ("截止日期说明", 30), ("保留的手改文件", 12), ("本次运行", 12), ("用时（秒）", 9), ("材料包", 50)]
DETAIL = [("client_id", "客户", 16), ("status", "状态", 12), ("duration", "用时（秒）", 10),
          ("cell", "出错单元格", 10), ("cell_heading", "所在步骤", 18), ("ename", "错误类型", 18),
          ("reason", "原因", 60), ("package", "申报包", 50), ("notebook", "执行后的笔记本", 50),
          ("client", "客户文件夹", 40)]
READY, DRAFT = "可报送", "草稿"


def _record(run):
    from toolkit.core.errors import ToolkitError
    from toolkit.package.manifest import read_manifest, read_package

    if not run.package or not Path(run.package).is_dir():
        return None, {}
    try:
        return read_package(run.package), read_manifest(run.package)
    except ToolkitError:
        return None, {}


def _readiness_state(record, manifest: dict) -> tuple[str, str]:
    """(可报送 / 草稿, why): the package's own word when its manifest says, else from the verdict."""
    state = manifest.get("submission") if isinstance(manifest.get("submission"), dict) else {}
    if "ready" in state:
        reasons = state.get("reasons") or []
        return (READY if state["ready"] else DRAFT), "；".join(str(r) for r in reasons)
    if record.overall == "符合条件":
        return READY, ""
    return DRAFT, f"评估结论为{record.overall}"


def _deadline(record, round_year: int | None, today: dt.date) -> tuple[dt.date | None, str]:
    from toolkit.assess.schedule import deadline_of, round_for

    if not round_year:
        return None, ""
    try:
        rnd = round_for(int(round_year))
    except Exception:  # a round the data does not know: the column stays empty, the run still reports
        return None, ""
    due = deadline_of(rnd, record.province or record.recommender)
    own = rnd.province_deadlines.get(record.province or record.recommender)
    who = f"{record.province}截止" if own is not None and own.date else "工信部截止"
    note = who + ("（预计）" if getattr(rnd, "projected", False) else "")
    return due, note


def write_portfolio(result, *, round_year: int | None, today=None) -> Path:
    """Write ``result.summary`` (see the module docstring) for a finished batch; returns its path."""
    from openpyxl import Workbook
    from openpyxl.formatting.rule import CellIsRule, FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    today = today_of(today)
    wb = Workbook()
    ws = wb.active
    ws.title = "客户总览"
    put_row(ws, 1, [title for title, _ in OVERVIEW])
    for run in result.runs:
        record, manifest = _record(run)
        if record is None:
            row = [run.client_id, "", "", "", "", "", run.reason or "没有材料包", None, "", None, None, "", None,
                   _status(run), round(run.duration or 0, 1), run.package or ""]
        else:
            state, why = _readiness_state(record, manifest)
            gaps = [f"{r.id} {r.title}（{r.verdict}）" for r in record.failed][:3]
            due, note = _deadline(record, round_year or record.round, today)
            kept = manifest.get("kept") or []
            row = [run.client_id, record.name, record.recommender, record.application_type,
                   (record.assessment.headline if record.assessment is not None and record.assessment.headline
                    else record.overall), state, why, record.readiness, "；".join(gaps), due,
                   (due - today).days if due else None, note, len(kept) if isinstance(kept, list) else None,
                   _status(run), round(run.duration or 0, 1), run.package]
        put_row(ws, ws.max_row + 1, row)
    last = ws.max_row
    for col, (_, width) in enumerate(OVERVIEW, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in ws.iter_rows(min_row=2, max_row=last):
        for cell in r:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        r[9].number_format = "yyyy-mm-dd"
        r[7].number_format = "0.0"
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(OVERVIEW))}{max(last, 2)}"
    green, amber, red = (PatternFill("solid", fgColor=c, bgColor=c) for c in ("D4EDDA", "FFF3CD", "F8D7DA"))
    if last >= 2:
        verdict, state, days = f"E2:E{last}", f"F2:F{last}", f"K2:K{last}"
        ws.conditional_formatting.add(verdict, FormulaRule(formula=['ISNUMBER(SEARCH("不符合",E2))'], fill=red))
        ws.conditional_formatting.add(verdict, FormulaRule(formula=['ISNUMBER(SEARCH("待补充",E2))'], fill=amber))
        ws.conditional_formatting.add(verdict, FormulaRule(formula=['E2="符合条件"'], fill=green))
        ws.conditional_formatting.add(state, CellIsRule(operator="equal", formula=[f'"{READY}"'], fill=green))
        ws.conditional_formatting.add(state, CellIsRule(operator="equal", formula=[f'"{DRAFT}"'], fill=amber))
        ws.conditional_formatting.add(days, CellIsRule(operator="lessThan", formula=["0"], fill=red))
        ws.conditional_formatting.add(days, CellIsRule(operator="between", formula=["0", "30"], fill=amber))

    detail = wb.create_sheet("运行明细")
    put_row(detail, 1, [title for _, title, _ in DETAIL])
    for cell in detail[1]:
        cell.font = Font(bold=True)
    runs = list(result.runs) + ([result.province] if result.province else [])
    for n, run in enumerate(runs, start=2):
        d = run.to_dict()
        put_row(detail, n, [_status(run) if key == "status" else round(d.get(key) or 0, 1) if key == "duration"
                            else d.get(key) for key, _, _ in DETAIL])
    for col, (_, _, width) in enumerate(DETAIL, start=1):
        detail.column_dimensions[get_column_letter(col)].width = width
    detail.freeze_panes = "A2"
    with atomic_path(result.summary) as tmp:
        wb.save(tmp)
    return result.summary


def _status(run) -> str:
    from toolkit.run.worker import STATUS_ZH

    return STATUS_ZH.get(run.status, run.status)

