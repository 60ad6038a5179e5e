"""Next round's workbook from this round's: what carries over, and what the county must refresh.

A county's roster, platforms, development plan and evidence list carry over from one round to the
next; the three indicator years move on. ``carry_over(old_dir, new_dir, years)`` reads the old
client folder (its workbook is never modified), writes ``new_dir/intake.xlsx`` for the new years with

- the basic information, roster, platforms, plan and evidence list as they were;
- each indicator figure of a year both windows share (2024 in 2022–2024 → 2024–2026), kept;
- the new years' figures blank, the negative-list declaration blank (it covers a new three years);

and marks what must be refreshed: a coloured, commented cell for every new year's figure and every
negative-list answer, a comment on the roster's titles (a 专精特新 title is valid for three years), and
a list on the instructions sheet. ``new_dir/evidence/`` is created; files are not copied (the
county's newer documents replace them).
"""

from __future__ import annotations

from pathlib import Path

from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from toolkit.core import atomic
from toolkit.core.errors import ToolkitError
from toolkit.core.xlsx_safe import put
from toolkit.intake import schema
from toolkit.intake.blank import build_workbook, save_workbook
from toolkit.intake.model import TIERS, Client

REFRESH_FILL = PatternFill("solid", fgColor="FCE4D6")  # light orange: to be filled or confirmed
AUTHOR = "clusterkit"


def _yes(flag: bool | None) -> str | None:
    return None if flag is None else ("是" if flag else "否")


def carried_data(client: Client, years: list[int]) -> dict:
    """The old client's data as ``build_workbook`` takes it, for the new ``years``."""
    basic = {k: v.value for k, v in client.basic.items() if v.value is not None}
    indicators = {key: [by_year[y].value if y in by_year else None for y in years]
                  for key, by_year in client.indicators.items()}
    roster = [{"name": f.name, "credit_code": f.credit_code, "is_sme": _yes(f.is_sme),
               "in_leading_industry": _yes(f.in_leading_industry),
               **{tier: (None if f.tiers_unknown else "是" if tier in f.tiers else "否") for tier in TIERS},
               "note": f.note or None}
              for f in client.firms]
    platforms = [{"name": p.name, "kind": p.kind, "level": p.level, "host": p.host or None, "note": p.note or None}
                 for p in client.platforms]
    plan = [{"name": p.name, "indicator": p.indicator, "unit": p.unit, "base_year": p.base_year,
             "base_value": p.base_value, "target_year": p.target_year, "target_value": p.target_value,
             "actual_value": p.actual_value, "direction": "越高越好" if p.higher_is_better else "越低越好",
             "note": p.note or None} for p in client.plan]
    kinds = schema.evidence_kinds()
    evidence = [{"title": e.title, "file": e.file, "kind": kinds.get(e.kinds[0]) if e.kinds else None,
                 "note": e.note or None} for e in client.evidence]
    return {"basic": basic, "indicators": indicators, "roster": roster, "platforms": platforms,
            "negative": {}, "plan": plan, "evidence": evidence}


def _mark(cell, text: str) -> None:
    cell.fill = REFRESH_FILL
    cell.comment = Comment(text, AUTHOR)


def carry_over(old: Path | str, new: Path | str, years: list[int]) -> tuple[Path, list[str]]:
    """Write next round's workbook into ``new`` from the client folder ``old``; returns its path and
    what the county must refresh, in words."""
    from toolkit.intake.reader import read_client

    old, new = Path(old), Path(new)
    target = new / schema.load_schema()["file"]
    if old.resolve() == new.resolve():
        raise ToolkitError(f"--from {old} 与新客户文件夹相同：新一轮的工作簿请写到另一个文件夹，原工作簿保留不动")
    if target.exists():
        raise ToolkitError(f"{target} 已存在，未覆盖：请换一个文件夹，或先移走原有工作簿")
    client = read_client(old)   # a workbook with errors is named by cell, as `check` names it
    years = sorted(int(y) for y in years)
    kept = [y for y in years if y in client.years]
    new_years = [y for y in years if y not in client.years]
    wb = build_workbook(client.cluster_name, years, carried_data(client, years))

    refresh = []
    ind = wb[schema.sheet_title("indicators")]
    for r in range(2, ind.max_row + 1):
        for i, y in enumerate(years):
            if y in new_years:
                _mark(ind.cell(r, 4 + i), f"{y}年为新年度，请按统计数据填写")
    if new_years:
        refresh.append(f"年度指标：{'、'.join(map(str, new_years))}年为新年度，须按统计数据填写"
                       + (f"（{'、'.join(map(str, kept))}年数据沿用上一轮工作簿，请核对）" if kept else ""))
    neg = wb[schema.sheet_title("negative")]
    for r in range(2, neg.max_row + 1):
        if neg.cell(r, 1).value:
            _mark(neg.cell(r, 3), f"负面清单覆盖{years[0]}—{years[-1]}年，须重新逐项声明")
    refresh.append(f"负面清单：覆盖{years[0]}—{years[-1]}年，须重新逐项声明")
    roster = wb[schema.sheet_title("roster")]
    tier_cols = [c for c, col in enumerate(schema.sheet("roster")["columns"], start=1) if col["id"] in TIERS]
    for c in tier_cols:
        head = roster.cell(1, c)
        head.comment = Comment("沿用上一轮：请核对称号是否仍在有效期内（专精特新中小企业等称号有效期三年）", AUTHOR)
    if client.firms:
        refresh.append(f"企业名单：沿用{len(client.firms)}家企业，请核对称号有效期并补充新获认定的企业")
    if client.plan:
        refresh.append("发展规划：沿用原规划目标，请填写最新年度的实际完成值")
    if client.evidence:
        refresh.append(f"佐证材料：沿用{len(client.evidence)}项清单，请将新年度的证明文件放入 evidence/ 并更新文件名")

    ws = wb.worksheets[0]
    row = ws.max_row + 2
    put(ws.cell(row, 1), f"本工作簿由上一轮工作簿延续生成（{old.name}，指标年度{client.years[0]}—{client.years[-1]}年）："
                         "橙色单元格须填写或确认").font = Font(bold=True)
    for i, text in enumerate(refresh, start=1):
        put(ws.cell(row + i, 1), f"{i}. {text}")
    save_workbook(wb, target)
    atomic.make_dirs(new / "evidence")
    return target, refresh
