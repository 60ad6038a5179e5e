"""The briefing memo (简报) and the client proposal (申报服务方案) of one client.

``write_brief(client, assessment, round, out_dir, today=…)`` writes into ``out_dir``:

- ``图表/``: the charts of ``toolkit.documents.charts`` (PNG and SVG), unless ``charts`` are given;
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
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from toolkit.core import paths
from toolkit.core.clock import today as today_of
from toolkit.core.errors import ToolkitError
from toolkit.core.formatting import date_cn, number, percent, with_unit
from toolkit.intake.model import PLAN_CITIES, XPCC
from toolkit.assess.measures import standard_text
from toolkit.core.naming import safe_name
from toolkit.intake import schema
from toolkit.assess.rulebook import label_of, title_of
from toolkit.assess.result import (
    ELIGIBLE, FAIL, MISSING_DATA, NEEDS_EVIDENCE, NOT_ELIGIBLE, PASS, UNVERIFIED_NOTE, VETO,
)

CHART_DIR = "图表"
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
}


# --- data -----------------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _workplan_at(path: str, mtime: float) -> dict:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
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


# --- the diagnosis ----------------------------------------------------------------------------------
_RANK = {VETO: 0, FAIL: 1, MISSING_DATA: 3, NEEDS_EVIDENCE: 4}


def _shortfall(r) -> float:
    if _is_num(r.margin) and _is_num(r.threshold) and r.threshold:
        return abs(r.margin) / abs(r.threshold)
    return 0.0


def _status(r) -> str:
    unv = f"（{UNVERIFIED_NOTE}）" if not r.verified and r.kind in ("quantitative", "plan") else ""
    if r.kind == "plan":
        return (f"目标完成度{percent(r.value)}，要求{standard_text(r.operator, r.threshold, '%', 1)}{unv}"
                if _is_num(r.value) else "实际完成值缺失")
    if r.kind == "quantitative":
        if not _is_num(r.value):
            return "数据缺失" + (f"：{'、'.join(r.missing)}" if r.missing else "")
        return f"现为{with_unit(r.value, r.unit)}，要求{standard_text(r.operator, r.threshold, r.unit, 1)}{unv}"
    if r.verdict == VETO:
        return r.note or "存在负面清单事项"
    if r.missing:
        return "缺少：" + "、".join(r.missing)
    return r.verdict


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
        rows.append({
            "no": n, "id": r.id, "title": r.title, "verdict": r.verdict, "status": _status(r),
            "what_it_takes": r.what_it_takes or _default_task(r), "result": r,
        })
    return rows


def verdict_sentence(assessment) -> str:
    name = assessment.cluster_name
    kind = "复核" if assessment.application_type == "复核" else "申报"
    score = f"综合准备度{number(assessment.readiness, 0)}分"
    vetoes = [r for r in assessment.results if r.verdict == VETO]
    failed = [r for r in assessment.results if r.verdict == FAIL]
    pending = [r for r in assessment.results if r.verdict in (NEEDS_EVIDENCE, MISSING_DATA)]
    if vetoes:
        return f"{name}存在负面清单一票否决事项（{'、'.join(r.title for r in vetoes)}），本轮不具备{kind}条件。"
    if assessment.overall == ELIGIBLE:
        return f"{name}对照认定标准各项条件均已达标，{score}，具备{kind}条件。"
    if assessment.overall == NOT_ELIGIBLE or failed:
        titles = "、".join(f"{r.id} {_short_title(r)}" for r in failed[:4]) + ("等" if len(failed) > 4 else "")
        more = f"，另有{len(pending)}项待补证或数据缺失" if pending else ""
        return f"{name}目前有{len(failed)}项条件未达标（{titles}）{more}，{score}，暂不符合{kind}条件。"
    return (f"{name}硬性指标均已达标，但仍有{len(pending)}项待补证或数据缺失，{score}，"
            f"补齐后可{kind}（{assessment.overall}）。")


def _short_title(r) -> str:
    from toolkit.documents.charts import short_title

    return short_title(r)


def unverified_sentence(assessment) -> str:
    ids = list(assessment.unverified or [])
    if not ids:
        return ""
    used = []
    for r in assessment.results:
        if r.id in ids:
            used.append(f"{r.id} {_short_title(r)}")
    return (f"{UNVERIFIED_NOTE}：以下标准的阈值或条文未能与政策原文核对，结论仅供参考，定稿前须对照正式通知核实——"
            + "；".join(used or ids) + "。")


def settings_sentence(assessment) -> str:
    """The named settings a reader must see (西部地区放宽 …); '' when none of them is on."""
    shown = [s for s in assessment.settings if s.startswith("西部") or "放宽" in s]
    for r in assessment.results:
        for s in r.settings:
            if s not in shown:
                shown.append(s)
    return ("本评估启用了以下设置：" + "；".join(shown) + "。") if shown else ""


def method_sentence(assessment) -> str:
    base = (f"评估依据：{label_of(assessment.rulebook, assessment.rulebook_version)}。"
            "准备度为0–100分的综合参考值，任何一项硬性标准未达标均不能由分数弥补。")
    rest = [s for s in assessment.settings if not s.startswith("规则库")]
    return base + ("口径：" + "；".join(rest) + "。" if rest else "")


# --- the deadline -----------------------------------------------------------------------------------
@dataclass
class Deadline:
    date: dt.date | None
    label: str  # the round's description of it
    verified: bool
    kind: str  # "省级" (the recommender's own) | "工信部" | "未知"
    today: dt.date
    round_year: int | None

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
    return Deadline(date, label, verified, kind, today, getattr(round, "year", None))


def deadline_sentence(d: Deadline) -> str:
    if d.date is None:
        return f"截止日期：{d.label}。"
    which = {"省级": "省级报送截止日期", "工信部": "工信部报送截止日期"}.get(d.kind, "报送截止日期")
    counted = f"（以{date_cn(d.today)}计）"
    if d.past:
        return f"{which}{date_cn(d.date)}已过{-d.days_left}天{counted}，本轮已无法按期报送。"
    when = "今天截止" if d.days_left == 0 else f"还有{d.days_left}天"
    if d.kind == "省级":
        return f"距{which}{date_cn(d.date)}{when}{counted}。依据：{d.label}。"
    if d.kind == "工信部":
        return (f"距{which}{date_cn(d.date)}{when}{counted}。省级主管部门的截止日期未获取，通常早于工信部，"
                "请尽快向省级主管部门核实。")
    return f"距{which}{date_cn(d.date)}{when}{counted}。依据：{d.label}。"


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


def work_items(assessment, client, plan: dict | None = None) -> list[dict]:
    """One item per gap or missing evidence item: what, who provides it, typical days, which gap."""
    plan = plan or load_workplan()
    items, seen = [], set()

    def add(what, entry, gap):
        if what in seen:
            return
        seen.add(what)
        items.append({"what": what, "who": _who(entry, plan), "days": int(entry.get("days") or 7), "gap": gap})

    for g in gaps(assessment):
        r = g["result"]
        gap = f"{r.id} {_short_title(r)}"
        if r.kind in ("evidence",) or (r.verdict == NEEDS_EVIDENCE and r.missing):
            for m in r.missing or [r.title]:
                add(f"补充佐证材料：{_plain(m)}", _entry(r, plan, m), gap)
            continue
        entry = _entry(r, plan)
        task = entry.get("task") or plan["default"]["task"]
        if r.verdict == MISSING_DATA:
            what = f"补填数据：{task}" + (f"（缺：{'、'.join(r.missing)}）" if r.missing else "")
        elif r.what_it_takes:
            what = f"{task}；目标：{r.what_it_takes}"
        else:
            what = task
        add(what, entry, gap)
    # evidence listed in the workbook whose file was not found beside it
    for e in getattr(client, "evidence", []) or []:
        if e.exists is False:
            kind = e.kinds[0] if e.kinds else None
            entry = plan["evidence"].get(kind, plan["default"]) if kind else plan["default"]
            add(f"提供佐证材料文件：{e.title}（{e.file or '未填文件名'}，客户文件夹中未找到）", entry, "佐证材料")
    return items


def _submit_name(client, name: str) -> str:
    who = client.recommender
    if who and (who in PLAN_CITIES or who == XPCC):
        return name.replace("省级", f"推荐单位（{who}）")
    return name


def schedule(client, assessment, round, today, plan: dict | None = None) -> dict:
    """Milestones and tasks, dated back from the deadline; a past deadline moves the plan to the next round."""
    plan = plan or load_workplan()
    today = today_of(today)
    d = deadline_for(client, round, today)
    lead = int(plan.get("province_lead_days") or 0)
    basis, past_sentence, target, target_label = "", "", None, ""
    if d.past:
        nxt = _next_round(round)
        nd = deadline_for(client, nxt, today) if nxt is not None else None
        which = {"省级": f"{client.recommender or client.province}报送截止日期", "工信部": "工信部报送截止日期"}.get(
            d.kind, "报送截止日期")
        past_sentence = (f"{which}{date_cn(d.date)}已过，本轮（{d.round_year}年度）已错过报送时间"
                         + ("（如确有特殊情况，可向省级主管部门确认能否补报）" if d.kind == "省级" else "")
                         + "。以下计划按下一轮申报安排"
                         + ("。" if nd and nd.date and not nd.past else
                            "；下一轮通知尚未发布或截止日期未获取，时间按“通知发布后”倒排，通知发布后填入具体日期。"))
        if nd is not None and nd.date is not None and not nd.past:
            d = nd
        else:
            d = None
    if d is not None and d.date is not None:
        if d.kind == "省级" or client.recommender in PLAN_CITIES or client.recommender == XPCC:
            target, target_label = d.date, f"以{date_cn(d.date)}为报送日倒排"
            if d.kind != "省级":
                target = d.date - dt.timedelta(days=lead)
                target_label = (f"推荐单位截止日期未获取，按工信部截止日期{date_cn(d.date)}提前{lead}天倒排（计划假设），"
                                f"请向{client.recommender}主管部门核实")
        else:
            target = d.date - dt.timedelta(days=lead)
            target_label = (f"省级截止日期未获取，按工信部截止日期{date_cn(d.date)}提前{lead}天作为报送省级的计划日期"
                            f"（计划假设，非政策规定），请向{client.province or '省级'}中小企业主管部门核实省级截止日期")
        basis = f"关键节点{target_label}。" if d.kind != "省级" else f"关键节点以{d.label.split('（')[0]}倒排。"
    elif not past_sentence:
        basis = "截止日期未获取，关键节点按“截止前N天”列出，日期待通知明确后填入。"

    milestones = []
    for m in plan["milestones"]:
        name = _submit_name(client, m["name"])
        before = int(m.get("days_before") or 0)
        if target is not None:
            when = target - dt.timedelta(days=before)
            note = f"报送日前{before}天" if before else "报送"
            if when < today:
                note = f"时间紧：原定{date_cn(when)}已过，须立即完成"
                when = today
            milestones.append({"id": m.get("id"), "name": name, "date": when, "when": date_cn(when), "note": note})
        else:
            milestones.append({"id": m.get("id"), "name": name, "date": None,
                               "when": f"截止前{before}天" if before else "截止日", "note": "待通知明确截止日期后填入"})
    collected = next((m["date"] for m in milestones if m["id"] == "collected"), None) or (
        milestones[0]["date"] if milestones else None)

    tasks = []
    for n, it in enumerate(work_items(assessment, client, plan), 1):
        if target is not None:
            due = today + dt.timedelta(days=it["days"])
            what = it["what"]
            if collected is not None and due > collected:
                due = max(collected, today)
                what = f"【时间紧，通常需{it['days']}天】{what}"
            tasks.append({**it, "what": what, "no": n, "date": due, "when": date_cn(due)})
        else:
            tasks.append({**it, "no": n, "date": None, "when": f"启动后{it['days']}天内"})
    return {"deadline": d, "target": target, "basis": basis, "past_sentence": past_sentence,
            "milestones": milestones, "tasks": tasks}


def _next_round(round):
    """The next round, or None when its file is not there yet (a broken file is an error, not None)."""
    from toolkit.assess.rounds import available_rounds, load_round

    year = getattr(round, "year", None)
    if year is None or int(year) + 1 not in available_rounds():
        return None
    return load_round(int(year) + 1)


def documents(client, assessment, round) -> list[dict]:
    """What the client's package will contain: the round's form for this application type with its
    evidence, the evidence checklist and materials by kind, the briefing; the summary tables are the
    province's."""
    review = client.is_review
    docs = []
    atts = list(getattr(round, "attachments", []) or [])
    form = None
    for a in atts:
        is_review_form = "复核" in a.title and "汇总" not in a.title
        is_new_form = "申报表" in a.title and "复核" not in a.title and "汇总" not in a.title
        if (review and is_review_form) or (not review and is_new_form):
            form = a
    notice = getattr(round, "notice", None) or ""
    if form is not None:
        docs.append({"title": f"{form.id} {form.title}", "note": f"按{notice}附件格式填报，附佐证材料" if notice else "附佐证材料"})
    else:
        docs.append({"title": "中小企业特色产业集群复核申报表" if review else "中小企业特色产业集群申报表",
                     "note": "本年度通知附件未获取，按认定标准整理"})
    have: dict[str, int] = {}
    for e in client.evidence or []:
        for k in e.kinds:
            if e.exists is not False:
                have[k] = have.get(k, 0) + 1
    docs.append({"title": "佐证材料清单", "note": f"{len(client.evidence or [])}项材料，逐项对应认定标准条款"})
    labels = schema.evidence_kinds()
    missing_kinds = set()
    for r in assessment.results:
        for m in r.missing or []:
            k = _kind_of(m)
            if k:
                missing_kinds.add(k)
    for kind, label in labels.items():
        if kind == "plan_completion" and not review:
            continue
        n = have.get(kind, 0)
        if n or kind in missing_kinds:
            docs.append({"title": f"佐证材料：{label}", "note": f"已有{n}份" if n else "待补充（见工作计划）"})
    docs.append({"title": "申报准备情况简报及图表", "note": "供县领导决策参考，不随申报材料报送"})
    for a in atts:
        if "汇总" in a.title:
            docs.append({"title": f"{a.id} {a.title}", "note": "由推荐单位（省级主管部门）汇总填报，不在本县材料包内"})
    for n, d in enumerate(docs, 1):
        d["no"] = n
    return docs


