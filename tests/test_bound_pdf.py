"""The bound PDF: a cover, a 目录 whose page numbers are the pages, the evidence in its order, images on
A4, what cannot be bound listed as 电子版另附 and named, page numbers throughout."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
import pikepdf

from toolkit.documents.pdf import OfficeMissing
from toolkit.package.bound import Cover, Part, bind

ROOT = Path(__file__).resolve().parents[1]
EVIDENCE = ROOT / "data" / "examples" / "clients" / "linquan" / "evidence"
COVER = Cover("林泉县特种纸产业集群", "林泉县工业和信息化局", "2027年度", dt.date(2026, 12, 2))

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by make test")


def _page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def _parts(tmp_path):
    pdfs = sorted(EVIDENCE.glob("*.pdf"))[:4]
    Image.new("RGB", (3000, 2000), "lightblue").save(tmp_path / "现场照片.jpg")
    (tmp_path / "损坏.pdf").write_bytes(b"%PDF-1.4 not really")
    with pikepdf.open(pdfs[0]) as src:
        src.save(tmp_path / "加密.pdf", encryption=pikepdf.Encryption(owner="owner", user="secret"))
    (tmp_path / "说明.docx").write_bytes(b"PK\x03\x04")
    parts = [Part(f"{i:02d} {p.stem}", p) for i, p in enumerate(pdfs, start=1)]
    return pdfs, parts + [Part("05 现场照片", tmp_path / "现场照片.jpg"), Part("06 损坏的证明", tmp_path / "损坏.pdf"),
                          Part("07 加密的证明", tmp_path / "加密.pdf"), Part("08 说明文档", tmp_path / "说明.docx"),
                          Part("09 未提供的材料", None)]


def test_the_contents_page_numbers_are_the_pages(tmp_path):
    pdfs, parts = _parts(tmp_path)
    b = bind(parts, tmp_path / "合订本.pdf", COVER)
    with pikepdf.open(b.path) as book:
        assert len(book.pages) == b.pages == 2 + 4 + 1
        with book.open_outline() as outline:   # a bookmark per part, at its first page
            marks = [(item.title, item.destination[0].objgen) for item in outline.root]
        pages = [pg.objgen for pg in book.pages]
        assert [title for title, _ in marks] == ["封面", "目录", *[t for t, _ in b.toc]]
        assert [pages.index(ref) + 1 for _, ref in marks[2:]] == [first for _, first in b.toc]
        box = book.pages[6].mediabox
    cover = _page_text(b.path, 1)
    assert "林泉县特种纸产业集群" in cover and "林泉县工业和信息化局" in cover and "2026 年 12 月 2 日" in cover
    toc = _page_text(b.path, 2)
    assert "目" in toc and "录" in toc
    for (title, page), pdf in zip(b.toc, pdfs):
        kind = next(line for line in pdf.read_bytes().decode("latin-1").split("(") if "kind:" in line)
        assert kind.split(")")[0] in _page_text(b.path, page), (title, page)
        assert f"-{page}/{b.pages}-" in _page_text(b.path, page).replace(" ", "")
    assert b.toc[-1] == ("05 现场照片", 7)          # the image on its own A4 page
    assert round(float(box[2] - box[0])) == 595 and round(float(box[3] - box[1])) == 842
    for title in ("06 损坏的证明", "07 加密的证明", "08 说明文档", "09 未提供的材料"):
        assert title in [t for t, _ in b.separate]
    assert toc.count("电子版另附") == 4
    assert any(p.startswith("损坏.pdf：PDF 已损坏") for p in b.problems)
    assert any(p.startswith("加密.pdf：PDF 设有打开密码") and "未加密的 PDF" in p for p in b.problems)
    assert len(b.problems) == 2      # a .docx is listed, not a problem


def test_a_long_evidence_list_moves_the_page_numbers_after_a_longer_contents(tmp_path):
    pdf = sorted(EVIDENCE.glob("*.pdf"))[0]
    parts = [Part(f"{i:02d} 证明材料第{i}项", pdf) for i in range(1, 41)]
    b = bind(parts, tmp_path / "合订本.pdf", COVER)
    front = b.toc[0][1] - 1
    assert front >= 3                      # cover + a contents of two pages
    assert b.pages == front + 40 and b.toc[-1][1] == b.pages
    toc = _page_text(b.path, 2).replace(" ", "")
    assert f"01证明材料第1项{b.toc[0][1]}" in toc


def test_without_libreoffice_the_message_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr("toolkit.documents.pdf.soffice", lambda: None)
    with pytest.raises(OfficeMissing, match="未找到 LibreOffice，已生成 Word 文件.*scripts/system-deps"):
        bind([Part("01 x", sorted(EVIDENCE.glob("*.pdf"))[0])], tmp_path / "x.pdf", COVER)
    assert not (tmp_path / "x.pdf").exists()


def test_a_turned_page_gets_its_number_upright_at_the_foot_of_the_page_as_seen(tmp_path):
    turned = pikepdf.new()
    turned.add_blank_page(page_size=(595, 842))
    turned.pages[0].Rotate = 90                     # a portrait page shown landscape, as a scanner leaves it
    turned.save(tmp_path / "横向.pdf")
    b = bind([Part("01 横向的证明", tmp_path / "横向.pdf")], tmp_path / "合订本.pdf", COVER)
    page = b.toc[0][1]
    assert f"-{page}/{b.pages}-" in _page_text(b.path, page).replace(" ", "")
    subprocess.run(["pdftoppm", "-r", "50", "-gray", "-f", str(page), "-l", str(page), "-png", str(b.path),
                    str(tmp_path / "p")], check=True)
    img = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    assert img.width > img.height                   # seen landscape
    ink = [(x, y) for x in range(img.width) for y in range(img.height) if img.getpixel((x, y)) < 128]
    assert ink, "no page number drawn"
    assert min(y for _, y in ink) > 0.85 * img.height          # at the foot of the page as seen
    middle = sum(x for x, _ in ink) / len(ink)
    assert abs(middle - img.width / 2) < 0.1 * img.width       # centred


def test_a_large_damaged_pdf_is_named_and_the_rest_bound(tmp_path):
    big = tmp_path / "扫描件.pdf"
    with open(big, "wb") as f:                      # 64 MB that only begins like a PDF (sparse: no disk used)
        f.truncate(64 << 20)
        f.write(b"%PDF-1.4 ")
    good = sorted(EVIDENCE.glob("*.pdf"))[0]
    b = bind([Part("01 扫描件", big), Part("02 证明", good)], tmp_path / "合订本.pdf", COVER)
    assert [t for t, _ in b.separate] == ["01 扫描件"] and [t for t, _ in b.toc] == ["02 证明"]
    assert b.problems and b.problems[0].startswith("扫描件.pdf：PDF 已损坏")


def test_file_names_that_look_like_qpdf_arguments_are_bound_as_files(tmp_path):
    good = sorted(EVIDENCE.glob("*.pdf"))[0]
    names = ["@1-z.pdf", "--empty.pdf", "r1.pdf"]
    for name in names:
        shutil.copyfile(good, tmp_path / name)
    parts = [Part(f"{i:02d} {n}", tmp_path / n) for i, n in enumerate(names, start=1)]
    b = bind(parts, tmp_path / "合订本.pdf", COVER)
    assert [t for t, _ in b.toc] == [p.title for p in parts] and not b.separate
    with pikepdf.open(b.path) as book:
        assert len(book.pages) == b.pages == b.toc[0][1] - 1 + 3
