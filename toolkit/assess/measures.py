"""Measures: the numbers a rulebook compares, computed from a ``Client`` with their provenance.

Each measure is a function ``(client, settings) -> Measurement``: the exact value
(``toolkit.assess.exact``: computed from the values as typed, never a binary float), the inputs it used
(each with its cell, file › sheet › cell), the formula written out with the numbers, the intermediate
values for the trace (计算过程), and — when an input is blank or wrong — the cells to fill or correct
instead of a value. ``what_it_takes`` turns a failed comparison into the smallest change that would
pass, in the criterion's unit.

A value may be known only within bounds: the lowest year's output when a year is blank but a known
year already fails; a firm count when some firms' titles are blank, two rows look like one firm, or
firms are known by count and not yet by name (declared counts, ``Client.tier_counts``). The assessment
decides on the bound that settles it, and says what is still needed when none does.

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
quality_firms                     专精特新中小企业（含“小巨人”）/ 创新型中小企业 / 国家级高新技术企业  家
sme_rd_growth                     average annual growth of 中小企业研发经费支出                  %
platform_rate                     工业互联网平台应用普及率, latest year                         %
standards                         主导或参与制修订标准数, sum of the three years                 项
================================  ==========================================================  ======

Growth methods (rulebook ``settings.growth_method``):

* ``cagr`` — compound annual growth over the span of the indicator years:
  ``(末年 ÷ 首年)^(1/(n−1)) − 1`` (n = 3 years → 2 growth periods); only the first and last years are read;
* ``mean_yoy`` — the mean of the year-on-year rates ``mean(v[i] ÷ v[i−1] − 1)``.

A 专精特新“小巨人” is counted as a 专精特新中小企业 for ``quality_firms``: MIIT selects 小巨人 from the
专精特新中小企业 (confidence M; every result that relies on it says so).

Facts (evidence criteria's ``facts``) are checks on the roster, platforms and basic information, each
with a Chinese label so a missing one can be named to the county (``check_fact``).

This module is the one owner of the rules every output quotes, so that none of them words or computes
them again: the measures' labels and units (``MEASURES``, ``measure_label``), how a comparison reads
(``operator_word``, ``standard_text``: 超过70%), growth (``growth_of``, ``growth_rate``, ``year_on_year``),
a plan target's actual value and achievement (``plan_actual``, ``plan_achievement``, exact in
``plan_progress``), and the exact comparison itself (``OPERATORS``, through ``toolkit.assess.exact``).

Over 500 lines: this is the one owner of what a measure is — its function, its label, unit and the
words of its comparison, and what it takes to pass it — kept in one table (``MEASURES``) with the
functions it names, so that no other module keeps a copy of a label or a formula.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable

from toolkit.assess import exact as ex
from toolkit.assess.result import MISSING_DATA, NEEDS_EVIDENCE, InputRef
from toolkit.core import formatting as fmt
from toolkit.intake import schema
from toolkit.intake.model import TIERS, Client, Firm, PlanTarget, Source, Value, firm_key

GROWTH_METHODS = {
    "cagr": "复合年均增长率（首末两年）：(末年 ÷ 首年)^(1/(n−1)) − 1",
    "mean_yoy": "逐年增长率的算术平均：mean(本年 ÷ 上年 − 1)",
}


def _op(sign: str) -> Callable[[Any, Any], bool]:
    return lambda v, t: ex.compare(v if isinstance(v, (Fraction, ex.Root)) else ex.exact(v), sign, t)


# The comparisons a rulebook may use; exact (no tolerance): 74.99999999999999 is not how 11.1 ÷ 14.8 is read.
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {s: _op(s) for s in (">=", ">", "<=", "<", "==")}
# How a comparison reads: the words of the criteria (近三年集群工业总产值年均增速超过10%) for documents,
# and the signs for a chart's compact labels. The one table: every output words a standard through
# ``operator_word`` / ``standard_text`` (or ``operator_sign`` on a chart).
OPERATOR_WORDS = {">=": "不低于", ">": "超过", "<=": "不超过", "<": "低于", "==": "等于"}
OPERATOR_SIGNS = ex.OPERATOR_SIGNS


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

LITTLE_GIANT_AS_SPECIALISED = ("专精特新“小巨人”企业计为专精特新中小企业（“小巨人”从专精特新中小企业中遴选；"
                               "口径可信度M，请以认定文件核实）")


@dataclass
class Measurement:
    value: float | None  # for display and the JSON: the exact value (or the bound that decides), as a float
    inputs: list[InputRef] = field(default_factory=list)
    formula: str = ""
    missing: list[str] = field(default_factory=list)  # missing inputs, by cell and label
    detail: dict[str, Any] = field(default_factory=dict)  # what ``what_it_takes`` needs (exact values)
    exact: Any = None  # Fraction or exact.Root: what comparisons use
    wrong: list[str] = field(default_factory=list)  # inputs that cannot be right or are implausible, by cell
    low: Fraction | None = None  # bounds, when the value is known only partly (exact is None)
    high: Fraction | None = None
    named: Fraction | None = None  # a firm count: the firms the roster names (low may rest on declared counts)
    declared: str = ""  # the low bound rests on counts declared without names: which, with their source
    undecided: str = ""  # what would settle a value known only within bounds
    undecided_verdict: str = MISSING_DATA
    steps: list[str] = field(default_factory=list)  # intermediate values, exact, for the trace
    notes: list[str] = field(default_factory=list)  # the inputs' 口径 notes; interpretations used
    gaps: list[dict] = field(default_factory=list)  # blank or wrong inputs, for the trace

    @property
    def bounded(self) -> bool:
        return self.exact is None and (self.low is not None or self.high is not None)


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


def _unit(key: str) -> str:
    return next((r["unit"] for r in schema.indicator_rows() if r["id"] == key), "")


def _src(source: Source | None) -> str | None:
    return str(source) if source is not None else None


def _num(v: Value) -> float | None:
    q = _exact_of(v)
    return None if q is None else float(q)


def _exact_of(v: Value) -> Fraction | None:
    if v.error:
        return None
    return ex.exact(v.value)


def _n(x, digits: int = 2) -> str:
    return fmt.number(float(x), digits)


def _eq(x) -> str:
    """'= 75' when the value is exact with few decimals, else '≈ 12.42' (the trace has the exact value)."""
    if isinstance(x, Fraction):
        text = ex.decimal_text(x)
        if not text.endswith("…") and len(text.split(".")[1] if "." in text else "") <= 4:
            return f"= {fmt.number(float(x), 4)}"
    return f"≈ {fmt.number(ex.shown(x, 2), 2)}"


class _Reading:
    """Collects a measure's inputs: filled ones with their cells, blank and wrong ones as gaps."""

    def __init__(self, client: Client):
        self.client = client
        self.inputs: list[InputRef] = []
        self.missing: list[str] = []
        self.wrong: list[str] = []
        self.notes: list[str] = []
        self.gaps: list[dict] = []

    def what(self, key: str, year: int | None) -> str:
        return f"{year}年{indicator_label(key)}" if year is not None else indicator_label(key)

    def where(self, v: Value, what: str) -> str:
        if v.source is not None:
            return f"{v.source}（{what}）"
        wb = self.client.workbook.name if self.client.workbook else "intake.xlsx"
        return f"{wb} › 年度指标（{what}）"

    def read(self, v: Value, what: str, *, note_key: str | None = None) -> Fraction | None:
        src = _src(v.source)
        if v.note and note_key is not None:
            self.note(note_key, v.note)
        if v.error:
            self.wrong.append(f"{self.where(v, what)}：{v.error}")
            self.gaps.append({"name": what, "value": "", "source": src, "status": f"有误：{v.error}"})
            return None
        q = ex.exact(v.value)
        if q is None:
            shown = "" if v.value in (None, "") else str(v.value)
            if shown:  # text where a number belongs: wrong, not blank
                self.wrong.append(f"{self.where(v, what)}：「{shown}」不是数字")
                self.gaps.append({"name": what, "value": shown, "source": src, "status": "有误：不是数字"})
            else:
                self.missing.append(f"{self.where(v, what)}未填写")
                self.gaps.append({"name": what, "value": "", "source": src, "status": "未填写"})
            return None
        if v.doubt:
            self.wrong.append(f"{self.where(v, what)}：{v.doubt}")
            self.gaps.append({"name": what, "value": ex.decimal_text(q), "source": src, "status": f"存疑：{v.doubt}"})
        self.inputs.append(InputRef(what, float(q), src))
        return q

    def note(self, key: str, text: str) -> None:
        from toolkit.intake.schema import basis_caution

        caution = basis_caution(key, text)
        line = f"{indicator_label(key)}填报说明：{text}" + (f"（{caution}）" if caution else "")
        if line not in self.notes:
            self.notes.append(line)

    def indicator(self, key: str, year: int) -> Fraction | None:
        return self.read(self.client.indicator(key, year), self.what(key, year), note_key=key)

    def shown_only(self, key: str, year: int) -> None:
        """A year the measure does not use (a CAGR's middle year): listed among the inputs when it is a
        clean number, so the yearly series stays whole, and never a gap or an error of this measure."""
        v = self.client.indicator(key, year)
        q = None if v.error or v.doubt else ex.exact(v.value)
        what = self.what(key, year)
        if q is not None:
            self.inputs.append(InputRef(what, float(q), _src(v.source)))
        else:  # in the trace (and the data's completeness), not in this verdict
            why = v.error or v.doubt or ("未填写" if v.value in (None, "") else "不是数字")
            self.gaps.append({"name": what, "value": "" if v.value is None else str(v.value), "source": _src(v.source),
                              "status": f"{'未填写' if why == '未填写' else '有误：' + why}（本项计算不使用）"})

    def measurement(self, exact=None, formula: str = "", *, shown: float | None = None, **kw) -> Measurement:
        """The Measurement of what was read: ``exact`` the value compared (None when not known exactly),
        ``shown`` the float to display when it differs (a bound)."""
        value = shown if shown is not None else (None if exact is None else float(exact))
        return Measurement(value, self.inputs, formula, self.missing, exact=exact, wrong=self.wrong,
                           notes=self.notes, gaps=self.gaps, **kw)


