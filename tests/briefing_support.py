"""Situations for the chart and briefing tests: a client, its assessment and a round.

``assessment_for(client)`` uses the real ``toolkit.assessment.assess`` when it is importable and works;
otherwise it builds an Assessment by hand from the national criteria's measures, so the charts and
briefing can be tested without it. ``round_2025()`` likewise prefers ``toolkit.rounds.load_round``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.model import REVIEW, PlanTarget
from toolkit.verdicts import (
    ELIGIBLE, FAIL, INCOMPLETE, MISSING_DATA, NEEDS_EVIDENCE, NOT_ELIGIBLE, PASS, SCHEMA_VERSION, VETO,
    Assessment, CriterionResult, DimensionSummary,
)

from tests.factories import make_client

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples" / "clients"

_DIMS = {0: "负面清单", 1: "具有较强核心竞争力", 2: "优质中小企业梯度培育成效显著", 3: "产业链供应链协作高效",
         4: "具有较强协同创新能力", 5: "数字化转型效果明显", 6: "具有较高绿色化发展水平", 7: "积极参与产业开放合作",
         8: "具有较强治理和服务能力", 9: "规划目标完成情况"}


def real_assess():
    try:
        from toolkit.assessment import assess  # noqa: F401
        return assess
    except Exception:
        return None


def real_round(year: int = 2025):
    try:
        from toolkit.rounds import load_round
        return load_round(year)
    except Exception:
        return None


@dataclass
class Attachment:
    id: str
    title: str


@dataclass
class StandInRound:
    """The contract's Round, for tests run before toolkit.rounds exists (values from policy.md)."""

    year: int = 2025
    notice: str = "工信厅企业函〔2025〕77号"
    notice_date: dt.date | None = dt.date(2025, 3, 3)
    deadline: dt.date | None = dt.date(2025, 7, 15)
    quota_province: int = 8
    quota_special: int = 2
    attachments: list = field(default_factory=lambda: [
        Attachment("附件1", "中小企业特色产业集群申报表"), Attachment("附件2", "2025年度推荐汇总表"),
        Attachment("附件3", "中小企业特色产业集群复核申报表"), Attachment("附件4", "2022年度复核情况汇总表")])
    review_batch: int | None = 2022
    province_deadlines: dict = field(default_factory=lambda: {"辽宁省": dt.date(2025, 4, 14)})
    western_relaxation: object = None

    def quota_for(self, recommender):
        return self.quota_special if recommender in ("大连市", "青岛市", "宁波市", "厦门市", "深圳市", "新疆生产建设兵团") \
            else self.quota_province

    def deadline_for(self, province):
        if province in self.province_deadlines:
            return self.province_deadlines[province], f"{province}报送截止日期", True
        return self.deadline, "工业和信息化部报送截止日期", True


def round_2025():
    return real_round(2025) or StandInRound()


# --- a hand-built assessment ---------------------------------------------------------------------
def _cagr(series):
    vals = [series[y] for y in sorted(series)]
    if any(v is None for v in vals) or not vals or vals[0] in (0, None):
        return None
    return ((vals[-1] / vals[0]) ** (1 / (len(vals) - 1)) - 1) * 100


def _cmp(v, op, t):
    return {">=": v >= t, ">": v > t, "<=": v <= t, "<": v < t}[op]


