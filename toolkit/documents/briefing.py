"""The briefing memo (简报) and the client proposal (申报服务方案) of one client.

``write_brief(client, assessment, round, out_dir, today=…)`` writes into ``out_dir``:

- ``图表/``: the charts of ``toolkit.documents.charts`` (PNG at 200 dpi and SVG; a package asks for
  the memo's PNG only), unless ``charts`` are given;
- ``<集群名称>_简报.docx`` (templates/memo.docx, 2–4 pages): the verdict in one sentence, the three
  largest gaps with what it takes, the days left to the deadline (the province's own when the round
  file knows it, else MIIT's, labelled which), the charts, the unverified-threshold caveat, the named
  settings in force (e.g. 西部地区放宽);
- ``<集群名称>_申报服务方案.docx`` (templates/proposal.docx): the diagnosis, milestones counted back
  from the deadline, one dated task per gap or missing evidence item with the county department that
  provides it (data/workplan.yaml), and the documents the package will contain (the round's
  attachments). A deadline already past is said plainly and the plan moves to the next round.

``clusterkit brief`` calls ``write_brief`` into ``brief_dir(...)``, beside the client's package. (A recommender's
own briefing, on top of the province's decision, is ``toolkit.province.briefing``.)

Every function takes ``today`` (``toolkit.core.clock.today``: ``--today``, else the machine's date) so
that tests and reruns never depend on the clock.

The wording is not here: every sentence and table cell the memo and proposal show is a text template in
``templates/briefing/`` (``say("verdict.j2", a=…)``), given the facts this module decides (which gaps,
which deadline, which dates) and checked as the narrative is. ``TEXT_SPEC`` and ``CONTEXT_SPEC`` declare
what each text and Word template is given, for ``clusterkit templates check``.

Over 500 lines: the memo and the proposal share the diagnosis, the deadline and the work plan; a work
plan module of its own would have to import the diagnosis and be imported by it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


from toolkit.core.yamlfile import YAMLError, load_yaml
from toolkit.core import paths
from toolkit.core.clock import today as today_of
from toolkit.core.errors import ToolkitError
from toolkit.core.formatting import date_cn, number, percent, with_unit
from toolkit.intake.model import PLAN_CITIES, XPCC
from toolkit.assess.measures import standard_text
from toolkit.core.naming import safe_name
from toolkit.intake import schema
from toolkit.assess.rulebook import label_of, title_of
from toolkit.assess.outlook import changeable, earliest_round
from toolkit.assess.schedule import deadline_of, is_projected, next_open_round, plan_round, window
from toolkit.assess import schedule as rounds_by_date
from toolkit.assess.result import (
    ELIGIBLE, FAIL, MISSING_DATA, NEEDS_EVIDENCE, NOT_ELIGIBLE, PASS, VETO,
)

CHART_DIR = "图表"
TEXT_FOLDER = "briefing"  # templates/briefing/: the memo's and proposal's sentences and table cells
MEMO_TEMPLATE = "memo.docx"
PROPOSAL_TEMPLATE = "proposal.docx"
IMAGE_WIDTH_MM = 140

CAPTIONS = {
    "dimensions": "八个维度达标情况",
    "criteria": "量化指标对照阈值（阈值=100%）",
    "output": "集群工业总产值与增长要求",
    "tiers": "优质企业梯度",
    "plan": "三年发展规划目标完成情况",
    "quota": "候选集群准备度排序与推荐名额",
    "outlook": "最早可申报年度：集群工业总产值路径对照门槛（测算，非过往数据的调整）",
}


# --- data -----------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _workplan_at(path: str, mtime: float) -> dict:
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, YAMLError) as exc:
        raise ToolkitError(f"{path}: 无法读取工作计划数据（{exc}）") from exc
    for key in ("departments", "measures", "evidence", "default", "milestones"):
        if key not in (data or {}):
            raise ToolkitError(f"{Path(path).name} › {key}: 缺少此项，请参照项目自带的 data/workplan.yaml 补上")
    return data


def load_workplan(path: Path | str | None = None) -> dict:
    """data/workplan.yaml: departments, who provides what, typical durations, milestones."""
    p = Path(path) if path else paths.data_dir() / "workplan.yaml"
    if not p.is_file():
        raise ToolkitError(f"未找到工作计划数据 {p}")
    return _workplan_at(str(p), p.stat().st_mtime)


def _kind_of(item: str) -> str | None:
    """An evidence kind id from an id or from a label such as '绿色化发展材料（佐证材料表中未列出）'."""
    labels = schema.evidence_kinds()
    if item in labels:
        return item
    for kind, label in labels.items():
        if item.startswith(label):
            return kind
    return None


def _is_num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


# --- the wording ------------------------------------------------------------------------------------
def say(template: str, **context) -> str:
    """One sentence or table cell from ``templates/briefing/<template>`` ('' when it writes nothing)."""
    from toolkit.documents.narrative import render_text

    return render_text(f"{TEXT_FOLDER}/{template}", **context)


# --- the diagnosis ----------------------------------------------------------------------------------
_RANK = {VETO: 0, FAIL: 1, MISSING_DATA: 3, NEEDS_EVIDENCE: 4}


def _shortfall(r) -> float:
    if _is_num(r.margin) and _is_num(r.threshold) and r.threshold:
        return abs(r.margin) / abs(r.threshold)
    return 0.0


def gap_status(r) -> str:
    """A criterion not met, in words: its value against the threshold, or what is missing (gap_status.j2)."""
    return say("gap_status.j2", r=status_facts(r))


def status_facts(r) -> dict:
    numeric, plan = _is_num(r.value), r.kind == "plan"
    return {
        "kind": r.kind, "verdict": r.verdict, "veto": r.verdict == VETO,
        "value": (percent(r.value) if plan else with_unit(r.value, r.unit)) if numeric else "",
        # the criterion's words and threshold: 不低于15亿元, 超过70% (toolkit.assess.measures.standard_text)
        "standard": standard_text(r.operator, r.threshold, "%" if plan else r.unit, 1) if numeric else "",
        "unverified": not r.verified and r.kind in ("quantitative", "plan"),
        "missing": list(r.missing or []), "note": r.note or "",
    }


def gaps(assessment) -> list[dict]:
    """Every criterion not met, largest first: vetoes, hard failures by relative shortfall, soft failures,
    missing data, missing evidence."""
    out = []
    for r in assessment.results:
        if r.verdict == PASS:
            continue
        rank = _RANK.get(r.verdict, 5)
        if r.verdict == FAIL and not r.hard:
            rank = 2
        out.append((rank, -_shortfall(r), r.id, r))
    out.sort(key=lambda t: t[:3])
    rows = []
    for n, (_, _, _, r) in enumerate(out, 1):
        history = r.verdict == FAIL and not changeable(r)
        rows.append({
            "no": n, "id": r.id, "title": r.title, "verdict": r.verdict, "status": gap_status(r),
            # a past year's figure is history: the diagnosis says when it can be met, never asks to change it
            "what_it_takes": say("history_gap.j2", years=_window_text(assessment), plan=r.kind == "plan") if history
            else (r.what_it_takes or _default_task(r)),
            "history": history, "result": r,
        })
    return rows


def _window_text(assessment) -> str:
    year = assessment.round
    if not year:
        return "往年"
    ys = window(int(year))
    return f"{ys[0]}—{ys[-1]}年"


def _short_title(r) -> str:
    from toolkit.documents.charts import short_title

    return short_title(r)


def assessment_facts(assessment) -> dict:
    """What verdict.j2, unverified.j2, settings.j2 and method.j2 say of the assessment."""
    results = assessment.results
    unverified = list(assessment.unverified or [])
    shown = [s for s in assessment.settings if s.startswith("西部") or "放宽" in s]  # named settings a reader must see
    for r in results:
        for s in r.settings:
            if s not in shown:
                shown.append(s)
    return {
        "cluster_name": assessment.cluster_name,
        "kind": "复核" if assessment.application_type == "复核" else "申报",
        "readiness": number(assessment.readiness, 0),
        "overall": assessment.overall,
        "eligible": assessment.overall == ELIGIBLE,
        "not_eligible": assessment.overall == NOT_ELIGIBLE,
        "vetoes": [r.title for r in results if r.verdict == VETO],
        "failed": [f"{r.id} {_short_title(r)}" for r in results if r.verdict == FAIL],
        "pending_n": sum(1 for r in results if r.verdict in (NEEDS_EVIDENCE, MISSING_DATA)),
        "unverified": [f"{r.id} {_short_title(r)}" for r in results if r.id in unverified] or unverified,
        "settings": shown,
        "rulebook": label_of(assessment.rulebook, assessment.rulebook_version),
        "method_settings": [s for s in assessment.settings if not s.startswith("规则库")],
    }


def verdict_sentence(assessment) -> str:
    return say("verdict.j2", a=assessment_facts(assessment))


def unverified_sentence(assessment) -> str:
    return say("unverified.j2", a=assessment_facts(assessment))


def settings_sentence(assessment) -> str:
    """The named settings a reader must see (西部地区放宽 …); '' when none of them is on."""
    return say("settings.j2", a=assessment_facts(assessment))


def method_sentence(assessment) -> str:
    return say("method.j2", a=assessment_facts(assessment))


# --- the deadline -----------------------------------------------------------------------------------
@dataclass
class Deadline:
    date: dt.date | None
    label: str  # the round's description of it
    verified: bool
    kind: str  # "省级" (the recommender's own) | "工信部" | "未知"
    today: dt.date
    round_year: int | None
    projected: bool = False  # the round's notice is not out: its date is 预计

    @property
    def days_left(self) -> int | None:
        return None if self.date is None else (self.date - self.today).days

    @property
    def past(self) -> bool:
        return self.date is not None and self.date < self.today


def deadline_for(client, round, today) -> Deadline:
    today = today_of(today)
    if round is None:
        return Deadline(None, "申报年度未指定，截止日期未知", False, "未知", today, None)
    who = client.recommender or client.province
    date, label, verified = round.deadline_for(who)
    own = getattr(round, "province_deadlines", {}) or {}
    kind = "省级" if who in own and getattr(own[who], "date", own[who]) == date and date is not None else (
        "工信部" if date is not None and date == getattr(round, "deadline", None) else "未知")
    if is_projected(round) and date is not None:
        label = round.projection_note
    return Deadline(date, label, verified, kind, today, getattr(round, "year", None), is_projected(round))


def deadline_facts(d: Deadline) -> dict:
    return {"known": d.date is not None, "date": date_cn(d.date) if d.date else "", "label": d.label, "kind": d.kind,
            "today": date_cn(d.today), "days_left": d.days_left, "past": d.past,
            "days_past": -d.days_left if d.past else 0, "projected": d.projected}


def deadline_sentence(d: Deadline) -> str:
    return say("deadline.j2", d=deadline_facts(d))


# --- the work plan ----------------------------------------------------------------------------------
def _entry(r, plan: dict, missing_item: str | None = None) -> dict:
    if missing_item is not None:
        kind = _kind_of(missing_item)
        if kind and kind in plan["evidence"]:
            return plan["evidence"][kind]
    if r is not None and r.measure and r.measure in plan["measures"]:
        return plan["measures"][r.measure]
    if r is not None and r.kind in (plan.get("kinds") or {}):
        return plan["kinds"][r.kind]
    return plan["default"]


def _default_task(r) -> str:
    return _entry(r, load_workplan()).get("task") or load_workplan()["default"]["task"]


def _who(entry: dict, plan: dict) -> str:
    deps = plan["departments"]
    return "、".join(deps.get(d, d) for d in entry.get("departments") or [])


def _plain(text: str) -> str:
    return re.sub(r"（佐证材料表中未列出）$", "", text)


def _task(kind: str, **fields) -> dict:
    """What task.j2 and task_when.j2 say of one task (see task.j2 for the kinds)."""
    return {"kind": kind, "item": "", "task": "", "missing": [], "target": "", "title": "", "file": "",
            "rush": False, "days": 0, "dated": False, "date": "", **fields}


def work_items(assessment, client, plan: dict | None = None) -> list[dict]:
    """One item per gap or missing evidence item: what, who provides it, typical days, which gap."""
    plan = plan or load_workplan()
    items, seen = [], set()

    def add(task, entry, gap):
        what = say("task.j2", t=task)
        if what in seen:
            return
        seen.add(what)
        items.append({"what": what, "who": _who(entry, plan), "days": int(entry.get("days") or 7), "gap": gap,
                      "task": task})

    for g in gaps(assessment):
        r = g["result"]
        if g["history"]:
            continue  # history is never a task (toolkit.assess.outlook)
        gap = f"{r.id} {_short_title(r)}"
        if r.kind in ("evidence",) or (r.verdict == NEEDS_EVIDENCE and r.missing):
            for m in r.missing or [r.title]:
                add(_task("evidence", item=_plain(m)), _entry(r, plan, m), gap)
            continue
        entry = _entry(r, plan)
        task = entry.get("task") or plan["default"]["task"]
        if r.verdict == MISSING_DATA:
            add(_task("data", task=task, missing=list(r.missing or [])), entry, gap)
        elif r.what_it_takes:
            add(_task("target", task=task, target=r.what_it_takes), entry, gap)
        else:
            add(_task("task", task=task), entry, gap)
    # evidence listed in the workbook whose file was not found beside it
    for e in getattr(client, "evidence", []) or []:
        if e.exists is False:
            kind = e.kinds[0] if e.kinds else None
            entry = plan["evidence"].get(kind, plan["default"]) if kind else plan["default"]
            add(_task("file", title=e.title, file=e.file or ""), entry, "佐证材料")
    # one task per 【待补充】 passage of the forms' narrative, one per threshold to confirm
    entry = plan.get("placeholder") or plan["default"]
    for section, passage in placeholders(client, assessment):
        add(_task("placeholder", title=section, item=passage), entry, f"申报表：{section}")
    entry = plan.get("unverified") or plan["default"]
    by_id = {r.id: r for r in assessment.results}
    for cid in assessment.unverified or []:
        r = by_id.get(cid)
        if r is not None and r.kind in ("quantitative", "plan"):
            add(_task("unverified", item=f"{r.id} {_short_title(r)}"), entry, f"{r.id} {_short_title(r)}")
    return items


PLACEHOLDER = "【待补充"


def placeholders(client, assessment) -> list[tuple[str, str]]:
    """(section title, the passage's first words) of each 【待补充】 passage the forms' narrative leaves."""
    from toolkit.documents.narrative import draft

    try:
        narrative = draft(client, assessment)
    except ToolkitError:
        return []
    out = []
    for sec in narrative.sections:
        for para in sec.paragraphs:
            if PLACEHOLDER in para:
                start = para.index(PLACEHOLDER)
                end = para.find("】", start)
                text = para[start:end] if end > 0 else para[start:start + 40]
                out.append((sec.title, re.sub(r"^【待补充[：:]?", "", text).rstrip("。")))
    return out


def _submit_name(client, name: str) -> str:
    who = client.recommender
    if who and (who in PLAN_CITIES or who == XPCC):
        return name.replace("省级", f"推荐单位（{who}）")
    return name


# Within one write_brief, the charts, the memo, the proposal and the calendar all ask for the same
# client's outlook and schedule: each is computed once there (the outlook re-assesses the client
# round by round, the costliest step of a brief). Outside write_brief nothing is remembered.
_brief_memo: ContextVar[dict | None] = ContextVar("brief_memo", default=None)


def _once_per_brief(fn):
    @functools.wraps(fn)
    def wrapper(client, assessment, round, today, *args, **kw):
        memo = _brief_memo.get()
        if memo is None or args or kw:
            return fn(client, assessment, round, today, *args, **kw)
        key = (fn.__name__, id(client), id(assessment), id(round), today_of(today))
        if key not in memo:
            memo[key] = (client, assessment, round, fn(client, assessment, round, today))
        return memo[key][3]
    return wrapper


@_once_per_brief
def schedule(client, assessment, round, today, plan: dict | None = None) -> dict:
    """Milestones and tasks, dated back from the deadline; a past deadline moves the plan to the next round."""
    plan = plan or load_workplan()
    today = today_of(today)
    d = deadline_for(client, round, today)
    lead = int(plan.get("province_lead_days") or 0)
    recommender_first = client.recommender in PLAN_CITIES or client.recommender == XPCC
    past_sentence, target = "", None
    if d.past:
        nxt = next_open_round(today, client.recommender or client.province)
        nd = deadline_for(client, nxt, today)
        past_sentence = say("past_deadline.j2", p={
            "kind": d.kind, "who": client.recommender or client.province, "date": date_cn(d.date),
            "round_year": d.round_year, "next": rounds_by_date.label(nxt), "next_date": date_cn(nd.date) if nd.date else "",
            "projected": is_projected(nxt), "review": client.is_review})
        d = nd
    dated = d is not None and d.date is not None
    if dated:
        target = d.date if d.kind == "省级" else d.date - dt.timedelta(days=lead)
    basis = say("schedule_basis.j2", b={
        "own": dated and d.kind == "省级", "label": d.label.split("（")[0] if dated else "", "dated": dated,
        "recommender_first": recommender_first, "date": date_cn(d.date) if dated else "", "lead_days": lead,
        "recommender": client.recommender or "", "province": client.province or "省级", "past": bool(past_sentence),
        "projected": dated and d.projected})

    milestones = []
    for m in plan["milestones"]:
        name = _submit_name(client, m["name"])
        before = int(m.get("days_before") or 0)
        when = target - dt.timedelta(days=before) if target is not None else None
        late = when is not None and when < today
        facts = {"dated": when is not None, "days_before": before, "late": late,
                 "planned": date_cn(when) if late else "", "date": date_cn(max(when, today)) if when else ""}
        milestones.append({"id": m.get("id"), "name": name, "date": max(when, today) if when else None,
                           "when": say("milestone_when.j2", m=facts), "note": say("milestone_note.j2", m=facts)})
    collected = next((m["date"] for m in milestones if m["id"] == "collected"), None) or (
        milestones[0]["date"] if milestones else None)

    tasks = []
    for n, it in enumerate(work_items(assessment, client, plan), 1):
        task = {**it["task"], "days": it["days"]}
        due = None
        if target is not None:
            due = today + dt.timedelta(days=it["days"])
            if collected is not None and due > collected:
                due = max(collected, today)
                task["rush"] = True
        else:
            due = today + dt.timedelta(days=it["days"])
        task.update(dated=True, date=date_cn(due))
        tasks.append({**{k: v for k, v in it.items() if k != "task"}, "what": say("task.j2", t=task), "no": n,
                      "date": due, "when": say("task_when.j2", t=task)})
    return {"deadline": d, "target": target, "basis": basis, "past_sentence": past_sentence,
            "milestones": milestones, "tasks": tasks}


def documents(client, assessment, round) -> list[dict]:
    """What the client's package will contain: the round's form for this application type with its
    evidence, the evidence checklist and materials by kind, the briefing; the summary tables are the
    province's."""
    review = client.is_review
    facts = []
    atts = list(getattr(round, "attachments", []) or [])
    form = None
    for a in atts:
        is_review_form = "复核" in a.title and "汇总" not in a.title
        is_new_form = "申报表" in a.title and "复核" not in a.title and "汇总" not in a.title
        if (review and is_review_form) or (not review and is_new_form):
            form = a
    notice = getattr(round, "notice", None) or ""
    if form is not None:
        facts.append(_document("form", id=form.id, title=form.title, notice=notice))
    else:
        facts.append(_document("form_unknown", review=review))
    have: dict[str, int] = {}
    for e in client.evidence or []:
        for k in e.kinds:
            if e.exists is not False:
                have[k] = have.get(k, 0) + 1
    facts.append(_document("checklist", n=len(client.evidence or [])))
    missing_kinds = set()
    for r in assessment.results:
        for m in r.missing or []:
            k = _kind_of(m)
            if k:
                missing_kinds.add(k)
    for kind, label in schema.evidence_kinds().items():
        if kind == "plan_completion" and not review:
            continue
        if have.get(kind) or kind in missing_kinds:
            facts.append(_document("evidence", label=label, n=have.get(kind, 0)))
    facts.append(_document("brief"))
    facts += [_document("province_table", id=a.id, title=a.title) for a in atts if "汇总" in a.title]
    return [{"no": n, "title": say("document_title.j2", doc=f), "note": say("document_note.j2", doc=f)}
            for n, f in enumerate(facts, 1)]


def _document(kind: str, **fields) -> dict:
    """What document_title.j2 and document_note.j2 say of one document (see them for the kinds)."""
    return {"kind": kind, "id": "", "title": "", "notice": "", "review": False, "n": 0, "label": "", **fields}


# --- context and rendering --------------------------------------------------------------------------
def _common(client, assessment, round, today) -> dict:
    today = today_of(today)
    place = "".join(x for x in (client.province, client.city, client.county) if x)
    year = getattr(round, "year", None) or assessment.round
    return {
        "cluster_name": assessment.cluster_name or client.cluster_name,
        "place": place or "—",
        "application_type": assessment.application_type,
        "round_label": say("round_label.j2", r={"year": year or "", "notice": getattr(round, "notice", None) or "",
                                                "plan": _plan_label(client, round, today)}),
        "today_cn": date_cn(today),
        "verdict_sentence": verdict_sentence(assessment),
        "unverified_sentence": unverified_sentence(assessment),
        "settings_sentence": settings_sentence(assessment),
        "method_sentence": method_sentence(assessment),
        "rulebook_title": title_of(assessment.rulebook),
        "stakes_sentence": stakes_sentence(client, round, today),
        "round_notes": round_notes(client, round, today),
        **_outlook_facts(client, assessment, round, today),
    }


def _plan_label(client, round, today) -> str:
    if round is None:
        return ""
    plan = plan_round(round, today, client.recommender or client.province)
    return rounds_by_date.label(plan) if plan.year != round.year else ""


def _clean_gap(g: dict) -> dict:
    return {k: v for k, v in g.items() if k not in ("result", "history")}


def stakes_sentence(client, round, today) -> str:
    """Page 1 of a recognised cluster's memo and proposal: what the review decides, its deadline, and when it
    has passed what that means now ('' for a new application)."""
    if not client.is_review or round is None:
        return ""
    today = today_of(today)
    who = client.recommender or client.province
    due = deadline_of(round, who)
    past = due is not None and due < today
    nxt = rounds_by_date.label(next_open_round(today, who)) if past else ""
    return say("stakes.j2", s={"round_year": round.year, "batch": getattr(round, "review_batch", None) or "",
                               "date": date_cn(due) if due else "", "past": past, "next": nxt, "consequence": ""})


def round_notes(client, round, today) -> list[str]:
    """What every output says of the rounds: the workbook's window against the round the plan is for, and a
    projected round's basis (预计)."""
    if round is None:
        return []
    today = today_of(today)
    who = client.recommender or client.province
    plan = plan_round(round, today, who)
    notes = []
    if plan.year != round.year and not client.is_review:
        notes += rounds_by_date.moved_notes(round, plan, client.id or "原客户文件夹")
    if is_projected(plan):
        notes.append(plan.projection_note)
    return notes


NEAR = 0.1  # within 10% of its threshold: a criterion a province's relaxation could decide


def western_sentence(client, assessment, round) -> str:
    """A western client near a threshold: the notice lets the province relax it (no numbers invented)."""
    from toolkit.intake.model import REGIONS

    relax = getattr(round, "western_relaxation", None)
    if relax is None or not relax.available or REGIONS.get(client.province) != "西部":
        return ""
    near = [f"{r.id} {_short_title(r)}" for r in assessment.results
            if r.verdict == FAIL and r.kind == "quantitative" and 0 < _shortfall(r) <= NEAR]
    if not near:
        return ""
    return say("western.j2", w={"province": client.province, "round_year": round.year, "criteria": near,
                                "source": relax.source.split("（")[0] or "通知原文"})


@_once_per_brief
def outlook_of(client, assessment, round, today):
    """The earliest round the county can meet its history criteria (toolkit.assess.outlook), or None (also
    for a recognised cluster whose review is still open: a later window matters only for re-entry)."""
    from toolkit.assess.rulebook import load_rulebook

    if round is None or not client.years:
        return None
    today = today_of(today)
    first = plan_round(round, today, client.recommender or client.province).year
    if client.is_review and first == round.year:
        return None   # the review is still open: it is judged on these figures once, not in a later window
    return earliest_round(client, assessment, load_rulebook(assessment.rulebook), today, first)


def _outlook_facts(client, assessment, round, today) -> dict:
    o = outlook_of(client, assessment, round, today)
    return {"outlook": o.sentences() if o else [], "outlook_assumptions": o.assumptions if o else []}


def memo_context(client, assessment, round, today) -> dict:
    all_gaps = [_clean_gap(g) for g in gaps(assessment)]
    d = deadline_for(client, round, today)
    ctx = _common(client, assessment, round, today)
    ctx.update({
        "deadline_sentence": deadline_sentence(d),
        "past_sentence": schedule(client, assessment, round, today)["past_sentence"],
        "western_sentence": western_sentence(client, assessment, round),
        "top_gaps": all_gaps[:3],
        "more_gaps_sentence": say("more_gaps.j2", more=len(all_gaps) - 3),
    })
    return ctx


def proposal_context(client, assessment, round, today) -> dict:
    ctx = _common(client, assessment, round, today)
    sched = schedule(client, assessment, round, today)
    d = deadline_for(client, round, today)
    ctx.update({
        "gaps": [_clean_gap(g) for g in gaps(assessment)],
        "deadline_sentence": deadline_sentence(d),
        "past_sentence": sched["past_sentence"],
        "schedule_basis": sched["basis"],
        "milestones": [{k: v for k, v in m.items() if k != "date"} for m in sched["milestones"]],
        "tasks": [{k: v for k, v in t.items() if k != "date"} for t in sched["tasks"]],
        "documents": documents(client, assessment, round),
        "calendar_file": calendar_name(client, assessment),
    })
    return ctx


# --- what the templates may use ----------------------------------------------------------------------
# Declared for ``clusterkit templates check`` (tests keep them equal to what the functions above give):
# "" is a value, [x] a list of x, a dict an object with those fields.
_A = {k: "" for k in ("cluster_name", "kind", "readiness", "overall", "eligible", "not_eligible", "pending_n",
                      "rulebook")}
_A.update({k: [""] for k in ("vetoes", "failed", "unverified", "settings", "method_settings")})
_D = {k: "" for k in ("known", "date", "label", "kind", "today", "days_left", "past", "days_past", "projected")}
_R = {k: "" for k in ("kind", "verdict", "veto", "value", "standard", "unverified", "note")}
_R["missing"] = [""]
_M = {k: "" for k in ("dated", "days_before", "late", "planned", "date")}
_T = {k: "" for k in ("kind", "item", "task", "target", "title", "file", "rush", "days", "dated", "date")}
_T["missing"] = [""]
_DOC = {k: "" for k in ("kind", "id", "title", "notice", "review", "n", "label")}
TEXT_SPEC: dict[str, dict] = {name: {**spec, "UNVERIFIED": ""} for name, spec in {
    "verdict.j2": {"a": _A}, "unverified.j2": {"a": _A}, "settings.j2": {"a": _A}, "method.j2": {"a": _A},
    "more_gaps.j2": {"more": ""},
    "deadline.j2": {"d": _D},
    "gap_status.j2": {"r": _R},
    "past_deadline.j2": {"p": {k: "" for k in ("kind", "who", "date", "round_year", "next", "next_date", "projected",
                                               "review")}},
    "history_gap.j2": {"years": "", "plan": ""},
    "stakes.j2": {"s": {k: "" for k in ("round_year", "batch", "date", "past", "next", "consequence")}},
    "western.j2": {"w": {k: "" for k in ("province", "round_year", "criteria", "source")}},
    "schedule_basis.j2": {"b": {k: "" for k in ("own", "label", "dated", "recommender_first", "date", "lead_days",
                                                "recommender", "province", "past", "projected")}},
    "milestone_when.j2": {"m": _M}, "milestone_note.j2": {"m": _M},
    "task.j2": {"t": _T}, "task_when.j2": {"t": _T},
    "document_title.j2": {"doc": _DOC}, "document_note.j2": {"doc": _DOC},
    "round_label.j2": {"r": {"year": "", "notice": "", "plan": ""}},
}.items()}

_COMMON = {k: "" for k in ("cluster_name", "place", "application_type", "round_label", "today_cn", "verdict_sentence",
                           "unverified_sentence", "settings_sentence", "method_sentence", "rulebook_title",
                           "deadline_sentence", "stakes_sentence", "past_sentence")}
_COMMON.update({"round_notes": [""], "outlook": [""], "outlook_assumptions": [""]})
_GAP = {k: "" for k in ("no", "id", "title", "verdict", "status", "what_it_takes")}
# The Word templates' contexts (memo_context, proposal_context; the memo's charts are added when it renders).
CONTEXT_SPEC: dict[str, dict] = {
    MEMO_TEMPLATE: {**_COMMON, "top_gaps": [_GAP], "more_gaps_sentence": "", "western_sentence": "",
                    "charts": [{"image": "", "caption": ""}]},
    PROPOSAL_TEMPLATE: {**_COMMON, "gaps": [_GAP], "schedule_basis": "", "calendar_file": "",
                        "milestones": [{"id": "", "name": "", "when": "", "note": ""}],
                        "tasks": [{k: "" for k in ("no", "what", "who", "days", "gap", "when")}],
                        "documents": [{"no": "", "title": "", "note": ""}]},
}


def _template(name: str) -> Path:
    return paths.templates_dir() / name


def _chart_list(charts: dict[str, Path]):
    def prepare(tpl, ctx):
        from docx.shared import Mm
        from docxtpl import InlineImage

        ctx["charts"] = [{"image": InlineImage(tpl, str(p), width=Mm(IMAGE_WIDTH_MM)), "caption": CAPTIONS.get(k, k)}
                         for k, p in charts.items()]
    return prepare


def _stem(client, assessment) -> str:
    return safe_name(assessment.cluster_name or client.cluster_name or client.id, "client")


def write_memo(client, assessment, round, out_dir, *, today=None, charts: dict[str, Path]) -> Path:
    from toolkit.documents.render import render

    out = Path(out_dir) / f"{_stem(client, assessment)}_简报.docx"
    return render(_template(MEMO_TEMPLATE), memo_context(client, assessment, round, today), out,
                  prepare=_chart_list(charts))


def write_proposal(client, assessment, round, out_dir, *, today=None) -> Path:
    from toolkit.documents.render import render

    out = Path(out_dir) / f"{_stem(client, assessment)}_申报服务方案.docx"
    return render(_template(PROPOSAL_TEMPLATE), proposal_context(client, assessment, round, today), out)


def write_brief(client, assessment, round, out_dir, *, today=None, charts=None, chart_output=None) -> dict[str, Path]:
    """Charts (unless given), memo and proposal for one client, into ``out_dir``; name → path.

    ``chart_output``: the charts' formats and resolution (``toolkit.documents.charts.Output``); by
    default PNG at 200 dpi and SVG (``FOR_PRINT``), the package asks for the memo's PNG only."""
    from toolkit.documents.charts import FOR_PRINT

    from toolkit.core.atomic import make_dirs

    out_dir = make_dirs(out_dir)  # an --output that is a file is named, not an OSError
    if isinstance(round, (int, str)):
        from toolkit.assess.rounds import load_round

        round = load_round(round)
    today = today_of(today)
    token = _brief_memo.set({})
    try:
        return _write_brief(client, assessment, round, out_dir, today, charts, chart_output or FOR_PRINT)
    finally:
        _brief_memo.reset(token)


def _write_brief(client, assessment, round, out_dir: Path, today, charts, output) -> dict[str, Path]:
    from toolkit.documents.charts import chart_outlook, draw_client_charts

    if charts:
        charts = dict(charts)
    else:
        charts = draw_client_charts(client, assessment, out_dir / CHART_DIR, output=output)
        # a review's memo keeps to its five charts (the outlook's sentences stay)
        outlook = None if client.is_review else outlook_of(client, assessment, round, today)
        drawn = chart_outlook(client, assessment, outlook, out_dir / CHART_DIR, output=output) if outlook else None
        if drawn is not None:
            charts["outlook"] = drawn
    files: dict[str, Path] = {f"chart_{k}": Path(v) for k, v in charts.items()}
    files["memo"] = write_memo(client, assessment, round, out_dir, today=today, charts=charts)
    files["proposal"] = write_proposal(client, assessment, round, out_dir, today=today)
    files["calendar"] = write_plan_calendar(client, assessment, round, out_dir, today=today)
    return files


def calendar_name(client, assessment) -> str:
    return f"{_stem(client, assessment)}_工作计划.ics"


def plan_events(client, assessment, round, today) -> list:
    """The proposal's dated milestones and tasks as calendar events (toolkit.documents.calendar)."""
    from toolkit.documents.calendar import Event

    sched = schedule(client, assessment, round, today)
    d = sched["deadline"]
    mark = "（预计）" if d is not None and d.projected else ""
    events = [Event(m["date"], f"{m['name']}{mark}", m["note"], key=f"milestone:{m['id']}")
              for m in sched["milestones"] if m["date"] is not None]
    events += [Event(t["date"], t["what"], f"提供部门：{t['who']}；对应差距：{t['gap']}", key=f"task:{t['what']}")
               for t in sched["tasks"] if t["date"] is not None]
    return events


def write_plan_calendar(client, assessment, round, out_dir, *, today=None) -> Path:
    """The work plan as an .ics calendar beside the proposal."""
    from toolkit.documents.calendar import write_calendar

    name = f"{assessment.cluster_name or client.cluster_name}申报工作计划"
    return write_calendar(plan_events(client, assessment, round, today), Path(out_dir) / calendar_name(client, assessment),
                          name=name, key=str(client.id))


# --- the command ------------------------------------------------------------------------------------
def brief_dir(output_root, round_year, client) -> Path:
    """output/<round>/<推荐单位>/<client>/briefing — beside the client's package."""
    from toolkit.core.naming import package_dir

    return package_dir(output_root, round_year, client.recommender, client.id) / "briefing"