# ---------------------------------------------------------------------------------------------
# the measures

def area_km2(client: Client, settings: dict) -> Measurement:
    rd = _Reading(client)
    v = client.basic.get("area_km2", Value(None))
    if v.source is None and v.value is None:
        rd.missing.append("intake.xlsx › 基本信息（集群面积）未填写")
        rd.gaps.append({"name": "集群面积", "value": "", "source": None, "status": "未填写"})
        return rd.measurement()
    x = rd.read(v, "集群面积")
    if x is None:
        return rd.measurement()
    return rd.measurement(x, f"集群面积 = {_n(x)}平方公里", steps=[f"集群面积 = {ex.decimal_text(x)}平方公里"])


def cluster_output_min(client: Client, settings: dict) -> Measurement:
    rd = _Reading(client)
    known = {}
    for y in client.years:
        q = rd.indicator("cluster_output", y)
        if q is not None:
            known[y] = q
    if not known:
        return rd.measurement()
    low = min(known.values())
    parts = "、".join(f"{y}年{_n(v)}" for y, v in known.items())
    steps = [f"min({'、'.join(f'{y}年{ex.decimal_text(v)}' for y, v in known.items())}) = {ex.decimal_text(low)}亿元"]
    detail = {"by_year": dict(known)}
    if rd.missing:
        # the lowest year can only be lower than the known ones: a known year that fails settles it
        return rd.measurement(None, f"已填写年度最低：min({parts}) = {_n(low)}亿元（其余年度未填写）",
                              shown=float(low), high=low, steps=steps, detail=detail,
                              undecided="其余年度未填写，无法判断三年是否均达到阈值")
    return rd.measurement(low, f"min({parts}) = {_n(low)}亿元", steps=steps, detail=detail)


