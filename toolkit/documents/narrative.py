"""Chinese narrative drafts for every section of the application, from templates a consultant edits.

``draft(client, assessment)`` renders one Jinja2 text template per section from
``templates/narrative/`` (基本情况, the eight dimensions, 负面清单声明, 三年发展规划 and, for a review,
规划目标完成情况). The templates see two objects:

- ``c``, the client's facts, every number already in official style (``toolkit.core.formatting``):
  ``c.output_latest`` → ``66.1亿元``, ``c.output_growth`` → ``年均增长12.4%`` (the assessment's figure, by the
  rulebook's growth method), ``c.little_giants`` → the
  firms' names. A fact that is missing is ``""`` (or an empty list), so a template tests it with ``{% if %}``.
- ``d``, the assessment of the section's dimension: ``d.strengths`` and ``d.gaps`` (each with the value,
  the standard, ``阈值待核实`` when the threshold is unverified, and what it takes to pass).

A blank line in a template separates paragraphs; the lines of one paragraph are joined without a
space (Chinese text). Every paragraph passes ``check_text``: a draft never shows ``None``, ``nan``,
``{{``, an empty sentence or a number with many decimals — a template that produces one raises a
``TemplateError`` naming the template and the section, in Chinese. The check judges what the template
wrote, never what the county typed: a firm named INF精密机械 or a brand “{{A}}” is shown as typed.

The other wording a consultancy may restyle — the memo's and proposal's sentences
(``templates/briefing/``), the province tables' notes (``templates/province/``) — goes through the
same environment and the same checks: ``render_text("briefing/verdict.j2", a=…)`` gives one paragraph.

Over 500 lines: the facts a template may use are built here next to their declaration
(``CONTEXT_SPEC``), so that the two change together.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolkit.core import formatting as fmt
from toolkit.core.formatting import text_of
from toolkit.core.errors import TemplateError
from toolkit.intake.evidence import ignored
from toolkit.intake.model import NEW, REVIEW, TIERS, Client
from toolkit.intake.schema import indicator_unit
from toolkit.core.paths import templates_dir
from toolkit.assess.measures import (growth_of, measure, measure_label, plan_achievement, plan_actual, standard_text,
                                     year_on_year)
from toolkit.assess.result import (
    DIMENSION_NAMES, FAIL, MISSING_DATA, NEEDS_EVIDENCE, PASS, UNVERIFIED_NOTE, VETO, Assessment,
)


# Section key → (template file, title, dimension whose results the template sees as ``d``).
SECTIONS: list[tuple[str, str, str, int | None]] = [
    ("basic", "basic.j2", "集群基本情况", None),
    *[(f"dim{n}", f"dim{n}.j2", DIMENSION_NAMES[n], n) for n in range(1, 9)],
    ("negative", "negative.j2", "负面清单声明", 0),
    ("plan", "plan.j2", "三年发展规划", None),
    ("plan_completion", "plan_completion.j2", "规划目标完成情况", 9),
]
REVIEW_ONLY = {"plan_completion"}

def quoted(text) -> str:
    """“text”, with quotes inside it turned into single quotes as Chinese nesting wants:
    参与“一带一路”建设 → “参与‘一带一路’建设”."""
    inner = str(text).replace("“", "‘").replace("”", "’")
    return f"“{inner}”"


def narrative_dir() -> Path:
    return templates_dir() / "narrative"


# -- the result ---------------------------------------------------------------------------------
@dataclass
class Section:
    key: str
    title: str
    paragraphs: list[str]
    template: str = ""

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass
class Narrative:
    client_id: str
    cluster_name: str
    sections: list[Section] = field(default_factory=list)

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def keys(self) -> list[str]:
        return [s.key for s in self.sections]

    def to_dict(self) -> dict:
        return asdict(self)

    def to_markdown(self) -> str:
        """The whole draft as Markdown, for a consultant to edit outside Word."""
        out = [f"# {self.cluster_name} 申报材料文字稿", ""]
        for s in self.sections:
            out += [f"## {s.title}", ""]
            for p in s.paragraphs:
                out += [p, ""]
        return "\n".join(out)


# -- the final check ----------------------------------------------------------------------------
# What a reader must never see, each with what it means and what to change in the template. The check
# is about what the template wrote: a match that touches a value the county typed (a firm called
# INF精密机械, a brand “0.529999”, a negative-list item ending in 行为 before the template's 。) is the
# county's text, shown as typed, never a reason to refuse the draft.
_BAD = [
    # \b would not separate Latin from Chinese (both are word characters): look for letters instead.
    (re.compile(r"(?<![A-Za-z])None(?![A-Za-z])"), "出现“None”：一个空值被原样写出",
     "给可能为空的值加 {% if … %} 判断，或改用已格式化的事实（如 c.output_latest）"),
    (re.compile(r"(?<![A-Za-z])nan(?![A-Za-z])", re.IGNORECASE), "出现“nan”：一个缺失的数字被原样写出",
     "给可能缺失的数值加 {% if … %} 判断，或改用已格式化的事实"),
    (re.compile(r"(?<![A-Za-z])(?:null|undefined|inf)(?![A-Za-z])", re.IGNORECASE), "出现未定义的值",
     "检查这一处输出的变量，给可能为空的值加 {% if … %} 判断"),
    (re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}"), "出现没有被替换的模板标签",
     "检查这一处的 {{ }}、{% %} 是否成对、是否为英文半角"),
    (re.compile(r"\d\.\d{3,}"), "出现小数位过多的数字",
     "改用已格式化的事实（如 c.output_latest、d.gaps 的 value_text），不要直接输出原始数字"),
    (re.compile(r"[，。；：、]\s*[，。；：、]"), "两个标点连在一起：句子缺了内容",
     "给可能为空的部分加 {% if … %} 判断，并把它前后的标点一起放进判断里"),
    (re.compile(r"^[，。；：、！？]"), "段落以标点开头",
     "段首的内容为空时，把紧跟的标点一起放进 {% if … %} 判断里"),
    (re.compile(r"(?:(?<![因认作成])为|达到|共有)\s*[，。；、]"), "“为/达到/共有”后面缺少数值",
     "给这个数值加 {% if … %} 判断，没有数值时不写这句"),
    (re.compile(r"(?:为|达|约|增长|下降)—|—(?:亿元|万元|%|家|项)"), "缺失的数值显示成了“—”",
     "给这个数值加 {% if … %} 判断，没有数值时不写这句"),
    (re.compile(r"（\s*）|\(\s*\)"), "出现空括号", "把括号和括号里的内容一起放进 {% if … %} 判断里"),
    (re.compile(r"&(?:amp|lt|gt|quot|#\d+);"), "出现被转义两次的字符（如 &amp;）",
     "文字稿模板是纯文本：不要对变量使用 |e 或 |escape"),
]
_CJK = re.compile(r"[\u4e00-\u9fff]")


def county_texts(client: Client) -> set[str]:
    """Every piece of text the client's workbook holds (names, notes, labels, units), as a narrative
    may show it: what the county typed, which the final check never holds against a template."""
    out: set[str] = set()

    def add(*values) -> None:
        for v in values:
            t = text_of(v)
            if t:
                out.add(t)
                out.add(t.replace("“", "‘").replace("”", "’"))  # as |quoted shows it

    add(*(v.value for v in client.basic.values() if v is not None and isinstance(v.value, str)))
    for f in client.firms:
        add(f.name, f.credit_code, f.note)
    for p in client.platforms:
        add(p.name, p.kind, p.level, p.host, p.note)
    for n in client.negative:
        add(n.label, n.note)
    for t in client.plan:
        add(t.name, t.unit, t.note)
    for e in client.evidence:
        add(e.title, e.file, e.note)
    return out


def _touches(p: str, lo: int, hi: int, typed) -> bool:
    """Whether p[lo:hi] overlaps an occurrence in ``p`` of one of the ``typed`` texts."""
    for t in typed:
        at = p.find(t, max(0, lo - len(t) + 1))
        if at != -1 and at < hi:
            return True
    return False


def _without(p: str, typed) -> str:
    for t in sorted(typed, key=len, reverse=True):
        p = p.replace(t, " ")
    return p


def check_text(template: str, paragraphs: list[str], *, section: str = "", typed=()) -> None:
    """Raise ``TemplateError`` naming ``template`` (and ``section``) when a paragraph holds text the
    template wrote that a reader must not see. ``typed``: the county's own texts (``county_texts``); a
    finding that touches one of them is the county's text, not the template's, and is let through."""
    typed = [t for t in typed if t]
    where = f"“{section}”部分" if section else "文字稿"
    for i, p in enumerate(paragraphs, 1):
        if not p.strip():
            raise TemplateError(template, f"{where}第{i}段是空的：删去模板中多余的空行，或给整段加 {{% if … %}} 判断")
        for pattern, what, fix in _BAD:
            m = pattern.search(p)
            while m and _touches(p, m.start(), m.end(), typed):
                m = pattern.search(p, m.start() + 1)
            if m:
                lo, hi = max(0, m.start() - 12), min(len(p), m.end() + 12)
                raise TemplateError(template, f"{where}第{i}段{what}：「…{p[lo:hi]}…」— 修改模板 {template}：{fix}",
                                    tag=m.group(0))
        if not _CJK.search(p) and re.search(r"[A-Za-z0-9]", _without(p, typed)):
            raise TemplateError(template, f"{where}第{i}段没有中文：「{p[:40]}」— 修改模板 {template}，"
                                          "文字稿应是中文句子")


# -- facts --------------------------------------------------------------------------------------
def _num(x) -> float | None:
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) or math.isinf(x) else x


def _or_blank(text: str) -> str:
    return "" if text == fmt.MISSING else text


def _series_facts(client: Client, key: str, digits: int = 1) -> dict[str, Any]:
    unit = indicator_unit(key)
    series = {y: _num(v) for y, v in client.series(key).items()}
    years = client.years
    first, last = series.get(years[0]), series.get(years[-1])
    prev = series.get(years[-2]) if len(years) > 1 else None
    values = [with_unit(series[y], unit, digits) for y in years]
    complete = all(v for v in values)
    change = year_on_year(prev, last)
    return {
        "latest": with_unit(last, unit, digits),
        "first": with_unit(first, unit, digits),
        "values": values if complete else [],
        "listing": "、".join(values) if complete else "",
        "yoy": _or_blank(fmt.growth(change)) if change is not None else "",
        "raw_latest": last,
    }


def assessed_value(assessment: Assessment, client: Client, name: str) -> float | None:
    """The value of the measure ``name`` as the assessment found it. Only when no criterion of the
    rulebook reads that measure is it measured here, by the same measure and the assessment's settings."""
    assessed, value = assessment.value_of(name)
    if assessed:
        return value
    return measure(name, client, {"growth_method": assessment.growth_method}).value


