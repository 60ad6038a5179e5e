"""Measures: the numbers a rulebook compares, computed from a ``Client`` with their provenance.

Each measure is a function ``(client, settings) -> Measurement``: the value, the inputs it used (each
with its cell, file › sheet › cell), the formula written out with the numbers, and — when an input is
blank — the missing cells instead of a value. ``what_it_takes`` turns a failed comparison into the
smallest change that would pass, in the criterion's unit.

Measure names are part of the shared contract (charts look them up):

================================  ==========================================================  ======
name                              what                                                        unit
================================  ==========================================================  ======
area_km2                          集群面积                                                    km²
cluster_output_min                lowest of the three years' 集群工业总产值                   亿元
sme_output_share                  中小企业产值 ÷ 集群工业总产值, latest year                  %
leading_output_share              主导产业产值 ÷ 集群工业总产值, latest year                  %
cluster_output_growth             average annual growth of 集群工业总产值 (settings.growth_method)  %
top_tier_firms                    单项冠军 + 专精特新“小巨人” in the leading industry            家
quality_firms                     专精特新中小企业 / 创新型中小企业 / 国家级高新技术企业          家
sme_rd_growth                     average annual growth of 中小企业研发经费支出                  %
platform_rate                     工业互联网平台应用普及率, latest year                         %
standards                         主导或参与制修订标准数, sum of the three years                 项
================================  ==========================================================  ======

Growth methods (rulebook ``settings.growth_method``):

* ``cagr`` — compound annual growth over the span of the indicator years:
  ``(末年 ÷ 首年)^(1/(n−1)) − 1`` (n = 3 years → 2 growth periods);
* ``mean_yoy`` — the mean of the year-on-year rates ``mean(v[i] ÷ v[i−1] − 1)``.

Facts (evidence criteria's ``facts``) are checks on the roster, platforms and basic information, each
with a Chinese label so a missing one can be named to the county.

This module is the one owner of the rules every output quotes, so that none of them words or computes
them again: the measures' labels and units (``MEASURES``, ``measure_label``), how a comparison reads
(``operator_word``, ``standard_text``: 超过70%), growth (``growth_of``, ``growth_rate``, ``year_on_year``)
and a plan target's actual value and achievement (``plan_actual``, ``plan_achievement``). It is a little
over 500 lines because those rules belong together with the measures that use them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from toolkit.core import formatting as fmt
from toolkit.intake import schema
from toolkit.intake.model import TIERS, Client, Firm, PlanTarget, Source, Value
from toolkit.assess.result import InputRef

GROWTH_METHODS = {
    "cagr": "复合年均增长率（首末两年）：(末年 ÷ 首年)^(1/(n−1)) − 1",
    "mean_yoy": "逐年增长率的算术平均：mean(本年 ÷ 上年 − 1)",
}

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    # a small tolerance so that 35 ÷ 50 × 100 = 70.00000000000001 compares as 70
    ">=": lambda v, t: v >= t - 1e-9,
    ">": lambda v, t: v > t + 1e-9,
    "<=": lambda v, t: v <= t + 1e-9,
    "<": lambda v, t: v < t - 1e-9,
    "==": lambda v, t: abs(v - t) <= 1e-9,
}
# How a comparison reads: the words of the criteria (近三年集群工业总产值年均增速超过10%) for documents,
# and the signs for a chart's compact labels. The one table: every output words a standard through
# ``operator_word`` / ``standard_text`` (or ``operator_sign`` on a chart).
OPERATOR_WORDS = {">=": "不低于", ">": "超过", "<=": "不超过", "<": "低于", "==": "等于"}
OPERATOR_SIGNS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}


def operator_word(operator: str | None) -> str:
    """``>`` → 超过, ``>=`` → 不低于 …, as the criteria read."""
    return OPERATOR_WORDS.get(operator or "", operator or "")


def operator_sign(operator: str | None) -> str:
    """``>=`` → ≥ …, for a chart's compact labels."""
    return OPERATOR_SIGNS.get(operator or "", operator or "")