def _share(client: Client, part: str, label: str) -> Measurement:
    rd = _Reading(client)
    y = client.latest_year
    num = rd.indicator(part, y)
    den = rd.indicator("cluster_output", y)
    if num is None or den is None:
        return rd.measurement()
    if den <= 0:
        v = client.indicator("cluster_output", y)
        rd.wrong.append(f"{rd.where(v, f'{y}年集群工业总产值')}：为0，无法计算占比")
        return rd.measurement()
    share = num / den * 100
    return rd.measurement(share, f"{y}年{label} {_n(num)} ÷ 集群工业总产值 {_n(den)} × 100% {_eq(share)}%",
                          steps=[f"{ex.decimal_text(num)} ÷ {ex.decimal_text(den)} × 100% = {ex.decimal_text(share)}%"],
                          detail={"year": y, "part": num, "total": den, "part_label": label, "key": part})


def sme_output_share(client: Client, settings: dict) -> Measurement:
    return _share(client, "sme_output", "中小企业产值")


def leading_output_share(client: Client, settings: dict) -> Measurement:
    return _share(client, "leading_output", "主导产业产值")


def growth_rate(values: list, method: str) -> tuple[Any, str]:
    """Average annual growth in percent over ``values`` (one a year), exact — a Fraction, or an
    exact.Root for a CAGR without a rational root — and the formula with the numbers."""
    vals = [v if isinstance(v, Fraction) else ex.exact(v) for v in values]
    n = len(vals) - 1
    if method == "mean_yoy":
        rates = [(b / a - 1) * 100 for a, b in zip(vals, vals[1:])]
        mean = sum(rates) / n
        terms = " + ".join(f"({_n(b)} ÷ {_n(a)} − 1)" for a, b in zip(vals, vals[1:]))
        shown = " + ".join(f"{_n(r)}%" for r in rates)
        return mean, f"[{terms}] ÷ {n} = ({shown}) ÷ {n} {_eq(mean)}%"
    rate = ex.cagr(vals[0], vals[-1], n)
    return rate, f"({_n(vals[-1])} ÷ {_n(vals[0])})^(1/{n}) − 1 {_eq(rate)}%"


