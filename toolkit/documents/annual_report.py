"""A recognised cluster's 年度发展情况报告 (annual development report), from the same workbook.

Every recognised cluster reports its previous year's development each year (due 3月31日 from the 2024
notice, 4月30日 before). ``write_annual_report(client, year, out_dir)`` writes
``<集群名称>_<year>年度发展情况报告.docx`` from ``templates/annual_report.docx``: the basic facts, the
year's main indicators against the year before, the three-year plan's targets with the progress made
(the assessment's own plan figures, ``kind == "plan"`` results of the review rulebook), the quality-
firm tiers of the roster, and 【待补充】 passages for the work done and planned. It speaks as the county:
figures and facts, no assessment of ours.

The workbook must hold ``year`` as its latest year and the year before it; a cluster that is not
recognised (申报类型 新申报) has no annual report to make.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.core import formatting as fmt
from toolkit.core.errors import ToolkitError
from toolkit.core.formatting import text_of
from toolkit.core.naming import inside, safe_name
from toolkit.core.paths import templates_dir
from toolkit.documents.render import render
from toolkit.intake import schema
from toolkit.intake.model import TIERS, Client, Value
from toolkit.assess.measures import plan_achievement, plan_actual, year_on_year

TEMPLATE = "annual_report.docx"
S = str
CONTEXT_SPEC: dict[str, Any] = {
    "cluster": {"name": S, "applicant": S, "recognised_year": S},
    "year": S, "prev_year": S, "intro": S,
    "indicators": [{"label": S, "unit": S, "prev": S, "value": S, "change": S}],
    "plan": [{"name": S, "unit": S, "base": S, "target": S, "actual": S, "progress": S}],
    "plan_note": S, "tiers_sentence": S, "work": [S],
}


def _num(v) -> float | None:
    return (v if isinstance(v, Value) else Value(v)).number


def _amount(x: float | None, unit: str) -> str:
    if x is None:
        return "—"
    digits = 0 if unit in ("家", "人", "项", "件", "万元") else (1 if unit in ("%", "亿元") else 2)
    return fmt.number(x, digits)


def check_year(client: Client, year: int) -> None:
    """The workbook must make a report of ``year`` possible; say what to do when it does not."""
    if not client.is_review and not client.recognised_year:
        raise ToolkitError(f"{client.cluster_name or client.id}：申报类型为新申报，尚未认定为中小企业特色产业集群，"
                           f"不需要报送年度发展情况报告（认定后每年报送上一年度情况）")
    if year not in client.years or year - 1 not in client.years:
        have = f"{client.years[0]}—{client.years[-1]}" if client.years else "无"
        raise ToolkitError(f"{client.workbook.name} › 年度指标：{year}年度报告需要{year - 1}年和{year}年的数据，"
                           f"工作簿的指标年度为{have}年；请用 clusterkit new-client 新文件夹 --from "
                           f"{client.folder} 生成含{year}年的工作簿并填写，或改用 --year {client.years[-1]}")
    if year != client.years[-1]:
        raise ToolkitError(f"{client.workbook.name} › 年度指标：{year}年不是工作簿的最新年度（{client.years[-1]}年）；"
                           f"年度报告报送最新一个年度，请用 --year {client.years[-1]}")


def context(client: Client, year: int) -> dict[str, Any]:
    check_year(client, year)
    indicators = []
    for row in schema.sheet("indicators")["rows"]:
        prev, now = _num(client.indicator(row["id"], year - 1)), _num(client.indicator(row["id"], year))
        if prev is None and now is None:
            continue
        unit = row.get("unit", "")
        if unit == "%":
            change = (("提高" if now >= prev else "下降") + fmt.points(abs(now - prev), 1)
                      if prev is not None and now is not None else "—")
        else:
            rate = year_on_year(prev, now)
            change = fmt.growth(rate) if rate is not None else "—"
        indicators.append({"label": row["label"], "unit": unit, "prev": _amount(prev, unit),
                           "value": _amount(now, unit), "change": change})
    plan = []
    for target in client.plan:
        actual = plan_actual(client, target)[0]
        achieved, _ = plan_achievement(target.base_value, target.target_value, actual, target.higher_is_better)
        plan.append({"name": target.name, "unit": target.unit, "base": _amount(_num(target.base_value), target.unit),
                     "target": _amount(_num(target.target_value), target.unit), "actual": _amount(actual, target.unit),
                     "progress": f"已完成规划增量的{fmt.number(achieved, 1)}%" if achieved is not None else "—"})
    counts = {t: 0 for t in TIERS}
    for f in client.firms:
        for t in f.tiers:
            counts[t] = counts.get(t, 0) + 1
    tiers = "、".join(f"{TIERS[t]}{'' if TIERS[t].endswith('企业') else '企业'}{n}家" for t, n in counts.items() if n)
    place = "".join(text_of(x) for x in (client.province, client.city, client.county))
    intro = (f"{text_of(client.cluster_name)}位于{place}，主导产业为{text_of(client.get('leading_industry'))}"
             f"（细分领域：{text_of(client.sub_field)}），{client.recognised_year or ''}年认定为中小企业特色产业集群。")
    if text_of(client.get("operating_body")):
        intro += f"集群运营管理机构为{text_of(client.get('operating_body'))}。"
    return {
        "cluster": {"name": text_of(client.cluster_name), "applicant": text_of(client.get("applicant")),
                    "recognised_year": text_of(client.recognised_year)},
        "year": str(year), "prev_year": str(year - 1), "intro": intro, "indicators": indicators, "plan": plan,
        "plan_note": ("完成进度 = (实际值 − 基期值) ÷ (目标值 − 基期值)；实际值取发展规划表的实际完成值，"
                      f"未填写的取{year}年年度指标。"),
        "tiers_sentence": (f"截至{year}年底，集群内有{tiers}（同一企业多项称号分别计入）。" if tiers
                           else "【待补充：集群内优质中小企业梯度培育情况】"),
        "work": [f"【待补充：{year}年集群发展的主要工作、成效和存在的问题】",
                 f"【待补充：{year + 1}年的工作安排】"],
    }


def report_dir(output_root: Path | str, year: int, client: Client) -> Path:
    """output/年度报告/<year>/<推荐单位>/<client>/ — apart from the application packages."""
    return inside(output_root, "年度报告", str(year), safe_name(client.recommender or "", "推荐单位"),
                  safe_name(client.id, "client"))


def write_annual_report(client: Client, year: int, out_dir: Path | str, *, template: Path | str | None = None
                        ) -> Path:
    ctx = context(client, int(year))
    out = Path(out_dir) / f"{safe_name(client.cluster_name or client.id)}_{year}年度发展情况报告.docx"
    return render(Path(template) if template else templates_dir() / TEMPLATE, ctx, out)
