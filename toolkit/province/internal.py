"""The internal province workbook (内部研判表，不报送): what we know about a 推荐单位's candidates that the
province's own tables never show.

Sheets: 推荐排序 (each new application with readiness, verdict, decision and its reasons, and its rank
interval — 第3位（区间2–6，入围名额的概率64%） — from ``toolkit.province.uncertainty``), 复核 (the reviews
with readiness, verdict, advice and reasons), 同领域已认定 (``toolkit.province.reference.competition``:
the recognised clusters in the same sub-field, 本省 and 全国, with 依据 and 来源, so a consultant can
overrule a match) and 方法 (how the ranking was made, the alternatives and seed of the Monte Carlo, and
its notes — an alternative that could not be applied is said there). Text cells are written as text.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.core import formatting as fmt
from toolkit.core.atomic import atomic_path
from toolkit.core.xlsx_safe import put
from toolkit.province.decision import ProvinceDecision

RANKING = ["排序", "集群名称", "客户", "细分领域", "准备度", "评估结论", "推荐意见", "理由", "排名区间", "中位排名",
           "5%排名", "95%排名", "入围名额的概率", "排名稳健"]
REVIEWS = ["排序", "集群名称", "客户", "认定年度", "规划目标完成", "准备度", "评估结论", "复核建议", "理由"]


def _sheet(wb, title: str, header: list[str], rows: list[list], widths: dict[int, int] | None = None):
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(title)
    for j, h in enumerate(header, 1):
        ws.cell(row=1, column=j, value=h).font = Font(bold=True)
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = (widths or {}).get(j, 14)
    for i, row in enumerate(rows, 2):
        for j, v in enumerate(row, 1):
            c = ws.cell(row=i, column=j)
            put(c, v if v is None or isinstance(v, (int, float)) else str(v))
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    return ws


def competition_rows(decision: ProvinceDecision):
    from toolkit.province import reference

    cands = [{"客户": d.record.client_id, "省份": d.record.province, "细分领域": d.record.sub_field,
              "主导产业": d.record.leading_industry} for d in decision.recommendations + decision.reviews]
    return reference.competition(cands) if cands else None


def write_internal(decision: ProvinceDecision, uncertainty, out: Path | str) -> Path:
    from openpyxl import Workbook

    from toolkit.documents.narrative import render_text

    wb = Workbook()
    wb.remove(wb.active)
    ranking = []
    for d in decision.recommendations:
        iv = None
        if uncertainty is not None:
            try:
                iv = uncertainty.of(d.record.client_id)
            except KeyError:
                iv = None
        r = d.record
        ranking.append([d.rank, r.name, r.client_id, r.sub_field, fmt.number(r.readiness or 0, 0), r.overall, d.status,
                        "；".join(d.reasons), iv.label() if iv else "未计算",
                        iv.median_rank if iv else None, iv.low if iv else None, iv.high if iv else None,
                        round(iv.in_quota, 3) if iv else None, ("是" if iv.robust else "否") if iv else ""])
    _sheet(wb, "推荐排序", RANKING, ranking, {2: 30, 8: 40, 9: 36})
    reviews = []
    for d in decision.reviews:
        r = d.record
        met, total = r.plan
        reviews.append([d.rank, r.name, r.client_id, "" if r.recognised_year is None else str(r.recognised_year),
                        f"{met}/{total}项" if total else "未填报", fmt.number(r.readiness or 0, 0), r.overall,
                        d.status, "；".join(d.reasons)])
    _sheet(wb, "复核", REVIEWS, reviews, {2: 30, 9: 40})
    comp = competition_rows(decision)
    if comp is not None:
        _sheet(wb, "同领域已认定", list(comp.columns), comp.values.tolist(), {4: 30, 10: 40, 11: 40})
    quota = decision.quota
    method = [[render_text("province/recommendations_note.j2", n={
        "recommender": decision.recommender, "quota": f"{quota}个" if quota is not None else "待核实",
        "notice": getattr(decision.round, "notice", "") or "", "year": decision.year})]]
    if decision.reviews:
        method.append([render_text("province/reviews_note.j2")])
    if uncertainty is not None:
        method += [["排名区间：以下备选方案下的蒙特卡洛抽样，每个候选集群的排名中位数及5%–95%区间，和拟推荐的频率。"]]
        method += [[x] for x in uncertainty.alternatives.described()]
        method += [[f"实际变化的假设：{'、'.join(uncertainty.varied) or '无'}"]]
        method += [[f"注意：{n}"] for n in uncertainty.notes]
    _sheet(wb, "方法", ["说明"], method, {1: 120})
    out = Path(out)
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return out
