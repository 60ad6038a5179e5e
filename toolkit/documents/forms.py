"""The Word documents of the application package, rendered with docxtpl (autoescape on, atomic).

- ``write_application(client, assessment, narrative, out)`` — 附件1 申报表 for a new application, or
  附件3 复核申报表 for a review (chosen by the client's 申报类型).
- ``write_evidence_checklist(client, assessment, out)`` — 佐证材料清单: every item present or missing;
  a missing file is listed, never a crash.
- ``render_form(name, context, out)`` — any template of ``templates/`` with a context that matches
  ``CONTEXT_SPEC[name]``; ``toolkit.province.tables`` uses it for 附件2 and 附件4.

``CONTEXT_SPEC`` declares, per template, the names (and fields) its context provides: the template
check (``clusterkit templates check``) compares each template's tags with it, and ``render_form``
refuses a context that does not match, so a template and the code never drift apart unnoticed.
Every value in a context is already text (numbers through ``toolkit.core.formatting``); none is None.

The forms are the applicant's documents for the province: facts, figures, narrative and evidence
references, never a verdict of ours, a readiness, a note on unverified thresholds, the tool's name or
version, or a file path (``SUBMISSION_FORBIDDEN``; ``clusterkit templates check`` and the package's
tests hold every submission document to it). Our diagnosis goes to the consultancy's documents.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path
from typing import Any

from toolkit.core import formatting as fmt
from toolkit.core.errors import TemplateError
from toolkit.intake import schema
from toolkit.intake.model import TIERS, Client
from toolkit.documents.narrative import Narrative, with_unit
from toolkit.core.clock import today as today_of
from toolkit.core.paths import templates_dir
from toolkit.intake.schema import indicator_rows
from toolkit.assess.measures import plan_actual, standard_text
from toolkit.assess.result import DIMENSION_NAMES, PASS, Assessment

S = ""  # a text value in a spec

APPLICATION, REVIEW_APPLICATION = "application.docx", "review_application.docx"
EVIDENCE_CHECKLIST = "evidence_checklist.docx"
PROVINCE_RECOMMENDATIONS, PROVINCE_REVIEWS = "province_recommendations.docx", "province_reviews.docx"
# The documents the province reads: held to SUBMISSION_FORBIDDEN by ``clusterkit templates check``.
SUBMISSION_TEMPLATES = (APPLICATION, REVIEW_APPLICATION, EVIDENCE_CHECKLIST, PROVINCE_RECOMMENDATIONS, PROVINCE_REVIEWS)

_FORM = {"attachment": S, "title": S, "round": S, "draft": S, "city_opinion": S}
DRAFT_MARK = "草稿"

# What a submission document (附件1/3, 佐证材料清单, 附件2/4) never says: our verdict words, readiness,
# unverified thresholds, gaps and what it takes, the tool's name, clause codes and paths.
SUBMISSION_FORBIDDEN = ("达标", "未达标", "待补证", "数据缺失", "符合条件", "准备度", "阈值待核实", "待核实",
                        "集群申报工具箱", "clusterkit", "下一步", "需再增加", "templates/", ".j2",
                        "评估结论", "尚未获取", "请以正式文件为准")
_CLUSTER = {"name": S, "place": S, "province": S, "city": S, "county": S, "leading_industry": S, "sub_field": S,
            "area": S, "applicant": S, "contact": S, "phone": S, "recommender": S, "application_type": S,
            "recognised_year": S, "brand": S, "operating_body": S}
_APPLICATION = {
    "form": _FORM,
    "cluster": _CLUSTER,
    "years": {"y1": S, "y2": S, "y3": S},
    "indicator_rows": [{"label": S, "unit": S, "v1": S, "v2": S, "v3": S}],
    "criteria_rows": [{"no": S, "title": S, "value": S, "standard": S, "evidence": S}],
    "basic_paragraphs": [S],
    "dimension_sections": [{"heading": S, "paragraphs": [S]}],
    "firm_rows": [{"no": S, "name": S, "tiers": S}],
    "platform_rows": [{"no": S, "name": S, "kind": S, "level": S}],
    "negative_rows": [{"no": S, "label": S, "answer": S, "note": S}],
    "negative_paragraphs": [S],
    "plan_rows": [{"no": S, "name": S, "unit": S, "base": S, "target": S, "actual": S, "status": S,
                   "base_text": S, "target_text": S}],
    "plan_paragraphs": [S],
    "completion_paragraphs": [S],
    "evidence": {"total": S},
}

CONTEXT_SPEC: dict[str, dict[str, Any]] = {
    APPLICATION: _APPLICATION,
    REVIEW_APPLICATION: _APPLICATION,
    EVIDENCE_CHECKLIST: {
        "form": _FORM,
        "cluster": _CLUSTER,
        "summary": {"total": S},
        "rows": [{"no": S, "title": S, "kinds": S, "file": S}],
    },
    PROVINCE_RECOMMENDATIONS: {
        "form": _FORM,
        "authority": S,
        "rows": [{"no": S, "name": S, "place": S, "industry": S, "applicant": S, "order": S}],
    },
    PROVINCE_REVIEWS: {
        "form": _FORM,
        "authority": S,
        "rows": [{"no": S, "name": S, "place": S, "recognised_year": S, "industry": S, "applicant": S,
                  "opinion": S, "reason": S}],
    },
}

# The province tables' notes (templates/province/*.j2, rendered by toolkit.province.tables), declared for
# ``clusterkit templates check``.
TEXT_SPEC: dict[str, dict[str, Any]] = {
    "recommendations_note.j2": {"n": {"recommender": S, "quota": S, "notice": S, "year": S}, "UNVERIFIED": S},
    "reviews_note.j2": {"UNVERIFIED": S},
}


def indicator_digits(row: dict) -> int:
    """Decimals an indicator shows in the forms' table: none for counts and 万元, two for the energy ratio."""
    if row["type"] == "integer" or row["unit"] == "万元":
        return 0
    return 2 if "/" in row["unit"] else 1