def hand_assessment(client) -> Assessment:
    results: list[CriterionResult] = []

    def quant(cid, dim, title, measure, value, op, th, unit, verified=True, hard=True):
        if value is None:
            verdict, margin = MISSING_DATA, None
        else:
            verdict = PASS if _cmp(value, op, th) else FAIL
            margin = value - th
        results.append(CriterionResult(cid, dim, _DIMS[dim], title, f"第{dim}条", "quantitative", verdict, measure,
                                       value, op, th, unit, margin, verified=verified, hard=hard,
                                       what_it_takes="" if verdict == PASS else f"{title}：需达到{op}{th}{unit}"))

    co = client.series("cluster_output")
    latest = client.latest_year
    c_l = co.get(latest)
    share = lambda k: (client.series(k).get(latest) / c_l * 100) if c_l and client.series(k).get(latest) is not None else None
    quant("1.1", 1, "集群面积一般不超过100平方公里", "area_km2", client.get("area_km2"), "<=", 100, "km²", hard=False)
    quant("1.2", 1, "近三年每年集群工业总产值不低于40亿元", "cluster_output_min",
          None if any(v is None for v in co.values()) else min(co.values()), ">=", 40, "亿元")
    quant("1.3", 1, "中小企业产值占比不低于70%", "sme_output_share", share("sme_output"), ">=", 70, "%")
    quant("1.4", 1, "主导产业产值占比超过70%", "leading_output_share", share("leading_output"), ">", 70, "%")
    quant("1.5", 1, "近三年集群工业总产值年均增速超过10%", "cluster_output_growth", _cagr(co), ">", 10, "%")
    top = sum(1 for f in client.firms if f.in_leading_industry and f.tiers & {"champion", "little_giant"})
    quant("2.1", 2, "主导产业中有单项冠军或小巨人至少1家，或专精特新/创新型/高企合计不少于10家", "top_tier_firms",
          float(top), ">=", 1, "家")
    quality = sum(1 for f in client.firms if f.tiers & {"specialised", "innovative", "high_tech"})
    if top < 1 and quality >= 10:
        results[-1].verdict = PASS
    quant("4.1", 4, "近三年中小企业研发经费支出年均增速超过阈值", "sme_rd_growth", _cagr(client.series("sme_rd")),
          ">", 10, "%", verified=False)
    quant("5.1", 5, "工业互联网平台应用普及率达到阈值", "platform_rate", client.series("platform_rate").get(latest),
          ">=", 10, "%", verified=False)
    have = {k for e in client.evidence if e.exists for k in e.kinds}
    for cid, dim, title, kinds, verified in [
        ("1.6", 1, "主导产业在细分领域居全国前列，具有知名集群品牌", ["leading_position", "brand"], True),
        ("2.2", 2, "持续开展优质中小企业梯度培育", ["cultivation"], True),
        ("3.1", 3, "产业链供应链协作高效", ["supply_chain"], True),
        ("4.2", 4, "拥有多个创新平台，产学研合作紧密", ["innovation_platform", "cooperation"], True),
        ("5.2", 5, "数字化装备和系统广泛应用", ["digital"], True),
        ("6.1", 6, "绿色制造体系建设", ["green"], False),
        ("7.1", 7, "参与开放合作", ["open"], False),
        ("8.1", 8, "具有集群运营管理机构和公共服务机构", ["governance", "public_service"], False),
    ]:
        missing = [k for k in kinds if k not in have]
        results.append(CriterionResult(cid, dim, _DIMS[dim], title, f"第{dim}条", "evidence",
                                       NEEDS_EVIDENCE if missing else PASS, "", verified=verified, missing=missing,
                                       what_it_takes=f"补充佐证材料：{'、'.join(missing)}" if missing else ""))
    occurred = [n for n in client.negative if n.occurred]
    results.append(CriterionResult("0.1", 0, _DIMS[0], "近三年未发生负面清单事项", "负面清单", "negative",
                                   VETO if occurred else PASS))
    if client.is_review:
        for k, t in enumerate(client.plan):
            ok = None if t.actual_value is None else (t.actual_value >= t.target_value if t.higher_is_better
                                                      else t.actual_value <= t.target_value)
            results.append(CriterionResult(f"9.{k + 1}", 9, _DIMS[9], f"规划目标：{t.name}", "复核", "plan",
                                           MISSING_DATA if ok is None else PASS if ok else FAIL, "plan_target",
                                           t.actual_value, ">=" if t.higher_is_better else "<=", t.target_value,
                                           t.unit, hard=False))
    order = [VETO, FAIL, MISSING_DATA, NEEDS_EVIDENCE, PASS]
    dims = []
    for d in range(1, 9):
        rs = [r for r in results if r.dimension == d]
        passed = sum(r.passed for r in rs)
        worst = min((r.verdict for r in rs), key=order.index)
        dims.append(DimensionSummary(d, _DIMS[d], worst, passed, len(rs), 100 * passed / len(rs)))
    failed_hard = any(r.verdict in (FAIL, VETO) and r.hard for r in results)
    overall = NOT_ELIGIBLE if failed_hard else ELIGIBLE if all(r.passed for r in results) else INCOMPLETE
    readiness = sum(d.score for d in dims) / 8
    if failed_hard:
        readiness = min(readiness, 59)
    if occurred:
        readiness = 0
    return Assessment(SCHEMA_VERSION, client.id, client.cluster_name, client.province, client.county,
                      client.application_type, "review-2022" if client.is_review else "national-2022", "2022.1",
                      "2025", overall, readiness, results, dims,
                      unverified=[r.id for r in results if not r.verified])


