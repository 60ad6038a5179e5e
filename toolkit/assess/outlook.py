"""What can change before a deadline, and what cannot: the earliest round a county can meet.

A gap is one of two kinds (``changeable``):

- **changeable before the deadline** — evidence, registrations of firms, platforms, standards,
  governance documents, narrative passages: a dated task with its owner at the county;
- **history** — a figure of a year already in the round's window: output, shares, growth, R&D growth,
  platform penetration (``HISTORY_MEASURES``). History is never a task: a county that misses such a
  criterion meets it by applying in a later round whose three-year window has moved on, never by
  restating figures (false declarations disqualify at once).

For the history criteria a client fails, ``earliest_round`` looks at the rounds from the next open one
on (ten at most) and asks, round by round, whether the window's figures would meet them:

- **on the county's own trend** — every indicator continues at its compound growth over the years the
  workbook gives (held flat where that cannot be computed);
- **on a stated scenario** — from the last year the workbook gives, output and the other amounts grow
  each year at one rate, the least that meets every history criterion of that window; a share or rate
  read in the window's last year is assumed raised to its threshold when that year is still open.

Each answer names the round, its window and the figure each year must reach; a year already over but
missing from the workbook is said to be decided by its statistics, not planned. Every verdict is the
assessment's own (``assess`` on the window's figures), never a second copy of the rules. A scenario
that needs more than ``MAX_RATE`` a year in every round of the ten says so instead of printing a year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from toolkit.assess.result import FAIL, PASS, Assessment
from toolkit.assess.schedule import window
from toolkit.core import formatting as fmt
from toolkit.intake.model import Client, Value

# Measures that read figures of the window's years: a shortfall there is history, not a task.
HISTORY_MEASURES = {"cluster_output_min", "sme_output_share", "leading_output_share", "cluster_output_growth",
                    "sme_rd_growth", "platform_rate"}
# Amounts that grow with the cluster (the scenario's growth applies to them).
AMOUNTS = ("cluster_output", "leading_output", "sme_output", "sme_rd", "exports")
# A share or rate read in the window's last year: measure → (indicator raised, the whole it is a share of).
LATEST_RATIOS = {"sme_output_share": ("sme_output", "cluster_output"),
                 "leading_output_share": ("leading_output", "cluster_output"),
                 "platform_rate": ("platform_rate", None)}
ROUNDS_AHEAD = 10
MAX_RATE = 0.5          # 50% a year: beyond that a scenario is not a plan
STEP = 0.0001           # the scenario's rate is found to 0.01 of a percentage point


def changeable(result) -> bool:
    """Whether a criterion's gap can be closed before a deadline (False: a past year's figure — a window
    year's indicator, or a plan target's actual value, which is the latest year's statistic)."""
    if getattr(result, "kind", "") == "plan":
        return False
    measures = {result.measure} | set(getattr(result, "measures", ()) or ())
    return not (measures & HISTORY_MEASURES)


def history_gaps(assessment: Assessment) -> list:
    """The criteria a client fails on figures of past years that a later round's window can meet (a plan
    target's completion is judged once, at the review: it has no later window)."""
    return [r for r in assessment.results if r.verdict == FAIL and not changeable(r) and r.kind != "plan"]


@dataclass
class YearFigure:
    year: int
    value: float
    known: bool      # from the workbook
    closed: bool     # the year is over (its figure is decided by its statistics)


@dataclass
class Path:
    """One way forward: the round it reaches and the figures it takes."""

    name: str                    # 近年趋势 or 达标所需增速
    rate: float | None           # percent a year (the trend's, or the scenario's)
    round_year: int | None       # the earliest round it meets, None when none within ROUNDS_AHEAD
    figures: dict[str, list[YearFigure]] = field(default_factory=dict)  # indicator → the window's years
    targets: list[str] = field(default_factory=list)   # shares or rates raised to their threshold

    @property
    def window(self) -> tuple[int, ...]:
        return window(self.round_year) if self.round_year else ()


