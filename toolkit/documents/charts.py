"""Briefing charts: where a client stands, at a glance, in one house style.

``draw_client_charts(client, assessment, out_dir)`` draws, for one client:

- ``dimensions``  01_维度达标情况     — readiness by dimension (the eight dimensions, ranked bars);
- ``criteria``    02_量化指标对照阈值 — every quantitative criterion against its threshold (normalised,
  threshold = 100%, pass/fail colour, unverified thresholds dashed and labelled 阈值待核实);
- ``output``      03_集群产值与增长路径 — cluster output over the years, the output threshold (read from
  the assessment's ``cluster_output_min`` criterion) and the path the growth rule requires;
- ``tiers``       04_优质企业梯度     — 单项冠军 / 小巨人 / 专精特新 / 创新型 / 高企, in and outside the
  leading industry;
- ``plan``        05_规划目标完成情况 — review clients only: plan targets against actuals (achievement %).

``draw_quota_chart(decision, out_dir)`` draws a recommender's candidates in the order and with the
decision the province made (``toolkit.province.decision``): each bar says its 推荐意见, and the quota
line falls after the last candidate that takes a place (``quota``, 推荐名额_<推荐单位>). The chart decides
nothing: it shows the decision it is given.

Each chart is drawn once per format it is written in: by default PNG (200 dpi) and SVG side by side
(``FOR_PRINT``); the package asks for ``FOR_MEMO``, the one PNG the memo shows, at the resolution it
prints at (150 dpi on a 183 mm figure placed 140 mm wide: about 196 dpi on paper). The functions
return name → PNG path.
Missing data never crashes a chart and never shows as zero: the bar is hatched and labelled 数据缺失.
Figures are ``matplotlib.figure.Figure`` objects (not pyplot), so nothing is left open in a notebook.

Over 500 lines: every chart of the toolkit shares one house style (colours, fonts, the hatched 数据缺失
bar, sizes that fit an A4 column), defined once at the top of this module.
"""

from __future__ import annotations

import math
import textwrap
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import matplotlib
from matplotlib.backends import backend_svg  # noqa: F401  (imported here, not during the first save)
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from toolkit.core import fonts
from toolkit.core.atomic import atomic_path, make_dirs
from toolkit.core.formatting import number, percent, with_unit, yi
from toolkit.intake.model import TIERS
from toolkit.core.naming import safe_name
from toolkit.assess.measures import measure_label, operator_sign, plan_achievement, plan_actual
from toolkit.assess.rulebook import title_of
from toolkit.assess.result import (
    DIMENSION_NAMES, ELIGIBLE, FAIL, INCOMPLETE, MISSING_DATA, NEEDS_EVIDENCE, NOT_ELIGIBLE, PASS, UNVERIFIED_NOTE, VETO,
)

# --- house style ------------------------------------------------------------------------------
DPI = 200
MEMO_DPI = 150  # the memo places a chart 140 mm wide: 1080 px over 140 mm ≈ 196 dpi on paper
WIDTH_IN = 7.2  # 183 mm: fits an A4 text column at 150–160 mm without resampling artefacts


@dataclass(frozen=True)
class Output:
    """What a chart is written as: the formats (each drawn once) and the PNG's resolution."""

    formats: tuple[str, ...] = ("png", "svg")
    dpi: int = DPI


FOR_PRINT = Output(("png", "svg"), DPI)  # ``clusterkit brief``: print quality, and SVG for slides
FOR_MEMO = Output(("png",), MEMO_DPI)  # a package: the PNG the memo and the notebook show
_output: ContextVar[Output] = ContextVar("chart_output", default=FOR_PRINT)

VERDICT_COLOURS = {
    PASS: "#2E7D32",            # green
    FAIL: "#C62828",            # red
    NEEDS_EVIDENCE: "#E08E0B",  # amber
    MISSING_DATA: "#9E9E9E",    # grey (drawn hatched, never filled)
    VETO: "#6A1B9A",            # purple
}
OVERALL_COLOURS = {ELIGIBLE: "#2E7D32", INCOMPLETE: "#E08E0B", NOT_ELIGIBLE: "#C62828"}
NAVY = "#1F4E79"
LIGHT = "#9DB9D5"
INK = "#333333"
UNVERIFIED_COLOUR = "#E08E0B"
MISSING_LABEL = "数据缺失"

