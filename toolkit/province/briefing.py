"""A 推荐单位's briefing (推荐情况简报): its candidates as the province decided them, with the quota chart.

``write_province_brief(decision, out_dir, today=…)`` writes, from a ``ProvinceDecision``
(``toolkit.province.decision``), ``<推荐单位>_推荐情况简报.docx`` (templates/province_brief.docx) and the
quota chart (``toolkit.documents.charts.draw_quota_chart``) into ``out_dir/图表``: the candidates in
the decision's order with its 推荐意见, the quota and how many it recommends, the deadline, the reviews
apart. Like the summary tables, the briefing decides nothing: it shows the decision.
"""

from __future__ import annotations

from pathlib import Path

from toolkit.core import paths
from toolkit.core.clock import today as today_of
from toolkit.core.formatting import date_cn, number
from toolkit.core.naming import safe_name
from toolkit.assess.result import UNVERIFIED_NOTE
from toolkit.documents.briefing import CAPTIONS, CHART_DIR, IMAGE_WIDTH_MM
from toolkit.documents.charts import short_title
from toolkit.province.decision import Decision, ProvinceDecision

TEMPLATE = "province_brief.docx"


def _row(d: Decision, uncertainty=None) -> dict[str, str]:
    failed = [f"{r.id} {short_title(r)}（{r.verdict}）" for r in d.record.failed]
    issues = "；".join(failed[:3]) + ("等" if len(failed) > 3 else "") if failed else "无"
    decision = d.status
    if uncertainty is not None:
        try:  # how robust the place is: 拟推荐 · 第3位（区间2–6，入围名额的概率64%）
            decision = f"{d.status}；{uncertainty.of(d.record.client_id).label()}"
        except KeyError:
            pass
    return {"rank": str(d.rank), "cluster_name": d.name, "overall": d.overall,
            "readiness": f"{number(d.readiness, 0)}分" if d.readiness is not None else "—",
            "decision": decision, "issues": issues}


def quota_sentence(decision: ProvinceDecision) -> str:
    quota, n = decision.quota, len(decision.recommendations)
    if quota is None:
        return "本推荐单位的推荐名额未获取，请以通知原文为准。"
    head = f"推荐名额上限{quota}个，候选{n}个，拟推荐{len(decision.recommended)}个"
    over = len(decision.over_quota)
    if over:
        return f"{head}，另有{over}个超出名额：超出名额的推荐不予受理，须择优推荐。"
    return f"{head}，未超出名额（不符合条件的集群不占用名额）。"


def interval_sentence(uncertainty) -> str:
    """How the rank intervals were made (alternatives, seed) and what could not be varied, in one passage."""
    if uncertainty is None:
        return ""
    alt = uncertainty.alternatives
    text = (f"排名区间：在权重、待补证得分、封顶和增长率算法的备选方案下抽样{alt.draws}次（随机种子{alt.seed}），"
            "给出每个集群排名的5%–95%区间和进入推荐名额的概率。")
    if uncertainty.notes:
        text += "注意：" + "；".join(uncertainty.notes) + "。"
    return text


def brief_context(decision: ProvinceDecision, *, today=None, uncertainty=None) -> dict:
    """The briefing's text, every line read from ``decision``."""
    today = today_of(today)
    rnd, recommender, year = decision.round, decision.recommender, decision.year
    cands = decision.recommendations
    dl = ""
    if rnd is not None:
        date, label, _ = rnd.deadline_for(recommender)
        if label:
            dl = f"截止日期：{label}；" + (f"距截止还有{(date - today).days}天。" if date and date >= today else
                                         "已过截止日期。" if date else "")
    unverified = sorted({i for d in cands + decision.reviews if d.record.assessment is not None
                         for i in d.record.assessment.unverified})
    return {
        "recommender": recommender, "year": year,
        "round_label": f"{year}年度" + (f"（{rnd.notice}）" if getattr(rnd, "notice", None) else ""),
        "today_cn": date_cn(today),
        "summary_sentence": f"{recommender}共有新申报候选集群{len(cands)}个，其中符合条件{len(decision.eligible)}个；"
                            f"复核集群{len(decision.reviews)}个。",
        "quota_sentence": quota_sentence(decision),
        "deadline_sentence": dl or "截止日期未知。",
        "candidates": [_row(d, uncertainty) for d in cands],
        "reviews": [_row(d) for d in decision.reviews],
        "unverified_sentence": (f"{UNVERIFIED_NOTE}：第{'、'.join(unverified)}项标准的阈值或条文未与政策原文核对，结论仅供参考。"
                                if unverified else ""),
        "method_sentence": "排序按综合准备度（0–100分）；准备度不能弥补未达标的硬性标准，推荐前须逐项核实。"
                           "不符合条件的集群不占用推荐名额，每个细分领域只推荐一个集群。" + interval_sentence(uncertainty),
    }


def write_province_brief(decision: ProvinceDecision, out_dir: Path | str, *, today=None,
                         uncertainty=None) -> dict[str, Path]:
    """The briefing, its quota chart and (with ``uncertainty``, ``toolkit.province.uncertainty.intervals_for``)
    the rank intervals and their chart, for one 推荐单位's decision; name → path."""
    from toolkit.documents.charts import draw_quota_chart, draw_rank_intervals
    from toolkit.documents.render import render

    out_dir = Path(out_dir)
    charts = dict(draw_quota_chart(decision, out_dir / CHART_DIR))
    captions = {k: CAPTIONS["quota"] for k in charts}
    if uncertainty is not None and uncertainty.intervals:
        charts["intervals"] = draw_rank_intervals(uncertainty.intervals, out_dir / CHART_DIR,
                                                  recommender=decision.recommender, year=decision.year,
                                                  quota=decision.quota, notes=uncertainty.notes)
        captions["intervals"] = "候选集群排名的稳健性（5%–95%区间）"
    ctx = brief_context(decision, today=today, uncertainty=uncertainty)

    def prepare(tpl, c):
        from docx.shared import Mm
        from docxtpl import InlineImage

        c["charts"] = [{"image": InlineImage(tpl, str(p), width=Mm(IMAGE_WIDTH_MM)), "caption": captions[k]}
                       for k, p in charts.items()]

    out = out_dir / f"{safe_name(decision.recommender or '推荐单位')}_推荐情况简报.docx"
    memo = render(paths.templates_dir() / TEMPLATE, ctx, out, prepare=prepare)
    return {**{f"chart_{k}": p for k, p in charts.items()}, "province_brief": memo}
