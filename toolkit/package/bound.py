"""The bound PDF of a submission (合订本): cover, 目录 with page numbers, the forms, the evidence.

``bind(parts, out, cover)`` assembles one PDF in the order given:

1. a cover with 集群名称, 申报单位, 年度 and the date, and a 目录 whose page numbers are the printed
   ones (both written as a Word document and converted with LibreOffice, so the Chinese type is the
   same as the forms');
2. each part: a PDF as it is; an image placed on A4 pages; any other file (a .docx, a .zip) listed in
   the 目录 as 电子版另附 with its reason. A PDF that is damaged or has a password, or an image that
   cannot be read, is named in Chinese (file, what to do) and listed as 电子版另附; the rest of the
   bound copy is still made;
3. page numbers on every page after the cover (the cover counts as page 1, so a viewer's page number
   is the printed one), and a bookmark per part.

pikepdf (qpdf) merges and numbers (with a small overlay drawn by reportlab); Pillow places images on A4. The
file is written completely or not at all.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.core.atomic import atomic_path
from toolkit.core.formatting import date_cn

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp"}
A4_PT = (595.28, 841.89)
IMAGE_DPI = 150
MARGIN_MM = 15
TOC_ROWS_PER_PAGE = 18
SEPARATE = "电子版另附"


@dataclass(frozen=True)
class Part:
    title: str              # as the 目录 shows it, e.g. 附件1 中小企业特色产业集群申报表 or 01 统计局产值证明
    path: Path | None       # a PDF, an image or another file; None when the item has no file
    number: str = ""        # the evidence list's number, for evidence


@dataclass(frozen=True)
class Cover:
    cluster_name: str
    applicant: str
    year_label: str         # e.g. 2027年度
    date: dt.date


@dataclass
class Bound:
    path: Path
    pages: int
    toc: list[tuple[str, int]]                                   # title → first page (printed number)
    separate: list[tuple[str, str]] = field(default_factory=list)  # title → why it is not bound in
    problems: list[str] = field(default_factory=list)              # what the consultant should fix


def _readable_pdf(path: Path, files: list):
    """(pdf, problem): an open ``pikepdf.Pdf`` for a usable PDF, or the reason it cannot be bound. The
    PDF is read from its file while the bound copy is written (it is appended to ``files``, closed by
    the caller afterwards), so a scan of hundreds of MB is never held in memory; a damaged one is
    given up on in qpdf's C++, in a fraction of a second."""
    import pikepdf

    try:
        pdf = pikepdf.open(path)   # an empty user password is tried, as a viewer does
    except pikepdf.PasswordError:
        return None, "PDF 设有打开密码"
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        return None, f"文件无法打开（{type(exc).__name__}）"
    except (pikepdf.PdfError, OSError, ValueError, RuntimeError) as exc:
        return None, f"PDF 已损坏，无法读取（{type(exc).__name__}）"
    files.append(pdf)
    try:
        if len(pdf.pages) == 0:
            return None, "PDF 没有页面"
        pdf.pages[0].mediabox  # noqa: B018  (touch the first page: a broken file fails here)
        return pdf, ""
    except (pikepdf.PdfError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        return None, f"PDF 已损坏，无法读取（{type(exc).__name__}）"


def _image_pdf(path: Path) -> tuple[bytes | None, str]:
    """An image (each frame of a TIFF) centred on A4 pages at 150 dpi, as PDF bytes."""
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            pages = []
            width, height = (round(A4_PT[0] / 72 * IMAGE_DPI), round(A4_PT[1] / 72 * IMAGE_DPI))
            margin = round(MARGIN_MM / 25.4 * IMAGE_DPI)
            for frame in ImageSequence.Iterator(im):
                img = frame.convert("RGB")
                if img.width > img.height and img.width > width:  # landscape scans: turn to fit the page
                    img = img.rotate(90, expand=True)
                scale = min((width - 2 * margin) / img.width, (height - 2 * margin) / img.height, 1.0)
                if scale < 1.0:
                    img = img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))))
                page = Image.new("RGB", (width, height), "white")
                page.paste(img, ((width - img.width) // 2, (height - img.height) // 2))
                pages.append(page)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        return None, f"图片无法读取（{type(exc).__name__}）"
    buf = io.BytesIO()
    pages[0].save(buf, format="PDF", resolution=IMAGE_DPI, save_all=True, append_images=pages[1:])
    return buf.getvalue(), ""


def _pdf_file(pdf, path: Path) -> Path:
    """The file an open PDF was read from; an image's PDF (made in memory) is written to ``path``."""
    if pdf.filename and Path(pdf.filename).is_file():
        return Path(pdf.filename)
    pdf.save(path)
    return path


def _problem(part: Part, reason: str) -> str:
    name = part.path.name if part.path else part.title
    return (f"{name}：{reason}，未装入合订本（目录中列为{SEPARATE}）；请向提供单位索取可打开、未加密的 PDF，"
            f"放入 evidence/ 后重新运行")


def _front_matter(cover: Cover, toc: list[tuple[str, int | str]], out_docx: Path) -> Path:
    """The cover and the 目录 as a Word document (page break between them)."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = docx.Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin = sec.right_margin = Mm(28)
    sec.top_margin, sec.bottom_margin = Mm(37), Mm(35)

    def para(text, size, *, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER, face="黑体", before=0, after=0):
        p = doc.add_paragraph()
        p.alignment = align
        p.paragraph_format.space_before, p.paragraph_format.space_after = Pt(before), Pt(after)
        r = p.add_run(text)
        r.bold = bold
        r.font.size = Pt(size)
        r.font.name = face
        r._element.rPr.rFonts.set(qn("w:eastAsia"), face)
        return p

    para(f"{cover.year_label}中小企业特色产业集群申报材料", 22, face="方正小标宋简体", before=120, after=48)
    para(cover.cluster_name, 18, face="黑体", after=96)
    para(f"申报单位：{cover.applicant}", 16, face="仿宋_GB2312", after=12)
    para(date_cn(cover.date), 16, face="仿宋_GB2312")
    doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    para("目　　录", 18, face="黑体", after=18)
    table = doc.add_table(rows=0, cols=2)
    for title, page in toc:
        row = table.add_row().cells
        for cell, text, align in ((row[0], title, WD_ALIGN_PARAGRAPH.LEFT), (row[1], str(page), WD_ALIGN_PARAGRAPH.RIGHT)):
            p = cell.paragraphs[0]
            p.alignment = align
            r = p.add_run(text)
            r.font.size = Pt(14)
            r.font.name = "仿宋_GB2312"
            r._element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋_GB2312")
    table.autofit = False  # LibreOffice reads the grid's widths: a title takes one line, its page the margin
    for col, width in zip(table.columns, (Mm(122), Mm(32))):
        col.width = width
    for row in table.rows:
        row.cells[0].width, row.cells[1].width = Mm(122), Mm(32)
    doc.save(out_docx)
    return out_docx


def _number_overlays(sizes: list[tuple[float, float]], texts: list[str]):
    """One overlay page per numbered page (its size as the page is seen, turned pages included), all
    drawn in one reportlab document (one per page would cost a document each); an open pikepdf.Pdf."""
    import pikepdf
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for (width, height), text in zip(sizes, texts):
        c.setPageSize((width, height))
        c.setFont("Helvetica", 9)
        c.drawCentredString(width / 2, 22, text)
        c.showPage()
    c.save()
    buf.seek(0)
    return pikepdf.open(buf)


def _seen_size(page) -> tuple[float, float]:
    """A page's width and height as a viewer shows it (a /Rotate of 90 or 270 swaps them)."""
    box = page.trimbox
    width, height = abs(float(box[2]) - float(box[0])), abs(float(box[3]) - float(box[1]))
    turned = int(page.obj.get("/Rotate", 0)) % 180 == 90
    return (height, width) if turned else (width, height)


def bind(parts: list[Part], out: Path | str, cover: Cover, *, workdir: Path | str | None = None) -> Bound:
    """Bind ``parts`` behind a cover and a 目录 into ``out`` (see the module docstring)."""
    out = Path(out)
    files: list = []   # the evidence PDFs, open while their pages are bound
    try:
        return _bind(parts, out, cover, workdir, files)
    finally:
        for fh in files:
            fh.close()


def _bind(parts: list[Part], out: Path, cover: Cover, workdir, files: list) -> Bound:
    import pikepdf

    from toolkit.core.errors import ToolkitError
    from toolkit.documents.pdf import convert

    problems: list[str] = []
    separate: list[tuple[str, str]] = []
    bodies: list[tuple[Part, object]] = []   # (part, an open pikepdf.Pdf)
    for part in parts:
        path = part.path
        if path is None or not Path(path).is_file():
            separate.append((part.title, "文件未提供"))
            continue
        suffix = Path(path).suffix.lower()
        if suffix == ".pdf":
            pdf, reason = _readable_pdf(Path(path), files)
        elif suffix in IMAGE_SUFFIXES:
            data, reason = _image_pdf(Path(path))
            pdf = pikepdf.open(io.BytesIO(data)) if data else None
            if pdf is not None:
                files.append(pdf)
        else:
            pdf, reason = None, "不是 PDF 或图片文件"
            separate.append((part.title, reason))
            continue
        if pdf is None:
            separate.append((part.title, reason))
            problems.append(_problem(part, reason))
            continue
        bodies.append((part, pdf))

    with tempfile.TemporaryDirectory(prefix="bind-") as tmp:
        tmp = Path(workdir or tmp)
        front_pages = 1 + max(1, -(-(len(bodies) + len(separate)) // TOC_ROWS_PER_PAGE))
        for _ in range(3):   # the 目录's own length moves every page number after it
            toc, page = [], front_pages + 1
            for part, pdf in bodies:
                toc.append((part.title, page))
                page += len(pdf.pages)
            rows = toc + [(title, SEPARATE) for title, _ in separate]
            docx_path = _front_matter(cover, rows, tmp / "封面目录.docx")
            front_pdf = convert([docx_path], tmp)[docx_path]
            front = pikepdf.open(front_pdf)
            files.append(front)
            if len(front.pages) == front_pages:
                break
            front_pages = len(front.pages)

        # qpdf's page selection puts the pages together, reading each stream from its file as it
        # writes: pikepdf's own page copy would first hold every scan in memory.
        merged = tmp / "合订.pdf"
        # Each file is named by its absolute path and followed by its page range, so that no file
        # name is ever read as an option, a range or an @argument file.
        sources = [Path(front_pdf)] + [_pdf_file(pdf, tmp / f"图片{i}.pdf") for i, (_, pdf) in enumerate(bodies)]
        selection = [arg for src in sources for arg in (str(src.resolve()), "1-z")]
        job = pikepdf.Job(["qpdf", "--empty", "--no-warn", "--warning-exit-0", "--pages", *selection, "--",
                           str(merged.resolve())])
        job.run()
        if job.exit_code != 0 or not merged.is_file():
            raise ToolkitError(f"合订本未能生成（qpdf 退出码 {job.exit_code}）；请检查 evidence/ 中的 PDF 后重试")
        book = pikepdf.open(merged)
        files.append(book)
        marks, first = [("封面", 0), ("目录", 1)], len(front.pages)
        for (part, pdf), (title, _) in zip(bodies, toc):
            marks.append((title, first))
            first += len(pdf.pages)
        total = len(book.pages)
        numbered = list(book.pages)[1:]
        overlays = _number_overlays([_seen_size(p) for p in numbered],
                                    [f"- {i} / {total} -" for i in range(2, total + 1)])
        files.append(overlays)
        for page, overlay in zip(numbered, overlays.pages):
            # placed as a form, turned against the page's /Rotate: the number is upright at the foot
            # of the page as it is seen
            page.add_overlay(book.copy_foreign(overlay.as_form_xobject()))
        with book.open_outline() as outline:
            outline.root.extend(pikepdf.OutlineItem(title, index) for title, index in marks)
        book.docinfo["/Title"] = f"{cover.cluster_name} {cover.year_label}申报材料"
        book.docinfo["/Author"] = cover.applicant
        with atomic_path(out) as tmp_out:
            book.save(tmp_out)
    return Bound(out, total, toc, separate, problems)