def last_value_for_growth(values: list, method: str, rate) -> Fraction:
    """The latest year's value at which average growth equals ``rate`` (percent), others unchanged (exact)."""
    vals = [v if isinstance(v, Fraction) else ex.exact(v) for v in values]
    r = rate if isinstance(rate, Fraction) else ex.exact(rate)
    n = len(vals) - 1
    if method == "mean_yoy":
        earlier = sum(b / a - 1 for a, b in zip(vals[:-1], vals[1:-1]))
        return vals[-2] * (1 + n * r / 100 - earlier)
    return vals[0] * (1 + r / 100) ** n


def year_on_year(previous, current) -> float | None:
    """Growth from one year to the next, in percent (computed exactly); None when it cannot be computed."""
    a, b = ex.exact(previous), ex.exact(current)
    if a is None or b is None or a <= 0:
        return None
    return float((b / a - 1) * 100)


def growth_of(client: Client, settings: dict, key: str) -> Measurement:
    """Average annual growth of the indicator ``key`` over the client's years, by the rulebook's
    ``settings.growth_method`` (``cagr`` when unset): the one computation of growth."""
    method = settings.get("growth_method", "cagr")
    rd = _Reading(client)
    years = list(client.years)
    if len(years) < 2:
        rd.missing.append(f"{indicator_label(key)}：不足两个年度，无法计算增长率")
        return rd.measurement()
    # a CAGR reads the first and last years only; the mean of yearly rates reads every year
    used = years if method == "mean_yoy" else [years[0], years[-1]]
    values = []
    for y in years:
        if y in used:
            values.append(rd.indicator(key, y))
        else:
            rd.shown_only(key, y)
    if any(v is None for v in values):
        return rd.measurement()
    bad = [y for y, v in zip(used, values) if v <= 0]
    if bad:
        for y in bad:
            rd.wrong.append(f"{rd.where(client.indicator(key, y), rd.what(key, y))}：为0或负数，无法计算增长率")
        return rd.measurement()
    periods = len(years) - 1
    first, last = values[0], values[-1]
    if method == "cagr":
        rate = ex.cagr(first, last, periods)
        formula = f"({_n(last)} ÷ {_n(first)})^(1/{periods}) − 1 {_eq(rate)}%"
        steps = [f"{ex.decimal_text(last)} ÷ {ex.decimal_text(first)} = {ex.decimal_text(last / first)}",
                 f"({ex.decimal_text(last / first)})^(1/{periods}) − 1 = {ex.decimal_text(rate)}%"
                 + ("（精确值）" if isinstance(rate, Fraction) else "（无理数，比较时精确判断）")]
    else:
        rate, formula = growth_rate(values, method)
        steps = [f"{y1}年较{y0}年增长 {ex.decimal_text((b / a - 1) * 100)}%"
                 for y0, y1, a, b in zip(used, used[1:], values, values[1:])]
        steps.append(f"平均 = {ex.decimal_text(rate)}%")
    method_name = "复合年均增长率" if method == "cagr" else "逐年增长率平均"
    return rd.measurement(rate, f"{indicator_label(key)}{years[0]}–{years[-1]}年{method_name}：{formula}", steps=steps,
                          detail={"years": years, "values": values, "first": first, "last": last,
                                  "periods": periods, "method": method, "key": key})


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