def standard_text(operator: str | None, threshold, unit: str, digits: int = 2) -> str:
    """A criterion's standard in words, e.g. 超过70%, 不低于40亿元; '' when it has no threshold."""
    if threshold is None or not operator:
        return ""
    return operator_word(operator) + fmt.with_unit(threshold, unit or "", digits)


@dataclass
class Measurement:
    value: float | None
    inputs: list[InputRef] = field(default_factory=list)
    formula: str = ""
    missing: list[str] = field(default_factory=list)  # missing inputs, by cell and label
    detail: dict[str, Any] = field(default_factory=dict)  # what ``what_it_takes`` needs


@dataclass(frozen=True)
class MeasureSpec:
    name: str
    label: str  # what the measure is, as a sentence of the application or the memo names it
    short: str  # a few words, for a chart's axis
    unit: str
    compute: Callable[[Client, dict], Measurement]


# ---------------------------------------------------------------------------------------------
# reading the client

def indicator_label(key: str) -> str:
    return schema.indicator_labels().get(key, key)


def _src(source: Source | None) -> str | None:
    return str(source) if source is not None else None


def _num(v: Value) -> float | None:
    x = v.value
    if x is None or isinstance(x, bool):
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _missing_text(client: Client, key: str, year: int | None, v: Value) -> str:
    what = f"{year}年{indicator_label(key)}" if year is not None else indicator_label(key)
    if v.source is not None:
        return f"{v.source}（{what}）未填写"
    return f"{client.workbook.name if client.workbook else 'intake.xlsx'} › 年度指标（{what}）未填写"


def _series(client: Client, key: str) -> tuple[list[int], list[float | None], list[InputRef], list[str]]:
    years, values, inputs, missing = [], [], [], []
    for y in client.years:
        v = client.indicator(key, y)
        x = _num(v)
        years.append(y)
        values.append(x)
        if x is None:
            missing.append(_missing_text(client, key, y, v))
        else:
            inputs.append(InputRef(f"{y}年{indicator_label(key)}", x, _src(v.source)))
    return years, values, inputs, missing


def _latest(client: Client, key: str) -> tuple[int, float | None, InputRef | None, str | None]:
    y = client.latest_year
    v = client.indicator(key, y)
    x = _num(v)
    if x is None:
        return y, None, None, _missing_text(client, key, y, v)
    return y, x, InputRef(f"{y}年{indicator_label(key)}", x, _src(v.source)), None


def _n(x: float, digits: int = 2) -> str:
    return fmt.number(x, digits)


# ---------------------------------------------------------------------------------------------
# the measures

def area_km2(client: Client, settings: dict) -> Measurement:
    v = client.basic.get("area_km2", Value(None))
    x = _num(v)
    if x is None:
        where = str(v.source) if v.source else "intake.xlsx › 基本信息"
        return Measurement(None, missing=[f"{where}（集群面积）未填写"])
    return Measurement(x, [InputRef("集群面积", x, _src(v.source))], f"集群面积 = {_n(x)}平方公里")


def cluster_output_min(client: Client, settings: dict) -> Measurement:
    years, values, inputs, missing = _series(client, "cluster_output")
    if missing:
        return Measurement(None, inputs, missing=missing)
    low = min(values)
    parts = "、".join(f"{y}年{_n(v)}" for y, v in zip(years, values))
    return Measurement(low, inputs, f"min({parts}) = {_n(low)}亿元",
                       detail={"by_year": dict(zip(years, values))})


def _share(client: Client, part: str, label: str) -> Measurement:
    y, num, in_num, miss_num = _latest(client, part)
    _, den, in_den, miss_den = _latest(client, "cluster_output")
    missing = [m for m in (miss_num, miss_den) if m]
    inputs = [i for i in (in_num, in_den) if i]
    if missing:
        return Measurement(None, inputs, missing=missing)
    if den <= 0:
        return Measurement(None, inputs, missing=[f"{in_den.source}（{y}年集群工业总产值）为0，无法计算占比"])
    share = num / den * 100
    return Measurement(share, inputs, f"{y}年{label} {_n(num)} ÷ 集群工业总产值 {_n(den)} × 100% = {_n(share)}%",
                       detail={"year": y, "part": num, "total": den, "part_label": label})