@dataclass
class Outlook:
    criteria: list[str]                      # the history criteria it is about, e.g. ["1.2", "1.5"]
    labels: dict[str, str]                   # criterion id → short title
    first_round: int                         # the next open round
    trend: Path
    scenario: Path
    blocked: list[str] = field(default_factory=list)    # rounds no path can reach, and why
    assumptions: list[str] = field(default_factory=list)

    def sentences(self) -> list[str]:
        """The diagnosis in words: the earliest round, the figures, the assumptions."""
        ids = "、".join(self.criteria)
        out = []
        s = self.scenario
        if s.round_year:
            figures = _figures_text(s)
            targets = "需" + "；".join(s.targets) if s.targets else ""
            out.append(f"最早可于{s.round_year}年度申报（三年窗口{s.window[0]}—{s.window[-1]}年）满足{ids}："
                       + "；".join(x for x in (figures, targets) if x)
                       + (f"（按{_from_year(s)}年起每年增长{fmt.percent(s.rate, 2)}推算）" if _figures_text(s, bare=True) else ""))
        else:
            out.append(f"按每年增长不超过{fmt.percent(MAX_RATE * 100, 0)}推算，{self.first_round}—"
                       f"{self.first_round + ROUNDS_AHEAD - 1}年度的三年窗口均无法满足{ids}")
        t = self.trend
        rate = f"年均{'增长' if (t.rate or 0) >= 0 else '下降'}{fmt.percent(abs(t.rate or 0), 1)}"
        if t.round_year:
            out.append(f"按近年趋势（{rate}），最早为{t.round_year}年度：" + _figures_text(t))
        else:
            out.append(f"按近年趋势（{rate}），{self.first_round}—{self.first_round + ROUNDS_AHEAD - 1}年度均无法满足{ids}")
        out.extend(self.blocked[:2])
        return out

    def to_dict(self) -> dict:
        from dataclasses import asdict

        return {**asdict(self), "sentences": self.sentences()}


def _from_year(p: Path) -> int:
    years = [f.year for figs in p.figures.values() for f in figs if not f.known]
    return min(years) if years else (p.round_year or 0)


def _figures_text(p: Path, *, bare: bool = False) -> str:
    parts = []
    for key, figs in p.figures.items():
        label = _label(key)
        unit = _unit(key)
        need = [f for f in figs if not f.known]
        if not need:
            continue
        years = "、".join(f"{f.year}年{fmt.number(f.value, 1)}{unit}" + ("（已结束，以统计数据为准）" if f.closed else "")
                          for f in need)
        parts.append(f"需{label}{years}")
    if bare:
        return "；".join(parts)
    return "；".join(parts) or ("" if p.targets else "按已填报数据即可满足")


def _label(key: str) -> str:
    from toolkit.assess.measures import indicator_label

    return indicator_label(key)


def _unit(key: str) -> str:
    from toolkit.intake import schema

    return next((row.get("unit", "") for row in schema.sheet("indicators")["rows"] if row["id"] == key), "")


def _known(client: Client) -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    for key, by_year in client.indicators.items():
        for y, v in by_year.items():
            x = v.value
            if isinstance(x, (int, float)) and not isinstance(x, bool) and x == x:
                out.setdefault(key, {})[y] = float(x)
    return out


def _trend_rate(series: dict[int, float]) -> float:
    """Compound growth a year over the known years (0 where it cannot be computed)."""
    ys = sorted(series)
    if len(ys) < 2 or series[ys[0]] <= 0 or series[ys[-1]] <= 0:
        return 0.0
    return (series[ys[-1]] / series[ys[0]]) ** (1 / (ys[-1] - ys[0])) - 1


def _grow(series: dict[int, float], years, rate: float) -> dict[int, float]:
    """Known values kept; later years grown at ``rate`` from the last known one; earlier ones held.
    Grown values are kept to six decimals, as a figure would be typed: the assessment compares the
    values as typed, exactly, and 38.4 × 1.1 in binary (42.24000000000001) would read as more than 10%."""
    out = dict(series)
    if not series:
        return out
    last = max(series)
    for y in years:
        if y not in out:
            out[y] = round(series[last] * (1 + rate) ** (y - last), 6) if y > last else series[min(series)]
    return out


