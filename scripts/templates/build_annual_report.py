"""Build templates/annual_report.docx: a recognised cluster's 年度发展情况报告, in the house style.

    .venv/bin/python scripts/templates/build_annual_report.py [--out templates]

The county sends this report every year (by 3月31日 from the 2024 notice) on the previous year's
development; it speaks as the county: figures, plan progress and the work ahead, no assessment of
ours. The variables are ``toolkit.documents.annual_report.CONTEXT_SPEC``; every Jinja tag is typed
in one run, so none is split.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402

import house  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _rows(doc, header, widths, var, items, cells):
    t = house.table(doc, header, widths)
    house.add_row(t, [f"{{%tr for {var} in {items} %}}"] + [""] * (len(header) - 1))
    house.add_row(t, cells)
    house.add_row(t, ["{%tr endfor %}"] + [""] * (len(header) - 1))
    house.style_table_text(t, house.table_text_style(doc))
    return t


def build(out: Path) -> Path:
    doc = house.new_document()
    body = house.body_style(doc)
    doc.add_paragraph("{{ cluster.name }}{{ year }}年度发展情况报告", style="Title")
    p = doc.add_paragraph("报送单位：{{ cluster.applicant }}　　认定年度：{{ cluster.recognised_year }}年")
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_heading("一、集群基本情况", level=1)
    doc.add_paragraph("{{ intro }}", style=body)
    doc.add_heading("二、{{ year }}年主要指标", level=1)
    _rows(doc, ["指标", "单位", "{{ prev_year }}年", "{{ year }}年", "同比"], [50, 18, 28, 28, 30],
          "r", "indicators", ["{{ r.label }}", "{{ r.unit }}", "{{ r.prev }}", "{{ r.value }}", "{{ r.change }}"])
    doc.add_heading("三、三年发展规划目标完成情况", level=1)
    doc.add_paragraph("{%p if plan %}")
    _rows(doc, ["目标", "单位", "基期值", "目标值", "{{ year }}年实际", "完成进度"], [38, 14, 22, 22, 26, 32],
          "t", "plan", ["{{ t.name }}", "{{ t.unit }}", "{{ t.base }}", "{{ t.target }}", "{{ t.actual }}",
                        "{{ t.progress }}"])
    doc.add_paragraph("{{ plan_note }}", style=house.note_style(doc))
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph("【待补充：三年发展规划目标及完成情况】", style=body)
    doc.add_paragraph("{%p endif %}")
    doc.add_heading("四、优质中小企业梯度培育", level=1)
    doc.add_paragraph("{{ tiers_sentence }}", style=body)
    doc.add_heading("五、主要工作和下一年度安排", level=1)
    doc.add_paragraph("{%p for para in work %}")
    doc.add_paragraph("{{ para }}", style=body)
    doc.add_paragraph("{%p endfor %}")
    paras = [doc.add_paragraph()]
    for text in ("报送单位（盖章）：{{ cluster.applicant }}", "日期：　　　　年　　月　　日"):
        p = doc.add_paragraph(text)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paras.append(p)
    for q in paras[:-1]:
        q.paragraph_format.keep_with_next = True
    out.mkdir(parents=True, exist_ok=True)
    path = out / "annual_report.docx"
    doc.save(path)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default=str(ROOT / "templates"))
    args = ap.parse_args(argv)
    print(build(Path(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