CN_NUMBERS = "一二三四五六七八九十"


def template_path(name: str) -> Path:
    return templates_dir() / name


# -- context checks -------------------------------------------------------------------------------
def conform(value: Any, spec: Any, where: str = "context") -> list[str]:
    """Differences between a context and its spec (missing or extra keys, None values, non-text)."""
    problems: list[str] = []
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            return [f"{where}: expected a mapping, found {type(value).__name__}"]
        for k in spec.keys() - value.keys():
            problems.append(f"{where}.{k}: missing")
        for k in value.keys() - spec.keys():
            problems.append(f"{where}.{k}: not declared in CONTEXT_SPEC")
        for k in spec.keys() & value.keys():
            problems += conform(value[k], spec[k], f"{where}.{k}")
    elif isinstance(spec, list):
        if not isinstance(value, list):
            return [f"{where}: expected a list, found {type(value).__name__}"]
        for i, item in enumerate(value):
            problems += conform(item, spec[0], f"{where}[{i}]")
    elif not isinstance(value, str):
        problems.append(f"{where}: expected text, found {value!r}")
    return problems


def render_form(name: str, context: dict[str, Any], out: Path | str, *, template: Path | str | None = None) -> Path:
    """Render the template ``name`` (from templates/, or ``template``) after checking the context."""
    from toolkit.documents.render import render

    spec = CONTEXT_SPEC.get(name)
    if spec is not None:
        problems = conform(context, spec)
        if problems:
            raise TemplateError(name, "the context does not match CONTEXT_SPEC: " + "; ".join(problems[:5]))
    return render(template or template_path(name), context, out)


# -- small helpers --------------------------------------------------------------------------------
def _t(x) -> str:
    return fmt.text_of(x)


