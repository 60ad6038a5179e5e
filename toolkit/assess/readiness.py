"""The readiness score: how close a candidate is to a complete, eligible application (0–100).

It ranks several candidates of a province; it is **not** the eligibility verdict, and it never hides
one. Method:

1. **Per criterion, a credit between 0 and 1** (``credit``):

   ========== ============================================================================
   达标        1.0
   待补证      0.5 — the substance is there, the proof is not yet
   未达标      quantitative: 0.5 × closeness, closeness = value ÷ threshold for ≥/> (threshold ÷ value
              for ≤/<), clipped to 0..1 — a county at 38 of 40亿元 scores 0.475, at 10 of 40 0.125;
              the review's plan targets: 0.5 × achievement (clipped); anything else 0
   数据缺失    0.0 — unknown counts as nothing
   一票否决    0.0
   ========== ============================================================================

2. **Per dimension, a sub-score** = 100 × the mean credit of its criteria (criteria weigh equally).
3. **Overall** = the weighted mean of the dimension sub-scores, with the weights in the rulebook
   (``readiness.weights``, dimension → weight; national-2022 weighs the eight dimensions equally, the
   review adds dimension 9). The negative list (dimension 0) has no weight: it acts as a gate.
4. **Gates, so the score never hides a failed hard criterion**: a veto (一票否决) sets the score to 0;
   any failed hard criterion caps it at ``readiness.cap_on_fail`` (59 in national-2022, below the 60
   of a "pass" on a 100-point scale). The eligibility verdict (``Assessment.overall``) is decided
   separately and stays 不符合条件 whatever the score.
"""

from __future__ import annotations

from toolkit.assess.result import FAIL, MISSING_DATA, NEEDS_EVIDENCE, PASS, VETO, CriterionResult

CREDITS = {PASS: 1.0, NEEDS_EVIDENCE: 0.5, MISSING_DATA: 0.0, VETO: 0.0}
DEFAULT_CAP = 59.0


def credit(r: CriterionResult, evidence_credit: float = CREDITS[NEEDS_EVIDENCE]) -> float:
    """The criterion's credit; ``evidence_credit`` is what a 待补证 earns (the province's rank intervals
    vary it, ``toolkit.province.uncertainty``)."""
    if r.verdict == NEEDS_EVIDENCE:
        return evidence_credit
    if r.verdict in CREDITS:
        return CREDITS[r.verdict]
    if r.verdict != FAIL or r.value is None:
        return 0.0
    if r.kind == "plan":
        return 0.5 * max(0.0, min(1.0, r.value / 100))
    if r.threshold is None or r.operator is None:
        return 0.0
    v, t = float(r.value), float(r.threshold)
    if r.operator in (">=", ">"):
        close = v / t if t > 0 else 0.0
    elif r.operator in ("<=", "<"):
        close = t / v if v > 0 else 0.0
    else:
        close = 0.0
    return 0.5 * max(0.0, min(1.0, close))


def dimension_score(results: list[CriterionResult], evidence_credit: float = CREDITS[NEEDS_EVIDENCE]) -> float:
    if not results:
        return 0.0
    return round(100 * sum(credit(r, evidence_credit) for r in results) / len(results), 1)


def dimension_scores(results: list[CriterionResult], *,
                     evidence_credit: float = CREDITS[NEEDS_EVIDENCE]) -> dict[int, float]:
    """Dimension → its score (``dimension_score``), for the dimensions the results cover."""
    by_dim: dict[int, list[CriterionResult]] = {}
    for r in results:
        by_dim.setdefault(r.dimension, []).append(r)
    return {dim: dimension_score(rs, evidence_credit) for dim, rs in by_dim.items()}


def overall_score(results: list[CriterionResult], weights: dict[int, float],
                  cap_on_fail: float | None = DEFAULT_CAP, *,
                  evidence_credit: float = CREDITS[NEEDS_EVIDENCE]) -> tuple[float, str]:
    """(score, explanation). ``weights``: dimension → weight; dimensions without weight are ignored."""
    return combine(dimension_scores(results, evidence_credit=evidence_credit), weights, cap_on_fail,
                   vetoed=any(r.verdict == VETO for r in results),
                   hard_fail=any(r.verdict == FAIL and r.hard for r in results))


def combine(dim_scores: dict[int, float], weights: dict[int, float], cap_on_fail: float | None = DEFAULT_CAP, *,
            vetoed: bool, hard_fail: bool) -> tuple[float, str]:
    """(score, explanation) from the dimensions' scores: their weighted mean, 0 under a veto, capped
    when a hard criterion fails. ``overall_score`` is this on an assessment's results; the province's
    rank intervals call it directly, with each candidate's dimension scores worked out once."""
    total_w = 0.0
    acc = 0.0
    for dim, score in dim_scores.items():
        w = weights.get(dim, 0.0)
        if w <= 0:
            continue
        acc += w * score
        total_w += w
    score = round(acc / total_w, 1) if total_w else 0.0
    if vetoed:
        return 0.0, "负面清单一票否决，准备度记为0分"
    if cap_on_fail is not None and hard_fail and score > cap_on_fail:
        return float(cap_on_fail), f"存在未达标的硬性标准，准备度封顶{cap_on_fail:g}分（未封顶时为{score:g}分）"
    return score, ""