def _firm_tiers(f: Firm, tiers: tuple[str, ...], little_giant_counts: bool) -> set[str]:
    got = set(f.tiers) & set(tiers)
    if little_giant_counts and "little_giant" in f.tiers:
        got.add("specialised")
    return got


def _firm_count(client: Client, tiers: tuple[str, ...], *, leading_only: bool, label: str) -> Measurement:
    rd = _Reading(client)
    counts = [tc for tc in client.tier_counts if tc.tier in tiers or
              (tc.tier == "little_giant" and "specialised" in tiers)]
    if not client.firms and not counts:
        rd.missing.append("intake.xlsx › 企业名单：未填写任何企业（也未在“梯度企业数量”表填写已知数量）")
        rd.gaps.append({"name": "企业名单", "value": "", "source": None, "status": "未填写"})
        return rd.measurement()
    lg = "specialised" in tiers  # a 小巨人 is a 专精特新 firm
    pool = [f for f in client.firms if f.in_leading_industry or not leading_only]
    chosen = [f for f in pool if _firm_tiers(f, tiers, lg)]
    unknown = [f for f in pool if f.tiers_unknown]
    relied_on_lg = [f for f in chosen if lg and not (set(f.tiers) & set(tiers))]
    # near-duplicates: rows whose names differ only by company form, with different codes
    groups: dict[str, list[Firm]] = {}
    for f in chosen:
        groups.setdefault(firm_key(f.name) or f.name, []).append(f)
    named_high = len(chosen)
    named_low = len(groups)
    dups = [g for g in groups.values() if len(g) > 1]
    for f in chosen:
        shown = "、".join(TIERS[t] for t in sorted(_firm_tiers(f, tiers, lg)))
        rd.inputs.append(InputRef(f.name, shown, _src(f.source)))
    if not chosen:
        rd.inputs.append(InputRef(f"企业名单共{len(client.firms)}家，其中{label}", 0, _roster_span(client)))
    scope = "主导产业中" if leading_only else "集群内"
    steps = [f"企业名单中{scope}{label}：{named_high}家"]
    notes = []
    if relied_on_lg:
        notes.append(LITTLE_GIANT_AS_SPECIALISED)
        steps.append(f"其中{len(relied_on_lg)}家仅标为“小巨人”，计为专精特新中小企业（口径M）")
    dup_text = ""
    if dups:
        pairs = "；".join("与".join(f"{f.source.cell if f.source else ''}「{f.name}」" for f in g) for g in dups)
        dup_text = f"疑似同一企业（名称仅组织形式不同、信用代码不同）：{pairs}"
        steps.append(f"{dup_text}，至少按{named_low}家计")
    # declared counts (known by number, not yet by name)
    declared = []
    for tc in counts:
        n = tc.count
        if leading_only:
            if tc.leading is not None:
                n = tc.leading
        declared.append((tc, n))
    declared_low = max((n for _, n in declared), default=0)
    declared_sum = sum(n for _, n in declared)
    decl_text = ""
    if declared:
        decl_text = "；".join(
            f"{TIERS[tc.tier]}{n}家" + ("（未注明其中属于主导产业的数量，按全部计）" if leading_only and tc.leading is None else "")
            + (f"（来源：{tc.basis}，{tc.source.cell if tc.source else ''}）" if tc.basis else "")
            for tc, n in declared)
        steps.append(f"已知数量（未列名）：{decl_text}")
        rd.inputs.extend(InputRef(f"已知数量：{TIERS[tc.tier]}", n, _src(tc.source)) for tc, n in declared)
    rd.notes.extend(notes)
    formula = f"{scope}{label}：企业名单逐家计数 = {named_high}家（同一企业多项称号计一次）"
    if relied_on_lg:
        formula += "；“小巨人”计为专精特新中小企业"
    if not (unknown or dups or declared):
        return rd.measurement(Fraction(named_high), formula, steps=steps,
                              detail={"named": named_high})
    low = max(named_low, declared_low)
    high_open = bool(unknown)
    high = None if high_open else Fraction(named_high + declared_sum)
    reasons = []
    verdict = NEEDS_EVIDENCE
    if unknown:
        cells = "、".join(f.source.cell for f in unknown[:6] if f.source) + ("等" if len(unknown) > 6 else "")
        reasons.append(f"企业名单中{len(unknown)}家企业的称号栏全部空白（{cells}）：逐家填写“是/否”")
        verdict = MISSING_DATA
    if declared and declared_sum > declared_low:
        reasons.append("已知数量的各类称号可能重叠，需企业名单逐家核对")
        verdict = MISSING_DATA
    if dups:
        reasons.append(f"核实{dup_text}")
    if declared:
        formula += f"；已知数量（未列名）：{decl_text}"
    if dups:
        formula += f"；{dup_text}，至少按{named_low}家计"
    if unknown:
        formula += f"；另有{len(unknown)}家称号未填写"
    return rd.measurement(None, formula, shown=float(low), low=Fraction(low), high=high,
                          named=Fraction(named_low),
                          declared=decl_text if declared_low > named_low else "", undecided="；".join(reasons),
                          undecided_verdict=verdict, steps=steps, detail={"named": named_low})


