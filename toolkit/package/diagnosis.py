"""The consultancy's diagnosis workbook (诊断表.xlsx): every criterion as the assessment judged it.

One row per criterion: 条款, 维度, 指标, 结论, 实际值, 单位, 认定标准, 差距, 计算过程, 数据来源 (sheet and
cell), 阈值已核实, 达标所需, 缺少的材料或数据, 依据. It goes to ``咨询材料/``, never to the submission:
it is what the county pays the consultancy for. Text cells are written as text (a county's text that
starts with ``=`` is never a formula).
"""

from __future__ import annotations

from pathlib import Path

from toolkit.assess.measures import standard_text
from toolkit.assess.result import Assessment
from toolkit.core.atomic import atomic_path
from toolkit.core.formatting import text_of
from toolkit.core.xlsx_safe import put
from toolkit.intake.model import Client

COLUMNS = ["条款", "维度", "指标", "结论", "实际值", "单位", "认定标准", "差距", "计算过程", "数据来源", "阈值已核实",
           "达标所需", "缺少的材料或数据", "依据"]
WIDTHS = [7, 14, 34, 10, 12, 8, 18, 10, 40, 28, 10, 40, 30, 30]


def _sources(r) -> str:
    return "；".join(f"{text_of(i.name)}：{text_of(i.source)}" for i in (r.inputs or []) if i.source)


def rows_of(assessment: Assessment) -> list[list]:
    rows = []
    for r in assessment.results:
        rows.append([r.id, r.dimension_name, r.title, r.verdict, r.value, r.unit or "",
                     standard_text(r.operator, r.threshold, r.unit or ""), r.margin, r.formula, _sources(r),
                     "是" if r.verified else "否（阈值待核实）", r.what_it_takes, "、".join(map(str, r.missing or [])),
                     r.reference])
    return rows


def write_diagnosis(client: Client, assessment: Assessment, out: Path | str) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "诊断"
    put(ws.cell(row=1, column=1), f"{client.cluster_name or client.id} 诊断表：{assessment.overall}，准备度"
                                  f"{round(assessment.readiness or 0)}分（{assessment.rulebook} {assessment.rulebook_version}）")
    ws.cell(row=1, column=1).font = Font(bold=True, size=13)
    for j, h in enumerate(COLUMNS, 1):
        ws.cell(row=2, column=j, value=h).font = Font(bold=True)
        ws.column_dimensions[ws.cell(row=2, column=j).column_letter].width = WIDTHS[j - 1]
    for i, row in enumerate(rows_of(assessment), 3):
        for j, v in enumerate(row, 1):
            c = ws.cell(row=i, column=j)
            put(c, v if v is None or isinstance(v, (int, float)) else text_of(v))
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    out = Path(out)
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return out