def _client_for(client: Client, years, values: dict[str, dict[int, float]]) -> Client:
    ind = {}
    for key, by_year in client.indicators.items():
        row = {}
        for y in years:
            if y in by_year and by_year[y].value is not None:
                row[y] = by_year[y]
            elif y in values.get(key, {}):
                row[y] = Value(values[key][y], None)
            else:
                row[y] = Value(None, None)
        ind[key] = row
    return replace(client, years=list(years), indicators=ind)


def _meets(client: Client, rulebook, ids: list[str]) -> bool:
    from toolkit.assess.assessment import verdicts

    found = verdicts(client, rulebook, ids)
    return all(found.get(i) == PASS for i in ids)


def _ratio_targets(assessment: Assessment, ids: list[str]) -> dict[str, tuple[str, str | None, float, str]]:
    """The failing share/rate criteria: id → (part, whole, the value needed in percent, its title)."""
    out = {}
    for r in assessment.results:
        if r.id in ids and r.measure in LATEST_RATIOS and r.threshold is not None:
            part, whole = LATEST_RATIOS[r.measure]
            need = float(r.threshold) + (0.01 if r.operator == ">" else 0.0)
            out[r.id] = (part, whole, need, r.title)
    return out


def _scenario_values(known, years, rate, ratios, last_year_open: bool):
    values = {k: _grow(s, years, rate if k in AMOUNTS else 0.0) for k, s in known.items()}
    targets = []
    y3 = years[-1]
    if last_year_open:
        for cid, (part, whole, need, title) in ratios.items():
            if whole is None:
                values.setdefault(part, {})[y3] = max(values.get(part, {}).get(y3, 0.0), need)
            else:
                w = values.get(whole, {}).get(y3)
                if w:
                    values.setdefault(part, {})[y3] = max(values.get(part, {}).get(y3, 0.0), w * need / 100)
            targets.append(f"{y3}年达到{fmt.percent(need, 2)}（{cid} {title}）")
    return values, targets


def earliest_round(client: Client, assessment: Assessment, rulebook, today: dt.date, first_round: int
                   ) -> Outlook | None:
    """The earliest round whose window the county can meet for the history criteria it fails, on its
    trend and on the stated scenario; None when it fails none."""
    gaps = history_gaps(assessment)
    if not gaps:
        return None
    ids = [r.id for r in gaps]
    labels = {r.id: r.title for r in gaps}
    known = _known(client)
    # the amounts whose yearly figures the diagnosis names (a share or rate is named as its target)
    keys = sorted({k for r in gaps if r.measure not in LATEST_RATIOS for k in _keys_of(r.measure)})
    ratio_keys = sorted({LATEST_RATIOS[r.measure][0] for r in gaps if r.measure in LATEST_RATIOS} - set(keys))
    ratios = _ratio_targets(assessment, ids)
    trend_rates = {k: _trend_rate(s) for k, s in known.items()}
    blocked: list[str] = []

    trend = Path("近年趋势", rate=round(trend_rates.get("cluster_output", 0.0) * 100, 2), round_year=None)
    scenario = Path("达标所需增速", rate=None, round_year=None)
    for year in range(first_round, first_round + ROUNDS_AHEAD):
        years = window(year)
        last_open = years[-1] >= today.year
        # on trend
        if trend.round_year is None:
            values = {k: _grow(s, years, trend_rates.get(k, 0.0)) for k, s in known.items()}
            if _meets(_client_for(client, years, values), rulebook, ids):
                trend.round_year = year
                trend.figures = _figures(values, known, keys + ratio_keys, years, today)
        # on the scenario
        if scenario.round_year is None:
            found = _least_rate(client, rulebook, ids, known, years, ratios, last_open)
            if found is None:
                reason = _why_blocked(gaps, known, years, today)
                if reason:
                    blocked.append(f"{year}年度（窗口{years[0]}—{years[-1]}年）：{reason}")
            else:
                rate, values, targets = found
                scenario.round_year = year
                scenario.rate = round(rate * 100, 2)
                scenario.figures = _figures(values, known, keys, years, today)
                scenario.targets = targets
        if trend.round_year and scenario.round_year:
            break
    assumptions = [
        "近年趋势：各指标按工作簿所填年度的复合年均增长率延续" + (
            f"（集群工业总产值年均{fmt.percent(trend_rates.get('cluster_output', 0) * 100, 1)}）"
            if "cluster_output" in trend_rates else ""),
        "达标所需增速：自工作簿最后一个年度起，产值等总量指标每年按同一增长率增长，取满足上述标准的最低增长率",
        "已结束年度的数据以统计部门数据为准，不能调整；本测算不构成对过往数据的任何修改建议",
    ]
    return Outlook(ids, labels, first_round, trend, scenario, blocked, assumptions)