def _annual_growth(value: float | None) -> str:
    return _or_blank(fmt.growth(value, kind="年均")) if value is not None else ""


def with_unit(x, unit: str, digits: int = 1) -> str:
    """``fmt.with_unit`` with '' (not '—') for a missing value, so a template tests it with ``{% if %}``."""
    x = _num(x)
    if x is None:
        return ""
    return fmt.with_unit(x, unit, digits)


def client_facts(client: Client, assessment: Assessment) -> dict[str, Any]:
    """Everything a narrative template may say about the client, formatted; missing facts are ''.

    The figures the criteria judge (growth, shares) are the assessment's, so a sentence never states
    another number than the criterion beside it; the growth of a series no criterion reads (exports)
    is computed by the assessment's growth method (``toolkit.assess.measures.growth_of``)."""
    years = list(client.years)
    c: dict[str, Any] = {
        "cluster_name": text_of(client.cluster_name),
        "province": text_of(client.province),
        "city": text_of(client.city),
        "county": text_of(client.county),
        "region": text_of(client.region),
        "recommender": text_of(client.recommender),
        "leading_industry": text_of(client.get("leading_industry")),
        "sub_field": text_of(client.sub_field),
        "applicant": text_of(client.get("applicant")),
        "brand": text_of(client.get("brand")),
        "operating_body": text_of(client.get("operating_body")),
        "area": with_unit(client.get("area_km2"), "平方公里"),
        "is_review": client.is_review,
        "application_type": client.application_type or NEW,
        "recognised_year": text_of(client.recognised_year),
        "years": [str(y) for y in years],
        "first_year": str(years[0]),
        "last_year": str(years[-1]),
        "year_span": f"{years[0]}—{years[-1]}年",
    }
    c["place"] = "".join(x for x in (c["province"], c["city"], c["county"]) if x)

    out = _series_facts(client, "cluster_output")
    c.update(output_latest=out["latest"], output_first=out["first"], output_listing=out["listing"],
             output_yoy=out["yoy"],
             output_growth=_annual_growth(assessed_value(assessment, client, "cluster_output_growth")))
    lead = _series_facts(client, "leading_output")
    sme = _series_facts(client, "sme_output")
    c.update(leading_latest=lead["latest"], sme_latest=sme["latest"])
    c["leading_share"] = _or_blank(fmt.percent(assessed_value(assessment, client, "leading_output_share")))
    c["sme_share"] = _or_blank(fmt.percent(assessed_value(assessment, client, "sme_output_share")))

    rd = _series_facts(client, "sme_rd")
    c.update(sme_rd_latest=rd["latest"], sme_rd_first=rd["first"],
             sme_rd_growth=_annual_growth(assessed_value(assessment, client, "sme_rd_growth")))
    plat = _series_facts(client, "platform_rate")
    c.update(platform_rate=plat["latest"], platform_rate_first=plat["first"])
    p0, p1 = (_num(client.series("platform_rate").get(years[0])), _num(client.series("platform_rate").get(years[-1])))
    c["platform_change"] = ""
    if p0 is not None and p1 is not None and abs(p1 - p0) >= 0.05:
        c["platform_change"] = ("提高" if p1 > p0 else "下降") + fmt.points(p1 - p0)
    std = _series_facts(client, "standards")
    c["standards_latest"] = std["latest"]
    std_total = sum(v for v in (_num(x) for x in client.series("standards").values()) if v is not None)
    c["standards_total"] = with_unit(std_total, "项") if std_total else ""
    energy = _series_facts(client, "energy_per_va", 2)
    c["energy_latest"] = energy["latest"]
    e_first, e_last = (_num(client.series("energy_per_va").get(years[0])),
                       _num(client.series("energy_per_va").get(years[-1])))
    c["energy_drop"] = (fmt.percent((1 - e_last / e_first) * 100)
                        if e_first and e_last is not None and e_last < e_first else "")
    exp = _series_facts(client, "exports")
    c.update(exports_latest=exp["latest"],
             exports_growth=_annual_growth(growth_of(client, {"growth_method": assessment.growth_method},
                                                     "exports").value))
    c["enterprises"] = with_unit(client.series("enterprises").get(years[-1]), "家")
    c["smes"] = with_unit(client.series("smes").get(years[-1]), "家")
    c["employees"] = with_unit(client.series("employees").get(years[-1]), "人")
    c["invention_patents"] = with_unit(client.series("invention_patents").get(years[-1]), "件")

    # Firms from the roster.
    def names(tier: str, leading_only: bool = False) -> list[str]:
        return [text_of(f.name) for f in client.firms_with(tier, leading_only=leading_only) if text_of(f.name)]

    c["champions"] = names("champion", True)
    c["little_giants"] = names("little_giant", True)
    c["top_tier"] = c["champions"] + [n for n in c["little_giants"] if n not in c["champions"]]
    c["specialised_n"] = len(names("specialised"))
    c["innovative_n"] = len(names("innovative"))
    c["high_tech_n"] = len(names("high_tech"))
    quality = {f.name for f in client.firms if f.tiers & {"specialised", "innovative", "high_tech"}}
    c["quality_n"] = len(quality)
    c["quality_firms"] = sorted(text_of(n) for n in quality if text_of(n))[:5]
    c["roster_n"] = len(client.firms)
    c["tier_names"] = dict(TIERS)

    # Platforms and institutions by kind.
    by_kind: dict[str, list[str]] = {}
    for p in client.platforms:
        name = text_of(p.name)
        if not name:
            continue
        level = text_of(p.level)
        by_kind.setdefault(text_of(p.kind), []).append(f"{name}（{level}）" if level else name)
    c["innovation_platforms"] = by_kind.get("创新平台", [])
    c["service_platforms"] = by_kind.get("公共服务机构", [])
    c["operating_bodies"] = by_kind.get("集群运营机构", [])
    c["cooperation"] = by_kind.get("产学研合作", [])
    c["testing_bodies"] = by_kind.get("检验检测机构", [])
    c["digital_providers"] = by_kind.get("数字化服务商", [])

    # Negative list.
    c["negative_items"] = [{"label": text_of(n.label), "answer": "是" if n.occurred else ("否" if n.occurred is False else "未填写"),
                            "note": text_of(n.note)} for n in client.negative]
    c["negative_occurred"] = [text_of(n.label) for n in client.negative if n.occurred]
    c["negative_unanswered"] = [text_of(n.label) for n in client.negative if n.occurred is None]
    c["negative_clear"] = bool(client.negative) and not c["negative_occurred"] and not c["negative_unanswered"]

    # The three-year development plan.
    c["plan_targets"] = [plan_target_facts(client, t) for t in client.plan if text_of(t.name)]
    return c