def top_tier_firms(client: Client, settings: dict) -> Measurement:
    return _firm_count(client, ("champion", "little_giant"), leading_only=True,
                       label="制造业单项冠军或专精特新“小巨人”企业")


def quality_firms(client: Client, settings: dict) -> Measurement:
    return _firm_count(client, ("specialised", "innovative", "high_tech"), leading_only=False,
                       label="专精特新中小企业、创新型中小企业、国家级高新技术企业")


def platform_rate(client: Client, settings: dict) -> Measurement:
    rd = _Reading(client)
    y = client.latest_year
    x = rd.indicator("platform_rate", y)
    if x is None:
        return rd.measurement()
    return rd.measurement(x, f"{y}年工业互联网平台应用普及率 = {_n(x)}%", detail={"year": y},
                          steps=[f"{y}年工业互联网平台应用普及率 = {ex.decimal_text(x)}%"])


def standards(client: Client, settings: dict) -> Measurement:
    rd = _Reading(client)
    known = [q for y in client.years if (q := rd.indicator("standards", y)) is not None]
    total = sum(known, Fraction(0))
    parts = " + ".join(f"{_n(v)}" for v in known)
    years = client.years
    if rd.missing and not rd.wrong:
        # counts add up: the known years are a lower bound
        return rd.measurement(None, f"已填写年度主导或参与制修订标准数合计：{parts or 0} = {_n(total)}项（其余年度未填写）",
                              shown=float(total), low=total, steps=[f"已填写年度合计 = {total}项"],
                              undecided="其余年度未填写")
    if rd.missing or rd.wrong:
        return rd.measurement()
    return rd.measurement(total, f"{years[0]}–{years[-1]}年主导或参与制修订标准数合计：{parts} = {_n(total)}项",
                          steps=[f"{parts} = {total}项"])


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
    发展规划 (at ``cell``), else — for a target that tracks an indicator — the indicator's latest year
    (when that cell is a clean number: not wrong, not doubted)."""
    if ex.exact(target.actual_value) is not None:
        return float(ex.exact(target.actual_value)), cell, ""
    if target.indicator and client.indicators.get(target.indicator):
        v = client.indicator(target.indicator, client.latest_year)
        x = None if v.doubt else _num(v)
        if x is not None:
            return x, _src(v.source), f"实际完成值未填写，取年度指标{client.latest_year}年数值。"
    return None, cell, ""


def plan_progress(base, target, actual, higher_is_better: bool = True) -> tuple[Fraction | None, bool | None]:
    """(progress, met), exactly: the share of the planned change achieved, (实际 − 基期) ÷ (目标 − 基期) ×
    100 (100 = the target), and whether the target is reached in its direction; (None, None) when a
    value is missing. A target equal to its base counts 100 when reached, else 0."""
    b, t, a = ex.exact(base), ex.exact(target), ex.exact(actual)
    if b is None or t is None or a is None:
        return None, None
    met = a >= t if higher_is_better else a <= t
    if t == b:
        return Fraction(100 if met else 0), met
    return (a - b) / (t - b) * 100, met


def plan_achievement(base, target, actual, higher_is_better: bool = True) -> tuple[float | None, bool | None]:
    """``plan_progress`` as a float, for charts and sentences."""
    progress, met = plan_progress(base, target, actual, higher_is_better)
    return (None if progress is None else float(progress)), met


def plan_ratio(target, actual) -> Fraction | None:
    """实际 ÷ 目标 × 100, exactly — the figure an official computes beside the progress from the base."""
    t, a = ex.exact(target), ex.exact(actual)
    if t is None or a is None or t == 0:
        return None
    return a / t * 100


# ---------------------------------------------------------------------------------------------
# what it takes

def _amount(gap, strict: bool, digits: int = 2) -> Fraction:
    """The smallest amount at ``digits`` decimals that covers the shortfall ``gap`` (more than it at a
    strict bound): never 0, never '…以上'."""
    step = Fraction(1, 10 ** digits)
    return ex.smallest_step_passing(max(Fraction(0), ex.exact(gap) if not isinstance(gap, Fraction) else gap),
                                    step, strict)


def _level(needed: Fraction, strict: bool, digits: int = 2) -> Fraction:
    """The smallest value at ``digits`` decimals that passes a bound at ``needed`` (≥, or > if strict)."""
    step = Fraction(1, 10 ** digits)
    k = math.floor(needed / step) + 1 if strict else math.ceil(needed / step)
    return k * step


def what_it_takes(name: str, m: Measurement, operator: str, threshold, unit: str) -> str:
    """The smallest change that would pass ``value operator threshold``, in words ('' if it passes).
    Amounts are exact and stated at the precision the forms use: enough to pass, at a strict bound more
    than the gap (a county exactly on a 超过 line is told the smallest step above it, never '需再增加0')."""
    value = m.exact if m.exact is not None else (m.high if ex.higher_passes(operator) else m.low)
    if value is None:
        value = ex.exact(m.value)
    t = ex.exact(threshold)
    if value is None or ex.compare(value, operator, t):
        return ""
    strict = ex.strict(operator)
    on_line = ex.cmp(value, t) == 0
    on = f"现为恰好{fmt.with_unit(float(t), unit, 2)}，须{operator_word(operator)}；" if on_line else ""
    line = f"（{on[:-1]}）" if on_line else ""
    if name == "cluster_output_min":
        parts = []
        for y, v in m.detail["by_year"].items():
            if not ex.compare(v, operator, t):
                parts.append(f"{y}年集群工业总产值需再增加{fmt.yi(_amount(t - v, strict), 2)}"
                             f"（{fmt.yi(float(v), 2)}→{fmt.yi(float(_level(t, strict)), 2)}）")
        text = "；".join(parts)
        if m.missing:
            text += "；另需补填：" + "；".join(m.missing)
        return text
    if name in ("sme_output_share", "leading_output_share"):
        d = m.detail
        gap = t - value
        part_needed = t / 100 * d["total"] - d["part"]
        return (f"{d['part_label'].replace('产值', '')}产值占比需提高{fmt.points(float(_amount(gap, strict)), 2)}"
                f"（{on}{d['year']}年{d['part_label']}需再增加{fmt.yi(float(_amount(part_needed, strict)), 2)}，集群工业总产值不变）")
    if name in ("cluster_output_growth", "sme_rd_growth"):
        d = m.detail
        needed = last_value_for_growth(d["values"], "mean_yoy", t) if d["method"] == "mean_yoy" \
            else d["first"] * (1 + t / 100) ** d["periods"]
        last = d["last"]
        label = indicator_label(d["key"])
        money = fmt.yi if d["key"] == "cluster_output" else fmt.wan
        digits = 2 if d["key"] == "cluster_output" else 0
        add = _amount(needed - last, strict, digits)
        level = _level(needed, strict, digits)  # the forms' precision: enough to pass, never a raw decimal
        now = f"现恰好年均{fmt.percent(float(t))}，须{operator_word(operator)}；" if ex.cmp(needed, last) == 0 else ""
        return (f"{d['years'][-1]}年{label}需达到{money(float(level), digits)}"
                f"（{now}再增加{money(float(add), digits)}即可，其他年度不变），"
                f"年均增速方可{operator_word(operator)}{fmt.percent(float(t))}")
    if name == "platform_rate":
        return (f"工业互联网平台应用普及率需提高{fmt.points(float(_amount(t - value, strict)), 2)}"
                f"（{on}{m.detail.get('year', '')}年{'超过' if strict else '达到'}{fmt.percent(float(t))}）")
    if name == "area_km2":
        return (f"集群面积需减少{fmt.number(float(_amount(value - t, strict)), 2)}平方公里"
                f"（至{fmt.number(float(t))}平方公里{'以下' if strict else '以内'}），或在申报材料中说明超出的理由")
    if name in ("top_tier_firms", "quality_firms"):
        need = math.floor(t) + 1 if strict else math.ceil(t)
        have = int(value)
        what = "主导产业中的制造业单项冠军或专精特新“小巨人”企业" if name == "top_tier_firms" \
            else "专精特新中小企业、创新型中小企业或国家级高新技术企业"
        return f"还需{need - have}家{what}（现有{have}家，需{need}家）"
    if name == "standards":
        need = math.floor(t) + 1 if strict else math.ceil(t)
        return f"还需主导或参与制修订{need - int(value)}项标准（现有{int(value)}项，需{need}项）"
    gap = t - value if ex.higher_passes(operator) else value - t
    verb = "提高" if ex.higher_passes(operator) else "降低"
    return f"{measure_label(name)}需{verb}{fmt.with_unit(float(_amount(gap, strict)), unit, 2)}{line}"


# ---------------------------------------------------------------------------------------------
# facts for evidence criteria

_LEVELS = ("国家级", "省级", "市级", "县级")


@dataclass
class FactOutcome:
    """A fact's state: ``met`` (with the inputs that show it), ``absent`` (not shown yet: 待补证),
    ``unmet`` (the data says it is not so: 未达标) or ``missing`` (the field is blank: 数据缺失)."""

    state: str
    inputs: list[InputRef] = field(default_factory=list)
    why: str = ""


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


# An applicant that is an industry association or a cluster operator, and one that is a government
# department (上海: the applicant is the former, not the district's authority).
_ASSOCIATION_WORDS = ("协会", "商会", "联合会", "促进会", "产业联盟", "促进中心", "运营")
_GOVERNMENT_WORDS = ("局", "委员会", "人民政府", "政府", "办公室", "管理处", "办事处")


def _plain(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or "")))


def _fact_applicant_is_operator(client: Client) -> FactOutcome:
    v = client.basic.get("applicant") or Value(None)
    where = str(v.source) if v.source else "intake.xlsx › 基本信息"
    name = fmt.text_of(v.value)
    if not name:
        return FactOutcome("missing", why=f"{where}（申报单位）未填写")
    ref = InputRef("申报单位", name, _src(v.source))
    operators = [fmt.text_of(client.get("operating_body"))] + [p.name for p in _platforms(client, ("集群运营机构",))]
    if any(o and _plain(o) == _plain(name) for o in operators):
        return FactOutcome("met", [ref], "申报单位即集群运营机构")
    if any(w in name for w in _ASSOCIATION_WORDS):
        return FactOutcome("met", [ref], "申报单位为行业协会或集群运营机构")
    if any(w in name for w in _GOVERNMENT_WORDS) and "管理委员会" not in name and "管委会" not in name:
        return FactOutcome("unmet", [ref], f"{where}（申报单位）为“{name}”，是政府部门，"
                                            f"须由行业协会或集群运营机构申报")
    return FactOutcome("absent", [ref], f"核实申报单位“{name}”（{where}）是否为行业协会或集群运营机构，并提供其设立文件")


# fact id → (Chinese label of what is needed, check: a list of supporting inputs ([] = not shown) or a FactOutcome)
FACTS: dict[str, tuple[str, Callable[[Client], Any]]] = {
    "brand": ("基本信息中填写集群品牌（区域品牌、集体商标或地理标志）", _fact_basic("brand")),
    "operating_body": ("集群运营机构（基本信息或平台机构表中的集群运营机构）", _fact_operating_body),
    "innovation_platform": ("平台机构表中至少1个创新平台", _fact_platforms(("创新平台",))),
    "cooperation_partner": ("平台机构表中至少1项产学研合作", _fact_platforms(("产学研合作",))),
    "public_service": ("平台机构表中至少1个中小企业公共服务机构", _fact_platforms(("公共服务机构",))),
    "public_service_municipal": ("平台机构表中至少1个市级及以上中小企业公共服务机构",
                                 _fact_platforms(("公共服务机构",), "市级")),
    "plan_targets": ("发展规划表中填写三年发展目标", _fact_plan),
    "applicant_is_operator": ("申报单位为行业协会或集群运营机构（基本信息 › 申报单位）", _fact_applicant_is_operator),
}


def check_fact(client: Client, fact: str) -> FactOutcome:
    """The one reading of a fact: met, absent (待补证), unmet (未达标) or missing (数据缺失)."""
    label, check = FACTS[fact]
    got = check(client)
    if isinstance(got, FactOutcome):
        return got
    return FactOutcome("met", list(got)) if got else FactOutcome("absent", why=label)


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
