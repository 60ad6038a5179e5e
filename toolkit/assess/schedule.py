"""Which round, and when: today's date decides the round a plan is for.

A round is known when ``data/rounds/<year>.yaml`` gives its deadline. A round whose notice is not out,
or whose deadline the file leaves blank (2026's; 2027's notice does not exist yet), is **projected**
on the pattern of the last round whose dates are known: the same notice day and deadline a year on,
the same quota, the same attachments. A projected round is marked 预计 wherever it is shown and is
never presented as fact (``Round.projected``, ``Round.projection_note``).

- ``round_for(year)``: the known round, or its projection;
- ``next_open_round(today, province)``: the first round whose deadline — the province's own where the
  round file knows it, else MIIT's — has not passed on ``today``;
- ``window(year)``: the three indicator years of a round, the three calendar years before it
  (2025 round: 2022–2024);
- ``check_round_file(rnd)``: a round file whose deadline comes before its notice, or a province's
  deadline after MIIT's, is a named error.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field, replace

from toolkit.assess.rounds import Round, available_rounds, load_round
from toolkit.core.errors import RoundError
from toolkit.core.formatting import date_cn

WINDOW_YEARS = 3
FAR_FUTURE_YEARS = 10   # a --today further than this beyond the last known round is refused
PROJECTED = "预计"


def window(year: int) -> tuple[int, ...]:
    """The round's three indicator years: the three calendar years before it."""
    return tuple(range(int(year) - WINDOW_YEARS, int(year)))


def round_of_window(years) -> int | None:
    """The round whose window is exactly ``years`` (three consecutive years), else None."""
    ys = sorted(int(y) for y in years if y is not None)
    if len(ys) != WINDOW_YEARS or ys != list(range(ys[0], ys[0] + WINDOW_YEARS)):
        return None
    return ys[-1] + 1


def _shift(d: dt.date | None, years: int) -> dt.date | None:
    if d is None:
        return None
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _pattern() -> Round | None:
    """The last round whose MIIT deadline is known: the pattern projected rounds follow."""
    for year in sorted(available_rounds(), reverse=True):
        rnd = load_round(year)
        if rnd.deadline is not None:
            return rnd
    return None


def check_round_file(rnd: Round) -> Round:
    """A round file's dates must be consistent; say which key to correct."""
    name = rnd.path.name if rnd.path else f"{rnd.year}.yaml"
    if rnd.notice_date and rnd.deadline and rnd.deadline < rnd.notice_date:
        raise RoundError(f"{name} › deadline: 截止日期{date_cn(rnd.deadline)}早于通知日期{date_cn(rnd.notice_date)}；"
                         f"请对照通知原文改正 deadline 或 notice_date")
    for prov, pd in rnd.province_deadlines.items():
        if pd.date and rnd.deadline and pd.date > rnd.deadline:
            raise RoundError(f"{name} › province_deadlines › {prov} › date: 省级截止日期{date_cn(pd.date)}晚于"
                             f"工信部截止日期{date_cn(rnd.deadline)}；省级主管部门须先于工信部收齐材料，请核对")
    return rnd


def round_for(year: int) -> Round:
    """The round of ``year``: its file where the file gives the deadline; otherwise projected on the
    last known round's pattern (what the file does know — notice, review batch, notes — is kept)."""
    year = int(year)
    have = available_rounds()
    if year not in have and (not have or year < max(have)):
        load_round(year)   # a past year without a file: named by load_round (not projected backwards)
    if have and year > max(have) + FAR_FUTURE_YEARS:
        raise RoundError(f"--round {year} 远在已知申报年度（最后为{max(have)}年度）之后，无法推算；请检查年份")
    known = load_round(year) if year in have else None
    if known is not None and known.deadline is not None:
        return check_round_file(known)
    base = _pattern()
    if base is None:
        if known is not None:
            return known
        raise RoundError(f"没有任何已知截止日期的申报年度，无法推算{year}年度；请在 data/rounds/ 中补充")
    shift = year - base.year
    out = copy.copy(known) if known is not None else copy.copy(base)
    out.year = year
    out.western_relaxation = copy.copy((known or base).western_relaxation)
    out.deadline = _shift(base.deadline, shift)
    if known is None or known.notice_date is None:
        out.notice_date = _shift(base.notice_date, shift)
    if known is None:
        out.notice = None
        out.notice_title = f"{year}年度中小企业特色产业集群认定（通知未发布）"
        out.review_batch = year - 3 if base.review_batch else None
        out.province_deadlines = {}
        out.notes = []
        out.raw = {}
        out.path = None
    if out.quota_province is None:
        out.quota_province = base.quota_province
    if out.quota_special is None:
        out.quota_special = base.quota_special
    if known is None or not known.attachments:
        # the titles name the round's year and the reviewed batch: 2025年度…推荐汇总表, 2022年度…复核情况汇总表
        out.attachments = [replace(a, title=a.title.replace(f"{base.year}年度", f"{year}年度")
                                   .replace(f"{base.year - 3}年度", f"{year - 3}年度")) for a in base.attachments]
    out.projected = True
    out.projection_note = (f"{year}年度的截止日期、名额等尚未公布，按{base.year}年度通知推算（{PROJECTED}）："
                           f"截止日期{date_cn(out.deadline)}（{PROJECTED}），每省推荐不超过{out.quota_province}个（{PROJECTED}）；"
                           f"以正式通知为准")
    return out


