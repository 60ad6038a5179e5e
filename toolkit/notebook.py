"""What the notebooks call, so that their cells stay one or two lines.

``notebooks/client_report.ipynb`` and ``notebooks/province_summary.ipynb`` are thin: each cell calls
one function here or in the step's own module. The functions return pandas tables (shown as the
cell's output) or paths, and work the same in JupyterLab and under papermill.

A notebook's first code cell types its parameters (``typed_parameters(globals())``, from
``toolkit.run.parameters``, the rule the batch applies too), so that a notebook run by papermill alone
takes ``-p western_relaxation 否`` as off and refuses ``-p round abc``.

One hook concerns the batch (``toolkit.run.batch``): ``record_result(...)``, the notebook's last cell,
writes a small JSON result to the file named by the ``CLUSTERKIT_RESULT_FILE`` environment variable
(set by the batch; absent in JupyterLab, where it does nothing). The batch counts a notebook as run
only when this file exists.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from toolkit.core.paths import notebooks_dir, project_root
from toolkit.run.parameters import typed_parameters

__all__ = ["typed_parameters"]  # the notebooks' first code cell: nbk.typed_parameters(globals())

RESULT_ENV = "CLUSTERKIT_RESULT_FILE"


def resolve(path: str | Path) -> Path:
    """A notebook parameter path made absolute.

    Relative paths are read from the project folder when the notebook runs in ``notebooks/`` (as
    JupyterLab does), otherwise from the current folder (as ``papermill`` on the command line does).
    """
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    cwd = Path.cwd().resolve()
    if cwd == notebooks_dir().resolve() and not (cwd / p).exists():
        return (project_root() / p).resolve()
    return (cwd / p).resolve()


def record_result(**data: Any) -> None:
    """Write the notebook's result for the batch (no-op outside a batch)."""
    target = os.environ.get(RESULT_ENV)
    if not target:
        return None
    from toolkit.core.atomic import write_text

    write_text(target, json.dumps({"status": "ok", **data}, ensure_ascii=False, default=str, indent=1))
    return None


# -- client_report ---------------------------------------------------------------------------------

PARAMETER_LABELS = {"client_dir": "客户文件夹", "rulebook": "规则库", "round": "申报年度", "output": "输出文件夹",
                    "western_relaxation": "西部地区放宽"}


def _cell(x) -> str:
    """A value for a table cell in the house style: no NaN, no None, no raw floats."""
    from toolkit.core.formatting import number, text_of

    if isinstance(x, bool):
        return "是" if x else "否"
    if isinstance(x, float):
        return "" if x != x else number(x, 2)
    return text_of(x)


def parameters_table(ns: dict) -> "Any":
    """The run's parameters in plain Chinese (the report hides the code cell that sets them)."""
    import pandas as pd

    from toolkit.assess.rulebook import title_of

    rows = []
    for name, label in PARAMETER_LABELS.items():
        if name not in ns:
            continue
        v = ns[name]
        if name == "rulebook":
            v = title_of(v) if v else "按申报类型自动选择"
        elif name == "round":
            v = f"{v}年度" if v else "按今天的日期确定"
        elif name in ("client_dir", "output"):
            v = str(v)
        rows.append({"参数": label, "取值": _cell(v)})
    return pd.DataFrame(rows, columns=["参数", "取值"])


def assessment_table(assessment) -> "Any":
    """Every criterion: verdict, value, standard and gap in the forms' number style, with its clause."""
    import pandas as pd

    from toolkit.assess.measures import standard_text
    from toolkit.core.formatting import with_unit

    rows = []
    for r in assessment.results:
        rows.append({
            "条款": r.id, "维度": r.dimension_name, "指标": r.title, "结论": r.verdict,
            "实际值": with_unit(r.value, r.unit, 2) if r.value is not None else "",
            "标准": standard_text(r.operator, r.threshold, r.unit) if r.threshold is not None else "",
            "差距": with_unit(r.margin, r.unit, 2) if r.margin is not None else "",
            "阈值状态": "" if r.verified else "阈值待核实", "依据": r.clause,
        })
    return pd.DataFrame(rows, columns=["条款", "维度", "指标", "结论", "实际值", "标准", "差距", "阈值状态", "依据"])


