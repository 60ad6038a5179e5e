"""The house style of every Word template: A4, 仿宋 body, 黑体 headings, page numbers, ruled tables.

The shipped templates in ``templates/`` are built by the scripts beside this file (run them with the
project's Python; each writes one or more .docx files). A consultancy that restyles a template in Word
keeps its own file; the scripts only make the first version. Fonts are set in the styles, including
the East Asian slot (``w:eastAsia``) that python-docx's ``font.name`` leaves alone, so Chinese text
takes 仿宋/黑体 in Word and, through ``toolkit.core.fonts``' fontconfig aliases, Noto CJK in LibreOffice.
"""

from __future__ import annotations

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
# Digits and Latin letters take the same face as the Chinese text around them: a separate Latin face
# (Times New Roman) is absent where LibreOffice makes the PDFs and fell back to DejaVu, whose wide
# digits and taller line box stood out in every figure and misaligned table rows.
LATIN_FONT = None


def _set_fonts(style, east_asian: str, latin: str | None = LATIN_FONT) -> None:
    latin = latin or east_asian
    style.font.name = latin
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        # a theme font wins over the named one in Word: drop it so 仿宋/黑体 apply
        if rfonts.get(qn(theme)) is not None:
            del rfonts.attrib[qn(theme)]
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asian)


def new_document(*, landscape: bool = False, body_pt: float = 12) -> Document:
    """An empty A4 document with the house styles and a centred page number in the footer."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.top_margin = section.bottom_margin = Mm(25)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    if landscape:
        section.left_margin = section.right_margin = Mm(20)
        section.top_margin = section.bottom_margin = Mm(20)

    normal = doc.styles["Normal"]
    _set_fonts(normal, BODY_FONT)
    normal.font.size = Pt(body_pt)
    normal.paragraph_format.space_after = Pt(3)
    normal.paragraph_format.line_spacing = 1.3

    for name, size in (("Title", 20), ("Heading 1", 16), ("Heading 2", 14), ("Heading 3", 12)):
        st = doc.styles[name]
        _set_fonts(st, HEADING_FONT)
        st.font.size = Pt(size)
        st.font.bold = name != "Title"
        st.font.color.rgb = None
        st.paragraph_format.space_before = Pt(12 if name != "Heading 3" else 6)
        st.paragraph_format.space_after = Pt(6)
        st.paragraph_format.keep_with_next = name != "Title"  # a heading never ends a page
        if name == "Title":
            st.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
            rpr = st.element.get_or_add_rPr()
            for border in rpr.findall(qn("w:pBdr")):
                rpr.remove(border)
    ppr = doc.styles["Title"].element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)

    _set_fonts(doc.styles["Table Grid"], BODY_FONT)
    _page_number_footer(section)
    return doc


def _field(paragraph, instr: str) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instr), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _page_number_footer(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("— ")
    _field(p, "PAGE")
    p.add_run(" —")


def table(doc: Document, header: list[str], widths_mm: list[float] | None = None):
    """A ruled table with a bold, repeated header row; returns the table (header row only)."""
    t = doc.add_table(rows=1, cols=len(header))
    t.style = doc.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(t.rows[0].cells, header):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    tr_pr = t.rows[0]._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)
    keep_row_together(t.rows[0])
    _cell_margins(t, CELL_MARGIN_MM)
    if widths_mm:
        t.autofit = False  # fixed layout: the columns keep the widths given, so the table fits the page
        for col, w in zip(t.columns, widths_mm):
            col.width = Mm(w)  # the grid, which LibreOffice follows
        for row in t.rows:
            for cell, w in zip(row.cells, widths_mm):
                cell.width = Mm(w)  # the cells, which Word follows
    return t


CELL_MARGIN_MM = 1.4  # left and right padding of a table cell (Word's default is 1.9 mm)


def _cell_margins(t, mm: float) -> None:
    """Narrower left/right cell padding, so short values such as 阈值待核实 fit their column."""
    tbl_pr = t._tbl.tblPr
    mar = tbl_pr.find(qn("w:tblCellMar"))
    if mar is None:
        mar = OxmlElement("w:tblCellMar")
        tbl_pr.append(mar)
    for side in ("left", "right"):
        el = mar.find(qn(f"w:{side}"))
        if el is None:
            el = OxmlElement(f"w:{side}")
            mar.append(el)
        el.set(qn("w:w"), str(round(mm / 25.4 * 1440)))
        el.set(qn("w:type"), "dxa")


def keep_row_together(row) -> None:
    """A row is never split across two pages (``w:cantSplit``); docxtpl copies it to every looped row."""
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn("w:cantSplit")) is None:
        el = OxmlElement("w:cantSplit")
        el.set(qn("w:val"), "true")
        tr_pr.insert(0, el)


def add_row(t, texts: list[str]) -> None:
    """A row whose cells hold the given texts (e.g. docxtpl ``{%tr for %}`` tags or ``{{ x }}``); it is
    kept on one page, and takes the column widths of the header row."""
    row = t.add_row()
    keep_row_together(row)
    widths = [c.width for c in t.rows[0].cells]
    for cell, text, w in zip(row.cells, texts, widths):
        cell.text = text
        if w is not None:
            cell.width = w


# -- additions for the application forms (keep the functions above stable: briefing templates use them)
BODY_STYLE = "正文缩进"
NOTE_STYLE = "说明文字"
TABLE_TEXT_STYLE = "表格文字"


def body_style(doc: Document, first_line_pt: float | None = None):
    """A paragraph style for narrative text: the Normal font, first line indented two characters."""
    styles = doc.styles
    if BODY_STYLE in [s.name for s in styles]:
        return styles[BODY_STYLE]
    from docx.enum.style import WD_STYLE_TYPE

    st = styles.add_style(BODY_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    st.base_style = styles["Normal"]
    size = styles["Normal"].font.size.pt if styles["Normal"].font.size else 12
    st.paragraph_format.first_line_indent = Pt(first_line_pt or 2 * size)
    st.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    return st


def note_style(doc: Document):
    """A small grey style for notes to the reader (e.g. that the official layout is unknown)."""
    styles = doc.styles
    if NOTE_STYLE in [s.name for s in styles]:
        return styles[NOTE_STYLE]
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import RGBColor

    st = styles.add_style(NOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    st.base_style = styles["Normal"]
    st.font.size = Pt(9)
    st.font.color.rgb = RGBColor(0x59, 0x59, 0x59)
    st.paragraph_format.space_after = Pt(6)
    return st


def table_text_style(doc: Document, size_pt: float = 10.5):
    """A compact style for table cells: smaller, single-spaced, no indent."""
    styles = doc.styles
    if TABLE_TEXT_STYLE in [s.name for s in styles]:
        return styles[TABLE_TEXT_STYLE]
    from docx.enum.style import WD_STYLE_TYPE

    st = styles.add_style(TABLE_TEXT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    st.base_style = styles["Normal"]
    st.font.size = Pt(size_pt)
    st.paragraph_format.line_spacing = 1.0
    st.paragraph_format.space_after = Pt(0)
    st.paragraph_format.space_before = Pt(0)
    return st


def style_table_text(t, style) -> None:
    """Give every paragraph of a table the compact table style (keeps bold header runs)."""
    for row in t.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.style = style
