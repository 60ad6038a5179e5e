"""Build the first version of the application-package Word templates in ``templates/``.

    .venv/bin/python scripts/templates/build_forms.py [--out templates]

Writes application.docx (附件1 申报表), review_application.docx (附件3 复核申报表),
evidence_checklist.docx (佐证材料清单), province_recommendations.docx (附件2 推荐汇总表) and
province_reviews.docx (附件4 复核情况汇总表). The official field layout of these forms was not
available: the templates follow the recognition criteria, and each says so in a note. A consultancy
that has the official layout replaces the files (keeping the tag names of ``toolkit.documents.forms``'
CONTEXT_SPEC) and runs ``clusterkit templates check``.

Every Jinja tag is typed in one run here (python-docx ``cell.text`` / ``add_run``), so none is split.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402
from docx.shared import Pt  # noqa: E402

import house  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

NOTE = ("说明：官方表样未获取。本表依据《中小企业特色产业集群认定标准（2022年版）》的条目编排，由集群申报工具箱根据"
        "申报单位填报的数据生成；取得官方表样后，请替换模板文件 templates/{file}，并运行 clusterkit templates check 检查。"
        "标注“阈值待核实”的标准未经政策原文确认，请以正式文件为准。")


def _attachment_label(doc, text: str) -> None:
    p = doc.add_paragraph()
    r = p.add_run(text)
    r.bold = True
    r.font.size = Pt(14)


def _title(doc, text: str) -> None:
    doc.add_paragraph(text, style="Title")


def _note(doc, file: str) -> None:
    doc.add_paragraph(NOTE.format(file=file), style=house.note_style(doc))


def _loop_paragraphs(doc, items: str, var: str = "para") -> None:
    """Paragraph loop: one body paragraph per item of ``items`` (a list of strings)."""
    body = house.body_style(doc)
    doc.add_paragraph(f"{{%p for {var} in {items} %}}")
    doc.add_paragraph(f"{{{{ {var} }}}}", style=body)
    doc.add_paragraph("{%p endfor %}")


def _row_loop(doc, header, widths, var, items, cells, table_style) -> None:
    t = house.table(doc, header, widths)
    house.add_row(t, [f"{{%tr for {var} in {items} %}}"] + [""] * (len(header) - 1))
    house.add_row(t, cells)
    house.add_row(t, ["{%tr endfor %}"] + [""] * (len(header) - 1))
    house.style_table_text(t, table_style)
    return t


def _kv_table(doc, pairs: list[tuple[str, str, str, str]], table_style) -> None:
    t = house.table(doc, ["项目", "内容", "项目", "内容"], [28, 50, 28, 50])
    for a, b, c, d in pairs:
        house.add_row(t, [a, b, c, d])
    # the header row of a key–value table says nothing: drop it
    t._tbl.remove(t.rows[0]._tr)
    for row in t.rows:
        for i in (0, 2):
            for run in row.cells[i].paragraphs[0].runs:
                run.bold = True
    house.style_table_text(t, table_style)


def _seal_block(doc, who: str, *, province: bool = False) -> None:
    """The commitment, the applicant's seal and the province's opinion: kept on one page together."""
    paras = [doc.add_heading("申报单位承诺与意见", level=2),
             doc.add_paragraph("本单位承诺所填报的数据和提供的佐证材料真实、准确、完整，如有虚假，愿承担相应责任。",
                               style=house.body_style(doc)),
             doc.add_paragraph()]
    p = doc.add_paragraph(f"申报单位（盖章）：{who}")
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paras.append(p)
    p = doc.add_paragraph("日期：　　　　年　　月　　日")
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paras.append(p)
    paras.append(doc.add_heading("省级中小企业主管部门推荐意见", level=2))
    paras += [doc.add_paragraph(), doc.add_paragraph()]
    p = doc.add_paragraph("（盖章）　　　　年　　月　　日")
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for q in paras:  # the last paragraph ends the block; every one before it stays with the next
        q.paragraph_format.keep_with_next = True
        q.paragraph_format.keep_together = True


def build_application(out: Path, *, review: bool) -> Path:
    doc = house.new_document()
    ts = house.table_text_style(doc)
    house.body_style(doc)
    file = "review_application.docx" if review else "application.docx"
    _attachment_label(doc, "{{ form.attachment }}")
    _title(doc, "{{ form.title }}")
    p = doc.add_paragraph("{{ form.round }}　　申报类型：{{ cluster.application_type }}")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _note(doc, file)

    doc.add_heading("一、基本信息", level=1)
    pairs = [
        ("集群名称", "{{ cluster.name }}", "申报类型", "{{ cluster.application_type }}"),
        ("所在地区", "{{ cluster.place }}", "推荐单位", "{{ cluster.recommender }}"),
        ("主导产业", "{{ cluster.leading_industry }}", "细分领域", "{{ cluster.sub_field }}"),
        ("集群面积", "{{ cluster.area }}", "集群品牌", "{{ cluster.brand }}"),
        ("申报单位", "{{ cluster.applicant }}", "运营机构", "{{ cluster.operating_body }}"),
        ("联系人", "{{ cluster.contact }}", "联系电话", "{{ cluster.phone }}"),
    ]
    if review:
        pairs.append(("认定年度", "{{ cluster.recognised_year }}", "复核年度", "{{ form.round }}"))
    _kv_table(doc, pairs, ts)

    doc.add_heading("二、主要指标", level=1)
    _row_loop(doc, ["指标", "单位", "{{ years.y1 }}年", "{{ years.y2 }}年", "{{ years.y3 }}年"], [52, 28, 25, 25, 26],
              "r", "indicator_rows", ["{{ r.label }}", "{{ r.unit }}", "{{ r.v1 }}", "{{ r.v2 }}", "{{ r.v3 }}"], ts)
    doc.add_paragraph("注：产值单位为亿元，研发经费单位为万元；空白表示未填报。", style=house.note_style(doc))

    doc.add_heading("三、集群基本情况", level=1)
    _loop_paragraphs(doc, "basic_paragraphs")

    doc.add_heading("四、对照认定标准情况", level=1)
    doc.add_paragraph("评估结论：{{ assessment.overall }}，准备度{{ assessment.readiness }}分。评估依据：{{ assessment.rulebook }}。"
                      "{{ assessment.note }}", style=house.body_style(doc))
    _row_loop(doc, ["条款", "指标", "实际值", "认定标准", "结论", "备注"], [13, 45, 26, 31, 18, 23],
              "r", "criteria_rows",
              ["{{ r.id }}", "{{ r.title }}", "{{ r.value }}", "{{ r.standard }}", "{{ r.verdict }}", "{{ r.note }}"], ts)
    doc.add_paragraph("{%p for s in dimension_sections %}")
    doc.add_heading("{{ s.heading }}", level=2)
    doc.add_paragraph("{%p for para in s.paragraphs %}")
    doc.add_paragraph("{{ para }}", style=house.body_style(doc))
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endfor %}")

    doc.add_heading("五、优质企业和平台机构", level=1)
    _row_loop(doc, ["序号", "企业名称", "称号"], [12, 72, 72], "f", "firm_rows",
              ["{{ f.no }}", "{{ f.name }}", "{{ f.tiers }}"], ts)
    doc.add_paragraph()
    _row_loop(doc, ["序号", "平台/机构名称", "类型", "级别"], [12, 84, 36, 24], "p", "platform_rows",
              ["{{ p.no }}", "{{ p.name }}", "{{ p.kind }}", "{{ p.level }}"], ts)

    doc.add_heading("六、负面清单声明", level=1)
    _row_loop(doc, ["序号", "事项（近三年）", "是否发生", "说明"], [12, 90, 22, 32], "n", "negative_rows",
              ["{{ n.no }}", "{{ n.label }}", "{{ n.answer }}", "{{ n.note }}"], ts)
    _loop_paragraphs(doc, "negative_paragraphs")

    if review:
        doc.add_heading("七、规划目标完成情况", level=1)
        _row_loop(doc, ["序号", "目标", "单位", "基期值", "目标值", "实际完成", "完成情况"], [12, 44, 26, 18, 18, 19, 19],
                  "t", "plan_rows",
                  ["{{ t.no }}", "{{ t.name }}", "{{ t.unit }}", "{{ t.base }}", "{{ t.target }}", "{{ t.actual }}",
                   "{{ t.status }}"], ts)
        _loop_paragraphs(doc, "completion_paragraphs")
        doc.add_heading("八、下一周期三年发展规划", level=1)
        _loop_paragraphs(doc, "plan_paragraphs")
        last = "九"
    else:
        doc.add_heading("七、三年发展规划", level=1)
        _row_loop(doc, ["序号", "目标", "单位", "基期", "目标"], [12, 42, 26, 38, 38], "t", "plan_rows",
                  ["{{ t.no }}", "{{ t.name }}", "{{ t.unit }}", "{{ t.base_text }}", "{{ t.target_text }}"], ts)
        _loop_paragraphs(doc, "plan_paragraphs")
        last = "八"

    doc.add_heading(f"{last}、佐证材料", level=1)
    doc.add_paragraph("佐证材料共{{ evidence.total }}项，已提供{{ evidence.present }}项，缺失{{ evidence.missing }}项，"
                      "明细见《佐证材料清单》。{{ evidence.missing_text }}", style=house.body_style(doc))

    _seal_block(doc, "{{ cluster.applicant }}")
    doc.add_paragraph("生成：{{ generated }}", style=house.note_style(doc))
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def build_evidence_checklist(out: Path) -> Path:
    doc = house.new_document()
    ts = house.table_text_style(doc)
    _title(doc, "佐证材料清单")
    p = doc.add_paragraph("{{ cluster.name }}（{{ cluster.place }}）　{{ form.round }}{{ cluster.application_type }}")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _note(doc, "evidence_checklist.docx")
    doc.add_paragraph("佐证材料表共列{{ summary.total }}项，已提供{{ summary.present }}项，文件缺失{{ summary.missing }}项；"
                      "对照认定标准尚缺{{ summary.needed }}项材料（见第二部分）。",
                      style=house.body_style(doc))
    doc.add_heading("一、材料明细", level=1)
    _row_loop(doc, ["序号", "材料名称", "证明内容", "文件", "状态"], [12, 48, 36, 40, 20], "e", "rows",
              ["{{ e.no }}", "{{ e.title }}", "{{ e.kinds }}", "{{ e.file }}", "{{ e.status }}"], ts)
    doc.add_heading("二、尚缺的佐证材料", level=1)
    _row_loop(doc, ["序号", "所需材料", "对应条款", "说明"], [12, 50, 54, 40], "m", "missing_rows",
              ["{{ m.no }}", "{{ m.title }}", "{{ m.criterion }}", "{{ m.reason }}"], ts)
    doc.add_paragraph("{{ summary.missing_note }}", style=house.note_style(doc))
    doc.add_paragraph("生成：{{ generated }}", style=house.note_style(doc))
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def build_province_recommendations(out: Path) -> Path:
    doc = house.new_document(landscape=True, body_pt=11)
    ts = house.table_text_style(doc, 9.5)
    _attachment_label(doc, "{{ form.attachment }}")
    _title(doc, "{{ form.title }}")
    doc.add_paragraph("推荐单位（盖章）：{{ recommender }}　　推荐名额：{{ summary.quota }}　　"
                      "候选集群{{ summary.count }}个，拟推荐{{ summary.recommended }}个")
    _note(doc, "province_recommendations.docx")
    _row_loop(
        doc,
        ["序号", "集群名称", "所在地区", "主导产业", "细分领域", "集群工业总产值（最近年度）", "年均增长", "准备度", "评估结论", "推荐意见", "提示"],
        [12, 36, 24, 24, 22, 24, 18, 16, 24, 26, 31], "r", "rows",
        ["{{ r.no }}", "{{ r.name }}", "{{ r.place }}", "{{ r.industry }}", "{{ r.sub_field }}", "{{ r.output }}",
         "{{ r.growth }}", "{{ r.readiness }}", "{{ r.overall }}", "{{ r.decision }}", "{{ r.flags }}"], ts)
    doc.add_paragraph("{{ summary.rules }}", style=house.note_style(doc))
    doc.add_paragraph("生成：{{ generated }}", style=house.note_style(doc))
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def build_province_reviews(out: Path) -> Path:
    doc = house.new_document(landscape=True, body_pt=11)
    ts = house.table_text_style(doc, 9.5)
    _attachment_label(doc, "{{ form.attachment }}")
    _title(doc, "{{ form.title }}")
    doc.add_paragraph("推荐单位（盖章）：{{ recommender }}　　复核集群{{ summary.count }}个，建议通过复核{{ summary.passed }}个")
    _note(doc, "province_reviews.docx")
    _row_loop(
        doc,
        ["序号", "集群名称", "所在地区", "认定年度", "细分领域", "集群工业总产值（最近年度）", "规划目标完成", "准备度", "评估结论", "复核建议", "提示"],
        [12, 36, 24, 18, 22, 22, 24, 16, 24, 24, 35], "r", "rows",
        ["{{ r.no }}", "{{ r.name }}", "{{ r.place }}", "{{ r.recognised_year }}", "{{ r.sub_field }}", "{{ r.output }}",
         "{{ r.plan }}", "{{ r.readiness }}", "{{ r.overall }}", "{{ r.decision }}", "{{ r.flags }}"], ts)
    doc.add_paragraph("{{ summary.rules }}", style=house.note_style(doc))
    doc.add_paragraph("生成：{{ generated }}", style=house.note_style(doc))
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def build_all(folder: Path) -> list[Path]:
    return [
        build_application(folder / "application.docx", review=False),
        build_application(folder / "review_application.docx", review=True),
        build_evidence_checklist(folder / "evidence_checklist.docx"),
        build_province_recommendations(folder / "province_recommendations.docx"),
        build_province_reviews(folder / "province_reviews.docx"),
    ]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "templates"))
    args = ap.parse_args(argv)
    for p in build_all(Path(args.out)):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