STYLE = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#888888",
    "axes.titlesize": 12,
    "axes.titleweight": "normal",  # the shipped Noto CJK files are Regular only
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "font.size": 9,
    "hatch.color": "#9E9E9E",
    "hatch.linewidth": 0.8,
    "svg.fonttype": "none",  # text stays text: small, searchable files; viewers need a CJK font
    "savefig.facecolor": "white",
    "text.parse_math": False,  # a "$" in a client's text is text
    # Noto CJK covers Latin and digits too; a single family avoids matplotlib's per-text font
    # fallback chain, which roughly doubles text layout time (measured: 1.1 s → 0.7 s per client).
    "font.family": "sans-serif",
    "font.sans-serif": [fonts.SANS_FAMILY],
}

FILES = {
    "dimensions": "01_维度达标情况",
    "criteria": "02_量化指标对照阈值",
    "output": "03_集群产值与增长路径",
    "tiers": "04_优质企业梯度",
    "plan": "05_规划目标完成情况",
    "outlook": "06_最早可申报年度",
}
TIER_ORDER = ["champion", "little_giant", "specialised", "innovative", "high_tech"]

_ready = False


def _setup() -> None:
    """The project's CJK fonts, registered and loaded once per process (on import of this module, so
    that the first chart does not pay for reading the 16 MB font file)."""
    global _ready
    if not _ready:
        from matplotlib import font_manager

        fonts.use_in_matplotlib()
        font_manager.get_font(font_manager.findfont(font_manager.FontProperties(family=fonts.SANS_FAMILY)))
        _ready = True


def _figure(height_in: float):
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=_output.get().dpi)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, out_dir: Path, stem: str) -> Path:
    """Write ``fig`` in the formats asked for (``Output``); the PNG's path is returned either way."""
    make_dirs(out_dir)
    output = _output.get()
    png = out_dir / f"{stem}.png"
    if "png" in output.formats:
        with atomic_path(png) as tmp:
            # PNG compression level 1: files ~30% larger than the default 6, encoding several times faster
            fig.savefig(tmp, dpi=output.dpi, format="png", pil_kwargs={"compress_level": 1})
    if "svg" in output.formats:
        with atomic_path(out_dir / f"{stem}.svg") as tmp:
            fig.savefig(tmp, format="svg")
    return png


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


class _Bars:
    """A chart's solid bars, drawn by one ``barh``/``bar`` call (one container, however many rows):
    a bar call per row cost more than the bars themselves."""

    def __init__(self):
        self.rows: list[tuple] = []

    def add(self, y, width, *, height, color, left=0.0) -> None:
        self.rows.append((y, width, height, color, left))

    def draw_h(self, ax) -> None:
        if self.rows:
            ys, ws, hs, cs, ls = zip(*self.rows)
            ax.barh(list(ys), list(ws), height=list(hs), color=list(cs), left=list(ls))

    def draw_v(self, ax) -> None:
        if self.rows:
            xs, hs, ws, cs, bs = zip(*self.rows)
            ax.bar(list(xs), list(hs), width=list(ws), color=list(cs), bottom=list(bs))


class _Ticks:
    """Short vertical marks at a threshold, one per row, drawn as one collection."""

    def __init__(self):
        self.rows: list[tuple] = []

    def add(self, x, y0, y1, *, color, ls, lw) -> None:
        self.rows.append((x, y0, y1, color, ls, lw))

    def draw(self, ax) -> None:
        if self.rows:
            xs, y0, y1, cs, ls, lw = zip(*self.rows)
            ax.vlines(list(xs), list(y0), list(y1), colors=list(cs), linestyles=list(ls), linewidths=list(lw),
                      capstyle="projecting")


def _missing_bar_h(ax, y, width, height=0.62, label=MISSING_LABEL, x0=0.0):
    ax.barh(y, width, left=x0, height=height, fill=False, hatch="///", edgecolor=VERDICT_COLOURS[MISSING_DATA],
            linewidth=0.8)
    ax.text(x0 + width / 2, y, label, ha="center", va="center", fontsize=8, color="#555555",
            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))


def _missing_bar_v(ax, x, height, width=0.6, label=MISSING_LABEL):
    ax.bar(x, height, width=width, fill=False, hatch="///", edgecolor=VERDICT_COLOURS[MISSING_DATA], linewidth=0.8)
    ax.text(x, height / 2, label, ha="center", va="center", fontsize=8, color="#555555",
            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _is_num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _by_measure(assessment, measure: str):
    for r in getattr(assessment, "results", []) or []:
        if r.measure == measure:
            return r
    return None


def _subtitle(fig, text: str) -> None:
    fig.text(0.01, 0.012, text, ha="left", va="bottom", fontsize=7, color="#777777")


# What a colour means, in the legend: 待补证 is a figure or fact that meets the standard whose proof is
# not yet in the evidence list.
VERDICT_MEANINGS = {PASS: PASS, FAIL: FAIL, NEEDS_EVIDENCE: "待补证（数据达标，佐证材料待补）",
                    MISSING_DATA: MISSING_LABEL, VETO: "一票否决"}


def _verdict_legend(fig, verdicts) -> None:
    """A legend of the verdict colours a chart uses, 待补证 explained."""
    from matplotlib.patches import Patch

    handles = [Patch(fill=False, hatch="///", edgecolor=VERDICT_COLOURS[v], label=VERDICT_MEANINGS[v])
               if v == MISSING_DATA else Patch(color=VERDICT_COLOURS[v], label=VERDICT_MEANINGS[v])
               for v in VERDICT_MEANINGS if v in verdicts]
    if handles:
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.56, 0.035), fontsize=7)