def intake_summary(client) -> "Any":
    """The client's basic information as read, with the cell each value came from."""
    import pandas as pd

    from toolkit.intake import schema

    labels = {f["id"]: f["label"] for f in schema.sheet("basic")["fields"]}
    rows = [{"项目": labels.get(k, k), "值": _cell(v.value), "来源": str(v.source) if v.source else ""}
            for k, v in client.basic.items() if v is not None]
    rows += [
        {"项目": "指标年度", "值": "、".join(str(y) for y in client.years), "来源": ""},
        {"项目": "企业名录（家）", "值": str(len(client.firms)), "来源": ""},
        {"项目": "平台与机构（个）", "值": str(len(client.platforms)), "来源": ""},
        {"项目": "佐证材料（份）", "值": str(len(client.evidence)), "来源": ""},
    ]
    return pd.DataFrame(rows)


def problems_table(problems) -> "Any":
    """Problems found in the workbook: where (file › sheet › cell), the value, what is wrong, the fix."""
    import pandas as pd

    sev = {"error": "有误", "missing": "待补充", "warning": "提示"}
    rows = [{"位置": p.place, "填写值": "" if p.value is None else str(p.value), "问题": p.message,
             "改法": p.fix, "级别": sev.get(p.severity, p.severity)} for p in problems]
    return pd.DataFrame(rows, columns=["位置", "填写值", "问题", "改法", "级别"])


def require_client(checked):
    """The client of a ``check_workbook`` result as far as it can be read, as ``clusterkit assess`` takes
    it: blanks and wrong cells give a provisional assessment (初步判断) rather than stopping the notebook;
    the package step then asks for complete data. Raises IntakeError only for a workbook that cannot be
    read at all."""
    from toolkit.core.errors import IntakeError

    client = checked.partial if getattr(checked, "partial", None) is not None else checked.client
    if client is None:
        raise IntakeError(checked.problems or "工作簿无法读取")
    return client


def assessment_heading(assessment):
    """Overall verdict, readiness and the settings in force, as Markdown."""
    from IPython.display import Markdown

    from toolkit.core.formatting import number

    lines = [f"**{assessment.cluster_name}** — 总体结论：**{assessment.headline or assessment.overall}**，"
             f"准备度 {number(assessment.readiness, 0)}/100"]
    if assessment.unverified:
        lines.append(f"使用了待核实阈值的条款：{'、'.join(assessment.unverified)}（阈值待核实）")
    lines += [f"- {s}" for s in assessment.settings]
    return Markdown("\n\n".join(lines[:2]) + "\n\n" + "\n".join(lines[2:]))


def what_it_takes(assessment) -> "Any":
    """Only the criteria not yet met, with the smallest change that would pass."""
    import pandas as pd

    from toolkit.core.formatting import number

    rows = [{"条款": r.id, "指标": r.title, "结论": r.verdict,
             "差距": "" if r.margin is None else number(r.margin, 2), "单位": r.unit,
             "补足所需": r.what_it_takes or "；".join(r.missing), "阈值状态": "" if r.verified else "阈值待核实"}
            for r in assessment.results if not r.passed]
    return pd.DataFrame(rows, columns=["条款", "指标", "结论", "差距", "单位", "补足所需", "阈值状态"])


def show_images(paths) -> None:
    """Display chart PNGs in the notebook (a dict name → path, or a list of paths)."""
    from IPython.display import Image, Markdown, display

    items = paths.items() if isinstance(paths, dict) else ((Path(p).stem, p) for p in paths)
    for name, path in items:
        display(Markdown(f"**{name}**"))
        display(Image(filename=str(path)))


