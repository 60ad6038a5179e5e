"""A province's documents from a set of packages: 附件2 and 附件4 as the province sends them, and our
internal workbook and briefing beside them.

``write_province_tables(output_root, round)`` reads every package under
``output_root/<round>/<推荐单位>/<client>/`` (``toolkit.package.manifest``) and writes, per 推荐单位
(a province, a 计划单列市 or the 兵团), beside the packages:

- ``附件2_推荐汇总表.docx`` and ``.xlsx`` — the clusters the province recommends, in its order, with the
  province's own columns (序号, 集群名称, 所在地区, 主导产业及细分领域, 申报单位, 推荐排序), sealed by the
  provincial SME authority (``toolkit.documents.authorities``), never by the province's bare name;
- ``附件4_复核情况汇总表.docx`` and ``.xlsx`` — the reviews with 初审意见 (通过/不通过) and, where not
  passed, the reason;
- ``<推荐单位>_内部研判表（不报送）.xlsx`` — ours, not the province's: the ranking with readiness, verdict,
  decision and its reasons, each candidate's rank interval (``toolkit.province.uncertainty``: 第3位（区间
  2–6，入围名额的概率64%）) with the alternatives, seed and notes, the reviews, and the recognised clusters
  in the same sub-field (``toolkit.province.reference.competition``, with 依据 and 来源);
- ``<推荐单位>_推荐情况简报.docx`` (``toolkit.province.briefing``) with the intervals and their chart.

The tables decide nothing: each row shows a ``Decision``. Our ranking method (the note of
``templates/province/recommendations_note.j2`` and ``reviews_note.j2``) goes to the internal workbook.
"""

from __future__ import annotations

import sys
from pathlib import Path

from toolkit.core.atomic import atomic_path
from toolkit.core.xlsx_safe import put_row
from toolkit.core.errors import ToolkitError
from toolkit.core.naming import inside, safe_name
from toolkit.province.decision import Decision, ProvinceDecision, decide_round

RECOMMENDATIONS_FILE = "附件2_推荐汇总表"
REVIEWS_FILE = "附件4_复核情况汇总表"


# -- rows of the tables -------------------------------------------------------------------------
def _industry(r) -> str:
    return "／".join(x for x in (r.leading_industry, r.sub_field) if x)


def recommendation_rows(rows: list[Decision]) -> list[dict[str, str]]:
    """附件2: the recommended clusters only, in the decision's order (推荐排序 = the place they take)."""
    chosen = [d for d in rows if d.recommended]
    return [{"no": str(i), "name": d.record.name, "place": d.record.city + d.record.county,
             "industry": _industry(d.record), "applicant": d.record.applicant,
             "order": str(d.place or i)} for i, d in enumerate(chosen, 1)]


def review_reason(d: Decision) -> str:
    """Why a review does not pass 初审, as the province writes it: the criteria not met, each with the
    cluster's value and the standard (no verdict codes of ours)."""
    from toolkit.assess.measures import standard_text
    from toolkit.documents.forms import applicant_title
    from toolkit.documents.narrative import with_unit

    parts = []
    for r in d.record.failed:
        value = with_unit(r.value, r.unit or "", 2 if (r.unit or "") not in ("亿元", "万元", "%") else 1)
        std = standard_text(r.operator, r.threshold, r.unit or "")
        title = applicant_title(r.title)
        if r.kind == "plan":
            name = title.replace("规划目标：", "").split("（", 1)[0]
            parts.append(f"规划目标“{name}”完成{value}" + (f"（要求{std}）" if std else ""))
        elif r.value is not None and std:
            parts.append(f"{title}（实际{value}）" if std.split("于")[-1].replace("超过", "") in title
                         else f"{title}（实际{value}，要求{std}）")
        elif r.missing:
            parts.append(f"{title}：缺少{'、'.join(map(str, r.missing[:3]))}")
        else:
            parts.append(f"{title}：材料不足以证明")
    return "；".join(parts[:4]) + ("等" if len(parts) > 4 else "")