def assessment_for(client, **kw) -> Assessment:
    assess = real_assess()
    if assess is not None:
        try:
            return assess(client, round=2025, **kw)
        except NotImplementedError:
            pass
    return hand_assessment(client)


# --- the situations ---------------------------------------------------------------------------------
def situations() -> dict:
    """name → Client: the demo-like variants the charts and the briefing must handle."""
    from toolkit.model import Firm

    s = {
        "qualifies": make_client(),
        "fails_output": make_client(
            basic={"cluster_name": "林泉县特种纸产业集群", "province": "河南省", "county": "林泉县"},
            indicators={"cluster_output": {2022: 33.6, 2023: 35.9, 2024: 38.4},
                        "leading_output": {2024: 32.6}, "sme_output": {2024: 30.7},
                        "platform_rate": {2024: 12.0}, "sme_rd": {2022: 8000, 2023: 8600, 2024: 9330}},
            folder="/tmp/linquan"),
        "missing_year": make_client(indicators={"cluster_output": {2023: None}, "sme_rd": {2022: None},
                                                "platform_rate": {2024: None}}, folder="/tmp/missing"),
        "empty_roster": make_client(firms=[], basic={"area_km2": None}, folder="/tmp/empty"),
        "western": make_client(basic={"cluster_name": "岷山县复合调味料产业集群", "province": "四川省", "county": "岷山县"},
                               indicators={"cluster_output": {2022: 40.8, 2023: 44.1, 2024: 49.6},
                                           "sme_output": {2024: 35.2}, "leading_output": {2024: 35.6},
                                           "platform_rate": {2024: 9.5}},
                               firms=[Firm(f"岷山企业{i}", None, True, True, frozenset({"specialised"})) for i in range(9)],
                               folder="/tmp/minshan"),
        "liaoning": make_client(basic={"province": "辽宁省", "county": "辽河县", "cluster_name": "辽河县精密轴承产业集群"},
                                folder="/tmp/liaohe"),
        "review": make_client(
            basic={"cluster_name": "东塘县高端纺织面料产业集群", "province": "江苏省", "county": "东塘县",
                   "application_type": REVIEW, "recognised_year": 2022},
            plan=[PlanTarget("集群工业总产值", "cluster_output", "亿元", 2022, 61.2, 2025, 75, 70.3),
                  PlanTarget("专精特新“小巨人”数", None, "家", 2022, 2, 2025, 4, 4),
                  PlanTarget("工业互联网平台应用普及率", "platform_rate", "%", 2022, 20, 2025, 35, 31),
                  PlanTarget("单位工业增加值能耗", "energy_per_va", "吨标准煤/万元", 2022, 0.45, 2025, 0.40, 0.39,
                             higher_is_better=False),
                  PlanTarget("出口交货值", "exports", "亿元", 2022, 8.1, 2025, 12, None)],
            folder="/tmp/dongtang"),
    }
    s["fails_output"].evidence = [e for e in s["fails_output"].evidence if not set(e.kinds) & {"green", "open"}]
    return s


def demo_clients() -> dict:
    """The demo clients in data/examples/clients, read with toolkit.intake (empty until they exist)."""
    out = {}
    if not EXAMPLES.is_dir():
        return out
    try:
        from toolkit.intake import read_client
    except Exception:
        return out
    for folder in sorted(p for p in EXAMPLES.iterdir() if (p / "intake.xlsx").is_file()):
        out[f"demo_{folder.name}"] = read_client(folder)
    return out