def sme_output_share(client: Client, settings: dict) -> Measurement:
    return _share(client, "sme_output", "中小企业产值")


def leading_output_share(client: Client, settings: dict) -> Measurement:
    return _share(client, "leading_output", "主导产业产值")


def year_on_year(previous: float | None, current: float | None) -> float | None:
    """Growth from one year to the next, in percent; None when it cannot be computed."""
    if previous is None or current is None or previous <= 0:
        return None
    return (current / previous - 1) * 100


def growth_rate(values: list[float], method: str) -> tuple[float, str]:
    """Average annual growth in percent, and the formula with the numbers."""
    n = len(values) - 1
    if method == "mean_yoy":
        rates = [year_on_year(a, b) for a, b in zip(values, values[1:])]
        mean = sum(rates) / n
        terms = " + ".join(f"({_n(b)} ÷ {_n(a)} − 1)" for a, b in zip(values, values[1:]))
        shown = " + ".join(f"{_n(r)}%" for r in rates)
        return mean, f"[{terms}] ÷ {n} = ({shown}) ÷ {n} = {_n(mean)}%"
    rate = ((values[-1] / values[0]) ** (1 / n) - 1) * 100
    return rate, f"({_n(values[-1])} ÷ {_n(values[0])})^(1/{n}) − 1 = {_n(rate)}%"


def last_value_for_growth(values: list[float], method: str, rate: float) -> float:
    """The latest year's value at which average growth equals ``rate`` (percent), others unchanged."""
    n = len(values) - 1
    if method == "mean_yoy":
        earlier = sum(b / a - 1 for a, b in zip(values[:-1], values[1:-1]))
        return values[-2] * (1 + n * rate / 100 - earlier)
    return values[0] * (1 + rate / 100) ** n


def growth_of(client: Client, settings: dict, key: str) -> Measurement:
    """Average annual growth of the indicator ``key`` over the client's years, by the rulebook's
    ``settings.growth_method`` (``cagr`` when unset): the one computation of growth."""
    method = settings.get("growth_method", "cagr")
    years, values, inputs, missing = _series(client, key)
    if missing:
        return Measurement(None, inputs, missing=missing)
    if len(values) < 2:
        return Measurement(None, inputs, missing=[f"{indicator_label(key)}：不足两个年度，无法计算增长率"])
    bad = [y for y, v in zip(years, values) if v <= 0]
    if bad:
        return Measurement(None, inputs, missing=[f"{y}年{indicator_label(key)}为0或负数，无法计算增长率" for y in bad])
    rate, formula = growth_rate(values, method)
    method_name = "复合年均增长率" if method == "cagr" else "逐年增长率平均"
    return Measurement(rate, inputs, f"{indicator_label(key)}{years[0]}–{years[-1]}年{method_name}：{formula}",
                       detail={"years": years, "values": values, "method": method, "key": key})


def cluster_output_growth(client: Client, settings: dict) -> Measurement:
    return growth_of(client, settings, "cluster_output")


def sme_rd_growth(client: Client, settings: dict) -> Measurement:
    return growth_of(client, settings, "sme_rd")


def _roster_span(client: Client) -> str | None:
    rows = [f.source for f in client.firms if f.source is not None]
    if not rows:
        return None
    first, last = rows[0], rows[-1]
    return f"{first.file} › {first.sheet} › {first.cell}:{last.cell}"