# --- 1. readiness by dimension ----------------------------------------------------------------
def chart_dimensions(client, assessment, out_dir: Path) -> Path:
    dims = {d.dimension: d for d in assessment.dimensions if 1 <= d.dimension <= 8}
    rows = []
    for n in range(1, 9):
        d = dims.get(n)
        rows.append((n, d))
    # ranked: lowest score at the bottom; missing dimensions last
    rows.sort(key=lambda t: (t[1] is None, -(t[1].score if t[1] else 0), t[0]))
    rows.reverse()
    fig = _figure(4.1)
    ax = fig.add_axes([0.33, 0.21, 0.47, 0.68])
    labels = []
    bars = _Bars()
    for y, (n, d) in enumerate(rows):
        name = d.name if d else DIMENSION_NAMES.get(n, f"维度{n}")
        labels.append(f"{n}. {name}")
        if d is None:
            _missing_bar_h(ax, y, 100)
            continue
        colour = VERDICT_COLOURS.get(d.verdict, NAVY)
        bars.add(y, max(d.score, 0.8), height=0.62, color=colour)
        ax.text(min(d.score, 100) + 1.5, y, f"{number(d.score, 0)}分 {d.verdict} {d.passed}/{d.total}",
                va="center", fontsize=7.5, color=INK, clip_on=False)
    bars.draw_h(ax)
    ax.set_yticks(range(len(rows)), labels)
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlabel("维度准备度（0–100分）")
    _verdict_legend(fig, {d.verdict for _, d in rows if d is not None})
    veto = [r for r in assessment.results if r.verdict == VETO]
    title = f"八个维度达标情况（综合准备度 {number(assessment.readiness, 0)}分，{assessment.overall}）"
    ax.set_title(title, x=-0.5, ha="left")
    if veto:
        fig.text(0.01, 0.02, "负面清单：存在一票否决事项", color=VERDICT_COLOURS[VETO], fontsize=8)
    _subtitle(fig, f"{assessment.cluster_name} · {title_of(assessment.rulebook)}")
    return _save(fig, out_dir, FILES["dimensions"])


# --- 2. every quantitative criterion against its threshold ------------------------------------
XMAX = 200.0


def _ratio(value: float, threshold: float) -> float:
    if threshold == 0:
        return 100.0 + max(min(value, 100.0), -100.0)
    return value / threshold * 100.0


