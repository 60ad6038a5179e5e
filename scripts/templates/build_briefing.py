"""Build the briefing templates: templates/memo.docx (简报), templates/proposal.docx (申报服务方案)
and templates/province_brief.docx (推荐情况简报), in the house style (house.py).

Run with the project's Python: ``.venv/bin/python scripts/templates/build_briefing.py``. The files are
a first version; a consultancy may restyle them in Word (type each {{ tag }} in one go, keep the
{%tr … %} row loops in their own rows). toolkit/documents/briefing.py › CONTEXT_SPEC and toolkit/province/briefing.py
declare every variable they may use; the memo's and proposal's sentences come from templates/briefing/*.j2.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import house  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402
from docx.shared import Pt, RGBColor  # noqa: E402

ROOT = HERE.parent.parent
OUT = ROOT / "templates"


def _p(doc, text, *, style=None, bold=False, size=None, align=None, colour=None):
    p = doc.add_paragraph(style=style)
    run = p.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)
    if align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif align == "right":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return p


def _loop_table(doc, header, cells, loop, widths):
    """A table with a header and one repeated row: {%tr for … %} / row / {%tr endfor %}; compact,
    single-spaced cell text (the header too), and no row split across two pages."""
    t = house.table(doc, header, widths)
    _grid(t, widths)
    house.add_row(t, [f"{{%tr for {loop} %}}"] + [""] * (len(header) - 1))
    house.add_row(t, cells)
    house.add_row(t, ["{%tr endfor %}"] + [""] * (len(header) - 1))
    house.style_table_text(t, house.table_text_style(doc))
    return t


def _grid(t, widths):
    """house.table sets the cells' widths; LibreOffice lays a table out by its grid, so set that too."""
    from docx.shared import Mm

    t.autofit = False
    for col, w in zip(t._tbl.tblGrid.gridCol_lst, widths):
        col.w = Mm(w)


def _charts(doc):
    _p(doc, "{%p for c in charts %}")
    _p(doc, "{{ c.image }}", align="center").paragraph_format.keep_with_next = True
    _p(doc, "图{{ loop.index }}  {{ c.caption }}", align="center", size=10)
    _p(doc, "{%p endfor %}")


def _stakes(doc):
    """A recognised cluster's review: what it decides, on page 1."""
    _p(doc, "{%p if stakes_sentence %}")
    _p(doc, "{{ stakes_sentence }}", bold=True, colour="B00000")
    _p(doc, "{%p endif %}")


def _round_notes(doc):
    _p(doc, "{%p for n in round_notes %}")
    _p(doc, "{{ n }}", size=10.5, colour="B35C00")
    _p(doc, "{%p endfor %}")


def _outlook(doc):
    """History gaps are met by a later round, never by a task: the earliest round, with its assumptions."""
    _p(doc, "{%p if outlook %}")
    _p(doc, "申报时机（往年数据不能调整，按以后年度的三年窗口测算）：", bold=True).paragraph_format.space_before = Pt(9)
    _p(doc, "{%p for s in outlook %}")
    _p(doc, "{{ s }}。")
    _p(doc, "{%p endfor %}")
    _p(doc, "测算假设：{{ outlook_assumptions|join('；') }}。", size=10.5)
    _p(doc, "{%p endif %}")


