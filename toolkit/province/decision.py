"""The province's decision: which of a 推荐单位's candidates it recommends, in what order, and why.

This module is the one place the rule is decided; 附件2/附件4 (``toolkit.province.tables``), the
province briefing and its quota chart (``toolkit.province.briefing``) and the province notebook
(``toolkit.notebook``) show its rows and never decide again.

The rule, from the round notices (``data/rounds/``, the policy reference):

- **ranking** — new applications by readiness, highest first (then 符合条件 before 待补充完善, then
  by name); reviews apart, in the same order;
- **eligibility** — clusters are recommended "在符合认定标准的基础上": a cluster assessed 不符合条件 is
  not recommended (暂不推荐) and uses no place; one 待补充完善 may be recommended, marked 拟推荐（须补充完善）;
- **one per 细分领域** — of candidates declaring the same 细分领域, only the best ranked is recommended
  (同领域不推荐 for the others); where a round says the rule no longer holds (``one_per_sub_field: false``)
  they are only flagged;
- **the province's own rules** (the round file's ``province_deadlines`` › 推荐单位): where only clusters
  recognised at provincial level may be recommended, one that is not is 未获省级认定 and uses no
  place (one that has not answered is flagged for checking); where a limit per 设区市 applies, a
  candidate beyond it is 超出设区市名额 and uses no place;
- **quota** — ``Round.quota_for(推荐单位)``: a province's, or the smaller one of a 计划单列市 and the
  新疆生产建设兵团. The recommended take the places in rank order; beyond the quota a candidate is
  超出名额 (a submission over quota is rejected outright). An unknown quota is said, never guessed;
- **reviews** — 符合条件 → 建议通过复核; 待补充完善 → 补充完善后复核; 不符合条件 → 复核存在风险; a cluster
  recognised in another year than the batch under review is flagged.

``decide(records, round)`` gives a ``ProvinceDecision`` for one 推荐单位; ``decide_round(output, round)``
one per 推荐单位 from the packages of a round (``toolkit.package.manifest``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from toolkit.assess.result import ELIGIBLE, INCOMPLETE, NOT_ELIGIBLE
from toolkit.assess.rounds import Round, resolve_round
from toolkit.package.manifest import PackageRecord, find_packages

# New applications
RECOMMEND = "拟推荐"
RECOMMEND_INCOMPLETE = "拟推荐（须补充完善）"
QUOTA_UNKNOWN = "拟推荐（名额待核实）"
OVER_QUOTA = "超出名额"
SAME_FIELD = "同领域不推荐"  # the better one of the 细分领域 is recommended
NOT_QUALIFIED = "暂不推荐"
NO_PROVINCIAL = "未获省级认定"    # the province admits only clusters recognised at provincial level
OVER_CITY = "超出设区市名额"      # the province limits the clusters per 设区市
RECOMMENDED = (RECOMMEND, RECOMMEND_INCOMPLETE, QUOTA_UNKNOWN)
# Reviews
REVIEW_PASS = "建议通过复核"
REVIEW_COMPLETE = "补充完善后复核"
REVIEW_RISK = "复核存在风险"


@dataclass
class Decision:
    """One candidate and what the province decided for it."""

    record: PackageRecord
    rank: int  # 1, 2, … by readiness among the 推荐单位's new applications (or among its reviews)
    status: str = ""  # 推荐意见 (拟推荐, 超出名额 …) or 复核建议 (建议通过复核 …)
    reasons: list[str] = field(default_factory=list)  # why, in words (quota, 细分领域, eligibility)
    place: int | None = None  # which of the quota's places it takes (1 … quota); None: it takes none

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def readiness(self) -> float | None:
        return self.record.readiness

    @property
    def overall(self) -> str:
        return self.record.overall

    @property
    def recommended(self) -> bool:
        return self.status in RECOMMENDED

    @property
    def over_quota(self) -> bool:
        return self.status == OVER_QUOTA


@dataclass
class ProvinceDecision:
    """A 推荐单位's decision for a round: its new applications and its reviews, each ranked and decided."""

    recommender: str
    year: int
    quota: int | None
    recommendations: list[Decision]
    reviews: list[Decision]
    round: Round | None = None
    folder: Path | None = None  # where its packages are (``<output>/<round>/<推荐单位>``)

    @property
    def recommended(self) -> list[Decision]:
        return [d for d in self.recommendations if d.recommended]

    @property
    def over_quota(self) -> list[Decision]:
        return [d for d in self.recommendations if d.over_quota]

    @property
    def eligible(self) -> list[Decision]:
        return [d for d in self.recommendations if d.overall == ELIGIBLE]

    @property
    def reviews_passing(self) -> list[Decision]:
        return [d for d in self.reviews if d.overall == ELIGIBLE]


def rank_key(readiness: float | None, overall: str, name: str) -> tuple:
    """The ranking rule as a sort key: readiness, highest first; then 符合条件 before 待补充完善 before the
    rest; then the name (so equal scores always rank the same way)."""
    return (-(readiness if readiness is not None else -1.0), {ELIGIBLE: 0, INCOMPLETE: 1}.get(overall, 2), name)


def _order(r: PackageRecord):
    return rank_key(r.readiness, r.overall, r.name)