def chart_criteria(client, assessment, out_dir: Path) -> Path:
    rows = [r for r in assessment.results if r.kind == "quantitative"]
    n = max(len(rows), 1)
    fig = _figure(max(2.6, 0.42 * n + 1.3))
    ax = fig.add_axes([0.30, 0.9 / (0.42 * n + 1.3), 0.45, 1 - 1.25 / (0.42 * n + 1.3)])
    labels = []
    any_unverified = False
    bars, marks = _Bars(), _Ticks()
    for y, r in enumerate(reversed(rows)):
        short = measure_label(r.measure, short=True) or (r.title if len(r.title) <= 14 else r.title[:13] + "…")
        labels.append(f"{r.id} {short}" if len(short) <= 16 else _wrap(f"{r.id} {short}", 17))
        unverified = not r.verified
        any_unverified |= unverified
        op = operator_sign(r.operator)
        th_text = with_unit(r.threshold, r.unit) if _is_num(r.threshold) else "无阈值"
        if not _is_num(r.value) or not _is_num(r.threshold):
            _missing_bar_h(ax, y, 100, label=MISSING_LABEL if not _is_num(r.value) else "阈值缺失")
            note = f"{MISSING_LABEL}（{op}{th_text}）"
        else:
            x = _ratio(float(r.value), float(r.threshold))
            shown = min(max(x, 0.0), XMAX)
            colour = VERDICT_COLOURS.get(r.verdict, NAVY)
            bars.add(y, max(shown, 0.6), height=0.62, color=colour)
            if x > XMAX:
                ax.plot([XMAX], [y], marker=">", color=colour, markersize=6, clip_on=False)
            note = f"{with_unit(r.value, r.unit)}（{op}{th_text}）"
        ls = (0, (3, 2)) if unverified else "-"
        marks.add(100, y - 0.42, y + 0.42, color=UNVERIFIED_COLOUR if unverified else INK, lw=1.6, ls=ls)
        if unverified:
            note += f" {UNVERIFIED_NOTE}"
        ax.text(XMAX + 4, y, note, va="center", fontsize=7.5, clip_on=False,
                color=UNVERIFIED_COLOUR if unverified else INK)
    bars.draw_h(ax)
    marks.draw(ax)
    if not rows:
        ax.text(100, 0, "本规则无量化指标", ha="center", va="center")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(-0.6, max(len(rows), 1) - 0.4)
    ax.set_xlim(0, XMAX)
    ax.set_xticks([0, 50, 100, 150, 200], ["0", "50%", "阈值", "150%", "≥200%"])
    ax.set_xlabel("实际值 ÷ 阈值（“≤”类指标越短越好）")
    ax.set_title("量化指标对照阈值", x=-0.42, ha="left")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(color=VERDICT_COLOURS[PASS], label=PASS), Patch(color=VERDICT_COLOURS[FAIL], label=FAIL)]
    if any(r.verdict == NEEDS_EVIDENCE for r in rows):
        handles.append(Patch(color=VERDICT_COLOURS[NEEDS_EVIDENCE], label=VERDICT_MEANINGS[NEEDS_EVIDENCE]))
    handles += [Patch(fill=False, hatch="///", edgecolor=VERDICT_COLOURS[MISSING_DATA], label=MISSING_LABEL),
                Line2D([], [], color=INK, lw=1.6, label="阈值")]
    if any_unverified:
        handles.append(Line2D([], [], color=UNVERIFIED_COLOUR, lw=1.6, ls=(0, (3, 2)), label=f"{UNVERIFIED_NOTE}"))
    fig.legend(handles=handles, loc="upper right", ncol=len(handles), bbox_to_anchor=(0.99, 0.995))
    _subtitle(fig, f"{assessment.cluster_name} · {title_of(assessment.rulebook)}")
    return _save(fig, out_dir, FILES["criteria"])


# --- 3. cluster output, the output line and the growth path -----------------------------------
def chart_output(client, assessment, out_dir: Path) -> Path:
    years = list(client.years)
    series = client.series("cluster_output") if years else {}
    values = [series.get(y) for y in years]
    known = [v for v in values if _is_num(v)]
    out_rule = _by_measure(assessment, "cluster_output_min")
    growth_rule = _by_measure(assessment, "cluster_output_growth")
    threshold = out_rule.threshold if out_rule is not None and _is_num(out_rule.threshold) else None
    top = max(known + ([threshold] if threshold else []) + [1.0])
    fig = _figure(3.4)
    ax = fig.add_axes([0.1, 0.13, 0.62, 0.74])
    xs = list(range(len(years)))
    for x, v in zip(xs, values):
        if _is_num(v):
            passed = threshold is None or v >= threshold
            ax.bar(x, v, width=0.6, color=NAVY if passed else VERDICT_COLOURS[FAIL])
            ax.text(x, v - top * 0.02, yi(v), ha="center", va="top", fontsize=8.5, color="white")
        else:
            _missing_bar_v(ax, x, (threshold or (sum(known) / len(known) if known else top)) * 0.9)
    notes = []
    if threshold is not None:
        unverified = not out_rule.verified
        ax.axhline(threshold, color=UNVERIFIED_COLOUR if unverified else INK, lw=1.3,
                   ls=(0, (4, 2)) if unverified else "-")
        label = f"每年不低于{yi(threshold)}" + (f"（{UNVERIFIED_NOTE}）" if unverified else "")
        notes.append((label, UNVERIFIED_COLOUR if unverified else INK))
    else:
        notes.append(("本规则未设产值门槛", "#777777"))
    if growth_rule is not None and _is_num(growth_rule.threshold):
        g = float(growth_rule.threshold)
        start = next(((i, v) for i, v in enumerate(values) if _is_num(v)), None)
        if start is not None:
            i0, v0 = start
            path_x = xs[i0:]
            path_y = [v0 * (1 + g / 100) ** (i - i0) for i in path_x]
            top = max(top, max(path_y))
            ax.plot(path_x, path_y, color=VERDICT_COLOURS[NEEDS_EVIDENCE], lw=1.5, ls=(0, (2, 1.5)), marker="o",
                    markersize=3.5)
            unv = "" if growth_rule.verified else f"，{UNVERIFIED_NOTE}"
            notes.append((f"虚线：年均增长{percent(g)}所需路径{unv}", VERDICT_COLOURS[NEEDS_EVIDENCE]))
            if _is_num(growth_rule.value):
                notes.append((f"实际年均增长{percent(growth_rule.value)}：{growth_rule.verdict}",
                              VERDICT_COLOURS.get(growth_rule.verdict, INK)))
        else:
            notes.append(("增长路径：产值数据缺失，无法计算", "#777777"))
    if not known:
        notes.append(("集群工业总产值各年均缺失", VERDICT_COLOURS[MISSING_DATA]))
    ax.set_xticks(xs, [f"{y}年" for y in years])
    ax.set_xlim(-0.6, max(len(years), 1) - 0.4)
    ax.set_ylim(0, top * 1.15)
    ax.set_ylabel("集群工业总产值（亿元）")
    ax.set_title("集群工业总产值与增长要求")
    y = 0.86
    for text, colour in notes:
        wrapped = _wrap(text, 15)
        fig.text(0.745, y, wrapped, fontsize=8, color=colour, va="top")
        y -= 0.06 * (wrapped.count("\n") + 1) + 0.04
    _subtitle(fig, assessment.cluster_name)
    return _save(fig, out_dir, FILES["output"])