def _firm_count(client: Client, tiers: tuple[str, ...], *, leading_only: bool, label: str) -> Measurement:
    if not client.firms:
        return Measurement(None, missing=["intake.xlsx › 企业名单：未填写任何企业"])
    chosen: list[Firm] = [f for f in client.firms
                          if f.tiers & set(tiers) and (f.in_leading_industry or not leading_only)]
    inputs = [InputRef(f.name, "、".join(TIERS[t] for t in sorted(f.tiers & set(tiers))), _src(f.source))
              for f in chosen]
    if not chosen:
        inputs = [InputRef(f"企业名单共{len(client.firms)}家，其中{label}", 0, _roster_span(client))]
    scope = "主导产业中" if leading_only else "集群内"
    return Measurement(float(len(chosen)), inputs,
                       f"{scope}{label}：企业名单逐家计数 = {len(chosen)}家（同一企业多项称号计一次）")


def top_tier_firms(client: Client, settings: dict) -> Measurement:
    return _firm_count(client, ("champion", "little_giant"), leading_only=True,
                       label="制造业单项冠军或专精特新“小巨人”企业")


def quality_firms(client: Client, settings: dict) -> Measurement:
    return _firm_count(client, ("specialised", "innovative", "high_tech"), leading_only=False,
                       label="专精特新中小企业、创新型中小企业、国家级高新技术企业")


def platform_rate(client: Client, settings: dict) -> Measurement:
    y, x, ref, miss = _latest(client, "platform_rate")
    if miss:
        return Measurement(None, missing=[miss])
    return Measurement(x, [ref], f"{y}年工业互联网平台应用普及率 = {_n(x)}%", detail={"year": y})


def standards(client: Client, settings: dict) -> Measurement:
    years, values, inputs, missing = _series(client, "standards")
    if missing:
        return Measurement(None, inputs, missing=missing)
    total = sum(values)
    parts = " + ".join(f"{_n(v)}" for v in values)
    return Measurement(total, inputs, f"{years[0]}–{years[-1]}年主导或参与制修订标准数合计：{parts} = {_n(total)}项")


# The one table of measures: name, label (sentences), short label (charts), unit, computation.
MEASURES: dict[str, MeasureSpec] = {m.name: m for m in (
    MeasureSpec("area_km2", "集群面积", "集群面积", "km²", area_km2),
    MeasureSpec("cluster_output_min", "近三年集群工业总产值最低值", "集群工业总产值（三年最低）", "亿元",
                cluster_output_min),
    MeasureSpec("sme_output_share", "中小企业产值占比", "中小企业产值占比", "%", sme_output_share),
    MeasureSpec("leading_output_share", "主导产业产值占比", "主导产业产值占比", "%", leading_output_share),
    MeasureSpec("cluster_output_growth", "集群工业总产值年均增速", "集群产值年均增速", "%", cluster_output_growth),
    MeasureSpec("top_tier_firms", "主导产业内制造业单项冠军和专精特新“小巨人”企业数", "单项冠军/小巨人（主导产业）", "家",
                top_tier_firms),
    MeasureSpec("quality_firms", "专精特新中小企业、创新型中小企业和国家级高新技术企业数", "专精特新/创新型/高企", "家",
                quality_firms),
    MeasureSpec("sme_rd_growth", "中小企业研发经费支出年均增速", "中小企业研发经费年均增速", "%", sme_rd_growth),
    MeasureSpec("platform_rate", "工业互联网平台应用普及率", "工业互联网平台应用普及率", "%", platform_rate),
    MeasureSpec("standards", "主导或参与制修订标准数", "标准制修订", "项", standards),
)}


def measure_label(name: str | None, *, short: bool = False) -> str:
    """The label of a measure (``short``: the chart's), '' for a name that is not a measure."""
    spec = MEASURES.get(name or "")
    if spec is None:
        return ""
    return spec.short if short else spec.label


def measure(name: str, client: Client, settings: dict) -> Measurement:
    return MEASURES[name].compute(client, settings)


# ---------------------------------------------------------------------------------------------
# plan targets (the review's 规划目标完成情况)

def plan_actual(client: Client, target: PlanTarget, cell: str | None = None) -> tuple[float | None, str | None, str]:
    """The actual value of a plan target, where it came from, and a note: the 实际完成值 written in
    发展规划 (at ``cell``), else — for a target that tracks an indicator — the indicator's latest year."""
    if target.actual_value is not None:
        return float(target.actual_value), cell, ""
    if target.indicator and client.indicators.get(target.indicator):
        v = client.indicator(target.indicator, client.latest_year)
        x = _num(v)
        if x is not None:
            return x, _src(v.source), f"实际完成值未填写，取年度指标{client.latest_year}年数值。"
    return None, cell, ""