def decide_recommendations(records: Iterable[PackageRecord], quota: int | None, *,
                           one_per_sub_field: bool | None = None, rules=None, recommender: str = "") -> list[Decision]:
    """The new applications, ranked, each with its 推荐意见 and reasons (see the module docstring).
    ``rules``: the province's own rules for the round (``rounds.ProvinceDeadline``), or None."""
    source = f"（{rules.source or rules.note}）" if rules is not None and (rules.source or rules.note) else ""
    per_city: dict[str, int] = {}
    rows = [Decision(r, rank) for rank, r in
            enumerate(sorted((r for r in records if not r.is_review), key=_order), 1)]
    by_field: dict[str, list[Decision]] = {}
    for d in rows:
        if d.record.sub_field and d.overall != NOT_ELIGIBLE:
            by_field.setdefault(d.record.sub_field, []).append(d)
    used = 0
    for d in rows:
        field_ = d.record.sub_field
        if d.overall == NOT_ELIGIBLE:
            d.status = NOT_QUALIFIED
            d.reasons.append("评估结论为不符合条件，不占用推荐名额")
            continue
        if rules is not None and rules.requires_provincial_recognition:
            if d.record.provincial_recognition is False:
                d.status = NO_PROVINCIAL
                d.reasons.append(f"{recommender or '本省'}只推荐已获省级特色产业集群认定的集群{source}；"
                                 f"该集群未获省级认定，不占用推荐名额")
                continue
            if d.record.provincial_recognition is None:
                d.reasons.append(f"{recommender or '本省'}只推荐已获省级认定的集群{source}；"
                                 f"该集群未填报是否已获省级认定，推荐前须核实")
        same = [o for o in by_field.get(field_, []) if o is not d] if field_ else []
        if same:
            d.reasons.append(f"与{'、'.join(o.name for o in same)}同属“{field_}”细分领域，每个细分领域只推荐一个集群"
                             + ("" if one_per_sub_field else "（本年度是否重申待核实）"))
            if d is not by_field[field_][0] and one_per_sub_field is not False:
                d.status = SAME_FIELD
                continue
        city = d.record.city
        if rules is not None and rules.max_per_city and city and per_city.get(city, 0) >= rules.max_per_city:
            d.status = OVER_CITY
            d.reasons.append(f"{recommender or '本省'}每个设区市推荐不超过{rules.max_per_city}个{source}；"
                             f"{city}已有{per_city[city]}个排名在前的集群拟推荐")
            continue
        if quota is None:
            d.status = QUOTA_UNKNOWN
            d.reasons.append("本轮推荐名额未获取，请以通知原文为准")
        elif used < quota:
            used += 1
            d.place = used
            per_city[city] = per_city.get(city, 0) + 1
            d.status = RECOMMEND if d.overall == ELIGIBLE else RECOMMEND_INCOMPLETE
        else:
            d.status = OVER_QUOTA
            d.reasons.append(f"超出推荐名额（{quota}个）：超出名额的推荐不予受理")
        if d.status == QUOTA_UNKNOWN:
            per_city[city] = per_city.get(city, 0) + 1
        if d.overall == INCOMPLETE:
            d.reasons.append("尚有佐证材料或数据待补充")
    return rows


def decide_reviews(records: Iterable[PackageRecord], review_batch: int | None) -> list[Decision]:
    """The reviews, ranked, each with its 复核建议 and reasons."""
    rows = [Decision(r, rank) for rank, r in enumerate(sorted((r for r in records if r.is_review), key=_order), 1)]
    for d in rows:
        d.status = {ELIGIBLE: REVIEW_PASS, INCOMPLETE: REVIEW_COMPLETE}.get(d.overall, REVIEW_RISK)
        failed = [f"{r.id} {r.verdict}" for r in d.record.failed]
        if failed:
            d.reasons.append("未达标或待补：" + "、".join(failed[:4]) + ("等" if len(failed) > 4 else ""))
        ry = d.record.recognised_year
        if review_batch and ry and str(ry) != str(review_batch):
            d.reasons.append(f"认定年度{ry}不属于本轮复核批次（{review_batch}年度）")
    return rows


def decide(records: Iterable[PackageRecord], round, *, recommender: str | None = None) -> ProvinceDecision:
    """The decision of one 推荐单位 (``recommender``, else the records' own) on its records in ``round``."""
    records = list(records)
    rnd = resolve_round(round)
    recommender = recommender or next((r.recommender for r in records if r.recommender), "")
    records = [r for r in records if r.recommender == recommender] if recommender else records
    quota = rnd.quota_for(recommender) if rnd is not None else None
    folders = {r.folder.parent for r in records if r.folder is not None}
    return ProvinceDecision(
        recommender=recommender,
        year=rnd.year if rnd is not None else 0,
        quota=quota,
        recommendations=decide_recommendations(
            records, quota, one_per_sub_field=getattr(rnd, "one_per_sub_field", None),
            rules=(rnd.province_deadlines.get(recommender) if rnd is not None else None), recommender=recommender),
        reviews=decide_reviews(records, getattr(rnd, "review_batch", None)),
        round=rnd,
        folder=folders.pop() if len(folders) == 1 else None,
    )


def decide_round(output_root: Path | str, round) -> tuple[list[ProvinceDecision], list[str]]:
    """One decision per 推荐单位 with packages of ``round`` under ``output_root``, and the problems met
    (a damaged package is named and left out)."""
    rnd = resolve_round(round)
    records, problems = find_packages(output_root, rnd.year)
    groups: dict[str, list[PackageRecord]] = {}
    for r in records:
        groups.setdefault(r.recommender, []).append(r)
    return [decide(rs, rnd, recommender=rec) for rec, rs in groups.items()], problems