# --- 4. enterprise tiers ----------------------------------------------------------------------
def chart_tiers(client, assessment, out_dir: Path) -> Path:
    firms = list(client.firms or [])
    fig = _figure(3.3)
    ax = fig.add_axes([0.2, 0.16, 0.45, 0.7])
    order = list(reversed(TIER_ORDER))  # champion at the top
    counts_in = [sum(1 for f in firms if t in f.tiers and f.in_leading_industry) for t in order]
    counts_out = [sum(1 for f in firms if t in f.tiers and not f.in_leading_industry) for t in order]
    top = max([a + b for a, b in zip(counts_in, counts_out)] + [10])
    ys = range(len(order))
    if not firms:
        for y in ys:
            _missing_bar_h(ax, y, top * 0.5, label=MISSING_LABEL)
    else:
        # a pyramid: bars centred on zero
        bars = _Bars()
        for y, a, b in zip(ys, counts_in, counts_out):
            total = a + b
            bars.add(y, a, left=-total / 2, height=0.66, color=NAVY)
            bars.add(y, b, left=-total / 2 + a, height=0.66, color=LIGHT)
            ax.text(total / 2 + top * 0.03, y, f"{total}家" + (f"（主导产业{a}家）" if b else ""), va="center",
                    fontsize=8)
        bars.draw_h(ax)
        from matplotlib.patches import Patch

        ax.legend(handles=[Patch(color=NAVY, label="主导产业内"), Patch(color=LIGHT, label="主导产业外")],
                  loc="lower left", bbox_to_anchor=(0, -0.2), ncol=2)
    ax.set_yticks(list(ys), [TIERS[t] for t in order])
    ax.set_xlim(-top / 2 - top * 0.05, top / 2 + top * 0.45)
    ax.set_xticks([])
    ax.spines["bottom"].set_visible(False)
    ax.set_title("优质企业梯度（一家企业可计入多个层级）", x=-0.4, ha="left")
    notes = []
    if firms:
        top_tier = sum(1 for f in firms if f.in_leading_industry and f.tiers & {"champion", "little_giant"})
        quality = sum(1 for f in firms if f.tiers & {"specialised", "innovative", "high_tech"})
        notes.append((f"单项冠军或小巨人（主导产业）：{top_tier}家", INK))
        notes.append((f"专精特新/创新型/高企：{quality}家", INK))
    else:
        notes.append(("企业名单未填写（数据缺失）", VERDICT_COLOURS[MISSING_DATA]))
    seen = set()
    for measure in ("top_tier_firms", "quality_firms"):
        r = _by_measure(assessment, measure)
        if r is None or r.id in seen:
            continue
        seen.add(r.id)
        unv = f"（{UNVERIFIED_NOTE}）" if not r.verified else ""
        notes.append((f"第{r.id}项 → {r.verdict}{unv}", VERDICT_COLOURS.get(r.verdict, INK)))
        notes.append((_short(r.title, 90), "#555555"))
    y = 0.86
    for text, colour in notes:
        wrapped = _wrap(text, 18)
        fig.text(0.69, y, wrapped, fontsize=7.5, color=colour, va="top")
        y -= 0.065 * (wrapped.count("\n") + 1) + 0.03
    _subtitle(fig, assessment.cluster_name)
    return _save(fig, out_dir, FILES["tiers"])


