"""Assess a client against a rulebook: verdicts with provenance, and what it takes to pass.

``assess(client, rulebook=None, round=None, *, western_relaxation=False) -> Assessment``

Per criterion (``toolkit.assess.result.CriterionResult``): the verdict, the value with its formula written
out with the numbers, the threshold and margin, the inputs with their cells (file › sheet › cell), the
clause and the document it comes from, whether the threshold is verified (阈值待核实 otherwise), what it
takes to pass, and the computation trace (``trace``, 计算过程: inputs with their cells, formula,
intermediate values, rounding, comparison). Comparisons are exact (``toolkit.assess.exact``): a county
exactly on a 不低于 line passes it, exactly on a 超过 line does not.

Verdicts:

* 达标 — the number passes and the evidence it needs is provided;
* 未达标 — the number does not pass (also a plan target not reached; also a known year that already
  fails while another is blank);
* 待补证 — an evidence requirement (or a passing number's proof) is missing, or the number passes only on
  counts declared without names: the missing items are listed by their Chinese labels;
* 数据缺失 — an input is blank: the cells to fill are listed (never a crash, never a silent pass);
* 数据有误 — an input cannot be right, or is implausible for one county (385000 in a 亿元 row, a ten-fold
  jump, 0.7 for 70%): the cell is named with why (never a silent 达标);
* 一票否决 — a 负面清单 item answered 是.

Overall (``Assessment.overall``):

* 不符合条件 — a veto, or a failed *hard* criterion (thresholds marked 阈值待核实 count, and the headline
  says so when the verdict rests on them only: 不符合条件（4.1的阈值待核实）);
* 待补充完善 — nothing hard failed, but evidence or data is missing or a soft criterion (area "一般不超过",
  the review's plan targets) is not met: a consultant must complete or explain it;
* 符合条件 — every criterion 达标.

While any input the criteria read is blank or wrong the verdict is provisional: ``Assessment.headline``
reads 初步判断：… with how complete the data is (已填写 N/M 项).

The readiness score (``toolkit.assess.readiness``) is computed beside it and never changes it.

Over 500 lines: every kind of verdict (quantitative, evidence, negative list, plan target) is decided
here with its computation trace, so that one module answers "why this verdict" for every criterion;
the measures, exact arithmetic and readiness it uses live in their own modules.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from toolkit import __version__
from toolkit.core import formatting as fmt
from toolkit.intake import schema
from toolkit.assess import exact as ex
from toolkit.assess import readiness
from toolkit.assess.measures import (GROWTH_METHODS, Measurement, check_fact, evidence_listed_not_found, evidence_present,
                                     measure, operator_word, plan_actual, plan_progress, plan_ratio, row_cell,
                                     standard_text, what_it_takes)
from toolkit.intake.model import Client
from toolkit.assess.rounds import Round, load_round
from toolkit.assess.rounds import copy_round
from toolkit.assess.rulebook import Comparison, Criterion, Rulebook, default_rulebook, load_rulebook
from toolkit.assess.result import (ELIGIBLE, FAIL, INCOMPLETE, MISSING_DATA, NEEDS_EVIDENCE, NOT_ELIGIBLE, PASS,
                                   PROVISIONAL, SCHEMA_VERSION, UNVERIFIED_NOTE, VETO, WRONG_DATA, Assessment,
                                   CriterionResult, DimensionSummary, InputRef, trace_lines)

# worst first: the verdict a dimension shows is the worst of its criteria
SEVERITY = {VETO: 5, FAIL: 4, WRONG_DATA: 3, MISSING_DATA: 2, NEEDS_EVIDENCE: 1, PASS: 0}


@dataclass
class _Proof:
    """What an evidence requirement found: items missing (待补证), facts the data contradicts (未达标),
    fields left blank (数据缺失), and the inputs that support it."""

    missing: list[str]
    unmet: list[str]
    blank: list[str]
    present: list[InputRef]


def _check_evidence(client: Client, c: Criterion) -> _Proof:
    labels = schema.evidence_kinds()
    proof = _Proof([], [], [], [])
    for kind in c.evidence:
        found = evidence_present(client, kind)
        if found:
            proof.present.extend(found)
            continue
        label = labels.get(kind, kind)
        why = evidence_listed_not_found(client, kind)
        proof.missing.append(f"{label}" + (f"（{'；'.join(why)}）" if why else "（佐证材料表中未列出）"))
    for fact in c.facts:
        got = check_fact(client, fact)
        proof.present.extend(got.inputs)
        if got.state == "unmet":
            proof.unmet.append(got.why)
        elif got.state == "missing":
            proof.blank.append(got.why)
        elif got.state == "absent":
            proof.missing.append(got.why)
    return proof


def _result(c: Criterion, rb: Rulebook, **kw) -> CriterionResult:
    return CriterionResult(id=c.id, dimension=c.dimension, dimension_name=rb.dimensions.get(c.dimension, ""),
                           title=c.title, clause=c.clause, kind=c.kind, verified=c.verified, hard=c.hard,
                           note=c.note, reference=str(c.reference) if c.reference else "", **kw)


def _threshold_text(cmp: Comparison) -> str:
    return standard_text(cmp.operator, cmp.threshold, cmp.unit)


def _typed(value) -> str:
    """An input's value as the county typed it (11.1, not 11.0999999999999996)."""
    q = ex.exact(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    return ex.decimal_text(q) if q is not None else str(value)


def _trace_inputs(inputs: list[InputRef], gaps: list[dict]) -> list[dict]:
    out, seen = [], set()
    for i in inputs:
        key = (i.name, i.source)
        if key not in seen:
            seen.add(key)
            out.append({"name": i.name, "value": _typed(i.value), "source": i.source, "status": ""})
    for g in gaps:
        key = (g["name"], g.get("source"))
        if key not in seen:
            seen.add(key)
            out.append(dict(g))
    return out


# -- one comparison -----------------------------------------------------------------------------

PASSES, DECLARED, FAILS, MISSING, WRONG, UNDECIDED = "pass", "declared", "fail", "missing", "wrong", "undecided"


@dataclass
class _Outcome:
    cmp: Comparison
    m: Measurement
    state: str
    value: Any = None  # the exact value (or bound) that decided, after the criterion's rounding
    raw: Any = None  # before rounding

    @property
    def margin(self) -> float | None:
        if self.value is None:
            return None
        t = ex.exact(self.cmp.threshold)
        if isinstance(self.value, Fraction):
            d = self.value - t if ex.higher_passes(self.cmp.operator) else t - self.value
            return float(d)
        d = float(self.value) - float(t)
        return d if ex.higher_passes(self.cmp.operator) else -d


def _judge(m: Measurement, cmp: Comparison, rounding: dict | None) -> _Outcome:
    t = ex.exact(cmp.threshold)

    def passes(x) -> bool:
        return ex.compare(ex.apply_rounding(x, rounding), cmp.operator, t)

    def outcome(state, x) -> _Outcome:
        return _Outcome(cmp, m, state, None if x is None else ex.apply_rounding(x, rounding), x)

    if m.wrong:
        return outcome(WRONG, m.exact)
    if m.exact is not None:
        return outcome(PASSES if passes(m.exact) else FAILS, m.exact)
    if m.bounded:
        higher = ex.higher_passes(cmp.operator)
        worst, best = (m.low, m.high) if higher else (m.high, m.low)
        if m.named is not None and passes(m.named):
            return outcome(PASSES, m.named)
        if worst is not None and passes(worst):
            return outcome(DECLARED if m.declared else PASSES, worst)
        if best is not None and not passes(best):
            return outcome(FAILS, best)
        return outcome(UNDECIDED, worst if worst is not None else best)
    return outcome(MISSING, None)


def _closeness(o: _Outcome) -> float:
    t = float(o.cmp.threshold)
    if t == 0 or o.value is None:
        return 0.0
    r = float(o.value) / t
    return r if ex.higher_passes(o.cmp.operator) else (1 / r if r else 0.0)


def _pick(outcomes: list[_Outcome]) -> _Outcome:
    """Of an any-of criterion's comparisons, the one that decides: a pass, else a pass on declared
    counts, else — when every one fails — the closest to passing, else the one that needs data."""
    for state in (PASSES, DECLARED):
        for o in outcomes:
            if o.state == state:
                return o
    if all(o.state == FAILS for o in outcomes):
        return max(outcomes, key=_closeness)
    for state in (WRONG, UNDECIDED, MISSING):
        for o in outcomes:
            if o.state == state:
                return o
    return outcomes[0]


def _value_text(x, unit: str, against=None) -> str:
    """A value for a reader: rounded for display only, never shown equal to a threshold it differs from."""
    if x is None:
        return fmt.MISSING
    digits = ex.shown_digits(x, 2, against)
    return fmt.with_unit(ex.shown(x, digits, against), unit, digits)


def _comparison_text(o: _Outcome) -> str:
    t = ex.exact(o.cmp.threshold)
    holds = ex.compare(o.value, o.cmp.operator, t)
    unit = o.cmp.unit
    value = ex.decimal_text(o.value)
    bound = {"declared": "（按已知数量）", "undecided": "（已知部分）"}.get(o.state, "")
    if o.m.bounded and o.state == FAILS:
        bound = "（已知部分已不满足）"
    return (f"{value}{unit} {ex.OPERATOR_SIGNS[o.cmp.operator]} {ex.decimal_text(t)}{unit}{bound}："
            f"{'成立' if holds else '不成立'}")


def _quantitative(client: Client, c: Criterion, rb: Rulebook) -> CriterionResult:
    comps = c.comparisons
    measured = [(cmp, measure(cmp.measure, client, rb.settings)) for cmp in comps]
    inputs: list[InputRef] = []
    gaps: list[dict] = []
    seen = set()
    notes: list[str] = []
    for _, m in measured:
        for i in m.inputs:
            key = (i.name, i.source)
            if key not in seen:
                seen.add(key)
                inputs.append(i)
        gaps.extend(g for g in m.gaps if g not in gaps)
        notes.extend(n for n in m.notes if n not in notes)
    proof = _check_evidence(client, c)
    ev_missing = proof.missing
    outcomes = [_judge(m, cmp, c.rounding) for cmp, m in measured]
    o = _pick(outcomes)
    cmp, m = o.cmp, o.m
    if len(comps) > 1:
        known = [(cc, mm) for cc, mm in measured if mm.formula]
        formula = ("；".join(f"{mm.formula}（需{_threshold_text(cc)}）" for cc, mm in known) + "；满足其一即可"
                   if known else "")
    else:
        formula = f"{m.formula}；标准：{_threshold_text(cmp)}" if m.formula else ""
    if formula and c.formula and len(comps) == 1 and "settings" not in c.formula:
        formula = f"{formula}（口径：{c.formula}）"
    if formula and c.rounding:
        formula += f"（{ex.rounding_text(c.rounding)}）"
    missing = list(dict.fromkeys(x for _, mm in measured for x in mm.missing))
    wrong = list(dict.fromkeys(x for _, mm in measured for x in mm.wrong))
    take = ""
    if o.state == PASSES:
        if ev_missing and not client.evidence:
            # a first look, before the county has listed any evidence: the verdict is the number's, and
            # the proof it will need is said; once the 佐证材料 list is started a missing proof is 待补证
            verdict = PASS
            take = "数值达标；佐证材料尚未开始整理，申报时需提供：" + "；".join(ev_missing)
        else:
            verdict = PASS if not ev_missing else NEEDS_EVIDENCE
            take = "" if not ev_missing else "数值达标，需补充证明材料：" + "；".join(ev_missing)
        listed = ev_missing
    elif o.state == DECLARED:
        verdict = NEEDS_EVIDENCE
        take = (f"按已知数量（{m.declared}）{_threshold_text(cmp)}；需在企业名单中逐家列出企业名称、信用代码并附认定文件"
                + (f"；另需补充证明材料：{'；'.join(ev_missing)}" if ev_missing else ""))
        listed = [f"企业名单：已知数量（{m.declared}）尚未逐家列名"] + ev_missing
    elif o.state == FAILS:
        verdict = FAIL
        takes = [what_it_takes(oo.cmp.measure, oo.m, oo.cmp.operator, oo.cmp.threshold, oo.cmp.unit)
                 for oo in outcomes if oo.state == FAILS]
        takes = [t for t in takes if t]
        take = takes[0] if len(takes) == 1 else "任选其一：" + "；或".join(takes)
        if ev_missing:
            take += "；另需补充证明材料：" + "；".join(ev_missing)
        listed = ev_missing
    elif o.state == WRONG:
        verdict = WRONG_DATA
        take = "需核对：" + "；".join(wrong)
        listed = wrong
    elif o.state == UNDECIDED:
        verdict = m.undecided_verdict
        need = [m.undecided] if m.undecided else []
        take = "需补充：" + "；".join(need + missing)
        listed = need + missing
    else:
        verdict = MISSING_DATA
        take = "需补填：" + "；".join(missing)
        listed = missing + ev_missing
    # a value is shown when it decided the verdict (or is the known part that already fails / passes)
    value = o.value if o.state in (PASSES, DECLARED, FAILS, WRONG) else None
    trace = {
        "inputs": _trace_inputs(inputs, gaps),
        "formula": (GROWTH_METHODS[rb.settings.get("growth_method", "cagr")] if "settings" in c.formula
                    else c.formula or (m.formula.split("：", 1)[0] if m.formula else "")),
        "steps": [s for _, mm in measured for s in mm.steps],
        "rounding": (f"{ex.rounding_text(c.rounding)}：{ex.decimal_text(o.raw)} → {ex.decimal_text(o.value)}"
                     if c.rounding and o.raw is not None else ""),
        "comparison": _comparison_text(o) if o.value is not None else "",
        "verdict": verdict,
    }
    r = _result(c, rb, verdict=verdict, measure=cmp.measure, value=None if value is None else float(value),
                operator=cmp.operator, threshold=cmp.threshold, unit=cmp.unit,
                margin=o.margin if o.state in (PASSES, DECLARED, FAILS) else None, formula=formula,
                inputs=inputs + proof.present, what_it_takes=take, missing=listed, trace=trace)
    if notes:
        r.note = "；".join(filter(None, [r.note] + notes))
    return r


def _evidence(client: Client, c: Criterion, rb: Rulebook) -> CriterionResult:
    proof = _check_evidence(client, c)
    if proof.unmet:
        verdict, take, listed = FAIL, "；".join(proof.unmet), proof.unmet + proof.missing
    elif proof.blank:
        verdict, take, listed = MISSING_DATA, "需补填：" + "；".join(proof.blank), proof.blank + proof.missing
    elif proof.missing:
        verdict, take, listed = NEEDS_EVIDENCE, "需补充：" + "；".join(proof.missing), proof.missing
    else:
        verdict, take, listed = PASS, "", []
    trace = {"inputs": _trace_inputs(proof.present, [{"name": x, "value": "", "source": None, "status": "缺"}
                                                     for x in proof.missing + proof.blank + proof.unmet]),
             "verdict": verdict}
    return _result(c, rb, verdict=verdict, inputs=proof.present, missing=listed, what_it_takes=take, trace=trace)


def _negative(client: Client, c: Criterion, rb: Rulebook) -> CriterionResult:
    by_id = {n.id: n for n in client.negative}
    inputs, vetoes, unanswered, gaps = [], [], [], []
    for item in c.items:
        n = by_id.get(item)
        if n is None or n.occurred is None:
            where = f"{n.source}" if n is not None and n.source else "intake.xlsx › 负面清单"
            label = n.label if n is not None else item
            unanswered.append(f"{where}（{label}）未填写“是/否”")
            gaps.append({"name": label, "value": "", "source": str(n.source) if n is not None and n.source else None,
                         "status": "未填写"})
            continue
        inputs.append(InputRef(n.label, "是" if n.occurred else "否", str(n.source) if n.source else None))
        if n.occurred:
            vetoes.append(n.label + (f"（{n.note}）" if n.note else ""))
    trace = {"inputs": _trace_inputs(inputs, gaps)}
    if vetoes:
        trace["verdict"] = VETO
        r = _result(c, rb, verdict=VETO, inputs=inputs, missing=[], trace=trace,
                    what_it_takes="负面清单事项一票否决，无法通过补充材料弥补：" + "；".join(vetoes))
        r.note = "；".join(filter(None, [c.note, "申报前请核实事项的认定级别（较大及以上/重大及以上）"]))
        return r
    if unanswered:
        trace["verdict"] = MISSING_DATA
        return _result(c, rb, verdict=MISSING_DATA, inputs=inputs, missing=unanswered, trace=trace,
                       what_it_takes="需补填：" + "；".join(unanswered))
    trace["verdict"] = PASS
    return _result(c, rb, verdict=PASS, inputs=inputs, trace=trace)


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
        inputs, missing, gaps = [], [], []
        for label, value, src in (("基期值", t.base_value, cell["base_value"]),
                                  ("目标值", t.target_value, cell["target_value"]),
                                  ("实际完成值", actual, actual_src)):
            if ex.exact(value) is None:
                missing.append(f"{src or 'intake.xlsx › 发展规划'}（{t.name} {label}）未填写")
                gaps.append({"name": f"{t.name}{label}", "value": "", "source": src, "status": "未填写"})
            else:
                inputs.append(InputRef(f"{t.name}{label}", value, src))
        title = f"规划目标：{t.name}（{t.base_year or '基期'}→{t.target_year or '目标年'}，{'越高越好' if t.higher_is_better else '越低越好'}）"
        base = dict(verdict=MISSING_DATA, measure=c.measure, operator=c.operator, threshold=c.threshold, unit="%",
                    inputs=inputs)
        if missing:
            r = _result(c, rb, missing=missing, what_it_takes="需补填：" + "；".join(missing),
                        trace={"inputs": _trace_inputs(inputs, gaps), "verdict": MISSING_DATA}, **base)
            r.id, r.title = rid, title
            out.append(r)
            continue
        b, tg, a = ex.exact(t.base_value), ex.exact(t.target_value), ex.exact(actual)
        ach, met_target = plan_progress(b, tg, a, t.higher_is_better)
        notes = [actual_note] if actual_note else []
        unit = t.unit or ""
        steps = []
        if tg == b:
            formula = (f"目标值等于基期值（{fmt.number(float(b), 2)}{unit}），按实际完成值{fmt.number(float(a), 2)}{unit}"
                       f"是否{'达到' if t.higher_is_better else '不高于'}目标值判断：较基期进度记为{fmt.number(float(ach))}%")
        else:
            formula = (f"较基期进度 = (实际 − 基期) ÷ (目标 − 基期) × 100% = ({fmt.number(float(a), 2)} − {fmt.number(float(b), 2)}) ÷ "
                       f"({fmt.number(float(tg), 2)} − {fmt.number(float(b), 2)}) × 100% = {fmt.number(float(ach), 1)}%")
            steps.append(f"({ex.decimal_text(a)} − {ex.decimal_text(b)}) ÷ ({ex.decimal_text(tg)} − {ex.decimal_text(b)}) "
                         f"× 100% = {ex.decimal_text(ach)}%")
            if (tg > b) != t.higher_is_better:
                notes.append(f"目标值{'高于' if tg > b else '低于'}基期值，与“{'越高越好' if t.higher_is_better else '越低越好'}”"
                             f"的方向不一致，请核实发展规划表中的方向。")
        figures = [{"label": "较基期进度", "value": float(ach), "unit": "%",
                    "formula": "(实际 − 基期) ÷ (目标 − 基期) × 100%（随基期变化）"}]
        ratio = plan_ratio(tg, a)
        if ratio is not None:
            figures.insert(0, {"label": "实际÷目标", "value": float(ratio), "unit": "%",
                               "formula": f"{fmt.number(float(a), 2)} ÷ {fmt.number(float(tg), 2)} × 100% = "
                                          f"{fmt.number(float(ratio), 1)}%"
                                          + ("（越低越好：不高于100%即达到目标）" if not t.higher_is_better else "")})
            steps.append(f"实际÷目标 = {ex.decimal_text(a)} ÷ {ex.decimal_text(tg)} × 100% = {ex.decimal_text(ratio)}%")
        shown = "；".join(f"{f['label']} {fmt.number(f['value'], 1)}%" for f in figures)
        ok = ex.compare(ex.apply_rounding(ach, c.rounding), c.operator, c.threshold) and met_target
        gap = abs(tg - a)
        amount = fmt.points(float(gap), 2) if unit in ("%", "％") else f"{fmt.number(float(gap), 2)}{unit}"
        take = "" if ok else (f"{t.name}实际完成值需再{'提高' if t.higher_is_better else '降低'}"
                              f"{amount}（达到目标值{fmt.number(float(tg), 2)}{unit}，"
                              f"当前{shown}）")
        verdict = PASS if ok else FAIL
        trace = {"inputs": _trace_inputs(inputs, []), "formula": c.formula, "steps": steps,
                 "comparison": (f"实际 {ex.decimal_text(a)} {'≥' if t.higher_is_better else '≤'} 目标 {ex.decimal_text(tg)}："
                                f"{'成立' if met_target else '不成立'}；较基期进度 {ex.decimal_text(ach)}% "
                                f"{ex.OPERATOR_SIGNS[c.operator]} {ex.decimal_text(ex.exact(c.threshold))}%"),
                 "verdict": verdict}
        r = _result(c, rb, **{**base, "verdict": verdict, "value": float(ach),
                                "margin": float(ach - ex.exact(c.threshold)),
                                "formula": formula + f"；实际÷目标 {fmt.number(figures[0]['value'], 1)}%"
                                           * (figures[0]["label"] == "实际÷目标")
                                           + f"；达标：实际完成值{'达到' if t.higher_is_better else '不高于'}目标值"
                                             f"（较基期进度{operator_word(c.operator)}{fmt.number(c.threshold)}%）"},
                    what_it_takes=take, trace=trace, figures=figures)
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


def _completeness(results: list[CriterionResult]) -> dict:
    """How much of what the criteria read is filled in: distinct input cells (the roster counts as one
    item), from the traces. ``wrong``: cells that are filled but cannot be right or are implausible."""
    filled, gaps, wrong = set(), set(), set()
    for r in results:
        for i in (r.trace or {}).get("inputs", []):
            src = i.get("source") or ""
            if not src and not i.get("status"):
                continue
            key = "企业名单" if any(s in src for s in ("› 企业名单", "› 梯度企业数量")) or i.get("name") == "企业名单" \
                else src or i.get("name")
            if r.kind == "evidence" or "› 平台机构" in src or "› 佐证材料" in src:
                continue
            status = i.get("status") or ""
            if status.startswith(("有误", "存疑", "不是数字")):
                wrong.add(key)
            elif status:
                gaps.add(key)
            else:
                filled.add(key)
    filled -= gaps | wrong
    return {"filled": len(filled), "total": len(filled | gaps | wrong), "wrong": len(wrong)}


def _rests_on_unverified(results: list[CriterionResult]) -> list[str]:
    """The hard criteria a 不符合条件 rests on, when every one of them uses an unconfirmed threshold."""
    if any(r.verdict == VETO for r in results):
        return []
    failed = [r for r in results if r.verdict == FAIL and r.hard]
    if failed and all(not r.verified for r in failed):
        return [r.id for r in failed]
    return []


def headline(overall: str, provisional: bool, completeness: dict, unverified_basis: list[str]) -> str:
    """The overall verdict as the first line says it: 初步判断 while data is incomplete or wrong, and
    which unconfirmed thresholds a 不符合条件 rests on."""
    text = overall
    if unverified_basis:
        text += f"（{'、'.join(unverified_basis)}的阈值待核实）"
    if provisional:
        done = f"已填写 {completeness.get('filled', 0)}/{completeness.get('total', 0)} 项"
        if completeness.get("wrong"):
            done += f"，其中{completeness['wrong']}项有误或存疑"
        book = [f"{completeness[k]}项{name}" for k, name in (("intake_errors", "有误"), ("intake_missing", "待补充"))
                if completeness.get(k)]
        if book:
            done += f"；工作簿检查：{'、'.join(book)}"
        text = f"{PROVISIONAL}：{text}；{done}"
    return text


def _round_day(rnd: Round) -> dt.date:
    return rnd.notice_date or dt.date(rnd.year, 1, 1)


def _results_of(client: Client, c: Criterion, rb: Rulebook) -> list[CriterionResult]:
    """The results of one criterion: one, or one per plan target for a ``plan`` criterion."""
    if c.kind == "quantitative":
        return [_quantitative(client, c, rb)]
    if c.kind == "evidence":
        return [_evidence(client, c, rb)]
    if c.kind == "negative":
        return [_negative(client, c, rb)]
    return _plan(client, c, rb)


def verdicts(client: Client, rulebook, ids) -> dict[str, str]:
    """The verdicts of the results ``ids`` alone, as ``assess(client, rulebook).result(id).verdict``
    gives them (no round, no relaxation), without assessing the other criteria: for the what-if
    questions of ``toolkit.assess.outlook``, which ask a few criteria of many imagined workbooks.
    An id no criterion gives is missing from the answer."""
    rb = load_rulebook(rulebook if rulebook is not None else default_rulebook(client))
    wanted = set(ids)
    out = {}
    for c in rb.criteria:
        # a plan criterion's results are numbered after it (``4.2.1``): asked only when one is wanted
        if c.id in wanted or (c.kind == "plan" and any(i.startswith(f"{c.id}.") for i in wanted)):
            out.update((r.id, r.verdict) for r in _results_of(client, c, rb) if r.id in wanted)
    return out


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
            c = dataclasses.replace(c, threshold=float(change["threshold"]),
                                    verified=change.get("confidence") == "H" and bool(change.get("verified", False)),
                                    note="；".join(filter(None, [c.note, f"西部地区放宽：阈值改为{change['threshold']}"
                                                                          f"（{change.get('source', '来源未注明')}）"])))
        rs = _results_of(client, c, rb)
        if change is not None and c.kind in ("quantitative", "evidence", "negative"):
            rs[0].settings.append("西部地区放宽")
        results.extend(rs)

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
    if rnd is not None:
        day = _round_day(rnd)
        outside = [c.id for c in rb.criteria if not c.in_force_on(day)]
        if outside:
            settings.append(f"规则有效期：{'、'.join(outside)}在{rnd.label}（{fmt.date_cn(day)}）不在有效期内，请核实是否已有新版标准")
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

    overall = overall_verdict(results)
    completeness = _completeness(results)
    # the workbook's own findings count too (a renamed header, a blank contact): complete means both
    completeness["intake_errors"] = sum(getattr(p, "severity", "") == "error" for p in client.problems or [])
    completeness["intake_missing"] = sum(getattr(p, "severity", "") == "missing" for p in client.problems or [])
    provisional = (completeness["filled"] < completeness["total"]
                   or any(r.verdict in (MISSING_DATA, WRONG_DATA) for r in results)
                   or bool(completeness["intake_errors"] or completeness["intake_missing"]))
    basis = _rests_on_unverified(results) if overall == NOT_ELIGIBLE else []
    problems = [p.to_dict() if hasattr(p, "to_dict") else {"message": str(p)} for p in (client.problems or [])]
    return Assessment(
        schema_version=SCHEMA_VERSION, client_id=client.id, cluster_name=client.cluster_name,
        province=client.province, county=client.county, application_type=client.application_type,
        rulebook=rb.id, rulebook_version=rb.version, round=str(rnd.year) if rnd is not None else None,
        overall=overall, readiness=score, results=results, dimensions=dims, settings=settings,
        unverified=[r.id for r in results if not r.verified],
        generated_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), toolkit_version=__version__,
        provisional=provisional, completeness=completeness, rests_on_unverified=basis,
        headline=headline(overall, provisional, completeness, basis), intake_problems=problems,
        growth_method=method,
    )