def generated_stamp(today=None) -> str:
    """The 生成 line of a form or a province table: the date (``--today``, else the machine's) and the
    toolkit's version."""
    from toolkit import __version__

    return f"{fmt.date_cn(today_of(today))}（集群申报工具箱 {__version__}）"


def round_label(round_obj=None, assessment: Assessment | None = None) -> str:
    year = getattr(round_obj, "year", None) or round_obj or (assessment.round if assessment else None)
    return f"{year}年度" if year else ""


def cluster_context(client: Client) -> dict[str, str]:
    place = "".join(x for x in (_t(client.province), _t(client.city), _t(client.county)) if x)
    return {
        "name": _t(client.cluster_name),
        "place": place,
        "province": _t(client.province),
        "city": _t(client.city),
        "county": _t(client.county),
        "leading_industry": _t(client.get("leading_industry")),
        "sub_field": _t(client.sub_field),
        "area": with_unit(client.get("area_km2"), "km²"),
        "applicant": _t(client.get("applicant")),
        "contact": _t(client.get("contact_name")),
        "phone": _t(client.get("contact_phone")),
        "recommender": _t(client.recommender),
        "application_type": _t(client.application_type),
        "recognised_year": _t(client.recognised_year),
        "brand": _t(client.get("brand")),
        "operating_body": _t(client.get("operating_body")),
    }


def evidence_status(client: Client) -> list[dict[str, Any]]:
    """Each evidence item with whether its file is really there, checked now by ``toolkit.intake.evidence``
    (inside the client's evidence/ folder, no link out): ``resolved`` is what to open, when present."""
    from toolkit.intake import evidence

    items = []
    for e in client.evidence:
        file = _t(e.file)
        found = evidence.resolve(client.folder, file) if file else None
        present = bool(found and found.ok)
        items.append({"item": e, "file": file, "path": found.path if present else None, "present": present,
                      "resolved": found if present else None})
    return items


# -- 附件1 / 附件3 ----------------------------------------------------------------------------------
def evidence_file_name(number: int, src: Path | str) -> str:
    """The name an evidence file has in the package, numbered as the 佐证材料清单 lists it:
    ``03_统计局产值证明.pdf`` for item 3 (the one owner of that name)."""
    from toolkit.core.naming import safe_name

    src = Path(src)
    suffix = src.suffix.lower() if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", src.suffix) else ""
    return f"{number:02d}_{safe_name(src.stem, 'file')}{suffix}"


def _criterion_kinds(assessment: Assessment) -> dict[str, list[str]]:
    """Criterion id → the evidence kinds the rulebook says support it ({} when the rulebook cannot be read)."""
    from toolkit.assess.rulebook import load_rulebook

    try:
        book = load_rulebook(assessment.rulebook)
    except Exception:  # a rulebook given as a path no longer there: the column stays blank
        return {}
    return {c.id: list(c.evidence or []) for c in book.criteria}


def evidence_numbers(client: Client, assessment: Assessment) -> dict[str, str]:
    """Criterion id → the 佐证材料清单 numbers of the items that prove it (items with a file, whose kinds
    the criterion names), e.g. {"1.2": "1、3"}."""
    kinds = _criterion_kinds(assessment)
    ev = evidence_status(client)
    out = {}
    for r in assessment.results:
        want = set(kinds.get(r.id, []))
        nos = [str(i) for i, x in enumerate(ev, 1) if x["present"] and want & set(x["item"].kinds)]
        out[r.id] = "、".join(nos)
    return out


def form_header(client: Client, *, draft: bool, attachment: str = "", title: str = "", round_text: str = "") -> dict:
    from toolkit.documents.authorities import city_opinion

    return {"attachment": attachment, "title": title, "round": round_text, "draft": DRAFT_MARK if draft else "",
            "city_opinion": "是" if city_opinion(client.province) else ""}


