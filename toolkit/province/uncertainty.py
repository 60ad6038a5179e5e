"""How robust a province's ranking is: rank intervals under alternative, equally defensible choices.

The readiness score that orders a province's candidates rests on choices of ours: equal dimension
weights, 待补证 credited at half, a cap of 59 when a hard criterion fails, and the growth formula. A
consultant must be able to tell a county whether its third place would be fifth under other choices.
Following the composite-indicator practice (OECD/JRC handbook; COINr's uncertainty analysis), a seeded
Monte Carlo draws, for every draw at once for all candidates,

- each dimension's weight, multiplied by a factor drawn uniformly from ``[1 − s, 1 + s]``;
- the credit given to a 待补证 criterion, one of ``evidence_credit``;
- the cap on a failed hard criterion: the rulebook's, or none;
- the growth formula (复合年均增长率 or 逐年增长率平均), where the assessment carries the yearly values
  and the rulebook has not fixed the method by a clause (``growth_methods``); the verdict of a growth
  criterion is decided again under the drawn formula, with the same comparison the assessment uses,

then scores every candidate (``readiness.overall_score``) and asks the province decision which are
recommended. Each candidate gets its nominal rank, the median and 5–95% range of its rank, and how
often it falls inside the quota. The alternatives and the seed travel with the result; an alternative
that could not be applied, or a set of alternatives that leaves nothing to vary, is said in ``notes``,
never shown as an interval of zero width.

Nothing here decides: the recommendation is the province decision's, the score is readiness's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Callable, Iterable, Sequence

from toolkit.assess import readiness
from toolkit.assess.assessment import overall_verdict
from toolkit.assess.measures import OPERATORS, growth_rate
from toolkit.assess.result import FAIL, PASS, Assessment, CriterionResult
from toolkit.package.manifest import PackageRecord
from toolkit.province.decision import decide_recommendations, rank_key

GROWTH_MEASURES = ("cluster_output_growth", "sme_rd_growth")
GROWTH_NAMES = {"cagr": "复合年均增长率", "mean_yoy": "逐年增长率平均"}


@dataclass(frozen=True)
class Alternatives:
    """The choices the Monte Carlo varies, and its seed. Every field is recorded in the output."""

    draws: int = 1000
    seed: int = 20251202
    weight_spread: float = 0.5          # weight × U(1 − s, 1 + s) per dimension and draw; 0 keeps the rulebook's
    evidence_credit: tuple[float, ...] = (0.25, 0.5, 0.75)  # credit for 待补证, one drawn per draw
    vary_cap: bool = True               # the rulebook's cap on a failed hard criterion, or none
    growth_methods: tuple[str, ...] = ("cagr", "mean_yoy")

    def __post_init__(self):
        if self.draws < 1:
            raise ValueError("draws must be at least 1")
        if not 0 <= self.weight_spread < 1:
            raise ValueError("weight_spread must be in [0, 1)")
        if not self.evidence_credit or any(not 0 <= c <= 1 for c in self.evidence_credit):
            raise ValueError("evidence_credit values must lie in [0, 1]")
        unknown = set(self.growth_methods) - set(GROWTH_NAMES)
        if unknown or not self.growth_methods:
            raise ValueError(f"growth_methods must be among {sorted(GROWTH_NAMES)}")

    def described(self) -> list[str]:
        """The alternatives in words, for the workbook and the briefing."""
        credits = "、".join(f"{c:g}" for c in self.evidence_credit)
        return [
            f"维度权重：各维度权重乘以区间[{1 - self.weight_spread:g}, {1 + self.weight_spread:g}]内均匀抽取的系数",
            f"待补证的得分：{credits}（每次抽取其一）",
            "硬性标准未达标时的封顶：按规则库封顶，或不封顶" if self.vary_cap else "硬性标准未达标时的封顶：按规则库（不变）",
            "增长率计算方式：" + "、".join(GROWTH_NAMES[m] for m in self.growth_methods),
            f"抽样次数：{self.draws}；随机种子：{self.seed}",
        ]


@dataclass
class RankInput:
    """One candidate as the Monte Carlo sees it."""

    key: str
    name: str
    assessment: Assessment
    weights: dict[int, float]
    cap_on_fail: float | None
    growth_method: str = "cagr"       # the rulebook's nominal method
    growth_fixed: bool = False        # True where the rulebook does not allow another method
    sub_field: str = ""
    record: PackageRecord | None = None  # the package it stands for (city, provincial recognition …)


@dataclass
class RankInterval:
    key: str
    name: str
    nominal_rank: int
    median_rank: float
    low: int           # 5th percentile of the rank
    high: int          # 95th percentile of the rank
    in_quota: float    # share of draws in which the decision recommends it
    nominal_score: float
    score_low: float
    score_high: float

    @property
    def robust(self) -> bool:
        """The same place under every alternative drawn, and the same answer about the quota."""
        return self.low == self.high and self.in_quota in (0.0, 1.0)

    def label(self) -> str:
        """第3位（区间2–6，入围名额的概率64%）."""
        span = f"{self.low}" if self.low == self.high else f"{self.low}–{self.high}"
        return f"第{self.nominal_rank}位（区间{span}，入围名额的概率{round(self.in_quota * 100)}%）"


@dataclass
class RankUncertainty:
    intervals: list[RankInterval]
    alternatives: Alternatives
    varied: list[str] = field(default_factory=list)   # what actually varied among these candidates
    notes: list[str] = field(default_factory=list)    # alternatives that could not be applied, said loudly

    def of(self, key: str) -> RankInterval:
        for r in self.intervals:
            if r.key == key:
                return r
        raise KeyError(key)

    def to_dict(self) -> dict:
        return {"alternatives": asdict(self.alternatives), "described": self.alternatives.described(),
                "varied": self.varied, "notes": self.notes,
                "intervals": [{**asdict(r), "label": r.label(), "robust": r.robust} for r in self.intervals]}


Decide = Callable[[list[tuple[RankInput, float, str]]], set[str]]


def _regrown(r: CriterionResult, method: str) -> CriterionResult:
    """A growth criterion decided again under another formula, from the yearly values it used."""
    values = [float(i.value) for i in r.inputs if isinstance(i.value, (int, float))]
    gaps = any(i.get("status") for i in (r.trace or {}).get("inputs", []))  # a year blank or wrong
    if r.verdict not in (PASS, FAIL) or len(values) < 2 or any(v <= 0 for v in values) or gaps \
            or r.threshold is None or r.operator not in OPERATORS:
        return r
    rate, _ = growth_rate(values, method)
    ok = OPERATORS[r.operator](rate, r.threshold)
    return replace(r, value=float(rate), verdict=PASS if ok else FAIL)


def _growth_applicable(c: RankInput) -> bool:
    return not c.growth_fixed and any(
        r.measure in GROWTH_MEASURES and r.verdict in (PASS, FAIL)
        and sum(isinstance(i.value, (int, float)) for i in r.inputs) >= 2
        for r in c.assessment.results)


def _results_under(c: RankInput, method: str) -> list[CriterionResult]:
    if method == c.growth_method or not _growth_applicable(c):
        return c.assessment.results
    return [_regrown(r, method) if r.measure in GROWTH_MEASURES else r for r in c.assessment.results]


def _order(rows: list[tuple[RankInput, float, str]]) -> list[str]:
    """Candidates in the province decision's order (``toolkit.province.decision.rank_key``)."""
    return [c.key for c, score, overall in sorted(rows, key=lambda t: rank_key(t[1], t[2], t[0].name))]