def build_memo() -> Path:
    doc = house.new_document(body_pt=12)
    doc.add_paragraph("{{ cluster_name }}申报准备情况简报", style="Title")
    _p(doc, "{{ place }} · {{ application_type }} · {{ today_cn }}", align="center", size=10.5)
    _p(doc, "{{ round_label }}", align="center", size=10.5)
    doc.add_paragraph("一、结论", style="Heading 1")
    _p(doc, "{{ verdict_sentence }}", bold=True)
    _stakes(doc)
    _p(doc, "{{ deadline_sentence }}")
    _p(doc, "{%p if past_sentence %}")
    _p(doc, "{{ past_sentence }}", bold=True, colour="B00000")
    _p(doc, "{%p endif %}")
    _round_notes(doc)
    _p(doc, "{%p if western_sentence %}")
    _p(doc, "{{ western_sentence }}", colour="B35C00")
    _p(doc, "{%p endif %}")
    _p(doc, "{%p if settings_sentence %}")
    _p(doc, "{{ settings_sentence }}")
    _p(doc, "{%p endif %}")
    doc.add_paragraph("二、最需补足的差距（按差距大小，至多三项）", style="Heading 1")
    _p(doc, "{%p if top_gaps %}")
    _loop_table(doc, ["序号", "差距", "现状与要求", "补足所需"],
                ["{{ g.no }}", "{{ g.title }}", "{{ g.status }}", "{{ g.what_it_takes }}"],
                "g in top_gaps", [12, 40, 46, 58])
    _p(doc, "{{ more_gaps_sentence }}", size=10.5)
    _p(doc, "{%p else %}")
    _p(doc, "各项指标均已达标，无需补足的差距。")
    _p(doc, "{%p endif %}")
    _outlook(doc)
    doc.add_paragraph("三、图表", style="Heading 1")
    _charts(doc)
    doc.add_paragraph("四、说明", style="Heading 1")
    _p(doc, "{%p if unverified_sentence %}")
    _p(doc, "{{ unverified_sentence }}", colour="B35C00")
    _p(doc, "{%p endif %}")
    _p(doc, "{{ method_sentence }}", size=10.5)
    return _save(doc, "memo.docx")


def build_proposal() -> Path:
    doc = house.new_document(body_pt=12)
    doc.add_paragraph("{{ cluster_name }}\n申报服务方案", style="Title")
    _p(doc, "{{ place }} · {{ application_type }} · 编制日期：{{ today_cn }}", align="center", size=10.5)
    _p(doc, "{{ round_label }}", align="center", size=10.5)

    doc.add_paragraph("一、现状诊断", style="Heading 1")
    _p(doc, "{{ verdict_sentence }}", bold=True)
    _stakes(doc)
    _p(doc, "{%p if past_sentence %}")
    _p(doc, "{{ past_sentence }}", bold=True, colour="B00000")
    _p(doc, "{%p endif %}")
    _round_notes(doc)
    _p(doc, "{%p if gaps %}")
    _p(doc, "对照{{ rulebook_title }}，需补足的差距如下：").paragraph_format.keep_with_next = True  # stays with its table
    _loop_table(doc, ["条款", "指标", "结论", "现状与要求", "补足所需"],
                ["{{ g.id }}", "{{ g.title }}", "{{ g.verdict }}", "{{ g.status }}", "{{ g.what_it_takes }}"],
                "g in gaps", [14, 36, 18, 40, 48])
    _p(doc, "{%p else %}")
    _p(doc, "各项指标均已达标，工作重点是把数据和佐证材料整理到位、按时报送。")
    _p(doc, "{%p endif %}")
    _outlook(doc)

    doc.add_paragraph("二、时间安排", style="Heading 1")
    _p(doc, "{{ deadline_sentence }}")
    _p(doc, "{{ schedule_basis }}").paragraph_format.keep_with_next = True  # stays with its table
    _loop_table(doc, ["关键节点", "时间", "说明"], ["{{ m.name }}", "{{ m.when }}", "{{ m.note }}"],
                "m in milestones", [40, 40, 76])

    doc.add_paragraph("三、工作计划", style="Heading 1")
    _p(doc, "每项差距或缺失材料对应一项任务，由县级中小企业主管部门统筹，相关部门按时提供：").paragraph_format.keep_with_next = True  # stays with its table
    _loop_table(doc, ["序号", "工作任务", "提供部门", "完成时限", "对应差距"],
                ["{{ t.no }}", "{{ t.what }}", "{{ t.who }}", "{{ t.when }}", "{{ t.gap }}"],
                "t in tasks", [12, 50, 32, 32, 30])
    _p(doc, "关键节点和各项任务已导出为日历文件 {{ calendar_file }}（与本方案同一文件夹），可导入 Outlook 或 WPS 日历。",
       size=10.5)
    _p(doc, "{%p if not tasks %}")
    _p(doc, "暂无需补充的任务，按关键节点完成材料定稿和报送即可。")
    _p(doc, "{%p endif %}")

    doc.add_paragraph("四、申报材料清单", style="Heading 1")
    _p(doc, "本次申报材料包包含以下文件：").paragraph_format.keep_with_next = True  # stays with its table
    _loop_table(doc, ["序号", "文件", "说明"], ["{{ d.no }}", "{{ d.title }}", "{{ d.note }}"],
                "d in documents", [12, 84, 60])

    doc.add_paragraph("五、服务内容", style="Heading 1")
    for text in (
        "1. 数据核实：逐项核对年度指标、企业名单和平台机构信息，标出每个数值的来源单元格，统一统计口径。",
        "2. 材料撰写：按八个维度起草申报表叙述部分，整理佐证材料清单，编制集群发展规划目标表。",
        "3. 差距补足：对照上表逐项跟进各部门任务，对未达标指标提出可行的补足路径。",
        "4. 报送前审核：定稿前对照认定标准逐条复核，协助完成县级审核盖章和报送。",
    ):
        _p(doc, text)

    doc.add_paragraph("六、说明", style="Heading 1")
    _p(doc, "{%p if unverified_sentence %}")
    _p(doc, "{{ unverified_sentence }}", colour="B35C00")
    _p(doc, "{%p endif %}")
    _p(doc, "{%p if settings_sentence %}")
    _p(doc, "{{ settings_sentence }}")
    _p(doc, "{%p endif %}")
    _p(doc, "{{ method_sentence }}", size=10.5)
    return _save(doc, "proposal.docx")