def review_rows(rows: list[Decision]) -> list[dict[str, str]]:
    """附件4: every review with 初审意见 通过/不通过 and, where not passed, the reason."""
    from toolkit.province.decision import REVIEW_PASS

    out = []
    for i, d in enumerate(rows, 1):
        ry = d.record.recognised_year
        passed = d.status == REVIEW_PASS
        out.append({"no": str(i), "name": d.record.name, "place": d.record.city + d.record.county,
                    "recognised_year": "" if ry is None else str(ry), "industry": _industry(d.record),
                    "applicant": d.record.applicant, "opinion": "通过" if passed else "不通过",
                    "reason": "" if passed else (review_reason(d) or "；".join(d.reasons))})
    return out


RECOMMENDATION_COLUMNS = [("no", "序号"), ("name", "集群名称"), ("place", "所在地区"), ("industry", "主导产业及细分领域"),
                          ("applicant", "申报单位"), ("order", "推荐排序")]
REVIEW_COLUMNS = [("no", "序号"), ("name", "集群名称"), ("place", "所在地区"), ("recognised_year", "认定年度"),
                  ("industry", "主导产业及细分领域"), ("applicant", "申报单位"), ("opinion", "初审意见"),
                  ("reason", "未通过原因")]


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


INTERNAL_SUFFIX = "_内部研判表（不报送）.xlsx"


def write_tables(decision: ProvinceDecision, output_root: Path | str, *, today=None) -> list[Path]:
    """附件2 and 附件4 of one 推荐单位's decision, the internal workbook and the briefing, beside its packages."""
    from toolkit.documents.authorities import authority_of
    from toolkit.documents.forms import PROVINCE_RECOMMENDATIONS, PROVINCE_REVIEWS, render_form

    rnd, year, recommender = decision.round, decision.year, decision.recommender
    folder = decision.folder or inside(output_root, str(year), safe_name(recommender, "推荐单位"))
    authority = authority_of(recommender)
    written: list[Path] = []

    def form(attachment: str, title: str) -> dict[str, str]:
        return {"attachment": attachment, "title": title, "round": f"{year}年度", "draft": "", "city_opinion": ""}

    if decision.recommendations:
        rows = recommendation_rows(decision.recommendations)
        title = _title(rnd, "附件2", f"{year}年度中小企业特色产业集群推荐汇总表")
        ctx = {"form": form("附件2", title), "authority": authority, "rows": rows}
        written.append(render_form(PROVINCE_RECOMMENDATIONS, ctx, folder / f"{RECOMMENDATIONS_FILE}.docx"))
        written.append(write_xlsx(rows, RECOMMENDATION_COLUMNS, folder / f"{RECOMMENDATIONS_FILE}.xlsx",
                                  title=title, notes=[f"推荐单位（盖章）：{authority}"]))
    if decision.reviews:
        rows = review_rows(decision.reviews)
        batch = getattr(rnd, "review_batch", None)
        title = _title(rnd, "附件4", f"{batch or ''}年度中小企业特色产业集群复核情况汇总表")
        ctx = {"form": form("附件4", title), "authority": authority, "rows": rows}
        written.append(render_form(PROVINCE_REVIEWS, ctx, folder / f"{REVIEWS_FILE}.docx"))
        written.append(write_xlsx(rows, REVIEW_COLUMNS, folder / f"{REVIEWS_FILE}.xlsx",
                                  title=title, notes=[f"推荐单位（盖章）：{authority}"]))
    if decision.recommendations or decision.reviews:
        from toolkit.province.briefing import write_province_brief
        from toolkit.province.internal import write_internal
        from toolkit.province.uncertainty import intervals_for

        uncertainty = intervals_for(decision) if decision.recommendations else None
        written.append(write_internal(decision, uncertainty,
                                      folder / f"{safe_name(recommender or '推荐单位')}{INTERNAL_SUFFIX}"))
        written += list(write_province_brief(decision, folder, today=today, uncertainty=uncertainty).values())
    return written