def _keys_of(measure: str) -> tuple[str, ...]:
    return {"cluster_output_min": ("cluster_output",), "cluster_output_growth": ("cluster_output",),
            "sme_output_share": ("cluster_output", "sme_output"),
            "leading_output_share": ("cluster_output", "leading_output"),
            "sme_rd_growth": ("sme_rd",), "platform_rate": ("platform_rate",)}.get(measure, ())


def _figures(values, known, keys, years, today) -> dict[str, list[YearFigure]]:
    return {k: [YearFigure(y, round(values[k][y], 2), y in known.get(k, {}), y < today.year)
                for y in years if y in values.get(k, {})] for k in keys if k in values}


def _why_blocked(gaps, known, years, today) -> str:
    """Why no growth rate reaches a round: a figure of a closed year in its window fails a criterion."""
    closed = [y for y in years if y < today.year]
    for r in gaps:
        keys = _keys_of(r.measure)
        if r.measure in LATEST_RATIOS:
            part, whole = LATEST_RATIOS[r.measure]
            y = years[-1]
            if y in closed and y in known.get(part, {}) and (whole is None or y in known.get(whole, {})):
                return f"窗口最后一年{y}年已结束，{r.id} {r.title}按{y}年数据（{fmt.number(r.value, 1)}{r.unit}）不能改变"
        elif r.measure.endswith("_growth"):
            k = keys[0]
            if years[0] in closed and years[-1] in closed and all(y in known.get(k, {}) for y in (years[0], years[-1])):
                return f"窗口{years[0]}—{years[-1]}年均已结束，{_label(k)}的增速已成定局"
        else:
            k = keys[0]
            for y in years:
                if y in closed and y in known.get(k, {}) and r.threshold is not None and known[k][y] < float(r.threshold):
                    return f"窗口内{y}年已结束，{y}年{_label(k)}{fmt.number(known[k][y], 1)}{_unit(k)}不能改变"
    return f"所需年增长率超过{fmt.percent(MAX_RATE * 100, 0)}"


def _least_rate(client, rulebook, ids, known, years, ratios, last_open):
    """The least rate in [−30%, MAX_RATE] meeting every criterion of the window, by bisection (the
    criteria are monotone in the rate); None when even MAX_RATE does not."""
    def ok(rate):
        values, targets = _scenario_values(known, years, rate, ratios, last_open)
        return _meets(_client_for(client, years, values), rulebook, ids), values, targets

    hi_ok = ok(MAX_RATE)
    if not hi_ok[0]:
        return None
    lo, hi = -0.3, MAX_RATE
    best = hi_ok
    if ok(lo)[0]:
        values, targets = _scenario_values(known, years, 0.0, ratios, last_open)
        return 0.0, values, targets
    while hi - lo > STEP:
        mid = (lo + hi) / 2
        r = ok(mid)
        if r[0]:
            hi, best = mid, r
        else:
            lo = mid
    rate = max(hi, 0.0)
    return rate, best[1], best[2]
