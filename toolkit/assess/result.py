"""The result of assessing a client against a rulebook: what every later step reads.

``toolkit.assess.assessment`` produces an ``Assessment``; narrative, documents, charts and the province
tables only read it. Its JSON form (``to_dict``) carries ``SCHEMA_VERSION``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = "1.1"  # 1.1: 数据有误, trace (计算过程), figures, provisional/completeness, intake problems

# Verdicts, per criterion.
PASS = "达标"
FAIL = "未达标"
NEEDS_EVIDENCE = "待补证"
MISSING_DATA = "数据缺失"
WRONG_DATA = "数据有误"  # an input cannot be right, or is implausible for one county: the cell is named
VETO = "一票否决"
VERDICTS = (PASS, FAIL, NEEDS_EVIDENCE, MISSING_DATA, WRONG_DATA, VETO)

# Overall verdicts.
ELIGIBLE = "符合条件"          # every criterion 达标
NOT_ELIGIBLE = "不符合条件"     # a hard criterion 未达标, or a veto
INCOMPLETE = "待补充完善"       # nothing failed, but evidence or data still missing
OVERALL = (ELIGIBLE, NOT_ELIGIBLE, INCOMPLETE)

UNVERIFIED_NOTE = "阈值待核实"
PROVISIONAL = "初步判断"  # the overall verdict while the data is incomplete or wrong

# The dimensions of 《中小企业特色产业集群认定标准（2022年版）》, with 0 for the negative list and 9 for
# the review's plan targets. A rulebook may rename them (its ``dimensions:``); these are the defaults.
DIMENSION_NAMES: dict[int, str] = {
    0: "负面清单", 1: "具有较强核心竞争力", 2: "优质中小企业梯度培育成效显著", 3: "产业链供应链协作高效",
    4: "具有较强协同创新能力", 5: "数字化转型效果明显", 6: "具有较高绿色化发展水平",
    7: "积极参与产业开放合作", 8: "具有较强治理和服务能力", 9: "规划目标完成情况",
}


@dataclass
class InputRef:
    """One input a verdict used: its name, value and cell."""

    name: str
    value: Any
    source: str | None  # "file › sheet › cell", None when derived or absent


@dataclass
class CriterionResult:
    id: str  # e.g. "1.2"
    dimension: int  # 1..8, 0 for the negative list, 9 for the review's plan targets
    dimension_name: str
    title: str
    clause: str
    kind: str  # "quantitative" | "evidence" | "negative" | "plan"
    verdict: str
    measure: str = ""  # the rulebook measure it reads (e.g. "cluster_output_min"), "" for evidence
    value: float | None = None
    operator: str | None = None  # ">=", ">", "<=", "<", "=="
    threshold: float | None = None
    unit: str = ""
    margin: float | None = None  # value − threshold, in the unit; negative = short of it
    formula: str = ""  # how ``value`` was computed, with the numbers
    inputs: list[InputRef] = field(default_factory=list)
    verified: bool = True  # False when the threshold is not confirmed (阈值待核实)
    hard: bool = True  # a failed hard criterion makes the cluster ineligible
    what_it_takes: str = ""  # the smallest change that would pass, in words
    missing: list[str] = field(default_factory=list)  # missing evidence items or data
    note: str = ""
    settings: list[str] = field(default_factory=list)  # named settings in force, e.g. 西部放宽
    # 计算过程: inputs with their cells, formula, intermediate values (exact), rounding, comparison
    trace: dict = field(default_factory=dict)
    # further figures shown beside the value, each labelled (a review target's 实际÷目标 beside its
    # progress from the base): [{"label", "value", "unit", "formula"}]
    figures: list[dict] = field(default_factory=list)
    reference: str = ""  # the document and clause the rule comes from

    @property
    def passed(self) -> bool:
        return self.verdict == PASS


@dataclass
class DimensionSummary:
    dimension: int
    name: str
    verdict: str  # the worst verdict of its criteria
    passed: int
    total: int
    score: float  # 0–100 readiness sub-score


@dataclass
class Assessment:
    schema_version: str
    client_id: str
    cluster_name: str
    province: str
    county: str
    application_type: str
    rulebook: str  # rulebook id
    rulebook_version: str
    round: str | None
    overall: str  # one of OVERALL
    readiness: float  # 0–100, see toolkit.assess.readiness; never hides a failed hard criterion
    results: list[CriterionResult]
    dimensions: list[DimensionSummary]
    settings: list[str] = field(default_factory=list)  # named settings in force (always shown)
    unverified: list[str] = field(default_factory=list)  # ids of criteria using unverified thresholds
    generated_at: str = ""
    toolkit_version: str = ""
    # the rulebook's ``settings.growth_method`` (``cagr`` or ``mean_yoy``): every 年均增长 an output states
    # is this method's (toolkit.assess.measures.growth_of), never another formula
    growth_method: str = "cagr"
    # 初步判断: the data the criteria read is incomplete or wrong, so the verdict may still change
    provisional: bool = False
    completeness: dict = field(default_factory=dict)  # {"filled": N, "total": M, "wrong": K}
    # hard criteria failed only on thresholds not confirmed (the headline says so)
    rests_on_unverified: list[str] = field(default_factory=list)
    headline: str = ""  # e.g. 初步判断：不符合条件（4.1的阈值待核实）；已填写 14/32 项
    intake_problems: list[dict] = field(default_factory=list)  # what the reader found (Problem.to_dict)

    def result(self, criterion_id: str) -> CriterionResult:
        for r in self.results:
            if r.id == criterion_id:
                return r
        raise KeyError(criterion_id)

    @property
    def failed(self) -> list[CriterionResult]:
        return [r for r in self.results if r.verdict != PASS]

    def to_dict(self) -> dict:
        return asdict(self)

    def value_of(self, measure: str) -> tuple[bool, float | None]:
        """(assessed, value) of the criterion reading ``measure``: (False, None) when no criterion of the
        rulebook reads it; the value is None when its data is missing."""
        for r in self.results:
            if r.measure == measure and r.kind == "quantitative":
                return True, r.value
        return False, None

    @classmethod
    def from_dict(cls, data: dict) -> "Assessment":
        data = dict(data)
        known = set(cls.__dataclass_fields__)
        data = {k: v for k, v in data.items() if k in known}
        data["results"] = [
            CriterionResult(**{**r, "inputs": [InputRef(**i) for i in r.get("inputs", [])]})
            for r in data["results"]
        ]
        data["dimensions"] = [DimensionSummary(**d) for d in data["dimensions"]]
        return cls(**data)

    def to_frame(self):
        """One row per criterion, for notebooks."""
        import pandas as pd

        rows = []
        for r in self.results:
            rows.append({
                "条款": r.id,
                "维度": r.dimension_name,
                "指标": r.title,
                "结论": r.verdict,
                "实际值": r.value,
                "比较": r.operator,
                "阈值": r.threshold,
                "单位": r.unit,
                "差距": r.margin,
                "阈值状态": "" if r.verified else UNVERIFIED_NOTE,
                "计算方式": r.formula,
                "计算过程": "\n".join(trace_lines(r)),
                "补足所需": r.what_it_takes,
                "依据": r.clause,
                "数据来源": "; ".join(f"{i.name}={i.value} ({i.source})" for i in r.inputs if i.source),
            })
        return pd.DataFrame(rows)


def trace_lines(r: CriterionResult) -> list[str]:
    """The 计算过程 of one verdict, one line each: inputs with their cells, formula, steps, comparison."""
    t = r.trace or {}
    lines = []
    for i in t.get("inputs", []):
        where = f"（{i['source']}）" if i.get("source") else ""
        status = f"：{i['status']}" if i.get("status") else ""
        lines.append(f"输入：{i['name']} = {i['value']}{where}{status}")
    if t.get("formula"):
        lines.append(f"公式：{t['formula']}")
    for s in t.get("steps", []):
        lines.append(f"计算：{s}")
    if t.get("rounding"):
        lines.append(f"舍入：{t['rounding']}")
    if t.get("comparison"):
        lines.append(f"比较：{t['comparison']}")
    if t.get("verdict"):
        lines.append(f"结论：{t['verdict']}")
    return lines