def deadline_of(rnd: Round, province: str = "") -> dt.date | None:
    """The date the county's material must be in: the province's own where known, else MIIT's."""
    pd = rnd.province_deadlines.get(province) if province else None
    if pd is not None and pd.date is not None:
        return pd.date
    return rnd.deadline


def next_open_round(today: dt.date, province: str = "") -> Round:
    """The first round whose deadline has not passed on ``today`` (projected where not yet known)."""
    known = available_rounds()
    if known and today.year > max(known) + FAR_FUTURE_YEARS:
        raise RoundError(f"--today {today.isoformat()} 远在已知申报年度（最后为{max(known)}年度）之后；"
                         f"请检查日期，或在 data/rounds/ 中补充新的年度")
    start = min(known) if known else today.year
    for year in range(max(start, today.year - 1), today.year + 3):
        rnd = round_for(year)
        due = deadline_of(rnd, province)
        if due is not None and due >= today:
            return rnd
    return round_for(today.year + 1)


def is_projected(rnd: Round | None) -> bool:
    return bool(getattr(rnd, "projected", False))


def plan_round(rnd: Round, today: dt.date, province: str = "") -> Round:
    """The round a plan is for: ``rnd`` while its deadline is ahead, else the next open round."""
    due = deadline_of(rnd, province)
    if due is not None and due >= today:
        return rnd
    return next_open_round(today, province)


def years_text(years) -> str:
    ys = sorted(int(y) for y in years)
    return f"{ys[0]}—{ys[-1]}年" if ys else "无"


def label(rnd: Round) -> str:
    """2025年度, or 2027年度（预计） for a projected round."""
    return f"{rnd.year}年度" + (f"（{PROJECTED}）" if is_projected(rnd) else "")


@dataclass
class RoundChoice:
    """Which round a command assesses and which it plans for, and what the consultant must hear.

    ``data``: the round whose three-year window the workbook holds (the assessment is of it);
    ``plan``: the round the plan targets (the next open one by date, or ``data`` while still open);
    ``notes``: sentences every output shows when they differ or the workbook is old."""

    data: Round
    plan: Round
    notes: list[str] = field(default_factory=list)

    @property
    def moved(self) -> bool:
        return self.data.year != self.plan.year


def choose_rounds(years, province: str = "", requested=None, today: dt.date | None = None,
                  folder: str = "客户文件夹") -> RoundChoice:
    """The data round and the plan round of a workbook with indicator ``years`` on ``today``.

    ``requested`` (``--round``) must fit the workbook's years, or this stops and says which to change
    (``new-client --from``, or ``--round N``). Without it the plan targets the next open round and the
    assessment is of the workbook's own window, said in ``notes`` when the two differ."""
    from toolkit.assess.rounds import resolve_round
    from toolkit.core.clock import today as today_of

    today = today_of(today)
    data_year = round_of_window(years) if years else None
    if requested is not None:
        asked = resolve_round(requested)
        if data_year is not None and asked.year != data_year:
            raise RoundError(
                f"工作簿的指标年度为{years_text(years)}，对应{data_year}年度；--round {asked.year} 的近三年为"
                f"{years_text(window(asked.year))}。请改用 --round {data_year}，或用 clusterkit new-client 新文件夹 "
                f"--from {folder} 生成{asked.year}年度（指标年度{years_text(window(asked.year))}）的工作簿")
        data = asked
    else:
        data = round_for(data_year) if data_year is not None else next_open_round(today, province)
    plan = plan_round(data, today, province)
    notes = moved_notes(data, plan, folder)
    return RoundChoice(data, plan, notes)


def moved_notes(data: Round, plan: Round, folder: str = "客户文件夹") -> list[str]:
    """When the plan targets a later round than the workbook's window: what that means and what to do."""
    if plan.year == data.year:
        return []
    behind = plan.year - data.year
    return [f"工作簿为{years_text(window(data.year))}数据（{data.year}年度的三年窗口），本评估按{data.year}年度进行；"
            f"计划按{label(plan)}安排，该轮需{years_text(window(plan.year))}数据"
            + (f"，工作簿已落后{behind}轮" if behind >= 2 else "")
            + f"：请用 clusterkit new-client 新文件夹 --from {folder} 生成{plan.year}年度工作簿，填写新年度数据后重新评估"]