# --- 5. review: plan targets against actuals ---------------------------------------------------
def chart_plan(client, assessment, out_dir: Path) -> Path:
    targets = list(client.plan or [])
    n = max(len(targets), 1)
    h = max(2.4, 0.5 * n + 1.2)
    fig = _figure(h)
    ax = fig.add_axes([0.27, 0.75 / h, 0.38, 1 - 1.2 / h])
    labels = []
    bars = _Bars()
    for y, t in enumerate(reversed(targets)):
        direction = "" if t.higher_is_better else "（越低越好）"
        labels.append(_wrap(f"{t.name}{direction}", 13))
        actual = plan_actual(client, t)[0]  # as the assessment takes it
        pct, met = plan_achievement(t.base_value, t.target_value, actual, t.higher_is_better)
        u = t.unit or ""
        values = (f"基期{number(t.base_value, 2)} → 目标{number(t.target_value, 2)}，"
                  f"实际{number(actual, 2)}" + (f"（{u}）" if u else ""))
        if pct is None:
            _missing_bar_h(ax, y, 100)
            text = f"{MISSING_LABEL}\n{values}"
        else:
            shown = min(max(pct, 0.0), 150.0)
            colour = VERDICT_COLOURS[PASS] if met else VERDICT_COLOURS[FAIL]
            bars.add(y, max(shown, 0.6), height=0.62, color=colour)
            text = f"完成{percent(pct, 1)}\n{values}"
        ax.text(154, y, text, va="center", fontsize=7.5, clip_on=False, linespacing=1.4)
    bars.draw_h(ax)
    if not targets:
        _missing_bar_h(ax, 0, 100, label="未填写发展规划目标（数据缺失）")
        labels.append("规划目标")
    ax.axvline(100, color=INK, lw=1.4)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(0, 150)
    ax.set_xticks([0, 50, 100, 150], ["0", "50%", "目标", "≥150%"])
    ax.set_xlabel("目标完成度 =（实际 − 基期）÷（目标 − 基期）")
    ax.set_title("三年发展规划目标完成情况（复核）", x=-0.35, ha="left")
    _subtitle(fig, assessment.cluster_name)
    return _save(fig, out_dir, FILES["plan"])


# --- public API -------------------------------------------------------------------------------
def chart_outlook(client, assessment, outlook, out_dir: Path | str, *, output: Output = FOR_PRINT) -> Path | None:
    """The path by round against the threshold (``toolkit.assess.outlook``): the workbook's cluster output,
    the figures each later year must reach on the stated scenario and on the county's own trend, the
    output threshold, and the window of the earliest round it can meet. None when the outlook names no
    output figures (a share or a rate alone). ``output``: as for ``draw_client_charts``."""
    _setup()
    token = _output.set(output)
    try:
        return _outlook_chart(client, assessment, outlook, out_dir)
    finally:
        _output.reset(token)


def _outlook_chart(client, assessment, outlook, out_dir: Path | str) -> Path | None:
    s, t = outlook.scenario, outlook.trend
    path = s.figures.get("cluster_output") or t.figures.get("cluster_output")
    if not path:
        return None
    known = {y: v for y, v in client.series("cluster_output").items() if _is_num(v)}
    need = {f.year: f.value for f in s.figures.get("cluster_output", []) if not f.known}
    trend = {f.year: f.value for f in t.figures.get("cluster_output", []) if not f.known}
    years = sorted(set(known) | set(need) | set(trend))
    rule = _by_measure(assessment, "cluster_output_min")
    threshold = rule.threshold if rule is not None and _is_num(rule.threshold) else None
    with matplotlib.rc_context(STYLE):
        fig = _figure(3.4)
        ax = fig.add_axes([0.1, 0.13, 0.62, 0.74])
        xs = {y: i for i, y in enumerate(years)}
        values = list(known.values()) + list(need.values()) + list(trend.values()) + ([threshold] if threshold else [])
        top = max(values + [1.0])
        win = s.window or t.window
        if win:
            ax.axvspan(xs[win[0]] - 0.45, xs[win[-1]] + 0.45, color="#EEF3F8", zorder=0)
            ax.text((xs[win[0]] + xs[win[-1]]) / 2, top * 1.22, f"{s.round_year or t.round_year}年度申报的三年窗口",
                    ha="center", va="top", fontsize=8, color=NAVY)
        for y, v in known.items():
            ax.bar(xs[y], v, width=0.6, color=NAVY, zorder=2)
            ax.text(xs[y], v - top * 0.02, yi(v), ha="center", va="top", fontsize=8, color="white", zorder=3)
        for y, v in need.items():
            ax.bar(xs[y], v, width=0.6, color=LIGHT, hatch="//", edgecolor=NAVY, lw=0.6, zorder=2)
            ax.text(xs[y], v + top * 0.01, yi(v), ha="center", va="bottom", fontsize=8, color=NAVY, zorder=3)
        if trend:
            ty = sorted(trend)
            start = [max(known)] if known else []
            ax.plot([xs[y] for y in start + ty], [known[y] for y in start] + [trend[y] for y in ty],
                    color="#777777", lw=1.3, ls=(0, (2, 1.5)), marker="o", markersize=3, zorder=4)
        notes = [("深色：工作簿数据（往年数据不能调整）", NAVY)]
        if need:
            notes.append((f"斜线：按每年增长{percent(s.rate, 1)}所需的产值（测算）", NAVY))
        if trend:
            notes.append((f"虚线：按近年趋势（年均{percent(t.rate, 1)}）", "#777777"))
        if threshold is not None:
            unverified = not rule.verified
            ax.axhline(threshold, color=UNVERIFIED_COLOUR if unverified else INK, lw=1.3,
                       ls=(0, (4, 2)) if unverified else "-", zorder=5)
            notes.append((f"门槛：每年不低于{yi(threshold)}" + (f"（{UNVERIFIED_NOTE}）" if unverified else ""),
                          UNVERIFIED_COLOUR if unverified else INK))
        ax.set_xticks(list(xs.values()), [f"{y}年" for y in years])
        ax.set_xlim(-0.6, len(years) - 0.4)
        ax.set_ylim(0, top * 1.28)
        ax.set_ylabel("集群工业总产值（亿元）")
        ax.set_title("最早可申报年度：产值路径对照门槛")
        y = 0.86
        for text, colour in notes:
            wrapped = _wrap(text, 15)
            fig.text(0.745, y, wrapped, fontsize=8, color=colour, va="top")
            y -= 0.06 * (wrapped.count("\n") + 1) + 0.04
        _subtitle(fig, assessment.cluster_name)
        return _save(fig, Path(out_dir), FILES["outlook"])