_OUR_NOTE = re.compile(r"（[^（）]*(?:待核实|未获取|暂按|参照|按《)[^（）]*）")


def applicant_title(title: str) -> str:
    """A criterion's title as the applicant cites the standard: without our notes on what is not yet
    confirmed (（国家阈值待核实，暂按10%）, （标准原文未获取…）) and without the word 阈值 standing for a
    number the 认定标准 column gives: 年均增速超过阈值 → 年均增速."""
    t = _OUR_NOTE.sub("", _t(title))
    return re.sub(r"(?:超过|达到|不低于)阈值", "", t).strip()


def _row_value(r) -> str:
    """A criterion's value at the precision of its unit: one precision per row of the table."""
    unit = r.unit or ""
    return with_unit(r.value, unit, 2 if unit not in ("亿元", "万元", "%") else 1)


def application_context(client: Client, assessment: Assessment, narrative: Narrative, *, round=None,
                        today: _dt.date | None = None, draft: bool = False) -> dict[str, Any]:
    review = client.is_review
    years = list(client.years)[-3:]
    while len(years) < 3:
        years.insert(0, None)
    table = []
    for row in indicator_rows():
        key, digits = row["id"], indicator_digits(row)
        series = client.series(key)
        vals = fmt.row_numbers([series.get(y) if y is not None else None for y in years], digits)
        if key in client.indicators or any(vals):
            table.append({"label": row["label"], "unit": row["unit"], "v1": vals[0], "v2": vals[1], "v3": vals[2]})

    numbers = evidence_numbers(client, assessment)
    criteria_rows = []
    ordered = sorted((r for r in assessment.results if r.dimension != 0),
                     key=lambda r: (r.dimension == 9, r.dimension, r.id))
    for i, r in enumerate(ordered, 1):
        criteria_rows.append({
            "no": str(i), "title": applicant_title(r.title), "value": _row_value(r),
            "standard": standard_text(r.operator, r.threshold, r.unit or "") or "见认定标准",
            "evidence": numbers.get(r.id, ""),
        })

    sections = {s.key: s for s in narrative.sections}
    dimension_sections = []
    for n in range(1, 9):
        s = sections.get(f"dim{n}")
        if s is not None:
            dimension_sections.append({"heading": f"（{CN_NUMBERS[n - 1]}）{s.title}", "paragraphs": list(s.paragraphs)})

    order = ["champion", "little_giant", "specialised", "innovative", "high_tech"]
    firms = [f for f in client.firms if f.tiers and _t(f.name)]
    firms.sort(key=lambda f: min(order.index(t) for t in f.tiers if t in order) if f.tiers & set(order) else 9)
    firm_rows = [{"no": str(i), "name": _t(f.name),
                  "tiers": "、".join(TIERS[t] for t in order if t in f.tiers)} for i, f in enumerate(firms, 1)]
    platform_rows = [{"no": str(i), "name": _t(p.name), "kind": _t(p.kind), "level": _t(p.level)}
                     for i, p in enumerate([p for p in client.platforms if _t(p.name)], 1)]
    negative_rows = [{"no": str(i), "label": _t(n.label),
                      "answer": "是" if n.occurred else ("否" if n.occurred is False else "未填写"), "note": _t(n.note)}
                     for i, n in enumerate(client.negative, 1)]

    from toolkit.documents.narrative import plan_target_facts

    plan_rows = []
    for i, t in enumerate([t for t in client.plan if _t(t.name)], 1):
        f = plan_target_facts(client, t)
        actual = plan_actual(client, t)[0]
        base, target, shown_actual = fmt.row_numbers([t.base_value, t.target_value, actual], 2)
        plan_rows.append({
            "no": str(i), "name": f["name"], "unit": f["unit"], "base": base, "target": target,
            "actual": shown_actual, "status": f["status"],
            "base_text": f"{base}（{f['base_year']}年）" if base else "",
            "target_text": f"{target}（{f['target_year']}年）" if target else "",
        })

    ev = evidence_status(client)

    def paras(key: str) -> list[str]:
        return list(sections[key].paragraphs) if key in sections else []

    return {
        "form": form_header(client, draft=draft, attachment="附件3" if review else "附件1",
                            title="中小企业特色产业集群复核申报表" if review else "中小企业特色产业集群申报表",
                            round_text=round_label(round, assessment)),
        "cluster": cluster_context(client),
        "years": {"y1": str(years[0] or ""), "y2": str(years[1] or ""), "y3": str(years[2] or "")},
        "indicator_rows": table,
        "criteria_rows": criteria_rows,
        "basic_paragraphs": paras("basic"),
        "dimension_sections": dimension_sections,
        "firm_rows": firm_rows,
        "platform_rows": platform_rows,
        "negative_rows": negative_rows,
        "negative_paragraphs": paras("negative"),
        "plan_rows": plan_rows,
        "plan_paragraphs": paras("plan"),
        "completion_paragraphs": paras("plan_completion"),
        "evidence": {"total": str(len(ev))},
    }