def plan_achievement(base, target, actual, higher_is_better: bool = True) -> tuple[float | None, bool | None]:
    """(achievement, met): the share of the planned change achieved, in percent (100 = the target), and
    whether the target is reached in its direction; (None, None) when a value is missing. A target equal
    to its base counts 100 when reached, else 0."""
    if base is None or target is None or actual is None:
        return None, None
    b, t, a = float(base), float(target), float(actual)
    met = a >= t - 1e-9 if higher_is_better else a <= t + 1e-9
    if abs(t - b) < 1e-12:
        return (100.0 if met else 0.0), met
    return (a - b) / (t - b) * 100, met


# ---------------------------------------------------------------------------------------------
# what it takes

def _up(x: float, digits: int = 2) -> float:
    """Round a needed increase up, so the stated change is enough."""
    f = 10 ** digits
    return math.ceil(x * f - 1e-6) / f


def what_it_takes(name: str, m: Measurement, operator: str, threshold: float, unit: str) -> str:
    """The smallest change that would pass ``value operator threshold``, in words ('' if it passes)."""
    if m.value is None or OPERATORS[operator](m.value, threshold):
        return ""
    strict = operator in (">", "<")
    more = "以上" if strict else ""
    if name == "cluster_output_min":
        parts = []
        for y, v in m.detail["by_year"].items():
            if not OPERATORS[operator](v, threshold):
                parts.append(f"{y}年集群工业总产值需再增加{fmt.yi(_up(threshold - v), 2)}{more}"
                             f"（{fmt.yi(v, 2)}→{fmt.yi(threshold, 2)}）")
        return "；".join(parts)
    if name in ("sme_output_share", "leading_output_share"):
        d = m.detail
        gap = threshold - m.value
        part_needed = threshold / 100 * d["total"] - d["part"]
        return (f"{d['part_label'].replace('产值', '')}产值占比需提高{fmt.points(_up(gap), 2)}{more}"
                f"（{d['year']}年{d['part_label']}需再增加{fmt.yi(_up(part_needed), 2)}{more}，集群工业总产值不变）")
    if name in ("cluster_output_growth", "sme_rd_growth"):
        d = m.detail
        needed = last_value_for_growth(d["values"], d["method"], threshold)
        last = d["values"][-1]
        label = indicator_label(d["key"])
        money = fmt.yi if d["key"] == "cluster_output" else fmt.wan
        digits = 2 if d["key"] == "cluster_output" else 0
        verb = "超过" if strict else "达到"
        return (f"{d['years'][-1]}年{label}需{verb}{money(_up(needed, digits), digits)}"
                f"（再增加{money(_up(needed - last, digits), digits)}{more}，其他年度不变），"
                f"年均增速方可{operator_word(operator)}{fmt.percent(threshold)}")
    if name == "platform_rate":
        return (f"工业互联网平台应用普及率需提高{fmt.points(_up(threshold - m.value), 2)}{more}"
                f"（{m.detail.get('year', '')}年达到{fmt.percent(threshold)}）")
    if name == "area_km2":
        return (f"集群面积需减少{fmt.number(_up(m.value - threshold), 2)}平方公里{more}（至{fmt.number(threshold)}平方公里以内），"
                f"或在申报材料中说明超出的理由")
    if name in ("top_tier_firms", "quality_firms"):
        need = math.floor(threshold + 1) if strict else math.ceil(threshold)
        short = int(need - m.value)
        what = "主导产业中的制造业单项冠军或专精特新“小巨人”企业" if name == "top_tier_firms" \
            else "专精特新中小企业、创新型中小企业或国家级高新技术企业"
        return f"还需{short}家{what}（现有{int(m.value)}家，需{int(need)}家）"
    if name == "standards":
        need = math.floor(threshold + 1) if strict else math.ceil(threshold)
        return f"还需主导或参与制修订{int(need - m.value)}项标准（现有{int(m.value)}项，需{int(need)}项）"
    gap = threshold - m.value
    return f"{measure_label(name)}需{'提高' if gap > 0 else '降低'}{fmt.with_unit(_up(abs(gap)), unit, 2)}{more}"


