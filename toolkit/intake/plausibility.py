"""Plausibility of a county's figures, cell by cell: the likely unit and typing errors.

A number can parse and still be wrong: 385000 typed in the 亿元 output row (38.5亿元 typed in 万元) is
385,000亿元 — more than a tenth of China's industrial output, for one county. These checks name such a
cell, say what it probably should be, and mark its ``Value`` so that no criterion it feeds reads 达标
silently (the assessment reads it as 数据有误):

* **beyond what any county produces** — a row's ``plausible_max`` in ``data/schema/intake.yaml`` (for
  output, 20,000亿元: more than the largest county's whole industrial output); certain (有误);
* **a ten-fold jump between years** — a year ten times (or a tenth of) the others, the usual sign of
  a unit typed wrong in one column; likely;
* **a share typed as a fraction** — 0.7 in a percent row that is not formatted as %, for 70%; likely;
* **a total smaller than its part** — 中小企业产值 or 主导产业产值 above 集群工业总产值, 中小企业数 above
  集群企业数 (both cells are marked: one of them is wrong); certain.

A likely finding is lifted when the row's 说明 says the figure was checked (核实无误, 已核实, 确认无误):
it stays a warning, the value is used. ``check`` finds, ``attach`` marks the values; the reader calls
both, and so do the rulebook cases (``tests/rulebook_cases``), on a model client.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from statistics import median

from toolkit.intake import schema
from toolkit.intake.model import Value

CONFIRMED_WORDS = ("核实无误", "已核实", "确认无误", "经核实", "已确认")

# part, whole, unit
PARTS = (("sme_output", "cluster_output", "亿元"), ("leading_output", "cluster_output", "亿元"),
         ("smes", "enterprises", "家"))
# parts that are not read by a criterion: a warning only
SOFT_PARTS = (("exports", "cluster_output", "亿元"),)


@dataclass(frozen=True)
class Finding:
    key: str  # indicator id
    year: int
    message: str
    fix: str
    certain: bool  # True: the value cannot be right (有误); False: likely wrong (疑似)
    confirmed: bool = False  # the row's 说明 says it was checked: kept as a warning, the value used


def _num(v: Value | None):
    if v is None or v.error or isinstance(v.value, bool) or not isinstance(v.value, (int, float)):
        return None
    return float(v.value)


def _fmt(x: float) -> str:
    if abs(x - round(x)) < 1e-9:
        return f"{int(round(x)):,}"
    return f"{x:,.4f}".rstrip("0").rstrip(".")


def _confirmed(note: str) -> bool:
    return any(w in (note or "") for w in CONFIRMED_WORDS)


def check(indicators: dict[str, dict[int, Value]], years: list[int], *,
          percent_formatted: frozenset = frozenset()) -> list[Finding]:
    """Every implausible cell of the 年度指标 sheet. ``percent_formatted``: (indicator, year) cells
    formatted as % in the workbook (0.7 there was already read as 70)."""
    rows = {r["id"]: r for r in schema.sheet("indicators")["rows"]}
    labels = {k: r["label"] for k, r in rows.items()}
    out: list[Finding] = []
    for key, spec in rows.items():
        series = {y: _num(indicators.get(key, {}).get(y)) for y in years}
        known = {y: x for y, x in series.items() if x is not None}
        note = next((v.note for v in indicators.get(key, {}).values() if v is not None and v.note), "")
        unit = spec.get("unit", "")
        limit = spec.get("plausible_max")
        over = set()
        if limit is not None:
            for y, x in known.items():
                if x > limit:
                    over.add(y)
                    guess = ""
                    if unit == "亿元":
                        guess = f"；若按万元填写，应为 {_fmt(x / 10000)}（亿元）"
                    elif unit == "万元":
                        guess = f"；若按元填写，应为 {_fmt(x / 10000)}（万元）"
                    out.append(Finding(key, y, f"{_fmt(x)}{unit}超过任何一个县（区）可能的{labels[key]}"
                                               f"（上限按{_fmt(limit)}{unit}），很可能单位填错",
                                       f"按{unit}填写{guess}", True))
        if spec["type"] == "percent":
            for y, x in known.items():
                if 0 < x < 1 and (key, y) not in percent_formatted:
                    out.append(Finding(key, y, f"百分比为{_fmt(x)}，很可能把{_fmt(x * 100)}%写成了{_fmt(x)}",
                                       f"填写百分数本身，如 {_fmt(x * 100)}；确为{_fmt(x)}%请在说明栏注明“核实无误”",
                                       False, _confirmed(note)))
        positive = {y: x for y, x in known.items() if x > 0 and y not in over}
        if spec["type"] == "number" and len(positive) >= 2:  # amounts (counts may well jump from 1 to 10)
            # a pair of years ten times apart: the year farther from the median is the odd one out
            # (of two years, or at equal distance, both are named)
            mid = median(positive.values())
            far = {y: abs(math.log(x / mid)) for y, x in positive.items()}
            flagged = set()
            for y, x in positive.items():
                for z, v in positive.items():
                    if z != y and max(x / v, v / x) >= 10 and far[y] >= far[z] - 1e-12:
                        flagged.add(y)
            for y in sorted(flagged):
                shown = "、".join(f"{z}年{_fmt(v)}" for z, v in positive.items() if z != y)
                out.append(Finding(key, y, f"与其他年度（{shown}）相差十倍以上，很可能单位填错（本行单位：{unit}）",
                                   f"核对该年数值，按{unit}填写；确无误请在说明栏注明“核实无误”", False,
                                   _confirmed(note)))
    for part, whole, unit, soft in [(*p, False) for p in PARTS] + [(*p, True) for p in SOFT_PARTS]:
        for y in years:
            pv, wv = _num(indicators.get(part, {}).get(y)), _num(indicators.get(whole, {}).get(y))
            if pv is not None and wv is not None and pv > wv:
                wcell = indicators[whole][y].source.cell if indicators[whole][y].source else ""
                msg = f"{labels[part]}高于同年{labels[whole]}（{_fmt(wv)}{unit}，{wcell}）：总数不能小于其中一部分"
                fix = f"核对两格：{labels[part]}不能超过{labels[whole]}；单位均为{unit}"
                out.append(Finding(part, y, msg, fix, not soft, confirmed=soft))
                if not soft:
                    out.append(Finding(whole, y, f"小于同年{labels[part]}（{_fmt(pv)}{unit}）：总数不能小于其中一部分",
                                       fix, True))
    return out


def attach(indicators: dict[str, dict[int, Value]], findings: list[Finding]) -> None:
    """Mark each finding's cell: ``doubt`` on its Value, so the criteria it feeds read 数据有误."""
    for f in findings:
        if f.confirmed:
            continue
        v = indicators.get(f.key, {}).get(f.year)
        if v is None or v.doubt:
            continue
        text = ("有误：" if f.certain else "疑似有误：") + f.message + (f"（{f.fix}）" if f.fix else "")
        indicators[f.key][f.year] = dataclasses.replace(v, doubt=text)