def draw_client_charts(client, assessment, out_dir: Path | str, *, output: Output = FOR_PRINT) -> dict[str, Path]:
    """Draw every chart for one client into ``out_dir``; returns name → PNG path (with ``FOR_PRINT``
    an SVG sits beside each)."""
    _setup()
    out_dir = Path(out_dir)
    token = _output.set(output)
    try:
        return _client_charts(client, assessment, out_dir)
    finally:
        _output.reset(token)


def _client_charts(client, assessment, out_dir: Path) -> dict[str, Path]:
    with matplotlib.rc_context(STYLE):
        charts = {
            "dimensions": chart_dimensions(client, assessment, out_dir),
            "criteria": chart_criteria(client, assessment, out_dir),
            "output": chart_output(client, assessment, out_dir),
            "tiers": chart_tiers(client, assessment, out_dir),
        }
        if client.is_review or getattr(assessment, "application_type", "") == "复核":
            charts["plan"] = chart_plan(client, assessment, out_dir)
    return charts


def _get(row: Any, name: str, default=None):
    if isinstance(row, dict):
        return row.get(name, default)
    return getattr(row, name, default)


def short_title(r) -> str:
    """A criterion's name in a few words: the measure's short label, else its title up to the first bracket."""
    measure, kind, title = _get(r, "measure", ""), _get(r, "kind", ""), str(_get(r, "title", ""))
    t = measure_label(measure, short=True) if kind == "quantitative" else ""
    if not t:
        head = title.split("（")[0]
        t = head if len(head) >= 4 else title
    return t if len(t) <= 18 else t[:17] + "…"


