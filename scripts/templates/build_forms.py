"""Build the first version of the application-package Word templates in ``templates/``.

    .venv/bin/python scripts/templates/build_forms.py [--out templates]

Writes application.docx (附件1 申报表), review_application.docx (附件3 复核申报表),
evidence_checklist.docx (佐证材料清单), province_recommendations.docx (附件2 推荐汇总表) and
province_reviews.docx (附件4 复核情况汇总表). The official field layout of these forms was not
available: the templates follow the recognition criteria. A consultancy that has the official layout
replaces the files (keeping the tag names of ``toolkit.documents.forms``' CONTEXT_SPEC) and runs
``clusterkit templates check``. The forms are the applicant's own documents: they carry no note about
how they were made, no date stamp of ours and no verdict; a draft carries 草稿 in its page header
(``form.draft``, empty on a package that is ready).

Typography follows GB/T 9704 habits: title in 方正小标宋简体 (22 pt), body 仿宋 三号 (16 pt), headings
黑体 (一级) and 楷体 (二级); tables in 仿宋 10.5 pt. The faces are those a county's Windows/WPS machine
has; ``toolkit.core.fonts`` maps them to the bundled open fonts for our PDFs.

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

TITLE_FONT = "方正小标宋简体"
KAI_FONT = "楷体"
BODY_PT = 16


def _attachment_label(doc, text: str) -> None:
    p = doc.add_paragraph()
    r = p.add_run(text)
    r.bold = True
    r.font.size = Pt(14)


def _title(doc, text: str) -> None:
    doc.add_paragraph(text, style="Title")


def _official(doc, *, body_pt: float = BODY_PT):
    """GB/T 9704 habits on a house document: 小标宋 title, 仿宋 body, 黑体/楷体 headings, the draft header."""
    house._set_fonts(doc.styles["Title"], TITLE_FONT)
    doc.styles["Title"].font.size = Pt(22)
    doc.styles["Title"].font.bold = False
    doc.styles["Normal"].font.size = Pt(body_pt)
    doc.styles["Heading 1"].font.size = Pt(16)
    house._set_fonts(doc.styles["Heading 2"], KAI_FONT)
    doc.styles["Heading 2"].font.size = Pt(16)
    doc.styles["Heading 2"].font.bold = False
    _draft_header(doc)
    return doc


def _draft_header(doc) -> None:
    """{{ form.draft }} in every page's header: 草稿 on a package not yet ready, nothing on one that is."""
    from docx.shared import RGBColor

    p = doc.sections[0].header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    r = p.add_run("{{ form.draft }}")
    r.bold = True
    r.font.size = Pt(16)
    r.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)


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


def _right(doc, text: str):
    p = doc.add_paragraph(text)
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    return p


def _seal_block(doc, who: str) -> None:
    """The commitment, 申报单位意见 with 负责人签字 and the seal, 市级意见 where the province routes the
    application through the city (``form.city_opinion``), and the province's opinion: kept together."""
    paras = [doc.add_heading("申报单位承诺与意见", level=2),
             doc.add_paragraph("本单位承诺所填报的数据和提供的佐证材料真实、准确、完整，如有虚假，愿承担相应责任。",
                               style=house.body_style(doc)),
             doc.add_paragraph("申报单位意见："), doc.add_paragraph(), doc.add_paragraph(),
             _right(doc, "负责人签字：　　　　　　　　"),
             _right(doc, f"申报单位（盖章）：{who}"),
             _right(doc, "　　　　年　　月　　日"),
             doc.add_paragraph("{%p if form.city_opinion %}"),
             doc.add_heading("市级中小企业主管部门意见", level=2),
             doc.add_paragraph(), doc.add_paragraph(),
             _right(doc, "（盖章）　　　　年　　月　　日"),
             doc.add_paragraph("{%p endif %}"),
             doc.add_heading("省级中小企业主管部门推荐意见", level=2),
             doc.add_paragraph(), doc.add_paragraph()]
    _right(doc, "（盖章）　　　　年　　月　　日")
    for q in paras:  # the last paragraph ends the block; every one before it stays with the next
        q.paragraph_format.keep_with_next = True
        q.paragraph_format.keep_together = True


