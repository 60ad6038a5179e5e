"""The package the county stamps and sends (issue 12): the submission speaks as the applicant (read back
from its PDFs), is marked 草稿 until ready, binds into one PDF whose 目录 matches its pages, and a re-run
never loses a consultant's edit. LibreOffice documents: slow; one package per demo client, shared."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from office import pdf_text, soffice
from toolkit.core.paths import examples_dir
from toolkit.documents.forms import SUBMISSION_FORBIDDEN
from toolkit.package import writer

CLIENTS = ["qingchuan", "linquan", "minshan", "dongtang"]
needs_office = pytest.mark.skipif(soffice() is None, reason="LibreOffice is not installed")


def _page_texts(pdf: Path) -> list[str]:
    """The text of each page (pdftotext -layout; pages end with a form feed)."""
    pages = pdf_text(pdf).split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return {c: writer.build_package(examples_dir() / "clients" / c, round=2025, output=out) for c in CLIENTS}


def _submission_pdfs(res) -> list[Path]:
    return sorted((res.path / writer.SUBMISSION / writer.PDF_FOLDER).glob("*.pdf"))


@needs_office
@pytest.mark.parametrize("client", CLIENTS)
def test_submission_documents_speak_as_the_applicant(demo, client):
    res = demo[client]
    pdfs = _submission_pdfs(res)
    assert {p.stem for p in pdfs} >= {"佐证材料清单"} and any(p.stem.startswith("附件") for p in pdfs)
    bound = res.path / writer.SUBMISSION / writer.BOUND_FILE
    front = _page_texts(bound)[:3]   # cover and 目录 are ours; the evidence files are the county's
    for name, text in [(p.name, pdf_text(p)) for p in pdfs] + [("合订本封面目录", "\n".join(front))]:
        flat = _flat(text)
        found = [w for w in SUBMISSION_FORBIDDEN if w.lower() in flat.lower()]
        assert not found, f"{client} {name}: {found}"
        assert "生成：" not in flat and "templates/" not in flat


@needs_office
def test_a_failing_package_is_a_draft_on_every_page_and_a_passing_one_is_not(demo):
    ready, draft = demo["qingchuan"], demo["linquan"]
    assert ready.manifest["status"] == {"draft": False, "ready": True, "reasons": [], "final": False, "overridden": []}
    for pdf in _submission_pdfs(ready):
        assert all("草稿" not in t for t in _page_texts(pdf)), pdf.name
    assert draft.manifest["status"]["draft"] and draft.manifest["status"]["reasons"]
    for pdf in _submission_pdfs(draft):
        pages = _page_texts(pdf)
        assert pages and all("草稿" in t for t in pages), pdf.name


@needs_office
def test_the_qingchuan_passages_are_carried_into_the_form(demo):
    text = _flat(pdf_text(demo["qingchuan"].path / writer.SUBMISSION / writer.PDF_FOLDER / "附件1_申报表.pdf"))
    assert "【待补充" not in text and "梯度培育库，入库企业86家" in text
    assert "负责人签字" in text and "申报单位意见" in text


@needs_office
def test_the_bound_pdf_toc_matches_its_pages_and_holds_every_evidence_item(demo):
    res = demo["qingchuan"]
    pages = _page_texts(res.path / writer.SUBMISSION / writer.BOUND_FILE)
    assert "申报单位" in pages[0] and "青川县智能小家电产业集群" in _flat(pages[0])
    toc = []
    for t in pages[1:3]:
        toc += re.findall(r"^(.+?)\s+(\d+)\s*$", t, flags=re.M)
    assert toc, pages[1]
    titles = {_flat(title): int(n) for title, n in toc}
    app = next(n for t, n in titles.items() if t.startswith("附件1"))
    assert "中小企业特色产业集群申报表" in _flat(pages[app - 1])
    assert "佐证材料清单" in _flat(pages[titles["佐证材料清单"] - 1])
    evidence = [(t, int(n)) for t, n in toc if re.match(r"\d\d\s", t.strip())]
    assert len(evidence) == len(res.manifest["evidence_copied"]) == 17
    for title, n in evidence:
        assert "demoevidence" in _flat(pages[n - 1]).lower(), (title, n)
    assert re.search(rf"-\s*{app}\s*/\s*{len(pages)}\s*-", pages[app - 1])


def test_the_checklist_numbers_are_the_file_names_in_the_package(demo):
    import docx

    res = demo["qingchuan"]
    doc = docx.Document(res.path / writer.SUBMISSION / writer.EVIDENCE_CHECKLIST_FILE)
    files = [row.cells[3].text for row in doc.tables[0].rows[1:]]
    on_disk = sorted(p.name for p in (res.path / writer.SUBMISSION / writer.EVIDENCE_FOLDER).iterdir())
    assert files == on_disk and files[0].startswith("01_")


def test_the_criteria_table_cites_evidence_by_number(demo):
    import docx

    res = demo["linquan"]
    doc = docx.Document(res.path / writer.SUBMISSION / "附件1_申报表.docx")
    table = next(t for t in doc.tables if t.rows[0].cells[-1].text == "佐证材料")
    assert [c.text for c in table.rows[0].cells] == ["序号", "指标", "本集群情况", "认定标准", "佐证材料"]
    cited = [r.cells[4].text for r in table.rows[1:]]
    assert sum(1 for c in cited if c) >= len(cited) - 2   # only 绿色/开放, whose evidence linquan lacks


def _hostile_copy(tmp_path: Path) -> Path:
    from openpyxl import load_workbook

    folder = tmp_path / "hostile"
    shutil.copytree(examples_dir() / "clients" / "qingchuan", folder)
    wb = load_workbook(folder / "intake.xlsx")
    basic = wb["基本信息"]
    for r in range(2, basic.max_row + 1):
        if basic.cell(r, 1).value == "集群名称":
            basic.cell(r, 2).value = "../{{青川}}<b>小家电</b>&集群 =1+1"
        if basic.cell(r, 1).value == "申报单位":
            basic.cell(r, 2).value = "C:\\\\青川县/经信局 %}"
    wb.save(folder / "intake.xlsx")
    return folder


@needs_office
def test_hostile_names_leave_the_submission_clean(tmp_path):
    res = writer.build_package(_hostile_copy(tmp_path), round=2025, output=tmp_path / "out")
    for pdf in _submission_pdfs(res):
        flat = _flat(pdf_text(pdf))
        assert "{{青川}}<b>小家电</b>&集群" in flat or "青川" in flat
        assert not [w for w in SUBMISSION_FORBIDDEN if w.lower() in flat.lower()], pdf.name


@needs_office
def test_a_final_package_carries_no_draft_mark_and_the_manifest_says_what_was_overridden(tmp_path):
    res = writer.build_package(examples_dir() / "clients" / "linquan", round=2025, output=tmp_path, final=True)
    st = res.manifest["status"]
    assert st["final"] and not st["draft"] and st["overridden"] == st["reasons"] and st["reasons"]
    assert all("草稿" not in t for t in _page_texts(res.path / writer.SUBMISSION / writer.PDF_FOLDER / "附件1_申报表.pdf"))


def _edit_memo(path: Path, words: str) -> None:
    import docx

    d = docx.Document(path)
    d.add_paragraph(words)
    d.save(path)


def test_an_edited_memo_and_an_added_note_survive_a_rerun_and_brief_keeps_its_folder(tmp_path, monkeypatch, capsys):
    from toolkit.cli import main

    monkeypatch.setattr(writer, "_convert_pdfs", lambda docs, outdir, notices: {})
    client = examples_dir() / "clients" / "qingchuan"
    out = tmp_path / "out"
    assert main(["package", str(client), "--round", "2025", "--output", str(out)]) == 0
    first = writer.build_package(client, round=2025, output=out)
    memo = first.path / first.manifest["brief"]["memo"]
    _edit_memo(memo, "顾问补充：与县经信局商定的三项任务")
    (first.path / writer.CONSULTANCY / "访谈记录.txt").write_text("县里说……", encoding="utf-8")
    assert main(["brief", str(client), "--round", "2025", "--output", str(out)]) == 0
    brief_files = sorted(p.relative_to(first.path) for p in (first.path / writer.BRIEF_FOLDER).rglob("*") if p.is_file())
    assert brief_files
    capsys.readouterr()

    assert main(["package", str(client), "--round", "2025", "--output", str(out)]) == 0
    said = capsys.readouterr().out
    import docx

    assert "顾问补充：与县经信局商定的三项任务" in "\n".join(p.text for p in docx.Document(memo).paragraphs)
    assert memo.with_name(memo.stem + writer.NEW_VERSION + memo.suffix).is_file()
    assert "保留了修改过的" in said and memo.name in said and "访谈记录.txt" in said
    assert (first.path / writer.CONSULTANCY / "访谈记录.txt").read_text(encoding="utf-8") == "县里说……"
    assert sorted(p.relative_to(first.path) for p in (first.path / writer.BRIEF_FOLDER).rglob("*") if p.is_file()) \
        == brief_files

    # a third run: the edit is still kept (the manifest remembers what we generated), nothing doubled
    again = writer.build_package(client, round=2025, output=out)
    assert any(k["path"].endswith(memo.name) and k["why"] == "已修改" for k in again.kept)
    assert not list(first.path.rglob(f"*{writer.NEW_VERSION}{writer.NEW_VERSION}*"))


def test_lock_files_and_thumbs_in_evidence_change_nothing(tmp_path):
    from toolkit.run.fingerprint import inputs_sha256

    folder = tmp_path / "c"
    shutil.copytree(examples_dir() / "clients" / "linquan", folder)
    before = inputs_sha256(folder)
    (folder / "evidence" / "~$统计局产值证明.docx").write_bytes(b"lock")
    (folder / "evidence" / "Thumbs.db").write_bytes(b"thumbs")
    (folder / "evidence" / ".DS_Store").write_bytes(b"mac")
    assert inputs_sha256(folder) == before
    (folder / "passages").mkdir()
    (folder / "passages" / "产业链供应链协作高效.txt").write_text("本地配套率七成。", encoding="utf-8")
    assert inputs_sha256(folder) != before   # a passage the county wrote is an input


@needs_office
def test_evidence_that_is_not_pdf_or_is_damaged_is_named_and_the_rest_bound(tmp_path, capsys):
    from openpyxl import load_workbook

    folder = tmp_path / "c"
    shutil.copytree(examples_dir() / "clients" / "qingchuan", folder)
    (folder / "evidence" / "统计局产值证明.pdf").write_bytes(b"%PDF-1.4 broken")
    (folder / "evidence" / "附件.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    wb = load_workbook(folder / "intake.xlsx")
    ws = wb["佐证材料"]
    row = 1 + max(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value)
    for col in range(1, ws.max_column + 1):
        ws.cell(row, col).value = ws.cell(row - 1, col).value
    ws.cell(row, 1).value = "其他材料（压缩包）"
    for col in range(1, ws.max_column + 1):
        if str(ws.cell(row, col).value or "").startswith("evidence/"):
            ws.cell(row, col).value = "evidence/附件.zip"
    wb.save(folder / "intake.xlsx")
    res = writer.build_package(folder, round=2025, output=tmp_path / "out")
    assert (res.path / writer.SUBMISSION / writer.BOUND_FILE).is_file()
    assert any("统计局产值证明" in n and "损坏" in n for n in res.notices)
    toc = "\n".join(_page_texts(res.path / writer.SUBMISSION / writer.BOUND_FILE)[1:3])
    assert "电子版另附" in toc and "其他材料" in _flat(toc)


def test_without_libreoffice_the_word_documents_are_written_and_the_message_says_how(tmp_path, monkeypatch, capsys):
    from toolkit.documents import pdf

    monkeypatch.setattr(pdf, "soffice", lambda: None)
    res = writer.build_package(examples_dir() / "clients" / "qingchuan", round=2025, output=tmp_path)
    assert (res.path / writer.SUBMISSION / "附件1_申报表.docx").is_file()
    assert not (res.path / writer.SUBMISSION / writer.BOUND_FILE).exists()
    assert any("LibreOffice" in n for n in res.notices) and "LibreOffice" in capsys.readouterr().err


def test_templates_check_names_a_submission_template_printing_a_verdict(tmp_path):
    import docx

    from toolkit.core.paths import templates_dir
    from toolkit.documents.template_check import check_template

    bad = tmp_path / "application.docx"
    shutil.copy(templates_dir() / "application.docx", bad)
    d = docx.Document(bad)
    d.add_paragraph("评估：{{ assessment.overall }}，各项均已达标。")
    d.save(bad)
    found = [str(f) for f in check_template(bad)]
    assert any("application.docx" in f and "assessment.overall" in f for f in found)
    assert any("“达标”" in f for f in found)
    assert not [f for f in check_template(templates_dir() / "application.docx") if f.severity == "error"]


def test_province_tables_show_the_province_columns_and_the_intervals_stay_internal(demo, tmp_path):
    import docx
    from openpyxl import load_workbook

    from toolkit.province.tables import write_province_tables

    root = next(iter(demo.values())).path.parents[2]
    files = write_province_tables(root, 2025)
    att2 = next(f for f in files if f.name == "附件2_推荐汇总表.docx" and f.parent.name == "浙江省")
    d = docx.Document(att2)
    header = [c.text for c in d.tables[0].rows[0].cells]
    assert header == ["序号", "集群名称", "所在地区", "主导产业及细分领域", "申报单位", "推荐排序"]
    text = "\n".join(p.text for p in d.paragraphs)
    assert "浙江省经济和信息化厅" in text and "区间" not in text and "准备度" not in text
    att4 = next(f for f in files if f.name == "附件4_复核情况汇总表.docx")
    t4 = docx.Document(att4).tables[0]
    assert [c.text for c in t4.rows[0].cells][-2:] == ["初审意见", "未通过原因"]
    assert t4.rows[1].cells[-2].text == "不通过" and "年均增速" in t4.rows[1].cells[-1].text
    internal = next(f for f in files if "内部研判表" in f.name and f.parent.name == "浙江省")
    ws = load_workbook(internal)["推荐排序"]
    labels = [ws.cell(r, 9).value for r in range(2, ws.max_row + 1)]
    assert labels and all(re.match(r"第\d+位（区间", v) for v in labels)
    method = "\n".join(str(c.value) for c in load_workbook(internal)["方法"]["A"])
    assert "随机种子" in method
    brief = next(f for f in files if f.name.endswith("推荐情况简报.docx") and f.parent.name == "浙江省")
    btext = "\n".join(c.text for t in docx.Document(brief).tables for row in t.rows for c in row.cells)
    btext += "\n".join(p.text for p in docx.Document(brief).paragraphs)
    assert "区间" in btext and "随机种子" in btext


def test_make_demo_leaves_pdfs_and_the_bound_pdf(demo):
    for client, res in demo.items():
        sub = res.path / writer.SUBMISSION
        if soffice() is None:
            pytest.skip("LibreOffice is not installed")
        assert (sub / writer.BOUND_FILE).is_file() and _submission_pdfs(res), client
        manifest = json.loads((res.path / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["bound"]
        with zipfile.ZipFile(res.path / manifest["zip"]) as z:   # the bound copy holds the evidence again:
            names = set(z.namelist())                             # the folder is its one place
        assert f"{writer.SUBMISSION}/{writer.BOUND_FILE}" not in names
        assert f"{writer.SUBMISSION}/PDF/佐证材料清单.pdf" in names


def test_pdftoppm_renders_the_bound_cover(demo, tmp_path):
    exe = shutil.which("pdftoppm")
    if exe is None or soffice() is None:
        pytest.skip("poppler or LibreOffice missing")
    bound = demo["qingchuan"].path / writer.SUBMISSION / writer.BOUND_FILE
    subprocess.run([exe, "-r", "30", "-png", "-f", "1", "-l", "2", str(bound), str(tmp_path / "p")], check=True)
    assert len(list(tmp_path.glob("p-*.png"))) == 2


def test_an_edited_memo_survives_a_forced_batch_rerun_and_the_summary_says_so(tmp_path, capsys):
    from toolkit.cli import main

    client = tmp_path / "clients" / "qingchuan"
    shutil.copytree(examples_dir() / "clients" / "qingchuan", client)
    out = tmp_path / "out"
    args = ["batch", str(client), "--round", "2025", "--output", str(out), "--jobs", "1"]
    assert main(args) == 0
    pkg = next((out / "2025").rglob("qingchuan"))
    memo = pkg / json.loads((pkg / "manifest.json").read_text(encoding="utf-8"))["brief"]["memo"]
    _edit_memo(memo, "顾问补充：批量重跑后仍在")
    capsys.readouterr()
    assert main(args + ["--force"]) == 0
    said = capsys.readouterr().out
    import docx

    assert "顾问补充：批量重跑后仍在" in "\n".join(p.text for p in docx.Document(memo).paragraphs)
    assert "保留了修改过的" in said and memo.name in said
    assert (pkg / "client_report.ipynb").is_file() or list(pkg.glob("*.ipynb"))