def draw_quota_chart(decision, out_dir: Path | str) -> dict[str, Path]:
    """A recommender's new applications in the order of the province's decision, each bar labelled with
    its readiness, verdict and 推荐意见, and the quota line after the last candidate that takes a place.

    ``decision``: a ``toolkit.province.decision.ProvinceDecision`` (or anything with its ``recommender``,
    ``year``, ``quota``, ``recommendations`` — each with ``name``, ``readiness``, ``overall``, ``status``,
    ``place`` — and ``reviews``). Reviews (复核) use no place and are left out of the chart.
    """
    _setup()
    out_dir = Path(out_dir)
    recommender, quota = decision.recommender, decision.quota
    candidates = list(decision.recommendations)
    n = max(len(candidates), 1)
    h = max(2.6, 0.36 * n + 1.4)
    with matplotlib.rc_context(STYLE):
        fig = _figure(h)
        ax = fig.add_axes([0.36, 0.85 / h, 0.40, 1 - 1.35 / h])
        labels = []
        for y, d in enumerate(candidates):
            labels.append(_wrap(d.name, 18))
            note = f"{d.overall} · {d.status}"
            if _is_num(d.readiness):
                ax.barh(y, max(d.readiness, 0.8), height=0.62, color=OVERALL_COLOURS.get(d.overall, NAVY))
                ax.text(d.readiness + 1.5, y, f"{number(d.readiness, 0)}分 {note}", va="center", fontsize=7.5,
                        clip_on=False)
            else:
                _missing_bar_h(ax, y, 100)
                ax.text(101.5, y, note, va="center", fontsize=7.5, clip_on=False)
        if not candidates:
            ax.text(50, 0, "本推荐单位暂无新申报集群", ha="center", va="center")
        ax.set_yticks(range(len(labels)), labels)
        ax.set_ylim(n - 0.4, -0.6)  # rank 1 at the top
        ax.set_xlim(0, 100)
        ax.set_xlabel("综合准备度（0–100分）")
        placed = [y for y, d in enumerate(candidates) if d.place is not None]
        over = [y for y, d in enumerate(candidates) if d.over_quota]
        if quota is not None:
            if over:
                line = (placed[-1] if placed else -1) + 0.5
                ax.axhline(line, color=VERDICT_COLOURS[FAIL], lw=1.3, ls=(0, (4, 2)))
                ax.text(101, line, f"推荐名额上限{quota}个\n线下超出名额", color=VERDICT_COLOURS[FAIL],
                        fontsize=7.5, va="center", clip_on=False)
            quota_text = f"推荐名额上限{quota}个，候选{len(candidates)}个"
        else:
            quota_text = f"推荐名额未知，候选{len(candidates)}个"
        ax.set_title(f"{recommender} {decision.year}年度候选集群准备度排序（{quota_text}）", x=-0.55, ha="left",
                     fontsize=10.5)
        reviews = len(decision.reviews)
        if reviews:
            fig.text(0.01, 0.01, f"另有复核集群{reviews}个，不占推荐名额，未列入本图", fontsize=7, color="#777777")
        png = _save(fig, out_dir, f"推荐名额_{safe_name(recommender or '推荐单位')}")
    return {"quota": png}


def draw_rank_intervals(intervals, out_dir: Path | str, *, recommender: str, year="", quota: int | None = None,
                        notes: Iterable[str] = ()) -> Path:
    """How robust a ranking is (COINr's ``plot_uncertainty`` is the model): per candidate, the 5–95%
    range of its rank as a bar, the median as a dot, the nominal rank as a diamond, and how often it
    falls inside the quota. ``intervals``: rows with ``name``, ``nominal_rank``, ``median_rank``,
    ``low``, ``high`` and ``in_quota`` (``toolkit.province.uncertainty.RankInterval``)."""
    _setup()
    rows = sorted(intervals, key=lambda r: (r.nominal_rank, r.name))
    n = max(len(rows), 1)
    h = max(2.6, 0.4 * n + 1.6)
    with matplotlib.rc_context(STYLE):
        fig = _figure(h)
        ax = fig.add_axes([0.36, 1.0 / h, 0.44, 1 - 1.55 / h])
        for y, r in enumerate(rows):
            colour = VERDICT_COLOURS[PASS] if r.in_quota >= 0.95 else (
                VERDICT_COLOURS[FAIL] if r.in_quota <= 0.05 else VERDICT_COLOURS[NEEDS_EVIDENCE])
            ax.plot([r.low, r.high], [y, y], color=colour, lw=6, alpha=0.45, solid_capstyle="round")
            ax.plot([r.median_rank], [y], "o", color=colour, ms=5)
            ax.plot([r.nominal_rank], [y], "D", color=INK, ms=4, mfc="white")
            span = f"{r.low}" if r.low == r.high else f"{r.low}–{r.high}"
            ax.text(n + 0.7, y, f"区间{span}，入围{round(r.in_quota * 100)}%", va="center", fontsize=7.5,
                    clip_on=False)
        ax.set_yticks(range(len(rows)), [_wrap(r.name, 18) for r in rows])
        ax.set_ylim(n - 0.4, -0.6)
        ax.set_xlim(0.5, n + 0.5)
        ax.set_xticks(range(1, n + 1))
        ax.set_xlabel("排名（1为最前）：条为5%–95%区间，圆点为中位数，菱形为名义排名")
        if quota is not None and quota < n:
            ax.axvline(quota + 0.5, color=VERDICT_COLOURS[FAIL], lw=1.2, ls=(0, (4, 2)))
            ax.text(quota + 0.55, -0.55, f"名额{quota}个", color=VERDICT_COLOURS[FAIL], fontsize=7.5, va="bottom")
        ax.set_title(f"{recommender} {year}年度候选集群排名的稳健性", x=-0.55, ha="left", fontsize=10.5)
        note = "；".join(notes)
        if note:
            fig.text(0.01, 0.01, _wrap(note, 70), fontsize=6.5, color="#777777", va="bottom")
        return _save(fig, Path(out_dir), f"排名区间_{safe_name(recommender or '推荐单位')}")


_setup()