def plan_target_facts(client: Client, t) -> dict[str, Any]:
    """A plan target for the narrative and the forms: its actual value and how far it is achieved are
    the assessment's (``toolkit.assess.measures.plan_actual`` / ``plan_achievement``)."""
    unit = text_of(t.unit)
    base, target = _num(t.base_value), _num(t.target_value)
    actual = _num(plan_actual(client, t)[0])
    achievement, met = plan_achievement(base, target, actual, t.higher_is_better)
    status = "待填报" if actual is None or target is None else ("已完成" if met else "未完成")
    rate = fmt.percent(achievement, 1) if achievement is not None and base != target else ""
    return {
        "name": text_of(t.name),
        "unit": unit,
        "base": with_unit(base, unit, 2),
        "target": with_unit(target, unit, 2),
        "actual": with_unit(actual, unit, 2),
        "base_year": text_of(t.base_year),
        "target_year": text_of(t.target_year),
        "direction": "越高越好" if t.higher_is_better else "越低越好",
        "status": status,
        "progress": rate,  # share of the planned change achieved
    }


# -- the assessment, per dimension ---------------------------------------------------------------
def _sentence(text: str) -> str:
    text = text_of(text).rstrip("，、；; ")
    if text and text[-1] not in "。！？":
        text += "。"
    return text