def build_province_brief() -> Path:
    doc = house.new_document(body_pt=12)
    doc.add_paragraph("{{ recommender }}{{ year }}年度中小企业特色产业集群\n推荐情况简报", style="Title")
    _p(doc, "{{ round_label }} · {{ today_cn }}", align="center", size=10.5)
    doc.add_paragraph("一、总体情况", style="Heading 1")
    _p(doc, "{{ summary_sentence }}", bold=True)
    _p(doc, "{{ quota_sentence }}")
    _p(doc, "{{ deadline_sentence }}")
    doc.add_paragraph("二、候选集群排序", style="Heading 1")
    _charts(doc)
    _loop_table(doc, ["排名", "集群", "结论", "准备度", "推荐意见", "主要问题"],
                ["{{ r.rank }}", "{{ r.cluster_name }}", "{{ r.overall }}", "{{ r.readiness }}", "{{ r.decision }}",
                 "{{ r.issues }}"],
                "r in candidates", [11, 40, 22, 16, 25, 42])
    _p(doc, "{%p if reviews %}")
    doc.add_paragraph("三、复核集群", style="Heading 1")
    _loop_table(doc, ["序号", "集群", "结论", "复核建议", "主要问题"],
                ["{{ r.rank }}", "{{ r.cluster_name }}", "{{ r.overall }}", "{{ r.decision }}", "{{ r.issues }}"],
                "r in reviews", [12, 46, 24, 26, 48])
    _p(doc, "{%p endif %}")
    doc.add_paragraph("说明", style="Heading 2")
    _p(doc, "{%p if unverified_sentence %}")
    _p(doc, "{{ unverified_sentence }}", colour="B35C00")
    _p(doc, "{%p endif %}")
    _p(doc, "{{ method_sentence }}", size=10.5)
    return _save(doc, "province_brief.docx")


def _save(doc, name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    doc.save(str(path))
    return path


def main() -> int:
    for build in (build_memo, build_proposal, build_province_brief):
        print(build())
    return 0


if __name__ == "__main__":
    sys.exit(main())
