"""A hand-built ``Assessment`` for tests of the narrative, documents and package.

It follows the national criteria closely enough to give every verdict kind (达标, 未达标, 待补证,
数据缺失, 一票否决, unverified thresholds); the real ``toolkit.assess.assessment.assess`` is used where it is
available (``assess_or_fake``).
"""

from __future__ import annotations

from toolkit.intake.model import Client
from toolkit.assess.result import (ELIGIBLE, FAIL, INCOMPLETE, MISSING_DATA, NEEDS_EVIDENCE, NOT_ELIGIBLE, PASS, VETO,
                              Assessment, CriterionResult, DimensionSummary)

NAMES = {1: "具有较强核心竞争力", 2: "优质中小企业梯度培育成效显著", 3: "产业链供应链协作高效", 4: "具有较强协同创新能力",
         5: "数字化转型效果明显", 6: "具有较高绿色化发展水平", 7: "积极参与产业开放合作", 8: "具有较强治理和服务能力",
         0: "负面清单", 9: "规划目标完成情况"}
OPS = {">=": lambda v, t: v >= t, ">": lambda v, t: v > t, "<=": lambda v, t: v <= t}


def _q(cid, dim, title, measure, value, op, thr, unit, *, verified=True, what=""):
    if value is None:
        verdict, margin = MISSING_DATA, None
    else:
        verdict = PASS if OPS[op](value, thr) else FAIL
        margin = value - thr
    return CriterionResult(cid, dim, NAMES[dim], title, f"认定标准（2022年版）第{dim}条", "quantitative", verdict, measure,
                           value, op, thr, unit, margin, "", [], verified, True,
                           "" if verdict == PASS else (what or f"将{title}提高到{thr}{unit}以上"))


def fake_assess(client: Client) -> Assessment:
    y = client.years
    s = {k: client.series(k) for k in client.indicators}
    out = s["cluster_output"]
    latest = out[y[-1]]
    vals = [v for v in out.values() if v is not None]
    growth = ((out[y[-1]] / out[y[0]]) ** (1 / (len(y) - 1)) - 1) * 100 if out[y[0]] and out[y[-1]] else None
    rd = s["sme_rd"]
    rd_growth = ((rd[y[-1]] / rd[y[0]]) ** (1 / (len(y) - 1)) - 1) * 100 if rd[y[0]] and rd[y[-1]] else None
    top = len([f for f in client.firms if f.in_leading_industry and f.tiers & {"champion", "little_giant"}])
    quality = len([f for f in client.firms if f.tiers & {"specialised", "innovative", "high_tech"}])
    r = [
        _q("1.1", 1, "集群面积", "area_km2", client.get("area_km2"), "<=", 100, "km²"),
        _q("1.2", 1, "集群工业总产值（近三年最低）", "cluster_output_min", min(vals) if len(vals) == 3 else None, ">=", 40, "亿元"),
        _q("1.3", 1, "中小企业产值占比", "sme_output_share",
           s["sme_output"][y[-1]] / latest * 100 if latest and s["sme_output"][y[-1]] is not None else None, ">=", 70, "%"),
        _q("1.4", 1, "主导产业产值占比", "leading_output_share",
           s["leading_output"][y[-1]] / latest * 100 if latest and s["leading_output"][y[-1]] is not None else None, ">", 70, "%"),
        _q("1.5", 1, "集群工业总产值年均增长率", "cluster_output_growth", growth, ">", 10, "%"),
        _q("2.1", 2, "主导产业内单项冠军和专精特新“小巨人”企业数", "top_tier_firms", top, ">=", 1, "家")
        if top or quality < 10 else _q("2.2", 2, "专精特新、创新型中小企业和高新技术企业数", "quality_firms", quality, ">=", 10, "家"),
        _q("4.1", 4, "中小企业研发经费年均增长率", "sme_rd_growth", rd_growth, ">", 10, "%", verified=False),
        _q("5.1", 5, "工业互联网平台应用普及率", "platform_rate", s["platform_rate"][y[-1]], ">=", 10, "%", verified=False),
    ]
    kinds = {k for e in client.evidence if e.exists for k in e.kinds}
    for dim, kind, title in [(3, "supply_chain", "产业链供应链协作"), (6, "green", "绿色化发展"), (7, "open", "开放合作"),
                             (8, "governance", "集群治理和服务能力")]:
        ok = kind in kinds
        r.append(CriterionResult(f"{dim}.1", dim, NAMES[dim], title, f"认定标准（2022年版）第{dim}条", "evidence",
                                 PASS if ok else NEEDS_EVIDENCE, "", hard=False,
                                 what_it_takes="" if ok else f"补充{title}佐证材料", missing=[] if ok else [f"{title}佐证材料"]))
    bad = [n.label for n in client.negative if n.occurred]
    r.append(CriterionResult("0.1", 0, NAMES[0], "负面清单", "认定标准（2022年版）负面清单", "negative",
                             VETO if bad else PASS, "", note="、".join(bad)))
    if client.is_review:
        for i, t in enumerate(client.plan, 1):
            met = t.actual_value is not None and ((t.actual_value >= t.target_value) if t.higher_is_better
                                                  else (t.actual_value <= t.target_value))
            r.append(CriterionResult(f"9.{i}", 9, NAMES[9], t.name, "复核：规划目标完成情况", "plan",
                                     PASS if met else FAIL, "", t.actual_value, ">=" if t.higher_is_better else "<=",
                                     t.target_value, t.unit, hard=False,
                                     what_it_takes="" if met else f"说明{t.name}未完成的原因及整改措施"))
    dims = []
    for n in sorted({x.dimension for x in r}):
        rs = [x for x in r if x.dimension == n]
        worst = next((v for v in (VETO, FAIL, MISSING_DATA, NEEDS_EVIDENCE) if any(x.verdict == v for x in rs)), PASS)
        dims.append(DimensionSummary(n, NAMES[n], worst, sum(x.passed for x in rs), len(rs),
                                     100.0 * sum(x.passed for x in rs) / len(rs)))
    if any(x.verdict in (VETO,) or (x.verdict == FAIL and x.hard) for x in r):
        overall = NOT_ELIGIBLE
    elif all(x.passed for x in r):
        overall = ELIGIBLE
    else:
        overall = INCOMPLETE
    readiness = round(100.0 * sum(x.passed for x in r) / len(r), 1)
    return Assessment("1.0", client.id, client.cluster_name, client.province, client.county, client.application_type,
                      "review-2022" if client.is_review else "national-2022", "2022.1", "2025", overall, readiness, r, dims,
                      [], [x.id for x in r if not x.verified], "2025-11-26T12:00:00+00:00", "0.1.0")


def assess_or_fake(client: Client, round=None) -> Assessment:
    try:
        from toolkit.assess.assessment import assess
    except ImportError:
        return fake_assess(client)
    return assess(client, None, round)