# ---------------------------------------------------------------------------------------------
# output

def write_json(assessment: Assessment, path: Path | str) -> Path:
    from toolkit.core.atomic import write_text

    return write_text(path, json.dumps(assessment.to_dict(), ensure_ascii=False, indent=2, default=str) + "\n")


DIAGNOSIS_COLUMNS = [("条款", 7), ("维度", 18), ("指标", 40), ("结论", 9), ("实际值", 12), ("标准", 14), ("差距", 12),
                     ("阈值状态", 10), ("依据", 40), ("计算过程", 70), ("补足所需", 50), ("说明", 40)]


def write_workbook(assessment: Assessment, path: Path | str) -> Path:
    """The diagnosis workbook: one row per criterion with its 计算过程 (inputs and their cells, formula,
    exact intermediate values, comparison), and a sheet with the headline, the settings in force and
    what the intake check found. Written completely or not at all."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from toolkit.core.atomic import atomic_path

    wb = Workbook()
    ws = wb.active
    ws.title = "诊断"
    for col, (name, width) in enumerate(DIAGNOSIS_COLUMNS, start=1):
        cell = ws.cell(1, col, name)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        ws.column_dimensions[cell.column_letter].width = width
    for n, r in enumerate(assessment.results, start=2):
        row = [r.id, r.dimension_name, r.title, r.verdict, _shown_value(r), _standard(r), _margin_text(r),
               "" if r.verified else UNVERIFIED_NOTE, r.reference or r.clause, "\n".join(trace_lines(r)),
               r.what_it_takes, r.note]
        for col, v in enumerate(row, start=1):
            ws.cell(n, col, v).alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "B2"
    info = wb.create_sheet("说明")
    lines = [f"{assessment.cluster_name}（{assessment.province}{assessment.county}，{assessment.application_type}）",
             f"结论：{assessment.headline or assessment.overall}",
             f"规则库：{assessment.rulebook}（版本{assessment.rulebook_version}）；申报年度：{assessment.round or '未指定'}",
             ""] + [f"· {s}" for s in assessment.settings]
    if assessment.intake_problems:
        lines += ["", "工作簿检查发现："]
        lines += [f"· {p.get('file', '')} › {p.get('sheet') or ''} › {p.get('cell') or ''}："
                  f"{p.get('message', '')}" + (f" — {p['fix']}" if p.get("fix") else "") for p in assessment.intake_problems]
    for i, text in enumerate(lines, start=1):
        info.cell(i, 1, text)
    info.column_dimensions["A"].width = 120
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


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


def _shown_value(r: CriterionResult) -> str:
    if r.value is None:
        return ""
    return _value_text(ex.exact(r.value), r.unit, r.threshold)


def _standard(r: CriterionResult) -> str:
    if r.threshold is None:
        return ""
    return standard_text(r.operator, r.threshold, r.unit)


def _margin_text(r: CriterionResult) -> str:
    """The margin as a reader sees it: exactly on the line reads 持平 (须超过 at a strict bound), never "+0"."""
    if r.margin is None:
        return ""
    m = ex.exact(r.margin)
    if m == 0:
        return "持平，须" + operator_word(r.operator) if ex.strict(r.operator) and r.verdict != PASS else "持平"
    digits = ex.shown_digits(abs(m), 2, 0)
    sign = "+" if m > 0 else "−"
    amount = ex.shown(abs(m), digits, 0)
    if r.unit in ("%", "％"):
        return sign + fmt.points(amount, digits)
    return sign + fmt.with_unit(amount, r.unit, digits)


def format_table(a: Assessment) -> str:
    """The assessment as a readable Chinese table, with what it takes and the source cells."""
    lines = [f"{a.cluster_name}（{a.province}{a.county}，{a.application_type}）",
             f"结论：{a.headline or a.overall}    准备度：{fmt.number(a.readiness)}分（不代替资格判断）"]
    for s in a.settings:
        lines.append(f"  · {s}")
    cols = [("条款", 7), ("指标", 34), ("结论", 8), ("实际值", 12), ("标准", 16), ("差距", 14), ("核实", 10)]
    head = " ".join(_pad(n, w) for n, w in cols)
    lines += ["", head, "─" * _width(head)]
    for d in a.dimensions:
        lines.append(f"【{d.dimension if d.dimension else '负面清单'}{'' if d.dimension == 0 else ' ' + d.name}】"
                     f"{d.verdict}  {d.passed}/{d.total}项达标  分项得分{fmt.number(d.score)}")
        for r in (x for x in a.results if x.dimension == d.dimension):
            row = [r.id, r.title, r.verdict, _shown_value(r), _standard(r), _margin_text(r),
                   "" if r.verified else UNVERIFIED_NOTE]
            lines.append(" ".join(_pad(str(x), w) for x, (_, w) in zip(row, cols)))
            if r.formula:
                lines.append(f"        计算：{r.formula}")
            for f in r.figures:
                lines.append(f"        {f['label']}：{fmt.number(f['value'], 1)}{f.get('unit', '')}"
                             + (f"（{f['formula']}）" if f.get("formula") else ""))
            if r.what_it_takes:
                lines.append(f"        补足所需：{r.what_it_takes}")
            srcs = [f"{i.name}={_typed(i.value) if isinstance(i.value, float) else i.value}（{i.source}）"
                    for i in r.inputs if i.source][:4]
            if srcs and r.kind in ("quantitative", "plan"):
                more = len([i for i in r.inputs if i.source]) - len(srcs)
                lines.append("        来源：" + "；".join(srcs) + (f" 等{more + len(srcs)}项" if more > 0 else ""))
            if r.note and (not r.verified or r.verdict != PASS or "填报说明" in r.note or "口径" in r.note):
                lines.append(f"        说明：{r.note}")
    if a.unverified:
        lines += ["", f"阈值待核实：{'、'.join(a.unverified)}（数值或条款未经官方原文核实，请对照通知确认）"]
    if a.provisional:
        lines += ["", f"{PROVISIONAL}：数据尚不完整或有误，结论会随补填和更正而变化；"
                      f"补填“数据缺失”、更正“数据有误”所列单元格后重新评估。"]
    return "\n".join(lines)


def remove_stale(json_path: Path) -> list[Path]:
    """Remove a previous assessment (``assessment.json`` and its diagnosis workbook) that a failed
    re-assessment would otherwise leave in place, looking current. Only files that are assessments."""
    removed = []
    json_path = Path(json_path)
    if json_path.is_file():
        try:
            data = json.loads(json_path.read_text(encoding="utf-8"))
            ours = isinstance(data, dict) and "schema_version" in data and "results" in data
        except (OSError, ValueError):
            ours = False
        if ours:
            json_path.unlink()
            removed.append(json_path)
            book = json_path.with_suffix(".xlsx")
            if book.is_file():
                book.unlink()
                removed.append(book)
    return removed

