"""A province's summary tables from a set of packages: 附件2 推荐汇总表 and 附件4 复核情况汇总表.

``write_province_tables(output_root, round)`` reads every package under
``output_root/<round>/<推荐单位>/<client>/`` (``toolkit.package.manifest``) and writes, per 推荐单位
(a province, a 计划单列市 or the 兵团), beside the packages:

- ``附件2_推荐汇总表.docx`` and ``.xlsx`` — the new applications, in the order and with the 推荐意见 of
  the province's decision (``toolkit.province.decision``: quota, one per 细分领域, eligibility);
- ``附件4_复核情况汇总表.docx`` and ``.xlsx`` — the reviews, with the plan targets met.

The tables decide nothing: each row shows a ``Decision``. The note under each table (how it was ranked,
the quota) is a text template a consultancy may restyle: ``templates/province/recommendations_note.j2``
and ``reviews_note.j2``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from toolkit.core import formatting as fmt
from toolkit.core.atomic import atomic_path
from toolkit.core.xlsx_safe import put_row
from toolkit.core.errors import ToolkitError
from toolkit.core.naming import inside, safe_name
from toolkit.province.decision import Decision, ProvinceDecision, decide_round

RECOMMENDATIONS_FILE = "附件2_推荐汇总表"
REVIEWS_FILE = "附件4_复核情况汇总表"


# -- rows of the tables -------------------------------------------------------------------------
def _common(d: Decision) -> dict[str, str]:
    r = d.record
    return {
        "no": str(d.rank),
        "name": r.name,
        "place": r.city + r.county,
        "sub_field": r.sub_field,
        "output": fmt.yi(r.output_latest) if r.output_latest is not None else "",
        "readiness": fmt.number(r.readiness or 0, 0),
        "overall": r.overall,
        "decision": d.status,
        "flags": "；".join(d.reasons),
    }


def recommendation_rows(rows: list[Decision]) -> list[dict[str, str]]:
    return [{**_common(d), "industry": d.record.leading_industry,
             "growth": fmt.percent(d.record.output_growth) if d.record.output_growth is not None else ""}
            for d in rows]


def review_rows(rows: list[Decision]) -> list[dict[str, str]]:
    out = []
    for d in rows:
        met, total = d.record.plan
        ry = d.record.recognised_year
        out.append({**_common(d), "recognised_year": "" if ry is None else str(ry),
                    "plan": f"{met}/{total}项" if total else "未填报"})
    return out


RECOMMENDATION_COLUMNS = [("no", "序号"), ("name", "集群名称"), ("place", "所在地区"), ("industry", "主导产业"),
                          ("sub_field", "细分领域"), ("output", "集群工业总产值"), ("growth", "年均增长"),
                          ("readiness", "准备度"), ("overall", "评估结论"), ("decision", "推荐意见"), ("flags", "提示")]
REVIEW_COLUMNS = [("no", "序号"), ("name", "集群名称"), ("place", "所在地区"), ("recognised_year", "认定年度"),
                  ("sub_field", "细分领域"), ("output", "集群工业总产值"), ("plan", "规划目标完成"),
                  ("readiness", "准备度"), ("overall", "评估结论"), ("decision", "复核建议"), ("flags", "提示")]


def write_xlsx(rows: list[dict[str, str]], columns, out: Path, *, title: str, notes: list[str]) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总表"
    put_row(ws, 1, [title])  # every value through put_row: a county's text is stored as text, never a formula
    ws["A1"].font = Font(bold=True, size=14)
    put_row(ws, 2, [label for _, label in columns])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for i, r in enumerate(rows, start=3):
        put_row(ws, i, [r.get(k, "") for k, _ in columns])
    for i, n in enumerate(notes, start=len(rows) + 4):
        put_row(ws, i, [n])
    widths = {"no": 6, "name": 30, "place": 16, "flags": 50, "decision": 18}
    for i, (k, _) in enumerate(columns, 1):
        ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = widths.get(k, 14)
    for row in ws.iter_rows(min_row=3, max_row=2 + len(rows)):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return out


def _title(rnd, attachment_id: str, fallback: str) -> str:
    att = rnd.attachment(attachment_id) if hasattr(rnd, "attachment") else None
    return getattr(att, "title", "") or fallback


def check_output_root(output_root: Path | str) -> Path:
    """``output_root`` if it is a folder; a missing folder or a file is a ``ToolkitError`` saying what to give."""
    root = Path(output_root)
    what = "给出 clusterkit package / batch 写入的文件夹（--output，默认 output）"
    if not root.exists():
        raise ToolkitError(f"找不到输出文件夹 {root}：{what}")
    if not root.is_dir():
        raise ToolkitError(f"{root} 是文件，不是输出文件夹：{what}")
    return root


def write_province_tables(output_root: Path | str, round, *, today=None) -> list[Path]:
    """Write 附件2/附件4 (.docx and .xlsx) for every 推荐单位 with packages of ``round``; returns the files.

    A package that cannot be read is left out with a warning on stderr (``decide_round`` lists them)."""
    check_output_root(output_root)
    decisions, problems = decide_round(output_root, round)
    for p in problems:
        print(f"警告：{p}", file=sys.stderr)
    written: list[Path] = []
    for decision in decisions:
        written += write_tables(decision, output_root, today=today)
    return written


def write_tables(decision: ProvinceDecision, output_root: Path | str, *, today=None) -> list[Path]:
    """附件2 and 附件4 of one 推荐单位's decision, beside its packages."""
    from toolkit.documents.forms import PROVINCE_RECOMMENDATIONS, PROVINCE_REVIEWS, generated_stamp, render_form
    from toolkit.documents.narrative import render_text

    rnd, year, recommender = decision.round, decision.year, decision.recommender
    folder = decision.folder or inside(output_root, str(year), safe_name(recommender, "推荐单位"))
    generated = generated_stamp(today)
    written: list[Path] = []
    if decision.recommendations:
        rows = recommendation_rows(decision.recommendations)
        quota = decision.quota
        quota_text = f"{quota}个" if quota is not None else "待核实"
        rules = render_text("province/recommendations_note.j2", n={
            "recommender": recommender, "quota": quota_text, "notice": rnd.notice or "", "year": year})
        title = _title(rnd, "附件2", f"{year}年度中小企业特色产业集群推荐汇总表")
        ctx = {
            "form": {"attachment": "附件2", "title": title, "round": f"{year}年度"},
            "recommender": recommender,
            "summary": {"count": str(len(decision.recommendations)), "recommended": str(len(decision.recommended)),
                        "passed": "", "quota": quota_text, "rules": rules},
            "rows": rows,
            "generated": generated,
        }
        written.append(render_form(PROVINCE_RECOMMENDATIONS, ctx, folder / f"{RECOMMENDATIONS_FILE}.docx"))
        written.append(write_xlsx(rows, RECOMMENDATION_COLUMNS, folder / f"{RECOMMENDATIONS_FILE}.xlsx",
                                  title=f"{title}（{recommender}）", notes=[rules]))
    if decision.reviews:
        rows = review_rows(decision.reviews)
        batch = getattr(rnd, "review_batch", None)
        title = _title(rnd, "附件4", f"{batch or ''}年度中小企业特色产业集群复核情况汇总表")
        rules = render_text("province/reviews_note.j2")
        ctx = {
            "form": {"attachment": "附件4", "title": title, "round": f"{year}年度"},
            "recommender": recommender,
            "summary": {"count": str(len(decision.reviews)), "recommended": "",
                        "passed": str(len(decision.reviews_passing)), "quota": "", "rules": rules},
            "rows": rows,
            "generated": generated,
        }
        written.append(render_form(PROVINCE_REVIEWS, ctx, folder / f"{REVIEWS_FILE}.docx"))
        written.append(write_xlsx(rows, REVIEW_COLUMNS, folder / f"{REVIEWS_FILE}.xlsx",
                                  title=f"{title}（{recommender}）", notes=[rules]))
    return written