def _bare(text: str) -> str:
    """A sentence without its closing punctuation, to list it after a colon or between semicolons."""
    return text_of(text).rstrip("。；;，、 ")


def result_facts(r) -> dict[str, Any]:
    value_text = with_unit(r.value, r.unit or "", 2 if (r.unit or "") not in ("亿元", "%", "万元") else 1)
    standard = standard_text(r.operator, _num(r.threshold), r.unit or "")
    return {
        "id": r.id,
        "title": text_of(r.title),
        "label": measure_label(r.measure) or text_of(r.title).rstrip("。"),
        "verdict": r.verdict,
        "passed": r.verdict == PASS,
        "kind": r.kind,
        "measure": r.measure,
        "value_text": value_text,
        "standard_text": standard,
        "unverified": not r.verified,
        "unverified_text": f"（{UNVERIFIED_NOTE}）" if not r.verified else "",
        "what_it_takes": _sentence(r.what_it_takes),
        "missing": [text_of(m) for m in r.missing if text_of(m)],
        "clause": text_of(r.clause),
    }


def dimension_facts(assessment: Assessment, n: int | None) -> dict[str, Any]:
    if n is None:
        return {"name": "", "verdict": "", "strengths": [], "gaps": [], "results": [], "unverified": False,
                "passed": True}
    results = [result_facts(r) for r in assessment.results if r.dimension == n]
    summary = next((d for d in assessment.dimensions if d.dimension == n), None)
    return {
        "name": (summary.name if summary else "") or DIMENSION_NAMES.get(n, ""),
        "verdict": summary.verdict if summary else (PASS if all(r["passed"] for r in results) else FAIL),
        "strengths": [r for r in results if r["passed"]],
        "gaps": [r for r in results if not r["passed"]],
        "results": results,
        "unverified": any(r["unverified"] for r in results),
        "passed": all(r["passed"] for r in results),
    }