# ---------------------------------------------------------------------------------------------
# facts for evidence criteria

_LEVELS = ("国家级", "省级", "市级", "县级")


def _platforms(client: Client, kinds: tuple[str, ...], min_level: str | None = None):
    out = []
    for p in client.platforms:
        if p.kind not in kinds:
            continue
        if min_level and (p.level not in _LEVELS or _LEVELS.index(p.level) > _LEVELS.index(min_level)):
            continue
        out.append(p)
    return out


def _fact_basic(field_id: str):
    def check(client: Client) -> list[InputRef]:
        v = client.basic.get(field_id)
        if v is None or v.value in (None, ""):
            return []
        return [InputRef(field_id, v.value, _src(v.source))]
    return check


def _fact_platforms(kinds: tuple[str, ...], min_level: str | None = None):
    def check(client: Client) -> list[InputRef]:
        return [InputRef(p.name, f"{p.kind}（{p.level or '级别未填'}）", _src(p.source))
                for p in _platforms(client, kinds, min_level)]
    return check


def _fact_operating_body(client: Client) -> list[InputRef]:
    return _fact_basic("operating_body")(client) + _fact_platforms(("集群运营机构",))(client)


def _fact_plan(client: Client) -> list[InputRef]:
    return [InputRef(t.name, t.target_value, _src(t.source)) for t in client.plan]


# fact id → (Chinese label of what is needed, check returning the supporting inputs; [] = not met)
FACTS: dict[str, tuple[str, Callable[[Client], list[InputRef]]]] = {
    "brand": ("基本信息中填写集群品牌（区域品牌、集体商标或地理标志）", _fact_basic("brand")),
    "operating_body": ("集群运营机构（基本信息或平台机构表中的集群运营机构）", _fact_operating_body),
    "innovation_platform": ("平台机构表中至少1个创新平台", _fact_platforms(("创新平台",))),
    "cooperation_partner": ("平台机构表中至少1项产学研合作", _fact_platforms(("产学研合作",))),
    "public_service": ("平台机构表中至少1个中小企业公共服务机构", _fact_platforms(("公共服务机构",))),
    "public_service_municipal": ("平台机构表中至少1个市级及以上中小企业公共服务机构",
                                 _fact_platforms(("公共服务机构",), "市级")),
    "plan_targets": ("发展规划表中填写三年发展目标", _fact_plan),
}


def evidence_present(client: Client, kind: str) -> list[InputRef]:
    """The evidence items of ``kind`` that are provided (listed with a file that was not found missing)."""
    out = []
    for e in client.evidence:
        if kind in e.kinds and e.file and e.exists is not False:
            out.append(InputRef(e.title, e.file, _src(e.source)))
    return out


def evidence_listed_not_found(client: Client, kind: str) -> list[str]:
    """Items of ``kind`` listed in 佐证材料 whose file is blank or not found, with their cell."""
    out = []
    for e in client.evidence:
        if kind in e.kinds and (not e.file or e.exists is False):
            where = f"{e.source}" if e.source else "佐证材料"
            why = "未填写文件名" if not e.file else f"文件未找到：{e.file}"
            out.append(f"{where}「{e.title}」{why}")
    return out


_CELL = re.compile(r"^([A-Z]+)(\d+)$")


def row_cell(source: Source | None, column: str) -> str | None:
    """The cell in the same row as ``source`` but in ``column`` (e.g. A3 → H3), as a source string."""
    if source is None:
        return None
    m = _CELL.match(source.cell or "")
    if not m:
        return str(source)
    return str(Source(source.file, source.sheet, f"{column}{m.group(2)}"))