def build_application(out: Path, *, review: bool) -> Path:
    doc = _official(house.new_document())
    ts = house.table_text_style(doc)
    house.body_style(doc)
    _attachment_label(doc, "{{ form.attachment }}")
    _title(doc, "{{ form.title }}")
    p = doc.add_paragraph("{{ form.round }}　　申报类型：{{ cluster.application_type }}")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER

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
    _row_loop(doc, ["序号", "指标", "本集群情况", "认定标准", "佐证材料"], [12, 52, 34, 34, 24],
              "r", "criteria_rows",
              ["{{ r.no }}", "{{ r.title }}", "{{ r.value }}", "{{ r.standard }}", "{{ r.evidence }}"], ts)
    doc.add_paragraph("注：佐证材料栏为《佐证材料清单》中的序号。", style=house.note_style(doc))
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
    doc.add_paragraph("随本表附佐证材料{{ evidence.total }}项，明细见《佐证材料清单》。", style=house.body_style(doc))

    _seal_block(doc, "{{ cluster.applicant }}")
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def build_evidence_checklist(out: Path) -> Path:
    doc = _official(house.new_document())
    ts = house.table_text_style(doc)
    _title(doc, "佐证材料清单")
    p = doc.add_paragraph("{{ cluster.name }}（{{ cluster.place }}）　{{ form.round }}{{ cluster.application_type }}")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph("本清单共列佐证材料{{ summary.total }}项，序号与所附文件的编号一致。", style=house.body_style(doc))
    _row_loop(doc, ["序号", "材料名称", "证明内容", "文件"], [12, 56, 44, 44], "e", "rows",
              ["{{ e.no }}", "{{ e.title }}", "{{ e.kinds }}", "{{ e.file }}"], ts)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def _province_seal(doc) -> None:
    _right(doc, "{{ authority }}（盖章）")
    _right(doc, "　　　　年　　月　　日")


def build_province_recommendations(out: Path) -> Path:
    doc = _official(house.new_document(landscape=True, body_pt=12), body_pt=12)
    ts = house.table_text_style(doc, 10.5)
    _attachment_label(doc, "{{ form.attachment }}")
    _title(doc, "{{ form.title }}")
    doc.add_paragraph("推荐单位（盖章）：{{ authority }}")
    _row_loop(
        doc, ["序号", "集群名称", "所在地区", "主导产业及细分领域", "申报单位", "推荐排序"],
        [14, 60, 40, 56, 54, 20], "r", "rows",
        ["{{ r.no }}", "{{ r.name }}", "{{ r.place }}", "{{ r.industry }}", "{{ r.applicant }}", "{{ r.order }}"], ts)
    _province_seal(doc)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def build_province_reviews(out: Path) -> Path:
    doc = _official(house.new_document(landscape=True, body_pt=12), body_pt=12)
    ts = house.table_text_style(doc, 10.5)
    _attachment_label(doc, "{{ form.attachment }}")
    _title(doc, "{{ form.title }}")
    doc.add_paragraph("推荐单位（盖章）：{{ authority }}")
    _row_loop(
        doc, ["序号", "集群名称", "所在地区", "认定年度", "主导产业及细分领域", "申报单位", "初审意见", "未通过原因"],
        [12, 46, 30, 18, 44, 40, 20, 46], "r", "rows",
        ["{{ r.no }}", "{{ r.name }}", "{{ r.place }}", "{{ r.recognised_year }}", "{{ r.industry }}",
         "{{ r.applicant }}", "{{ r.opinion }}", "{{ r.reason }}"], ts)
    _province_seal(doc)
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