def assessment_facts(assessment: Assessment) -> dict[str, Any]:
    return {
        "overall": assessment.overall,
        "readiness": fmt.number(assessment.readiness, 0),
        "rulebook": assessment.rulebook,
        "settings": list(assessment.settings),
        "relaxation": [s for s in assessment.settings if "放宽" in s],
        "unverified_n": len(assessment.unverified),
        "verdicts": {"pass": PASS, "fail": FAIL, "evidence": NEEDS_EVIDENCE, "missing": MISSING_DATA, "veto": VETO},
    }


# -- rendering ----------------------------------------------------------------------------------
PARAGRAPH_MARK = "\u2029"  # Unicode PARAGRAPH SEPARATOR, never typed by a person


def _blank_line_extension():
    from jinja2.ext import Extension

    class BlankLineIsParagraph(Extension):
        """Every blank line of a template source becomes a paragraph mark, whatever the tags around it."""

        def preprocess(self, source, name, filename=None):
            return re.sub(r"\n[ \t]*\n(?:[ \t]*\n)*", "\n" + PARAGRAPH_MARK + "\n", source)

    return BlankLineIsParagraph


def environment(folder: Path | None = None):
    """A new Jinja environment on the narrative templates in ``folder`` (default templates/narrative/)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(folder or narrative_dir())),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,  # plain text; the Word renderer escapes when it writes XML
    )
    env.add_extension(_blank_line_extension())
    env.filters["join_cn"] = lambda xs, sep="、": sep.join(str(x) for x in xs if str(x).strip())
    env.filters["sentence"] = _sentence
    env.filters["bare"] = _bare
    env.filters["quoted"] = quoted
    env.globals["UNVERIFIED"] = UNVERIFIED_NOTE
    return env


# What a narrative template may use, declared for ``clusterkit templates check`` (a test keeps it equal
# to what ``client_facts``, ``dimension_facts`` and ``assessment_facts`` really give). "" is a value,
# [x] a list of x, a dict an object with those fields, None anything.
_LIST = [""]
_RESULT_SPEC = {k: "" for k in ("id", "title", "label", "verdict", "passed", "kind", "measure", "value_text",
                                "standard_text", "unverified", "unverified_text", "what_it_takes", "clause")}
_RESULT_SPEC["missing"] = _LIST
_C_LISTS = ("years", "champions", "little_giants", "top_tier", "quality_firms", "innovation_platforms",
            "service_platforms", "operating_bodies", "cooperation", "testing_bodies", "digital_providers",
            "negative_occurred", "negative_unanswered")
_C_VALUES = ("cluster_name", "province", "city", "county", "region", "recommender", "leading_industry", "sub_field",
             "applicant", "brand", "operating_body", "area", "is_review", "application_type", "recognised_year",
             "first_year", "last_year", "year_span", "place", "output_latest", "output_first", "output_listing",
             "output_yoy", "output_growth", "leading_latest", "sme_latest", "leading_share", "sme_share",
             "sme_rd_latest", "sme_rd_first", "sme_rd_growth", "platform_rate", "platform_rate_first", "platform_change",
             "standards_latest", "standards_total", "energy_latest", "energy_drop", "exports_latest", "exports_growth",
             "enterprises", "smes", "employees", "invention_patents", "specialised_n", "innovative_n", "high_tech_n",
             "quality_n", "roster_n", "negative_clear")
CONTEXT_SPEC: dict[str, Any] = {
    "c": {
        **{k: "" for k in _C_VALUES},
        **{k: _LIST for k in _C_LISTS},
        "tier_names": None,
        "negative_items": [{"label": "", "answer": "", "note": ""}],
        "plan_targets": [{k: "" for k in ("name", "unit", "base", "target", "actual", "base_year", "target_year",
                                          "direction", "status", "progress")}],
    },
    "d": {"name": "", "verdict": "", "unverified": "", "passed": "",
          "strengths": [_RESULT_SPEC], "gaps": [_RESULT_SPEC], "results": [_RESULT_SPEC]},
    "a": {"overall": "", "readiness": "", "rulebook": "", "settings": _LIST, "relaxation": _LIST, "unverified_n": "",
          "verdicts": {"pass": "", "fail": "", "evidence": "", "missing": "", "veto": ""}},
    "section_title": "",
    "UNVERIFIED": "",
}


def paragraphs_of(text: str) -> list[str]:
    """Blank lines separate paragraphs; the lines of one paragraph join without a space."""
    paras = []
    for block in re.split(PARAGRAPH_MARK + r"|\n\s*\n", text.strip()):
        line = "".join(part.strip() for part in block.splitlines())
        if line:
            paras.append(line)
    return paras


def render_section(env, template: str, context: dict[str, Any], *, section: str = "", typed=()) -> list[str]:
    """The paragraphs of one section; ``typed`` is what the county typed (see ``check_text``)."""
    from jinja2 import TemplateError as JinjaError
    from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError

    where = f"“{section}”部分" if section else "文字稿"
    try:
        text = env.get_template(template).render(**context)
    except TemplateNotFound as exc:
        folder = getattr(env.loader, "searchpath", None) or [str(narrative_dir())]
        raise TemplateError(template, f"找不到{where}的文字稿模板（应在 {folder[0]} 中）：恢复该文件，"
                                      f"或从 templates/narrative/ 复制一份") from exc
    except TemplateSyntaxError as exc:
        from toolkit.documents.template_check import syntax_message

        raise TemplateError(f"{exc.name or template}:{exc.lineno}",
                            f"{where}的模板第{exc.lineno}行语法错误：{syntax_message(exc.message or '')}；"
                            "运行 clusterkit templates check 查看全部") from exc
    except UndefinedError as exc:
        raise TemplateError(template, f"{where}的模板用了没有的变量（{exc.message}）：核对变量名，"
                                      "可用的变量见 clusterkit templates check") from exc
    except JinjaError as exc:
        line = getattr(exc, "lineno", None)
        raise TemplateError(template + (f":{line}" if line else ""),
                            f"{where}的模板无法生成文字（{type(exc).__name__}：{exc}）：修改模板后重试") from exc
    paras = paragraphs_of(text)
    check_text(template, paras, section=section, typed=typed)
    return paras


def render_text(name: str, **context: Any) -> str:
    """One paragraph of the text template ``templates/<name>`` (e.g. ``briefing/verdict.j2``), '' when it
    writes nothing; checked as a narrative paragraph is (``check_text``)."""
    paras = render_section(shared_environment(templates_dir()), name, context)
    if len(paras) > 1:
        raise TemplateError(name, f"应写成一段文字，却写出了 {len(paras)} 段：删去模板中的空行")
    return paras[0] if paras else ""


PLACEHOLDER = re.compile(r"【待补充[:：]?([^】]*)】")
PASSAGES_DIR = "passages"


def passage_files(client: "Client | Path | str") -> dict[str, Path]:
    """The passages the county or consultant wrote for the sections the data cannot write: one text file
    per section in the client's ``passages/`` folder, named by the section's title (``产业链协作.txt``)
    or key (``dim3.txt``); hidden and Office lock files are ignored."""
    folder = Path(getattr(client, "folder", client) or ".") / PASSAGES_DIR
    if not folder.is_dir():
        return {}
    return {p.stem.strip(): p for p in sorted(folder.glob("*.txt"))
            if p.is_file() and not ignored(p.name)}


def supplied_passages(client: Client) -> dict[str, list[str]]:
    """Section title or key → the paragraphs supplied for it (a blank line separates paragraphs)."""
    out = {}
    for stem, path in passage_files(client).items():
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            text = path.read_text(encoding="gb18030", errors="replace")
        paras = [" ".join(b.split()) for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
        paras = ["".join(x.strip() for x in b.splitlines()) for b in paras]
        if paras:
            out[stem] = paras
    return out


def fill_placeholders(paragraphs: list[str], supplied: list[str] | None) -> list[str]:
    """The section's 【待补充：…】 passages replaced by what was supplied: the first placeholder gives way to the
    supplied paragraphs (after what its paragraph already says), further ones are dropped. Nothing
    supplied: the paragraphs as they are."""
    if not supplied:
        return list(paragraphs)
    out, done = [], False
    for p in paragraphs:
        if not PLACEHOLDER.search(p):
            out.append(p)
            continue
        rest = PLACEHOLDER.sub("", p).strip()
        if rest:
            out.append(rest)
        if not done:
            out += supplied
            done = True
    return out


def open_placeholders(narrative: "Narrative") -> list[tuple[str, str]]:
    """(section title, what to write) for each 【待补充】 passage still in the narrative."""
    return [(s.title, m.group(1).strip()) for s in narrative.sections for p in s.paragraphs
            for m in PLACEHOLDER.finditer(p)]


def _applicant_view(d: dict[str, Any]) -> dict[str, Any]:
    """The dimension as the applicant tells it: what it has and the standard it answers; no gaps, no
    note on thresholds not yet confirmed (those are the consultancy's diagnosis)."""
    def plain(r):
        return {**r, "unverified": False, "unverified_text": ""}

    return {**d, "gaps": [], "unverified": False, "strengths": [plain(r) for r in d["strengths"]],
            "results": [plain(r) for r in d["results"]]}


@functools.lru_cache(maxsize=8)
def _shared_environment(folder: str):
    return environment(Path(folder))


def shared_environment(folder: Path | str | None = None):
    """The one environment of this process for ``folder``: each template is compiled once, and again
    only when its file changes (Jinja checks the file's modification time on every use)."""
    return _shared_environment(str(Path(folder or narrative_dir()).resolve()))


def warm(folder: Path | str | None = None) -> int:
    """Compile every section's template and every other text template (``templates/**/*.j2``, read by
    ``render_text``) into the shared environments (the batch's kernel server does, so that every kernel
    forked from it starts with them compiled); returns how many."""
    env = shared_environment(folder)
    sections = sorted({t for _, t, _, _ in SECTIONS} | {p.name for p in Path(folder or narrative_dir()).glob("*.j2")})
    for template in sections:  # the macros a section imports too
        env.get_template(template)
    text_env = shared_environment(templates_dir())
    others = [p.relative_to(templates_dir()).as_posix() for p in sorted(templates_dir().rglob("*.j2"))
              if narrative_dir() not in p.parents]
    for name in others:
        text_env.get_template(name)
    return len(sections) + len(others)


def draft(client: Client, assessment: Assessment, *, folder: Path | str | None = None,
          applicant: bool = False) -> Narrative:
    """The narrative of every section, in the order of the form, with the passages supplied in the
    client's ``passages/`` folder in place of the 【待补充】 ones.

    ``applicant``: the text of the submission — the county's case, without gaps (下一步…), without notes
    on thresholds not yet confirmed; the default is the consultancy's draft, which keeps them."""
    env = shared_environment(folder)
    c = client_facts(client, assessment)
    a = assessment_facts(assessment)
    is_review = client.is_review or assessment.application_type == REVIEW
    typed = county_texts(client)
    supplied = supplied_passages(client)
    narrative = Narrative(client_id=client.id, cluster_name=c["cluster_name"])
    for key, template, title, dim in SECTIONS:
        if key in REVIEW_ONLY and not is_review:
            continue
        d = dimension_facts(assessment, dim)
        if dim is not None and 1 <= dim <= 8 and d["name"]:
            title = d["name"]
        if applicant:
            d = _applicant_view(d)
        ctx = {"c": c, "d": d, "a": a, "section_title": title}
        paras = render_section(env, template, ctx, section=title, typed=typed)
        paras = fill_placeholders(paras, supplied.get(title) or supplied.get(key))
        narrative.sections.append(Section(key, title, paras, template))
    return narrative