def province_decide(quota: int | None, *, one_per_sub_field: bool | None = None, rules=None,
                    recommender: str = "") -> Decide:
    """The province decision (``toolkit.province.decision``) as a ``Decide``: the keys it recommends
    (拟推荐, within the quota, one per 细分领域, the province's own rules, none that does not qualify)
    among the rows of a draw."""
    def decide(rows: list[tuple[RankInput, float, str]]) -> set[str]:
        records = [replace(c.record, client_id=c.key, readiness=score, overall=overall) if getattr(c, "record", None)
                   else PackageRecord(client_id=c.key, cluster_name=c.name, recommender=recommender, overall=overall,
                                      readiness=score, sub_field=c.sub_field)
                   for c, score, overall in rows]
        return {d.record.client_id for d in decide_recommendations(records, quota, one_per_sub_field=one_per_sub_field,
                                                                   rules=rules, recommender=recommender)
                if d.recommended}
    return decide


def inputs_of(decision) -> tuple[list[RankInput], list[str]]:
    """The Monte Carlo's candidates from a ``ProvinceDecision``'s new applications, with the rulebook's
    weights, cap and growth method; what could not be read is said."""
    from toolkit.assess.rulebook import load_rulebook
    from toolkit.core.errors import ToolkitError

    out, notes, books = [], [], {}
    for d in decision.recommendations:
        a = d.record.assessment
        if a is None:
            notes.append(f"{d.name}：评估结果缺失，未参与排名区间")
            continue
        if a.rulebook not in books:
            try:
                books[a.rulebook] = load_rulebook(a.rulebook)
            except ToolkitError:
                books[a.rulebook] = None
                notes.append(f"规则库 {a.rulebook} 未找到：{d.name} 按各维度等权、封顶59分计算")
        rb = books[a.rulebook]
        weights = dict((rb.readiness.get("weights") if rb else None) or {k: 1.0 for k in range(1, 9)})
        cap = rb.readiness.get("cap_on_fail", readiness.DEFAULT_CAP) if rb else readiness.DEFAULT_CAP
        method = (rb.settings.get("growth_method") if rb else None) or a.growth_method or "cagr"
        out.append(RankInput(key=d.record.client_id, name=d.name, assessment=a, weights=weights, cap_on_fail=cap,
                             growth_method=method, sub_field=d.record.sub_field, record=d.record))
    return out, notes


