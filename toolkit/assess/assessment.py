"""Assess a client against a rulebook: verdicts with provenance, and what it takes to pass.

``assess(client, rulebook=None, round=None, *, western_relaxation=False) -> Assessment``

Per criterion (``toolkit.assess.result.CriterionResult``): the verdict, the value with its formula written
out with the numbers, the threshold and margin, the inputs with their cells (file › sheet › cell), the
clause, whether the threshold is verified (阈值待核实 otherwise), and what it takes to pass.

Verdicts:

* 达标 — the number passes and the evidence it needs is provided;
* 未达标 — the number does not pass (also a plan target not reached);
* 待补证 — an evidence requirement (or a passing number's proof) is missing: the missing items are
  listed by their Chinese labels;
* 数据缺失 — an input is blank: the missing cells are listed (never a crash, never a silent pass);
* 一票否决 — a 负面清单 item answered 是.

Overall (``Assessment.overall``):

* 不符合条件 — a veto, or a failed *hard* criterion (thresholds marked 阈值待核实 count, flagged);
* 待补充完善 — nothing hard failed, but evidence or data is missing or a soft criterion (area "一般不超过",
  the review's plan targets) is not met: a consultant must complete or explain it;
* 符合条件 — every criterion 达标.

The readiness score (``toolkit.assess.readiness``) is computed beside it and never changes it.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

from toolkit import __version__
from toolkit.core import formatting as fmt
from toolkit.intake import schema
from toolkit.assess import readiness
from toolkit.assess.measures import (FACTS, GROWTH_METHODS, OPERATORS, Measurement, evidence_listed_not_found,
                                     evidence_present, measure, operator_word, plan_achievement, plan_actual, row_cell,
                                     standard_text, what_it_takes)
from toolkit.intake.model import Client
from toolkit.assess.rounds import Round, load_round
from toolkit.assess.rounds import copy_round
from toolkit.assess.rulebook import Comparison, Criterion, Rulebook, default_rulebook, load_rulebook
from toolkit.assess.result import (ELIGIBLE, FAIL, INCOMPLETE, MISSING_DATA, NEEDS_EVIDENCE, NOT_ELIGIBLE, PASS,
                              SCHEMA_VERSION, UNVERIFIED_NOTE, VETO, Assessment, CriterionResult, DimensionSummary,
                              InputRef)

# worst first: the verdict a dimension shows is the worst of its criteria
SEVERITY = {VETO: 4, FAIL: 3, MISSING_DATA: 2, NEEDS_EVIDENCE: 1, PASS: 0}


def _check_evidence(client: Client, c: Criterion) -> tuple[list[str], list[InputRef]]:
    """Missing evidence items (Chinese labels, with the cell of a listed-but-absent file) and the present ones."""
    labels = schema.evidence_kinds()
    missing, present = [], []
    for kind in c.evidence:
        found = evidence_present(client, kind)
        if found:
            present.extend(found)
            continue
        label = labels.get(kind, kind)
        why = evidence_listed_not_found(client, kind)
        missing.append(f"{label}" + (f"（{'；'.join(why)}）" if why else "（佐证材料表中未列出）"))
    for fact in c.facts:
        label, check = FACTS[fact]
        found = check(client)
        if found:
            present.extend(found)
        else:
            missing.append(label)
    return missing, present


def _result(c: Criterion, rb: Rulebook, **kw) -> CriterionResult:
    return CriterionResult(id=c.id, dimension=c.dimension, dimension_name=rb.dimensions.get(c.dimension, ""),
                           title=c.title, clause=c.clause, kind=c.kind, verified=c.verified, hard=c.hard,
                           note=c.note, **kw)


def _compare(m: Measurement, cmp: Comparison) -> tuple[bool, float]:
    ok = OPERATORS[cmp.operator](m.value, cmp.threshold)
    margin = m.value - cmp.threshold if cmp.operator in (">=", ">", "==") else cmp.threshold - m.value
    return ok, margin


def _threshold_text(cmp: Comparison) -> str:
    return standard_text(cmp.operator, cmp.threshold, cmp.unit)


def _quantitative(client: Client, c: Criterion, rb: Rulebook) -> CriterionResult:
    comps = c.comparisons
    measured = [(cmp, measure(cmp.measure, client, rb.settings)) for cmp in comps]
    inputs: list[InputRef] = []
    seen = set()
    for _, m in measured:
        for i in m.inputs:
            key = (i.name, i.source)
            if key not in seen:
                seen.add(key)
                inputs.append(i)
    ev_missing, ev_present = _check_evidence(client, c)
    if any(m.value is None for _, m in measured) and not any(
            m.value is not None and _compare(m, cmp)[0] for cmp, m in measured):
        cmp, m = measured[0]
        missing = list(dict.fromkeys(x for _, m in measured for x in m.missing))  # any_of: a gap named once
        return _result(c, rb, verdict=MISSING_DATA, measure=cmp.measure, operator=cmp.operator, threshold=cmp.threshold,
                       unit=cmp.unit, inputs=inputs, missing=missing + ev_missing,
                       what_it_takes="需补填：" + "；".join(missing))
    outcomes = [(cmp, m, *_compare(m, cmp)) for cmp, m in measured if m.value is not None]
    passing = [o for o in outcomes if o[2]]
    if passing:
        cmp, m, ok, margin = passing[0]
    else:  # the branch closest to passing, by value ÷ threshold
        def closeness(o):
            cmp_, m_ = o[0], o[1]
            if cmp_.threshold == 0:
                return 0.0
            r = m_.value / cmp_.threshold
            return r if cmp_.operator in (">=", ">") else (1 / r if r else 0.0)
        cmp, m, ok, margin = max(outcomes, key=closeness)
    if len(comps) > 1:
        formula = "；".join(f"{mm.formula}（需{_threshold_text(cc)}）" for cc, mm in measured) + "；满足其一即可"
    else:
        formula = f"{m.formula}；标准：{_threshold_text(cmp)}"
    if c.formula and len(comps) == 1 and "settings" not in c.formula:
        formula = f"{formula}（口径：{c.formula}）"
    if ok:
        verdict = PASS if not ev_missing else NEEDS_EVIDENCE
        take = "" if not ev_missing else "数值达标，需补充证明材料：" + "；".join(ev_missing)
    else:
        verdict = FAIL
        takes = [what_it_takes(cc.measure, mm, cc.operator, cc.threshold, cc.unit)
                 for cc, mm in measured if mm.value is not None]
        take = takes[0] if len(takes) == 1 else "任选其一：" + "；或".join(takes)
        if ev_missing:
            take += "；另需补充证明材料：" + "；".join(ev_missing)
    return _result(c, rb, verdict=verdict, measure=cmp.measure, value=m.value, operator=cmp.operator,
                   threshold=cmp.threshold, unit=cmp.unit, margin=margin, formula=formula, inputs=inputs + ev_present,
                   what_it_takes=take, missing=ev_missing)


def _evidence(client: Client, c: Criterion, rb: Rulebook) -> CriterionResult:
    missing, present = _check_evidence(client, c)
    verdict = PASS if not missing else NEEDS_EVIDENCE
    take = "" if not missing else "需补充：" + "；".join(missing)
    return _result(c, rb, verdict=verdict, inputs=present, missing=missing, what_it_takes=take)


def _negative(client: Client, c: Criterion, rb: Rulebook) -> CriterionResult:
    by_id = {n.id: n for n in client.negative}
    inputs, vetoes, unanswered = [], [], []
    for item in c.items:
        n = by_id.get(item)
        if n is None or n.occurred is None:
            where = f"{n.source}" if n is not None and n.source else "intake.xlsx › 负面清单"
            label = n.label if n is not None else item
            unanswered.append(f"{where}（{label}）未填写“是/否”")
            continue
        inputs.append(InputRef(n.label, "是" if n.occurred else "否", str(n.source) if n.source else None))
        if n.occurred:
            vetoes.append(n.label + (f"（{n.note}）" if n.note else ""))
    if vetoes:
        r = _result(c, rb, verdict=VETO, inputs=inputs, missing=[],
                    what_it_takes="负面清单事项一票否决，无法通过补充材料弥补：" + "；".join(vetoes))
        r.note = "；".join(filter(None, [c.note, "申报前请核实事项的认定级别（较大及以上/重大及以上）"]))
        return r
    if unanswered:
        return _result(c, rb, verdict=MISSING_DATA, inputs=inputs, missing=unanswered,
                       what_it_takes="需补填：" + "；".join(unanswered))
    return _result(c, rb, verdict=PASS, inputs=inputs)


def _plan_columns() -> dict[str, str]:
    return {col["id"]: chr(ord("A") + i) for i, col in enumerate(schema.sheet("plan")["columns"])}


def _plan(client: Client, c: Criterion, rb: Rulebook) -> list[CriterionResult]:
    consequence = rb.consequence or ""
    basis = c.note
    if not client.plan:
        return [_result(c, rb, verdict=MISSING_DATA, measure=c.measure, operator=c.operator, threshold=c.threshold,
                        unit=c.unit, missing=["intake.xlsx › 发展规划：未填写三年发展规划目标"],
                        what_it_takes="需补填发展规划目标（基期值、目标值、实际完成值）")]
    cols = _plan_columns()
    out = []
    for k, t in enumerate(client.plan, start=1):
        rid = f"{c.id}.{k}"
        cell = {key: row_cell(t.source, cols[key]) if key in cols else (str(t.source) if t.source else None)
                for key in ("base_value", "target_value", "actual_value")}
        actual, actual_src, actual_note = plan_actual(client, t, cell["actual_value"])
        inputs, missing = [], []
        for label, value, src in (("基期值", t.base_value, cell["base_value"]),
                                  ("目标值", t.target_value, cell["target_value"]),
                                  ("实际完成值", actual, actual_src)):
            if value is None:
                missing.append(f"{src or 'intake.xlsx › 发展规划'}（{t.name} {label}）未填写")
            else:
                inputs.append(InputRef(f"{t.name}{label}", value, src))
        title = f"规划目标：{t.name}（{t.base_year or '基期'}→{t.target_year or '目标年'}，{'越高越好' if t.higher_is_better else '越低越好'}）"
        base = dict(verdict=MISSING_DATA, measure=c.measure, operator=c.operator, threshold=c.threshold, unit="%",
                    inputs=inputs)
        if missing:
            r = _result(c, rb, missing=missing, what_it_takes="需补填：" + "；".join(missing), **base)
            r.id, r.title = rid, title
            out.append(r)
            continue
        b, tg, a = float(t.base_value), float(t.target_value), float(actual)
        ach, met_target = plan_achievement(b, tg, a, t.higher_is_better)
        notes = [actual_note] if actual_note else []
        if abs(tg - b) < 1e-12:
            formula = (f"目标值等于基期值（{fmt.number(b, 2)}{t.unit}），按实际完成值{fmt.number(a, 2)}{t.unit}"
                       f"是否{'达到' if t.higher_is_better else '不高于'}目标值判断：完成度记为{fmt.number(ach)}%")
        else:
            formula = (f"完成度 = (实际 − 基期) ÷ (目标 − 基期) × 100% = ({fmt.number(a, 2)} − {fmt.number(b, 2)}) ÷ "
                       f"({fmt.number(tg, 2)} − {fmt.number(b, 2)}) × 100% = {fmt.number(ach, 1)}%")
            if (tg > b) != t.higher_is_better:
                notes.append(f"目标值{'高于' if tg > b else '低于'}基期值，与“{'越高越好' if t.higher_is_better else '越低越好'}”"
                             f"的方向不一致，请核实发展规划表中的方向。")
        ok = OPERATORS[c.operator](ach, c.threshold) and met_target
        gap = abs(tg - a)
        amount = fmt.points(gap, 2) if t.unit in ("%", "％") else f"{fmt.number(gap, 2)}{t.unit}"
        take = "" if ok else (f"{t.name}实际完成值需再{'提高' if t.higher_is_better else '降低'}"
                              f"{amount}（达到目标值{fmt.number(tg, 2)}{t.unit}，"
                              f"当前完成度{fmt.number(ach, 1)}%）")
        r = _result(c, rb, **{**base, "verdict": PASS if ok else FAIL, "value": ach, "margin": ach - c.threshold,
                                "formula": formula + f"；达标：完成度{operator_word(c.operator)}{fmt.number(c.threshold)}%"},
                    what_it_takes=take)
        r.id, r.title = rid, title
        # The consequence (撤销认定) is for the consultant and the county's leaders (note, settings,
        # memo), not for "what it takes", which the county's own review form quotes.
        r.note = "；".join(filter(None, notes + [basis] + ([consequence] if not ok else [])))
        out.append(r)
    return out


def _apply_relaxation(rb: Rulebook, rnd: Round | None, client: Client, on: bool) -> tuple[dict[str, dict], list[str]]:
    """Which thresholds the western relaxation changes for this client, and the settings text."""
    if not on:
        return {}, []
    name = "西部地区放宽"
    if rnd is not None:
        if rnd.western_relaxation.available is False:
            return {}, [f"{name}：已开启，但{rnd.label}通知未提及西部地区放宽，未改变任何阈值"]
    if client.region != "西部":
        return {}, [f"{name}：已开启，但{client.province or '该客户所在省份'}不属于西部地区，未改变任何阈值"]
    overrides = {**(rnd.western_relaxation.overrides if rnd is not None else {}), **rb.western_relaxation}
    valid = {cid: ch for cid, ch in overrides.items() if any(c.id == cid for c in rb.criteria)}
    where = f"{rnd.label}通知（{rnd.western_relaxation.text or '西部地区可适当放宽'}）" if rnd is not None else "规则库"
    if rnd is not None and rnd.western_relaxation.available is None:
        where += "，该年度是否允许放宽未获取"
    if not valid:
        return {}, [f"{name}：已开启（依据：{where}）；通知未给出放宽后的数值，本次未改变任何阈值"]
    changed = "；".join(f"{cid} 阈值改为{ch['threshold']}（来源：{ch.get('source', '未注明')}）" for cid, ch in valid.items())
    return valid, [f"{name}：已开启（依据：{where}）；{changed}；放宽数值由咨询方配置，阈值待核实"]


def overall_verdict(results: list[CriterionResult]) -> str:
    """符合条件 when every criterion is 达标; 不符合条件 on a veto or a failed hard criterion; else 待补充完善."""
    if any(r.verdict == VETO for r in results) or any(r.verdict == FAIL and r.hard for r in results):
        return NOT_ELIGIBLE
    if any(r.verdict != PASS for r in results):
        return INCOMPLETE
    return ELIGIBLE


def assess(client: Client, rulebook=None, round=None, *, western_relaxation: bool = False) -> Assessment:
    """Assess ``client`` against ``rulebook`` (id, path, Rulebook, or None for the default) in ``round``."""
    rb = load_rulebook(rulebook if rulebook is not None else default_rulebook(client))
    # a copy, so switching the relaxation on for this assessment leaves the caller's Round as it was
    rnd = copy_round(load_round(round)) if round is not None else None
    relax, relax_text = _apply_relaxation(rb, rnd, client, western_relaxation)

    results: list[CriterionResult] = []
    for c in rb.criteria:
        change = relax.get(c.id)
        if change is not None:
            import dataclasses

            c = dataclasses.replace(c, threshold=float(change["threshold"]),
                                    verified=change.get("confidence") == "H" and bool(change.get("verified", False)),
                                    note="；".join(filter(None, [c.note, f"西部地区放宽：阈值改为{change['threshold']}"
                                                                          f"（{change.get('source', '来源未注明')}）"])))
        if c.kind == "quantitative":
            r = _quantitative(client, c, rb)
        elif c.kind == "evidence":
            r = _evidence(client, c, rb)
        elif c.kind == "negative":
            r = _negative(client, c, rb)
        else:
            results.extend(_plan(client, c, rb))
            continue
        if change is not None:
            r.settings.append("西部地区放宽")
        results.append(r)

    weights = rb.readiness.get("weights") or {d: 1.0 for d in range(1, 9)}
    cap = rb.readiness.get("cap_on_fail", readiness.DEFAULT_CAP)
    score, score_note = readiness.overall_score(results, weights, cap)

    dims = []
    order = sorted({r.dimension for r in results}, key=lambda d: (d == 0, d))
    for d in order:
        rs = [r for r in results if r.dimension == d]
        worst = max(rs, key=lambda r: SEVERITY[r.verdict]).verdict
        dims.append(DimensionSummary(d, rb.dimensions.get(d, ""), worst, sum(r.passed for r in rs), len(rs),
                                     readiness.dimension_score(rs)))

    method = rb.settings.get("growth_method", "cagr")
    settings = [f"规则库：{rb.id}（版本{rb.version}，{rb.title}）" + (f"，继承自{' → '.join(rb.chain[:-1])}" if len(rb.chain) > 1 else ""),
                f"年均增速计算方式：{GROWTH_METHODS[method]}",
                f"占比及普及率取最新年度（{client.latest_year}年）" if client.years else "占比及普及率取最新年度"]
    if rnd is not None:
        settings.append(f"申报年度：{rnd.label}（{rnd.notice or '通知文号未获取'}）")
        if client.years and client.latest_year != rnd.year - 1:
            # "近三年" of a round is the three years before it: data of other years is a wrong workbook
            # or a wrong --round, and the verdicts would answer the wrong question.
            settings.append(f"指标年度：{client.years[0]}—{client.latest_year}年，{rnd.label}的近三年通常为"
                            f"{rnd.year - 3}—{rnd.year - 1}年，请核实工作簿或申报年度")
    settings += relax_text
    if rnd is not None and client.is_review:
        ry = client.recognised_year
        if rnd.review_batch is None:
            settings.append(f"复核批次：{rnd.label}未安排复核（或未获取），请核实")
        elif ry is not None and str(ry) != str(rnd.review_batch):
            settings.append(f"复核批次：{rnd.label}复核{rnd.review_batch}年度认定的集群，该集群认定年度为{ry}年，不在本年度复核范围")
        else:
            settings.append(f"复核批次：{rnd.label}复核{rnd.review_batch}年度认定的集群")
    if rb.consequence:
        settings.append(f"复核：{rb.consequence}")
    settings += [f"规则说明：{n}" for n in rb.notes]
    if score_note:
        settings.append(f"准备度：{score_note}")

    return Assessment(
        schema_version=SCHEMA_VERSION, client_id=client.id, cluster_name=client.cluster_name,
        province=client.province, county=client.county, application_type=client.application_type,
        rulebook=rb.id, rulebook_version=rb.version, round=str(rnd.year) if rnd is not None else None,
        overall=overall_verdict(results), readiness=score, results=results, dimensions=dims, settings=settings,
        unverified=[r.id for r in results if not r.verified],
        generated_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), toolkit_version=__version__,
        growth_method=method,
    )


# ---------------------------------------------------------------------------------------------
# output

def write_json(assessment: Assessment, path: Path | str) -> Path:
    from toolkit.core.atomic import write_text

    return write_text(path, json.dumps(assessment.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n")


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


def _pad(s: str, w: int) -> str:
    if _width(s) > w:
        out = ""
        for ch in s:
            if _width(out + ch + "…") > w:
                break
            out += ch
        s = out + "…"
    return s + " " * (w - _width(s))


def format_table(a: Assessment) -> str:
    """The assessment as a readable Chinese table, with what it takes and the source cells."""
    lines = [f"{a.cluster_name}（{a.province}{a.county}，{a.application_type}）",
             f"结论：{a.overall}    准备度：{fmt.number(a.readiness)}分（不代替资格判断）"]
    for s in a.settings:
        lines.append(f"  · {s}")
    cols = [("条款", 7), ("指标", 34), ("结论", 8), ("实际值", 12), ("标准", 16), ("差距", 14), ("核实", 10)]
    head = " ".join(_pad(n, w) for n, w in cols)
    lines += ["", head, "─" * _width(head)]
    for d in a.dimensions:
        lines.append(f"【{d.dimension if d.dimension else '负面清单'}{'' if d.dimension == 0 else ' ' + d.name}】"
                     f"{d.verdict}  {d.passed}/{d.total}项达标  分项得分{fmt.number(d.score)}")
        for r in (x for x in a.results if x.dimension == d.dimension):
            value = fmt.with_unit(r.value, r.unit, 2) if r.value is not None else ""
            thr = standard_text(r.operator, r.threshold, r.unit)
            if r.margin is None:
                margin = ""
            elif r.unit == "%":
                margin = ("+" if r.margin >= 0 else "−") + fmt.points(r.margin, 2)
            else:
                margin = ("+" if r.margin >= 0 else "−") + fmt.with_unit(abs(r.margin), r.unit, 2)
            row = [r.id, r.title, r.verdict, value, thr, margin, "" if r.verified else UNVERIFIED_NOTE]
            lines.append(" ".join(_pad(str(x), w) for x, (_, w) in zip(row, cols)))
            if r.formula:
                lines.append(f"        计算：{r.formula}")
            if r.what_it_takes:
                lines.append(f"        补足所需：{r.what_it_takes}")
            srcs = [f"{i.name}={i.value if not isinstance(i.value, float) else fmt.number(i.value, 2)}（{i.source}）"
                    for i in r.inputs if i.source][:4]
            if srcs and r.kind in ("quantitative", "plan"):
                more = len([i for i in r.inputs if i.source]) - len(srcs)
                lines.append("        来源：" + "；".join(srcs) + (f" 等{more + len(srcs)}项" if more > 0 else ""))
            if r.note and (not r.verified or r.verdict != PASS):
                lines.append(f"        说明：{r.note}")
    if a.unverified:
        lines += ["", f"阈值待核实：{'、'.join(a.unverified)}（数值或条款未经官方原文核实，请对照通知确认）"]
    return "\n".join(lines)

