"""Rank intervals for a province's candidates: wide where scores are close, narrow where they are far
apart, the same for the same seed, and said plainly where nothing varies."""

from __future__ import annotations

import pytest

from factories import make_client
from toolkit.assess.assessment import assess
from toolkit.assess.rulebook import load_rulebook
from toolkit.intake.model import EvidenceItem, Source
from toolkit.province.uncertainty import Alternatives, RankInput, rank_intervals

KINDS = ["statistics", "area", "brand", "leading_position", "firm_certificates", "cultivation", "supply_chain",
         "innovation_platform", "cooperation", "standards", "digital", "green", "open", "governance",
         "public_service", "negative_declaration", "plan"]


def _client(name: str, missing: tuple[str, ...] = (), **kw):
    evidence = [EvidenceItem(f"材料{k}", f"evidence/{k}.pdf", (k,), Source("intake.xlsx", "佐证材料", f"A{n + 3}"), True)
                for n, k in enumerate(KINDS) if k not in missing]
    return make_client(basic={"cluster_name": name, "sub_field": name}, evidence=evidence,
                       folder=f"/tmp/{name}", **kw)


def _inputs(clients) -> list[RankInput]:
    rb = load_rulebook("national-2022")
    out = []
    for c in clients:
        a = assess(c, rb)
        out.append(RankInput(key=c.id, name=c.cluster_name, assessment=a, weights=dict(rb.readiness["weights"]),
                             cap_on_fail=rb.readiness.get("cap_on_fail"), sub_field=c.sub_field))
    return out


def top(quota: int):
    """The quota's share of a simple ranking: the first ``quota`` candidates that are not ineligible."""
    def decide(rows):
        ranked = sorted((r for r in rows if r[2] != "不符合条件"), key=lambda r: (-r[1], r[0].name))
        return {r[0].key for r in ranked[:quota]}
    return decide


# Six candidates, each missing the evidence of one different dimension: the same nominal score (93.8).
CLOSE = [("甲", ("supply_chain",)), ("乙", ("digital",)), ("丙", ("green",)), ("丁", ("open",)),
         ("戊", ("governance",)), ("己", ("statistics",))]
# Six candidates missing evidence in 0, 2, 4, 6, 8, 10 dimensions' worth of items: far apart.
FAR_MISSING = ["supply_chain", "digital", "green", "open", "standards", "cultivation", "brand", "governance",
               "innovation_platform", "area"]
FAR = [(n, tuple(FAR_MISSING[:2 * i])) for i, n in enumerate(["子", "丑", "寅", "卯", "辰", "巳"])]


def _width(u) -> float:
    return sum(r.high - r.low for r in u.intervals) / len(u.intervals)


def test_intervals_are_wide_when_scores_are_close_and_narrow_when_far_apart():
    close = rank_intervals(_inputs([_client(n, m) for n, m in CLOSE]), top(3), Alternatives(draws=400, seed=7))
    far = rank_intervals(_inputs([_client(n, m) for n, m in FAR]), top(3), Alternatives(draws=400, seed=7))
    scores = [r.nominal_score for r in close.intervals]
    assert max(scores) - min(scores) < 2
    assert _width(close) >= 3          # close scores: a candidate's place moves by several ranks
    assert _width(far) <= 0.5          # far apart: essentially fixed
    assert [r.nominal_rank for r in far.intervals] == [1, 2, 3, 4, 5, 6]
    assert [r.low for r in far.intervals] == [1, 2, 3, 4, 5, 6]
    assert far.of("子").in_quota == 1.0 and far.of("巳").in_quota == 0.0
    # near the quota line among close candidates, the chance of a place is neither 0 nor 1
    assert any(0.05 < r.in_quota < 0.95 for r in close.intervals)
    label = close.intervals[0].label()
    assert label.startswith("第1位（区间") and "入围名额的概率" in label


def test_same_seed_same_intervals_other_seed_recorded():
    clients = [_client(n, m) for n, m in CLOSE]
    a = rank_intervals(_inputs(clients), top(3), Alternatives(draws=200, seed=11)).to_dict()
    b = rank_intervals(_inputs(clients), top(3), Alternatives(draws=200, seed=11)).to_dict()
    c = rank_intervals(_inputs(clients), top(3), Alternatives(draws=200, seed=12)).to_dict()
    assert a == b
    assert c["alternatives"]["seed"] == 12 and a["alternatives"]["seed"] == 11
    assert "随机种子：11" in a["described"][-1]


def test_nothing_to_vary_is_said_not_shown_as_a_zero_width_interval():
    clients = [_client(n, m) for n, m in CLOSE]
    fixed = Alternatives(draws=50, weight_spread=0.0, evidence_credit=(0.5,), vary_cap=False, growth_methods=("cagr",))
    u = rank_intervals(_inputs(clients), top(3), fixed)
    assert u.varied == []
    assert any("没有可变之处" in n for n in u.notes)


def test_growth_method_changes_a_verdict_near_its_threshold():
    # 40 → 48.3 → 48.3: CAGR (48.3 ÷ 40)^(1/2) − 1 = 9.89% fails 超过10%; the mean of the year-on-year
    # rates (20.75% + 0%) ÷ 2 = 10.375% passes.
    flips = _client("庚", indicators={"cluster_output": {2022: 40.0, 2023: 48.3, 2024: 48.3}})
    steady = _client("辛")
    inputs = _inputs([flips, steady])
    assert inputs[0].assessment.result("1.5").verdict == "未达标"
    u = rank_intervals(inputs, top(1), Alternatives(draws=300, seed=3, weight_spread=0.0, evidence_credit=(0.5,),
                                                    vary_cap=False))
    assert u.varied == ["增长率计算方式"]
    assert u.of("庚").score_high > u.of("庚").score_low   # scored higher when its growth passes


def test_growth_method_not_applicable_is_said():
    inputs = _inputs([_client("壬"), _client("癸")])
    for i in inputs:
        i.growth_fixed = True
    u = rank_intervals(inputs, top(1), Alternatives(draws=20))
    assert any("增长率计算方式未能改变" in n for n in u.notes)


@pytest.mark.parametrize("kw", [{"draws": 0}, {"weight_spread": 1.0}, {"evidence_credit": (1.5,)},
                                {"growth_methods": ("median",)}])
def test_alternatives_refuse_nonsense(kw):
    with pytest.raises(ValueError):
        Alternatives(**kw)