# --- context and rendering --------------------------------------------------------------------------
def _common(client, assessment, round, today) -> dict:
    today = today_of(today)
    place = "".join(x for x in (client.province, client.city, client.county) if x)
    year = getattr(round, "year", None) or assessment.round
    return {
        "cluster_name": assessment.cluster_name or client.cluster_name,
        "place": place or "—",
        "application_type": assessment.application_type,
        "round_label": f"{year}年度" + (f"（{round.notice}）" if getattr(round, "notice", None) else "") if year else "申报年度未指定",
        "today_cn": date_cn(today),
        "verdict_sentence": verdict_sentence(assessment),
        "unverified_sentence": unverified_sentence(assessment),
        "settings_sentence": settings_sentence(assessment),
        "method_sentence": method_sentence(assessment),
        "rulebook_title": title_of(assessment.rulebook),
    }


def _clean_gap(g: dict) -> dict:
    return {k: v for k, v in g.items() if k != "result"}


def memo_context(client, assessment, round, today) -> dict:
    all_gaps = [_clean_gap(g) for g in gaps(assessment)]
    d = deadline_for(client, round, today)
    ctx = _common(client, assessment, round, today)
    more = len(all_gaps) - 3
    ctx.update({
        "deadline_sentence": deadline_sentence(d),
        "top_gaps": all_gaps[:3],
        "more_gaps_sentence": f"另有{more}项差距，详见申报服务方案。" if more > 0 else "",
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
    })
    return ctx


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


def write_brief(client, assessment, round, out_dir, *, today=None, charts=None) -> dict[str, Path]:
    """Charts (unless given), memo and proposal for one client, into ``out_dir``; name → path."""
    from toolkit.documents.charts import draw_client_charts

    from toolkit.core.atomic import make_dirs

    out_dir = make_dirs(out_dir)  # an --output that is a file is named, not an OSError
    if isinstance(round, (int, str)):
        from toolkit.assess.rounds import load_round

        round = load_round(round)
    today = today_of(today)
    charts = dict(charts) if charts else draw_client_charts(client, assessment, out_dir / CHART_DIR)
    files: dict[str, Path] = {f"chart_{k}": Path(v) for k, v in charts.items()}
    files["memo"] = write_memo(client, assessment, round, out_dir, today=today, charts=charts)
    files["proposal"] = write_proposal(client, assessment, round, out_dir, today=today)
    return files


# --- the command ------------------------------------------------------------------------------------
def brief_dir(output_root, round_year, client) -> Path:
    """output/<round>/<推荐单位>/<client>/briefing — beside the client's package."""
    from toolkit.core.naming import package_dir

    return package_dir(output_root, round_year, client.recommender, client.id) / "briefing"
