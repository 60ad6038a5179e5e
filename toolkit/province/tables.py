"""A province's summary tables from a set of packages: 附件2 推荐汇总表 and 附件4 复核情况汇总表.

``write_province_tables(output_root, round)`` reads every package under
``output_root/<round>/<推荐单位>/<client>/`` (its ``manifest.json`` and ``assessment.json``) and writes,
per 推荐单位 (a province, a 计划单列市 or the 兵团), beside the packages:

- ``附件2_推荐汇总表.docx`` and ``.xlsx`` — the new applications, sorted by readiness, with the round's
  quota applied (``Round.quota_for``): within the quota 拟推荐, beyond it 超出名额 (submissions over
  quota are rejected outright); two candidates in one 细分领域 are flagged and only the better one is
  recommended; a cluster that does not qualify is not recommended and uses no place;
- ``附件4_复核情况汇总表.docx`` and ``.xlsx`` — the reviews, with the plan targets met.

``decide_recommendations`` and ``decide_reviews`` are the rules, as plain functions of the rows.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.core import formatting as fmt
from toolkit.core.atomic import atomic_path
from toolkit.core.errors import ToolkitError
from toolkit.intake.model import REVIEW
from toolkit.core.naming import inside, safe_name
from toolkit.assess.result import ELIGIBLE, INCOMPLETE, NOT_ELIGIBLE

RECOMMEND = "拟推荐"
RECOMMEND_INCOMPLETE = "拟推荐（须补充完善）"
OVER_QUOTA = "超出名额"
SAME_FIELD = "同领域不推荐"  # the better one of the 细分领域 is recommended
NOT_QUALIFIED = "暂不推荐"
QUOTA_UNKNOWN = "拟推荐（名额待核实）"

RECOMMENDATIONS_FILE = "附件2_推荐汇总表"
REVIEWS_FILE = "附件4_复核情况汇总表"


@dataclass
class Candidate:
    """One package, as the province tables see it."""

    folder: Path
    client_id: str
    summary: dict[str, Any]
    manifest: dict[str, Any]
    decision: str = ""
    flags: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.summary.get("cluster_name") or self.client_id)

    @property
    def readiness(self) -> float:
        try:
            return float(self.summary.get("readiness") or 0)
        except (TypeError, ValueError):
            return 0.0

    @property
    def overall(self) -> str:
        return str(self.summary.get("overall") or "")

    @property
    def is_review(self) -> bool:
        return self.summary.get("application_type") == REVIEW

    @property
    def sub_field(self) -> str:
        return str(self.summary.get("sub_field") or "").strip()


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ToolkitError(f"{path}: 文件不完整或已损坏，无法读取（{type(exc).__name__}）；这个客户未列入汇总表，"
                           f"请为它重新运行 clusterkit package（或 clusterkit batch --force）") from exc


def collect(output_root: Path | str, round) -> tuple[dict[str, list[Candidate]], list[str]]:
    """Packages under ``output_root/<round>/`` grouped by 推荐单位 folder; plus the problems met."""
    year = str(getattr(round, "year", round))
    base = inside(output_root, safe_name(year, "round"))
    groups: dict[str, list[Candidate]] = {}
    problems: list[str] = []
    if not base.is_dir():
        return groups, [f"{base}: 没有 {year} 年度的申报材料包（请先运行 clusterkit package 或 clusterkit batch）"]
    for rec_dir in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for pkg in sorted(p for p in rec_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            m_path, a_path = pkg / "manifest.json", pkg / "assessment.json"
            if not m_path.is_file() or not a_path.is_file():
                continue  # not a package (e.g. a batch's own folder)
            try:
                manifest = _read_json(m_path)
                assessment = _read_json(a_path)
            except ToolkitError as exc:
                problems.append(str(exc))
                continue
            summary = dict(manifest.get("summary") or {})
            # the assessment is the authority on the verdict and the score
            summary["overall"] = assessment.get("overall", summary.get("overall"))
            summary["readiness"] = assessment.get("readiness", summary.get("readiness"))
            summary.setdefault("cluster_name", assessment.get("cluster_name"))
            summary.setdefault("application_type", assessment.get("application_type"))
            groups.setdefault(rec_dir.name, []).append(
                Candidate(pkg, str(manifest.get("client_id") or pkg.name), summary, manifest))
    return groups, problems


def _rank(c: Candidate):
    return (-c.readiness, {ELIGIBLE: 0, INCOMPLETE: 1}.get(c.overall, 2), c.name)


def decide_recommendations(candidates: list[Candidate], quota: int | None, *, one_per_sub_field: bool | None = None
                           ) -> list[Candidate]:
    """New applications sorted by readiness, each with a decision and flags (quota, 细分领域, eligibility)."""
    rows = sorted([c for c in candidates if not c.is_review], key=_rank)
    by_field: dict[str, list[Candidate]] = {}
    for c in rows:
        if c.sub_field and c.overall != NOT_ELIGIBLE:
            by_field.setdefault(c.sub_field, []).append(c)
    used = 0
    for c in rows:
        same = [o for o in by_field.get(c.sub_field, []) if o is not c] if c.sub_field else []
        if c.overall == NOT_ELIGIBLE:
            c.decision = NOT_QUALIFIED
            c.flags.append("评估结论为不符合条件，不占用推荐名额")
            continue
        if same:
            first = by_field[c.sub_field][0]
            c.flags.append(f"与{'、'.join(o.name for o in same)}同属“{c.sub_field}”细分领域，每个细分领域只推荐一个集群"
                           + ("" if one_per_sub_field else "（本年度是否重申待核实）"))
            if c is not first and one_per_sub_field is not False:
                c.decision = SAME_FIELD
                continue
        if quota is None:
            c.decision = QUOTA_UNKNOWN
            c.flags.append("本轮推荐名额未获取，请以通知原文为准")
        elif used < quota:
            used += 1
            c.decision = RECOMMEND if c.overall == ELIGIBLE else RECOMMEND_INCOMPLETE
        else:
            c.decision = OVER_QUOTA
            c.flags.append(f"超出推荐名额（{quota}个）：超出名额的推荐不予受理")
        if c.overall == INCOMPLETE:
            c.flags.append("尚有佐证材料或数据待补充")
    return rows


def decide_reviews(candidates: list[Candidate], review_batch: int | None) -> list[Candidate]:
    rows = sorted([c for c in candidates if c.is_review], key=_rank)
    for c in rows:
        if c.overall == ELIGIBLE:
            c.decision = "建议通过复核"
        elif c.overall == INCOMPLETE:
            c.decision = "补充完善后复核"
        else:
            c.decision = "复核存在风险"
        failed = c.summary.get("failed") or []
        if failed:
            c.flags.append("未达标或待补：" + "、".join(str(x) for x in failed[:4]) + ("等" if len(failed) > 4 else ""))
        ry = c.summary.get("recognised_year")
        if review_batch and ry and str(ry) != str(review_batch):
            c.flags.append(f"认定年度{ry}不属于本轮复核批次（{review_batch}年度）")
    return rows


# -- rows of the tables -------------------------------------------------------------------------
def _num(x) -> float | None:
    try:
        return None if x is None else float(x)
    except (TypeError, ValueError):
        return None


def _text(x) -> str:
    return "" if x is None else str(x)


def _common(c: Candidate, no: int) -> dict[str, str]:
    s = c.summary
    out = _num(s.get("output_latest"))
    return {
        "no": str(no),
        "name": c.name,
        "place": "".join(_text(s.get(k)) for k in ("city", "county")),
        "sub_field": _text(s.get("sub_field")),
        "output": fmt.yi(out) if out is not None else "",
        "readiness": fmt.number(c.readiness, 0),
        "overall": c.overall,
        "decision": c.decision,
        "flags": "；".join(c.flags),
    }


def recommendation_rows(rows: list[Candidate]) -> list[dict[str, str]]:
    out = []
    for i, c in enumerate(rows, 1):
        g = _num(c.summary.get("output_growth"))
        out.append({**_common(c, i), "industry": _text(c.summary.get("leading_industry")),
                    "growth": fmt.percent(g) if g is not None else ""})
    return out


def review_rows(rows: list[Candidate]) -> list[dict[str, str]]:
    out = []
    for i, c in enumerate(rows, 1):
        total = int(c.summary.get("plan_total") or 0)
        met = int(c.summary.get("plan_met") or 0)
        out.append({**_common(c, i), "recognised_year": _text(c.summary.get("recognised_year")),
                    "plan": f"{met}/{total}项" if total else "未填报"})
    return out


RECOMMENDATION_COLUMNS = [("no", "序号"), ("name", "集群名称"), ("place", "所在地区"), ("industry", "主导产业"),
                          ("sub_field", "细分领域"), ("output", "集群工业总产值"), ("growth", "年均增长"),
                          ("readiness", "准备度"), ("overall", "评估结论"), ("decision", "推荐意见"), ("flags", "提示")]
REVIEW_COLUMNS = [("no", "序号"), ("name", "集群名称"), ("place", "所在地区"), ("recognised_year", "认定年度"),
                  ("sub_field", "细分领域"), ("output", "集群工业总产值"), ("plan", "规划目标完成"),
                  ("readiness", "准备度"), ("overall", "评估结论"), ("decision", "复核建议"), ("flags", "提示")]


def write_xlsx(rows: list[dict[str, str]], columns, out: Path, *, title: str, notes: list[str]) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总表"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([label for _, label in columns])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([r.get(k, "") for k, _ in columns])
    ws.append([])
    for n in notes:
        ws.append([n])
    widths = {"no": 6, "name": 30, "place": 16, "flags": 50, "decision": 18}
    for i, (k, _) in enumerate(columns, 1):
        ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = widths.get(k, 14)
    for row in ws.iter_rows(min_row=3, max_row=2 + len(rows)):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return out


def _title(rnd, attachment_id: str, fallback: str) -> str:
    att = rnd.attachment(attachment_id) if hasattr(rnd, "attachment") else None
    return getattr(att, "title", "") or fallback


def write_province_tables(output_root: Path | str, round, *, today: dt.date | None = None) -> list[Path]:
    """Write 附件2/附件4 (.docx and .xlsx) for every 推荐单位 with packages of ``round``; returns the files."""
    from toolkit.documents.forms import PROVINCE_RECOMMENDATIONS, PROVINCE_REVIEWS, render_form
    from toolkit.assess.rounds import resolve_round

    rnd = resolve_round(round)
    year = rnd.year
    groups, problems = collect(output_root, year)
    for p in problems:
        print(f"警告：{p}", file=sys.stderr)
    written: list[Path] = []
    from toolkit import __version__

    generated = f"{fmt.date_cn(today or dt.date.today())}（集群申报工具箱 {__version__}）"
    for rec_dir, candidates in groups.items():
        folder = inside(output_root, str(year), rec_dir)
        recommender = next((str(c.summary.get("recommender")) for c in candidates if c.summary.get("recommender")),
                           rec_dir)
        quota = rnd.quota_for(recommender)
        new = decide_recommendations(candidates, quota, one_per_sub_field=getattr(rnd, "one_per_sub_field", None))
        if new:
            rows = recommendation_rows(new)
            recommended = sum(1 for c in new if c.decision in (RECOMMEND, RECOMMEND_INCOMPLETE, QUOTA_UNKNOWN))
            quota_text = f"{quota}个" if quota is not None else "待核实"
            rules = (f"排序：按准备度由高到低。名额：{recommender}本轮推荐名额{quota_text}"
                     f"（{rnd.notice or str(year) + '年度通知'}），超出名额的推荐不予受理；评估结论为不符合条件的集群不占用名额。"
                     "每个细分领域只推荐一个集群。准备度和评估结论由集群申报工具箱依据申报数据计算，"
                     "标注“阈值待核实”的标准请以正式文件为准。")
            title = _title(rnd, "附件2", f"{year}年度中小企业特色产业集群推荐汇总表")
            ctx = {
                "form": {"attachment": "附件2", "title": title, "round": f"{year}年度"},
                "recommender": recommender,
                "summary": {"count": str(len(new)), "recommended": str(recommended), "passed": "",
                            "quota": quota_text, "rules": rules},
                "rows": rows,
                "generated": generated,
            }
            written.append(render_form(PROVINCE_RECOMMENDATIONS, ctx, folder / f"{RECOMMENDATIONS_FILE}.docx"))
            written.append(write_xlsx(rows, RECOMMENDATION_COLUMNS, folder / f"{RECOMMENDATIONS_FILE}.xlsx",
                                      title=f"{title}（{recommender}）", notes=[rules]))
        reviews = decide_reviews(candidates, getattr(rnd, "review_batch", None))
        if reviews:
            rows = review_rows(reviews)
            batch = getattr(rnd, "review_batch", None)
            title = _title(rnd, "附件4", f"{batch or ''}年度中小企业特色产业集群复核情况汇总表")
            rules = ("排序：按准备度由高到低。复核建议依据评估结论：符合条件→建议通过复核；待补充完善→补充完善后复核；"
                     "不符合条件→复核存在风险。未申请复核或复核未通过的集群将被撤销认定（待核实）。")
            ctx = {
                "form": {"attachment": "附件4", "title": title, "round": f"{year}年度"},
                "recommender": recommender,
                "summary": {"count": str(len(reviews)),
                            "recommended": "",
                            "passed": str(sum(1 for c in reviews if c.overall == ELIGIBLE)),
                            "quota": "", "rules": rules},
                "rows": rows,
                "generated": generated,
            }
            written.append(render_form(PROVINCE_REVIEWS, ctx, folder / f"{REVIEWS_FILE}.docx"))
            written.append(write_xlsx(rows, REVIEW_COLUMNS, folder / f"{REVIEWS_FILE}.xlsx",
                                      title=f"{title}（{recommender}）", notes=[rules]))
    return written


def cmd_province(args) -> int:
    root = Path(args.output)
    if not root.exists():
        raise ToolkitError(f"找不到输出文件夹 {root}：给出 clusterkit package / batch 写入的文件夹（--output，默认 output）")
    if not root.is_dir():
        raise ToolkitError(f"{root} 是文件，不是输出文件夹：给出 clusterkit package / batch 写入的文件夹（--output，默认 output）")
    files = write_province_tables(root, args.round)
    if not files:
        print(f"未找到 {args.round} 年度可用的申报材料包：请先运行 clusterkit package 或 clusterkit batch。", file=sys.stderr)
        return 1
    for p in files:
        print(p)
    # a damaged package was left out of the tables (named above): the tables are not the whole round
    damaged = collect(root, _resolve_round_year(args.round))[1]
    if damaged:
        print(f"注意：{len(damaged)} 个材料包无法读取，未列入汇总表（见上方警告）；修复后重新运行 clusterkit province。",
              file=sys.stderr)
        return 1
    return 0


def _resolve_round_year(round) -> int:
    from toolkit.assess.rounds import resolve_round

    return resolve_round(round).year