def narrative_preview(narrative, paragraphs: int = 1) -> "Any":
    """The first paragraph(s) of each section of the narrative, as Markdown."""
    from IPython.display import Markdown

    parts = []
    for s in narrative.sections:
        parts.append(f"#### {s.title}\n\n" + "\n\n".join(s.paragraphs[:paragraphs]))
    return Markdown("\n\n".join(parts))


def write_package(client, *, round, rulebook=None, output="output", western_relaxation=False,
                  assessment=None, narrative=None):
    """Build the client's package (``toolkit.package.writer.build_package``) from the assessment and narrative
    the notebook shows, so the audit trail and the package agree."""
    from toolkit.package.writer import build_package

    return build_package(client, round=round, rulebook=rulebook or None, output=output,
                         western_relaxation=western_relaxation, assessment=assessment, narrative=narrative)


def package_charts(package) -> dict[str, Path]:
    """The chart PNGs in a package (a PackageResult or its folder), name → path."""
    path = Path(getattr(package, "path", package))
    return {p.stem: p for p in sorted(path.rglob("*.png"))}


def record_package(package) -> None:
    """The client notebook's result for the batch: package folder, client, rulebook used."""
    from toolkit.assess.rulebook import load_rulebook

    a = package.assessment
    return record_result(package=str(package.path), client_id=a.client_id, overall=a.overall,
                         readiness=a.readiness, rulebook={"id": a.rulebook, "version": a.rulebook_version,
                                                          "path": str(load_rulebook(a.rulebook).path)})


def package_files(path: str | Path) -> "Any":
    import pandas as pd

    path = Path(path)
    from toolkit.core.formatting import number

    rows = [{"文件": p.relative_to(path).as_posix(), "大小（KB）": number(p.stat().st_size / 1024, 1)}
            for p in sorted(path.rglob("*")) if p.is_file()]
    return pd.DataFrame(rows)


# -- province_summary --------------------------------------------------------------------------------
# The province's decision (toolkit.province.decision) shown as tables: nothing here ranks or counts again.

def collect_packages(decisions) -> "Any":
    """One row per package of the decisions (``decide_round``): 推荐单位, rank, province, 细分领域 as
    declared, verdict, readiness, the decision and the criteria not met."""
    import pandas as pd

    columns = ["推荐单位", "名次", "客户", "集群名称", "省份", "县（区）", "细分领域", "申报类型", "总体结论", "准备度",
               "推荐意见", "未达标条款", "申报包"]
    rows = []
    for decision in decisions:
        for d in decision.recommendations + decision.reviews:
            r = d.record
            rows.append({"推荐单位": decision.recommender, "名次": d.rank, "客户": r.client_id, "集群名称": r.name,
                         "省份": r.province, "县（区）": r.county, "细分领域": r.sub_field,
                         "申报类型": r.application_type, "总体结论": r.overall, "准备度": r.readiness,
                         "推荐意见": d.status, "未达标条款": "、".join(f.id for f in r.failed),
                         "申报包": str(r.folder or "")})
    return pd.DataFrame(rows, columns=columns)


def ranking(decisions) -> "Any":
    """Candidates per 推荐单位 in the decision's order (a ranking never hides a failed criterion)."""
    table = collect_packages(decisions)
    return table[["推荐单位", "申报类型", "名次", "客户", "集群名称", "准备度", "总体结论", "推荐意见", "未达标条款"]]


def quota_table(decisions) -> "Any":
    """Per 推荐单位: candidates (新申报), reviews, the round's quota, how many are recommended and how many
    are over it — as the decision counts them."""
    import pandas as pd

    rows = [{"推荐单位": d.recommender, "新申报候选": len(d.recommendations), "复核": len(d.reviews),
             "名额": d.quota if d.quota is not None else "未知", "拟推荐": len(d.recommended),
             "超出名额": len(d.over_quota)} for d in decisions]
    return pd.DataFrame(rows, columns=["推荐单位", "新申报候选", "复核", "名额", "拟推荐", "超出名额"])