def application_template(client: Client) -> str:
    return REVIEW_APPLICATION if client.is_review else APPLICATION


def application_filename(client: Client) -> str:
    return "附件3_复核申报表.docx" if client.is_review else "附件1_申报表.docx"


def write_application(client: Client, assessment: Assessment, narrative: Narrative, out: Path | str, *,
                      round=None, today=None, draft: bool = False) -> Path:
    ctx = application_context(client, assessment, narrative, round=round, today=today, draft=draft)
    return render_form(application_template(client), ctx, out)


# -- 佐证材料清单 -----------------------------------------------------------------------------------
def _still_needed(assessment: Assessment) -> list[dict[str, str]]:
    """What the criteria not yet met still need (evidence or data), one row per item."""
    rows = []
    for r in assessment.results:
        if r.verdict != PASS:
            dim = _t(r.dimension_name) or DIMENSION_NAMES.get(r.dimension, "")
            rows += [{"title": _t(m), "criterion": f"{_t(r.id)} {dim}".strip(), "reason": "评估所需、尚未提供"}
                     for m in r.missing if _t(m)]
    return rows


def _listing(lead: str, items: list[str], most: int = 8) -> str:
    """'lead：a、b、c。' (at most ``most`` items, then 等), or '' when there are none."""
    if not items:
        return ""
    return lead + "、".join(items[:most]) + ("等。" if len(items) > most else "。")


def evidence_context(client: Client, assessment: Assessment, *, round=None, today=None,
                     draft: bool = False) -> dict[str, Any]:
    """The 佐证材料清单 the province reads: every item, numbered as its file is in the package."""
    labels = schema.evidence_kinds()
    ev = evidence_status(client)
    rows = []
    for i, x in enumerate(ev, 1):
        e = x["item"]
        rows.append({"no": str(i), "title": _t(e.title) or "（未命名材料）",
                     "kinds": "、".join(labels.get(k, _t(k)) for k in e.kinds if _t(k)),
                     "file": evidence_file_name(i, x["path"]) if x["present"] else "（纸质材料另附）"})
    return {
        "form": form_header(client, draft=draft, title="佐证材料清单", round_text=round_label(round, assessment)),
        "cluster": cluster_context(client),
        "summary": {"total": str(len(ev))},
        "rows": rows,
    }


def still_needed(assessment: Assessment) -> list[dict[str, str]]:
    """What the criteria not yet met still need (evidence or data), one row per item: for the
    consultancy's diagnosis, never for the forms."""
    return _still_needed(assessment)


def write_evidence_checklist(client: Client, assessment: Assessment, out: Path | str, *, round=None,
                             today=None, draft: bool = False) -> Path:
    return render_form(EVIDENCE_CHECKLIST, evidence_context(client, assessment, round=round, today=today, draft=draft),
                       out)
