"""The Word documents: contexts that match their templates, valid files for any names, and PDFs that
LibreOffice makes from them holding the cluster, the county and the key figures (one conversion per kind)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from docx import Document

import office
from factories import make_client
from toolkit.documents import forms as documents
from toolkit.assess.assessment import assess
from toolkit.core.errors import TemplateError
from toolkit.intake.reader import read_client
from toolkit.intake.model import EvidenceItem
from toolkit.documents.narrative import draft
from toolkit.core.paths import examples_dir

NASTY = {"cluster_name": "青川县\"智能\"<小家电>&产业集群'", "county": "青川县<&>", "applicant": "经信局 & \"发改局\" '联合'",
         "brand": "<b>青川</b> & “小家电”"}
BAD = re.compile(r"\{\{|\{%|None|(?<![A-Za-z])nan(?![A-Za-z])")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


DOUBLED = re.compile(r"[，。；、：][，。；、：]")  # 。。 ，。 ；。 … never in a finished document
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _pdf_reads_clean(pdf: Path) -> str:
    """The PDF's text, after checking what a reader would notice: doubled punctuation, a rulebook's file
    id or a confidence marker such as （M）, and any face but Noto CJK (a Latin fallback such as DejaVu
    for the digits)."""
    text = office.pdf_text(pdf)
    flat = _squash(text)
    assert not DOUBLED.search(flat), DOUBLED.findall(flat)
    assert not re.search(r"national-20|review-20|（[A-Z]）", flat), flat
    faces = {line.split()[0].split("+")[-1] for line in office.pdf_fonts(pdf).splitlines()[2:] if line.strip()}
    assert faces and all(f.startswith(("NotoSerifCJK", "NotoSansCJK")) for f in faces), faces
    return text


def _reopen(path: Path) -> str:
    doc = Document(str(path))  # a corrupt XML part would fail here
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def _context_has_no_none(value, where="ctx"):
    if isinstance(value, dict):
        for k, v in value.items():
            _context_has_no_none(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _context_has_no_none(v, f"{where}[{i}]")
    else:
        assert isinstance(value, str), where
        assert not BAD.search(value), (where, value)


@pytest.mark.parametrize("client_id", ["qingchuan", "linquan", "minshan", "dongtang"])
def test_contexts_match_the_declared_spec(client_id):
    client = read_client(examples_dir() / "clients" / client_id)
    a = assess(client, None, 2025)
    n = draft(client, a)
    ctx = documents.application_context(client, a, n, round=2025)
    assert documents.conform(ctx, documents.CONTEXT_SPEC[documents.application_template(client)]) == []
    _context_has_no_none(ctx)
    ev = documents.evidence_context(client, a, round=2025)
    assert documents.conform(ev, documents.CONTEXT_SPEC[documents.EVIDENCE_CHECKLIST]) == []
    _context_has_no_none(ev)


def test_a_context_that_does_not_match_is_refused(tmp_path):
    client = make_client()
    a = assess(client, None, 2025)
    ctx = documents.application_context(client, a, draft(client, a))
    del ctx["cluster"]["name"]
    ctx["extra"] = "x"
    with pytest.raises(TemplateError, match=r"application\.docx.*cluster\.name: missing"):
        documents.render_form(documents.APPLICATION, ctx, tmp_path / "x.docx")
    assert not (tmp_path / "x.docx").exists()


def test_application_with_markup_characters_in_names_is_valid_and_converts(tmp_path):
    client = make_client(basic=NASTY, folder=tmp_path / "client")
    a = assess(client, None, 2025)
    out = documents.write_application(client, a, draft(client, a, applicant=True), tmp_path / "附件1.docx", round=2025)
    text = _reopen(out)
    assert NASTY["cluster_name"] in text and "&amp;" not in text
    pdf = office.to_pdf(out, tmp_path / "pdf")
    pdf_text = office.pdf_text(pdf)
    flat = _squash(pdf_text)
    for needle in ("附件1", "中小企业特色产业集群申报表", _squash(NASTY["cluster_name"]), "青川县<&>", "66.1",
                   "52.3亿元", "年均增长12.4%", "青川电器股份有限公司"):
        assert needle in flat, needle
    assert not [w for w in documents.SUBMISSION_FORBIDDEN if w in flat]
    assert not BAD.search(pdf_text)
    _pdf_reads_clean(pdf)
    assert office.pdf_pages(pdf) >= 3
    assert list(tmp_path.glob(".*tmp*")) == []  # written atomically


def test_review_application_for_the_demo_review_client(tmp_path):
    client = read_client(examples_dir() / "clients" / "dongtang")
    a = assess(client, None, 2025)
    out = documents.write_application(client, a, draft(client, a, applicant=True), tmp_path / "附件3.docx", round=2025)
    text = _reopen(out)
    assert "附件3" in text and "规划目标完成情况" in text
    pdf_text = _pdf_reads_clean(office.to_pdf(out, tmp_path / "pdf"))
    flat = _squash(pdf_text)
    for needle in ("中小企业特色产业集群复核申报表", client.cluster_name, client.county, "70.3", "单位工业增加值能耗",
                   "未完成", "已完成", "七、规划目标完成情况", "八、下一周期三年发展规划"):
        assert needle in flat, needle
    assert not [w for w in documents.SUBMISSION_FORBIDDEN if w in flat]
    assert not BAD.search(pdf_text)
    pages = [_squash(p) for p in pdf_text.split("\f")]
    # the section's table and its paragraphs, in order, after the dimensions; no 下一步 of ours
    assert flat.index("七、规划目标完成情况") < flat.index("目标值实际完成完成情况") < flat.index("八、下一周期")
    # the commitment, the applicant's seal and the province's opinion are signed on one page
    seal = [i for i, p in enumerate(pages) if "申报单位承诺与意见" in p]
    assert len(seal) == 1 and all(x in pages[seal[0]] for x in ("申报单位（盖章）", "负责人签字", "申报单位意见",
                                                                       "省级中小企业主管部门推荐意见"))
    for p in pages:  # no heading left alone at the foot of a page
        assert not re.search(r"[一二三四五六七八九]、[^。]{2,16}$", re.sub(r"—\d+—$", "", p)), p[-40:]


def test_what_the_criteria_still_need_is_the_diagnosis_not_the_form():
    """linquan lists no green or open-cooperation material: the consultancy's diagnosis names what is
    still needed; the form the province reads only says how many items it encloses."""
    client = read_client(examples_dir() / "clients" / "linquan")
    assessment = assess(client)
    needed = [row["title"] for row in documents.still_needed(assessment)]
    assert needed
    ctx = documents.application_context(client, assessment, draft(client, assessment, applicant=True))
    assert ctx["evidence"] == {"total": str(len(client.evidence))}
    assert not any(title in str(ctx) for title in needed if title not in {e.title for e in client.evidence})


def test_evidence_checklist_lists_missing_files_without_crashing(tmp_path):
    folder = tmp_path / "client"
    (folder / "evidence").mkdir(parents=True)
    (folder / "evidence" / "stat.pdf").write_bytes(b"%PDF-1.4 test")
    evidence = [
        EvidenceItem("2024年产值统计证明", "evidence/stat.pdf", ("statistics",), None, True),
        EvidenceItem("绿色工厂认定 & <文件>", "evidence/不存在.pdf", ("green",), None, True),  # reader said yes; it is gone
        EvidenceItem("开放合作情况说明", None, ("open",)),
    ]
    client = make_client(basic=NASTY, evidence=evidence, folder=folder)
    a = assess(client, None, 2025)
    ctx = documents.evidence_context(client, a)
    files = {r["title"]: r["file"] for r in ctx["rows"]}
    assert files == {"2024年产值统计证明": "01_stat.pdf", "绿色工厂认定 & <文件>": "（纸质材料另附）",
                     "开放合作情况说明": "（纸质材料另附）"}
    assert ctx["summary"] == {"total": "3"}
    out = documents.write_evidence_checklist(client, a, tmp_path / "佐证材料清单.docx", round=2025)
    assert "绿色工厂认定 & <文件>" in _reopen(out)
    pdf_text = office.pdf_text(office.to_pdf(out, tmp_path / "pdf"))
    flat = _squash(pdf_text)
    for needle in ("佐证材料清单", "青川县<&>", "01_stat.pdf", "纸质材料另附"):
        assert needle in flat, needle
    assert not BAD.search(pdf_text)


def test_templates_are_a4_with_house_fonts_and_page_numbers():
    for name in (documents.APPLICATION, documents.REVIEW_APPLICATION, documents.EVIDENCE_CHECKLIST,
                 documents.PROVINCE_RECOMMENDATIONS, documents.PROVINCE_REVIEWS):
        doc = Document(str(documents.template_path(name)))
        s = doc.sections[0]
        dims = sorted([round(s.page_width.mm), round(s.page_height.mm)])
        assert dims == [210, 297], name
        landscape = name.startswith("province_")
        assert (s.page_width > s.page_height) == landscape, name
        width = s.page_width - s.left_margin - s.right_margin
        for t in doc.tables:  # every table fits between the margins
            assert sum(c.width for c in t.columns) <= width + 36000, name
        rfonts = doc.styles["Normal"].element.rPr.rFonts
        assert rfonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "仿宋"
        footer_xml = s.footer._element.xml
        assert "PAGE" in footer_xml, name
        body = "\n".join(p.text for p in doc.paragraphs)
        assert "官方表样未获取" not in body and "生成：" not in body, name   # the applicant's document, not ours


TEMPLATES = sorted(p.name for p in documents.template_path("x").parent.glob("*.docx"))


def _twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_tables_fit_the_page_and_keep_rows_whole(name):
    """Checked on the XML of every shipped template (forms and briefing): each table's grid fits between the
    margins, every cell takes its grid column's width (Word follows the cells, LibreOffice the grid), no
    row breaks across pages, and every column is wide enough for four characters of its header (or all of
    a shorter one), so no header is stacked a character per line (序/号)."""
    doc = Document(str(documents.template_path(name)))
    s = doc.sections[0]
    text_width = (s.page_width - s.left_margin - s.right_margin) / 635  # EMU → twips
    assert doc.tables, name
    for t in doc.tables:
        grid = [int(g.get(W + "w")) for g in t._tbl.tblGrid.findall(W + "gridCol")]
        assert sum(grid) <= text_width + 1, (name, sum(grid), text_width)
        mar = t._tbl.tblPr.find(W + "tblCellMar")
        pad = sum(int(mar.find(W + side).get(W + "w")) for side in ("left", "right")) if mar is not None else _twips(3.8)
        for row in t.rows:
            assert row._tr.trPr is not None and row._tr.trPr.find(W + "cantSplit") is not None, (name, row.cells[0].text)
            for cell, g in zip(row.cells, grid):
                assert abs(cell.width / 635 - g) <= 1, (name, cell.text, cell.width / 635, g)
        for cell, g in zip(t.rows[0].cells, grid):
            head = cell.text.strip()
            if not head or "{{" in head:
                continue
            p = cell.paragraphs[0]
            size = (p.style.font.size or doc.styles["Normal"].font.size).pt
            runs = [r.font.size.pt for r in p.runs if r.font.size]
            size = max(runs + [size])
            chars = sum(1 if ord(ch) > 0x2E80 else 0.55 for ch in head[:4])
            need = chars * size * 20 + pad  # 1 pt = 20 twips; a CJK character is 1 em wide
            assert g >= need - 10, (name, head, g, need)


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_styles_give_latin_text_the_chinese_face(name):
    """Digits and Latin letters take the face of the Chinese text around them (仿宋 body, 黑体 headings):
    a separate Latin face is missing where the PDFs are made and fell back to DejaVu."""
    doc = Document(str(documents.template_path(name)))
    faces = {"Normal": "仿宋", "Heading 1": "黑体", "Heading 2": "黑体", "Title": "黑体"}
    if name in documents.SUBMISSION_TEMPLATES:  # GB/T 9704 habits: 小标宋 title, 楷体 second-level headings
        faces.update({"Heading 2": "楷体", "Title": "方正小标宋简体"})
    for style_name, face in faces.items():
        rfonts = doc.styles[style_name].element.rPr.rFonts
        got = {k: rfonts.get(W + k) for k in ("ascii", "hAnsi", "eastAsia")}
        assert got == dict.fromkeys(got, face), (name, style_name, got)
    for h in ("Heading 1", "Heading 2"):
        assert doc.styles[h].paragraph_format.keep_with_next, (name, h)


def test_a_criterion_reads_the_same_comparison_in_the_form_the_memo_and_the_narrative():
    """1.4 主导产业产值占比超过70%: 附件1, the memo and the narrative word the standard alike (超过, as the
    criterion reads), not 高于 in one and 超过 in another."""
    from toolkit.documents import briefing

    client = make_client(indicators={"leading_output": {2024: 43.0}})  # 43 ÷ 66.1 = 65.1%
    a = assess(client, None, 2025)
    n = draft(client, a)
    form = {r["title"]: r["standard"] for r in documents.application_context(client, a, n, round=2025)["criteria_rows"]}
    memo = {g["id"]: g["status"] for g in briefing.gaps(a)}
    assert next(v for k, v in form.items() if k.startswith("主导产业产值占集群工业总产值")) == "超过70%"
    assert memo["1.4"] == "现为65.1%，要求超过70%"
    assert "主导产业产值占比目前为65.1%，认定标准为超过70%" in n.section("dim1").text