def intervals_for(decision, alternatives: Alternatives | None = None) -> RankUncertainty:
    """Rank intervals for one 推荐单位's decision, decided in every draw by the same province decision."""
    rnd = decision.round
    inputs, notes = inputs_of(decision)
    rules = rnd.province_deadlines.get(decision.recommender) if rnd is not None else None
    u = rank_intervals(inputs, province_decide(decision.quota, one_per_sub_field=getattr(rnd, "one_per_sub_field", None),
                                               rules=rules, recommender=decision.recommender), alternatives)
    u.notes = notes + u.notes
    return u


def _percentile(sorted_values: Sequence, q: float):
    """The nearest-rank percentile (q in 0..100) of sorted values."""
    import math

    k = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[k - 1]


def rank_intervals(candidates: Iterable[RankInput], decide: Decide,
                   alternatives: Alternatives | None = None) -> RankUncertainty:
    """Rank intervals for one 推荐单位's new applications. ``decide`` is the province decision: given
    (candidate, score, overall verdict) rows, the keys it recommends within the quota."""
    import numpy as np

    alt = alternatives or Alternatives()
    cands = list(candidates)
    notes: list[str] = []
    if not cands:
        return RankUncertainty([], alt, [], ["没有新申报的候选集群，无须排名区间"])
    rng = np.random.default_rng(alt.seed)

    dims = sorted({d for c in cands for d in c.weights if c.weights[d] > 0})
    growth_ok = [c for c in cands if _growth_applicable(c)]
    methods = alt.growth_methods if growth_ok else (cands[0].growth_method,)
    if len(alt.growth_methods) > 1 and not growth_ok:
        notes.append("增长率计算方式未能改变：候选集群的评估结果中没有可重新计算的逐年数据，或规则库已规定计算方式")
    elif len(alt.growth_methods) > 1 and len(growth_ok) < len(cands):
        fixed = "、".join(c.name for c in cands if c not in growth_ok)
        notes.append(f"增长率计算方式只对部分候选集群改变；{fixed} 的增长率指标无法按另一计算方式重新判定"
                     "（缺逐年数据、结论为待补证，或规则库已规定计算方式），按原计算方式")
    caps_differ = alt.vary_cap and any(
        c.cap_on_fail is not None and any(r.verdict == FAIL and r.hard for r in c.assessment.results) for c in cands)
    if alt.vary_cap and not caps_differ:
        notes.append("封顶规则未起作用：没有候选集群存在未达标的硬性标准")
    credit_matters = len(set(alt.evidence_credit)) > 1 and any(
        r.verdict == "待补证" for c in cands for r in c.assessment.results)

    varied = []
    if alt.weight_spread > 0 and len(dims) > 1:
        varied.append("维度权重")
    if credit_matters:
        varied.append("待补证的得分")
    if caps_differ:
        varied.append("封顶规则")
    if len(methods) > 1:
        varied.append("增长率计算方式")
    if not varied:
        notes.append("所列备选假设在这些候选集群上没有可变之处：排名区间即名义排名，并非经检验的稳健结论")

    results_by_method = {m: [_results_under(c, m) for c in cands] for m in methods}
    overall_by_method = {m: [overall_verdict(rs) for rs in results_by_method[m]] for m in methods}

    # What a draw does not change is worked out once: each candidate's dimension scores for each
    # growth method and evidence credit, and whether a veto or a failed hard criterion applies. A
    # draw then only weighs them (``readiness.combine``, the rule ``overall_score`` applies).
    facts: dict[tuple[str, float], list[tuple[dict[int, float], bool, bool]]] = {}
    for m in methods:
        for cr in set(alt.evidence_credit):
            facts[(m, cr)] = [(readiness.dimension_scores(rs, evidence_credit=cr),
                               any(r.verdict == readiness.VETO for r in rs),
                               any(r.verdict == readiness.FAIL and r.hard for r in rs))
                              for rs in results_by_method[m]]

    def scores(weight_factor: dict[int, float], credit: float, capped: bool, method: str) -> list[float]:
        out = []
        for c, (dim_scores, vetoed, hard_fail) in zip(cands, facts[(method, credit)]):
            w = {d: c.weights[d] * weight_factor.get(d, 1.0) for d in c.weights}
            cap = c.cap_on_fail if capped else None
            out.append(readiness.combine(dim_scores, w, cap, vetoed=vetoed, hard_fail=hard_fail)[0])
        return out

    nominal_scores = [c.assessment.readiness for c in cands]
    nominal_rows = list(zip(cands, nominal_scores, [c.assessment.overall for c in cands]))
    nominal_order = _order(nominal_rows)

    ranks = {c.key: [] for c in cands}
    inside = {c.key: 0 for c in cands}
    score_draws = {c.key: [] for c in cands}
    for _ in range(alt.draws):
        factor = {d: float(rng.uniform(1 - alt.weight_spread, 1 + alt.weight_spread)) for d in dims}
        credit = float(alt.evidence_credit[rng.integers(len(alt.evidence_credit))])
        capped = bool(rng.integers(2)) if alt.vary_cap else True
        method = methods[int(rng.integers(len(methods)))]
        s = scores(factor, credit, capped, method)
        rows = list(zip(cands, s, overall_by_method[method]))
        for place, key in enumerate(_order(rows), start=1):
            ranks[key].append(place)
        for key in decide(rows):
            inside[key] += 1
        for c, v in zip(cands, s):
            score_draws[c.key].append(v)

    intervals = []
    for c, score in zip(cands, nominal_scores):
        rs = sorted(ranks[c.key])
        ss = sorted(score_draws[c.key])
        intervals.append(RankInterval(
            key=c.key, name=c.name, nominal_rank=nominal_order.index(c.key) + 1,
            median_rank=float(np.median(rs)), low=_percentile(rs, 5), high=_percentile(rs, 95),
            in_quota=inside[c.key] / alt.draws, nominal_score=float(score),
            score_low=float(_percentile(ss, 5)), score_high=float(_percentile(ss, 95))))
    intervals.sort(key=lambda r: r.nominal_rank)
    return RankUncertainty(intervals, alt, varied, notes)
