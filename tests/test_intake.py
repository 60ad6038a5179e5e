"""The intake reader: cell parsing, rules, bad files, the annotated copy and `clusterkit check`."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from toolkit.intake import cells

from toolkit.intake import schema
from toolkit.cli import main
from toolkit.core.errors import IntakeError, Problem, ToolkitError
from toolkit.intake.reader import check_workbook, read_client, write_annotated
from toolkit.intake.model import Client

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ROOT / "data" / "examples" / "clients"


@pytest.fixture
def client_copy(tmp_path) -> Path:
    """A copy of the qingchuan demo client folder, safe to modify."""
    dst = tmp_path / "qingchuan"
    shutil.copytree(CLIENTS / "qingchuan", dst)
    return dst


def edit(folder: Path, changes: dict[tuple[str, str], object]) -> None:
    path = folder / "intake.xlsx"
    wb = openpyxl.load_workbook(path)
    for (sheet, cell), value in changes.items():
        wb[sheet][cell] = value
    wb.save(path)


def places(result) -> set[tuple[str, str]]:
    return {(p.sheet, p.cell) for p in result.problems}


def errors_at(result, sheet, cell) -> list[Problem]:
    return [p for p in result.errors if p.sheet == sheet and p.cell == cell]


# -- step 1: cells -----------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, unit, value", [
    ("12", "亿元", 12.0),
    (12, "亿元", 12.0),
    ("１２．５", "亿元", 12.5),           # full-width digits and point
    (" 12 ", "亿元", 12.0),               # stray spaces
    ("1,234.5", "万元", 1234.5),          # thousands separator
    ("１，２３４", "万元", 1234.0),       # full-width comma
    ("12亿元", "亿元", 12.0),
    ("12亿", "亿元", 12.0),
    ("26.4%", "%", 26.4),
    ("２６.４％", "%", 26.4),
    ("412家", "家", 412.0),
    ("N/A", "亿元", None),
    ("无", "亿元", None),
    ("-", "亿元", None),
    ("  ", "亿元", None),
    (None, "亿元", None),
])
def test_numbers_that_are_fine(raw, unit, value):
    p = cells.parse_number(raw, unit)
    assert p.ok and p.warning is None
    assert p.value == value


@pytest.mark.parametrize("raw, unit, value", [
    ("5000万", "亿元", 0.5),
    ("5000万元", "亿元", 0.5),
    ("1.99亿", "万元", 19900.0),
    ("120000000元", "亿元", 1.2),
])
def test_other_money_units_are_converted_with_a_warning(raw, unit, value):
    p = cells.parse_number(raw, unit)
    assert p.ok and p.value == pytest.approx(value)
    assert "换算" in p.warning and unit in p.warning


@pytest.mark.parametrize("raw, unit, fix", [
    ("约12亿", "亿元", "填写 12，单位“亿元”已在表头"),
    ("约5000万", "亿元", "填写 0.5"),
    ("12左右", "亿元", "填写 12"),
    ("不详", "亿元", "只填写数字"),
    ("3%", "家", "只填写数字"),
    (dt.datetime(2023, 5, 1), "亿元", "常规"),
    (True, "亿元", "填写数字"),
    ("#DIV/0!", "亿元", "修正公式"),
])
def test_numbers_that_are_not(raw, unit, fix):
    p = cells.parse_number(raw, unit)
    assert not p.ok
    assert fix in p.fix


def test_percent_formatted_cell_reads_as_percent():
    assert cells.parse_number(0.264, "%", percent_format=True).value == pytest.approx(26.4)
    assert cells.parse_number(26.4, "%").value == 26.4


def test_integers_and_years():
    assert cells.parse_number("412", "家", integer=True).value == 412
    assert not cells.parse_number("412.5", "家", integer=True).ok
    assert cells.parse_year("2024年").value == 2024
    assert cells.parse_year("２０２４").value == 2024
    assert not cells.parse_year("去年").ok
    assert not cells.parse_year(12).ok


def test_choices():
    assert cells.parse_choice("是", ["是", "否"]).value == "是"
    assert cells.parse_choice(" 否 ", ["是", "否"]).value == "否"
    p = cells.parse_choice("Y", ["是", "否"])
    assert p.value == "是" and p.warning
    assert cells.parse_choice("浙江", ["浙江省", "江苏省"]).value == "浙江省"
    bad = cells.parse_choice("不确定", ["是", "否"])
    assert not bad.ok and "是、否" in bad.fix


HINT = "，单位“亿元”已在表头"


@pytest.mark.parametrize("raw, error, fix", [
    (10 ** 400, "不是有效数字", "填写数字" + HINT),
    ("9" * 400, "不是有效数字", "填写数字" + HINT),
    (float("nan"), "不是有效数字", "填写数字" + HINT),
    ("1e999", "不是数字", "只填写数字" + HINT),
    ("１e5", "不是数字", "填写 100000" + HINT),  # full-width, and an exponent as Excel shows 1E+05
    ("=SUM(A1:A3)", "是公式的文字，没有计算（单元格是文本格式）",
     "把单元格格式改为“常规”后重新输入公式，或直接填写数字" + HINT),
    (dt.time(1, 2), "是日期，不是数字（单元格可能被设成了日期格式）",
     "把单元格格式改为“常规”或“数值”，再填写数字" + HINT),
])
def test_huge_and_odd_values_are_named_with_a_fix_that_fits(raw, error, fix):
    p = cells.parse_number(raw, "亿元")
    assert (p.value, p.error, p.fix, p.warning) == (None, error, fix, None)


def test_a_zero_width_space_alone_is_a_blank_cell():
    p = cells.parse_number("\u200b", "亿元")
    assert (p.value, p.error, p.warning) == (None, None, None)


# -- step 2: the demo clients read cleanly -------------------------------------------------------------

def test_read_client_gives_typed_values_with_sources():
    client = read_client(CLIENTS / "qingchuan")
    assert isinstance(client, Client)
    assert client.id == "qingchuan"
    assert client.years == [2022, 2023, 2024]
    assert client.series("cluster_output") == {2022: 52.3, 2023: 58.9, 2024: 66.1}
    v = client.indicator("leading_output", 2023)
    assert v.value == 45.6 and str(v.source) == "intake.xlsx › 年度指标 › E3"
    assert client.basic["province"].source.cell == "B3"
    assert client.region == "东部" and client.province == "浙江省"
    assert client.template_version == schema.version()
    assert len(client.sha256) == 64
    assert client.problems == []
    assert not any(f.name.startswith("示例") for f in client.firms)
    assert all(f.credit_code and len(f.credit_code) == 18 for f in client.firms)
    assert client.firms[0].source.sheet == "企业名单" and client.firms[0].source.cell == "A3"
    assert {n.id for n in client.negative} == {i["id"] for i in schema.sheet("negative")["items"]}
    assert all(n.occurred is False for n in client.negative)


def test_evidence_paths_resolved_and_kinds_mapped_to_ids():
    client = read_client(CLIENTS / "qingchuan")
    stats = [e for e in client.evidence if "statistics" in e.kinds]
    assert stats and stats[0].exists is True
    assert stats[0].file.startswith("evidence/")
    assert all(e.exists for e in client.evidence)
    assert all(k in schema.evidence_kinds() for e in client.evidence for k in e.kinds)


def test_workbook_path_works_as_well_as_folder():
    a = read_client(CLIENTS / "linquan")
    b = read_client(CLIENTS / "linquan" / "intake.xlsx")
    assert a.id == b.id == "linquan" and a.sha256 == b.sha256


def test_a_workbook_without_formulas_is_parsed_once(monkeypatch):
    # reading cost is measured by bench/; what a test can hold is that no client pays for a second parse
    opened = []
    load = openpyxl.load_workbook
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(k) or load(*a, **k))
    for name in ("dongtang", "linquan", "minshan", "qingchuan"):
        opened.clear()
        read_client(CLIENTS / name)
        assert len(opened) == 1, name


# -- rules on an edited copy ---------------------------------------------------------------------------

def test_problem_names_file_sheet_cell_value_and_fix(client_copy):
    edit(client_copy, {("年度指标", "E3"): "约12亿"})
    result = check_workbook(client_copy)
    assert result.client is None
    [p] = errors_at(result, "年度指标", "E3")
    assert str(p) == "intake.xlsx › 年度指标 › E3 (2023 主导产业产值): 「约12亿」不是数字 — 填写 12，单位“亿元”已在表头"
    assert p.to_dict()["cell"] == "E3"
    with pytest.raises(IntakeError) as exc:
        read_client(client_copy)
    assert any(q.cell == "E3" for q in exc.value.problems)


def test_all_problems_are_collected_not_the_first(client_copy):
    edit(client_copy, {("年度指标", "D2"): "很多", ("年度指标", "E2"): "约60亿", ("年度指标", "F6"): 130,
                       ("企业名单", "A5"): None, ("基本信息", "B4"): None})
    result = check_workbook(client_copy)
    assert {("年度指标", "D2"), ("年度指标", "E2"), ("年度指标", "F6"), ("企业名单", "A5"),
            ("基本信息", "B4")} <= places(result)


def test_full_width_and_units_are_fine_and_converted(client_copy):
    edit(client_copy, {("年度指标", "D2"): "５２.３", ("年度指标", "E2"): "5890000000元",
                       ("年度指标", "F5"): "1.99亿", ("年度指标", "D10"): " 412 "})
    result = check_workbook(client_copy)
    assert result.ok, [str(p) for p in result.errors]
    c = result.client
    assert c.indicator("cluster_output", 2022).value == 52.3
    assert c.indicator("cluster_output", 2023).value == pytest.approx(58.9)
    assert c.indicator("sme_rd", 2024).value == pytest.approx(19900)
    assert c.indicator("enterprises", 2022).value == 412
    warned = {(p.sheet, p.cell) for p in result.warnings}
    assert {("年度指标", "E2"), ("年度指标", "F5")} <= warned
    assert c.problems == result.problems


def test_output_ratios_and_shares(client_copy):
    edit(client_copy, {("年度指标", "F4"): 70, ("年度指标", "E3"): 59.5, ("年度指标", "D6"): 101,
                       ("年度指标", "E11"): 500, ("年度指标", "F12"): -1})
    result = check_workbook(client_copy)
    assert "集群工业总产值" in errors_at(result, "年度指标", "F4")[0].message   # SME > cluster
    assert errors_at(result, "年度指标", "E3")                                  # leading > cluster
    assert "0–100" in errors_at(result, "年度指标", "D6")[0].message
    assert errors_at(result, "年度指标", "E11")                                 # smes > enterprises
    assert "负数" in errors_at(result, "年度指标", "F12")[0].message


def test_years_must_be_three_consecutive(client_copy):
    edit(client_copy, {("年度指标", "F1"): "2025年"})
    assert "不连续" in errors_at(check_workbook(client_copy), "年度指标", "F1")[0].message
    edit(client_copy, {("年度指标", "F1"): None})
    assert "缺少年度" in errors_at(check_workbook(client_copy), "年度指标", "F1")[0].message


def test_roster_rules(client_copy):
    wb = openpyxl.load_workbook(client_copy / "intake.xlsx")
    ws = wb["企业名单"]
    good = ws["B4"].value
    ws["B4"] = good[:-1] + ("1" if good[-1] != "1" else "2")   # check digit broken
    ws["A6"] = ws["A3"].value                                   # duplicate name
    ws["B7"] = ws["B8"].value                                   # duplicate code
    ws["D9"] = "也许"                                            # not a drop-down value
    ws["C10"] = None                                             # required
    wb.save(client_copy / "intake.xlsx")
    result = check_workbook(client_copy)
    assert "校验位" in errors_at(result, "企业名单", "B4")[0].message
    assert "重复" in errors_at(result, "企业名单", "A6")[0].message
    assert "重复" in errors_at(result, "企业名单", "B8")[0].message
    assert errors_at(result, "企业名单", "D9")
    assert not errors_at(result, "企业名单", "C10")  # a blank is 待补充, not 有误
    assert any(p.cell == "C10" and p.sheet == "企业名单" for p in result.missing)


def test_roster_longer_than_declared_counts(client_copy):
    edit(client_copy, {("年度指标", "F10"): 20, ("年度指标", "F11"): 10})
    result = check_workbook(client_copy)
    assert "企业名单" in errors_at(result, "年度指标", "F10")[0].message
    assert any("中小企业" in p.message for p in errors_at(result, "年度指标", "F11"))


def test_review_needs_year_and_actuals(client_copy):
    edit(client_copy, {("基本信息", "B13"): "复核"})
    result = check_workbook(client_copy)
    assert any(p.cell == "B14" and "认定年度" in p.message for p in result.missing)
    assert any("实际完成值" in p.message for p in result.missing if p.sheet == "发展规划")
    assert result.client is None and result.partial is not None  # incomplete: a provisional assessment only


def test_negative_list_answer_required_and_yes_warned(client_copy):
    edit(client_copy, {("负面清单", "C2"): None, ("负面清单", "C3"): "是"})
    result = check_workbook(client_copy)
    assert any(p.sheet == "负面清单" and p.cell == "C2" and "未声明" in p.message for p in result.missing)
    assert any(p.cell == "C3" and "一票否决" in p.message for p in result.warnings)


def test_evidence_paths(client_copy):
    edit(client_copy, {("佐证材料", "B3"): "../../etc/passwd", ("佐证材料", "B4"): "/etc/passwd",
                       ("佐证材料", "B5"): "evidence/没有这个文件.pdf", ("佐证材料", "B6"): "evidence\\区域品牌证书.pdf",
                       ("佐证材料", "C7"): "产值等统计数据证明、标准制修订证明"})
    result = check_workbook(client_copy)
    assert "之外" in errors_at(result, "佐证材料", "B3")[0].message
    assert "之外" in errors_at(result, "佐证材料", "B4")[0].message
    missing = [p for p in result.warnings if p.cell == "B5"]
    assert missing and "不存在" in missing[0].message
    assert not [p for p in result.problems if p.cell in ("B6", "C7")]


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file of the consultant's, beside the client folder: no evidence path may reach it."""
    path = tmp_path / "secret.txt"
    path.write_text("consultant's own file", encoding="utf-8")
    return path


def _tricks(folder: Path, secret: Path) -> dict[str, str]:
    """Evidence paths (B3…) that name ``secret`` from inside ``folder``, typed as a county could."""
    ev = folder / "evidence"
    (ev / "link.pdf").symlink_to(secret)
    os.link(secret, ev / "hard.pdf")
    (ev / "loop.pdf").symlink_to("loop.pdf")
    (ev / "sub").symlink_to(secret.parent, target_is_directory=True)
    return {
        "B3": str(secret).replace("/", "／"),                 # ／tmp／…／secret.txt: NFKC makes it absolute
        "B4": "．．／secret.txt",                             # NFKC makes it ../secret.txt
        "B5": "evidence／link.pdf",                           # NFKC makes it evidence/link.pdf, a link out
        "B6": "evidence/hard.pdf",                            # a hard link to a file outside
        "B7": "evidence/loop.pdf",                            # a link loop (RuntimeError before)
        "B8": "evidence/sub/secret.txt",                      # through a linked folder
        "B9": "evidence\\..\\..\\secret.txt",
    }


def test_evidence_paths_that_reach_outside_are_refused_at_their_cell(client_copy, secret):
    tricks = _tricks(client_copy, secret)
    edit(client_copy, {("佐证材料", cell): typed for cell, typed in tricks.items()})
    result = check_workbook(client_copy)
    assert result.client is None
    for cell in tricks:
        errors = errors_at(result, "佐证材料", cell)
        assert errors, f"{cell} {tricks[cell]!r} accepted"
        assert any(w in errors[0].message for w in ("之外", "链接")), errors[0].message
        assert errors[0].fix and str(errors[0]).startswith("intake.xlsx › 佐证材料 › " + cell)
    assert not [p for p in result.problems if p.cell == "B10"]  # the ordinary row beside them is fine


def test_a_linked_evidence_folder_is_refused_before_anything_in_it_is_read(client_copy, tmp_path):
    real = tmp_path / "elsewhere"
    shutil.move(client_copy / "evidence", real)
    (client_copy / "evidence").symlink_to(real, target_is_directory=True)
    result = check_workbook(client_copy)
    assert result.client is None
    assert errors_at(result, "佐证材料", "B3") and "evidence 是链接" in errors_at(result, "佐证材料", "B3")[0].message


def test_an_evidence_name_too_long_for_the_disk_is_named_not_raised(client_copy, capsys):
    title = "关于印发青川县智能小家电产业集群高质量发展三年行动计划的通知及其附件材料汇编"  # a pasted title
    long_name = "evidence/" + (title * 3)[:86] + ".pdf"  # 86 Chinese characters: 258 bytes, over 255
    edit(client_copy, {("佐证材料", "B3"): long_name})
    result = check_workbook(client_copy)
    problem = next(p for p in result.problems if p.cell == "B3")
    assert "过长" in problem.message and "255" in problem.message
    assert main(["check", str(client_copy)]) in (0, 1)
    assert "Traceback" not in capsys.readouterr().err


def test_an_evidence_file_named_without_the_folder_is_found_in_evidence(client_copy):
    edit(client_copy, {("佐证材料", "B3"): "统计局产值证明.pdf", ("佐证材料", "B4"): "intake.xlsx"})
    result = check_workbook(client_copy)
    by_row = {e.source.cell: e for e in result.client.evidence}
    assert by_row["A3"].exists and by_row["A3"].file == "evidence/统计局产值证明.pdf"
    assert by_row["A4"].exists is False  # the workbook itself is not evidence


def test_formula_with_and_without_cached_value(client_copy):
    edit(client_copy, {("年度指标", "F2"): "=D2+E2"})
    result = check_workbook(client_copy)
    assert "计算结果" in errors_at(result, "年度指标", "F2")[0].message
    # A workbook saved by Excel/LibreOffice keeps the cached value: the reader uses it.
    path = client_copy / "intake.xlsx"
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    sheet_xml = next(n for n in files if n.startswith("xl/worksheets/sheet") and b"D2+E2" in files[n])
    files[sheet_xml] = files[sheet_xml].replace(b"<f>D2+E2</f><v></v>", b"<f>D2+E2</f><v>111.2</v>").replace(
        b"<f>D2+E2</f></c>", b"<f>D2+E2</f><v>111.2</v></c>")
    with zipfile.ZipFile(path, "w") as z:
        for n, b in files.items():
            z.writestr(n, b)
    result = check_workbook(client_copy)
    assert not errors_at(result, "年度指标", "F2")
    assert result.ok
    assert result.client.indicator("cluster_output", 2024).value == pytest.approx(111.2)


def test_merged_cells_in_a_table(client_copy):
    wb = openpyxl.load_workbook(client_copy / "intake.xlsx")
    wb["企业名单"].merge_cells("E3:F4")
    wb.save(client_copy / "intake.xlsx")
    result = check_workbook(client_copy)
    assert "合并" in errors_at(result, "企业名单", "E3")[0].message


def test_example_row_is_skipped_but_a_real_row_2_is_read(client_copy):
    assert check_workbook(client_copy).ok
    edit(client_copy, {("企业名单", "A2"): "青川新增电器有限公司", ("企业名单", "B2"): "91331082MA2H000011"})
    result = check_workbook(client_copy)
    # Row 2 no longer marked 示例: read as data (and its bad code reported).
    assert errors_at(result, "企业名单", "B2")


# -- bad files ---------------------------------------------------------------------------------------

def _only_fatal(result) -> Problem:
    assert result.client is None and result.errors
    return result.errors[0]


def test_missing_file_and_folder(tmp_path):
    p = _only_fatal(check_workbook(tmp_path))
    assert "intake.xlsx" in p.message and "new-client" in p.fix
    with pytest.raises(IntakeError):
        read_client(tmp_path / "nope")


def test_a_client_folder_that_does_not_exist_is_named_with_the_command_to_create_it(tmp_path):
    missing = tmp_path / "某某县"
    p = _only_fatal(check_workbook(missing))
    assert "找不到客户文件夹" in p.message and str(missing) in p.message
    # the fix names the folder itself, not its parent
    assert f"new-client {missing} " in p.fix


def test_read_client_error_summarises_the_rest_in_chinese(client_copy):
    edit(client_copy, {("年度指标", "D2"): "很多", ("年度指标", "E2"): "约60亿", ("基本信息", "B4"): None})
    with pytest.raises(IntakeError) as exc:
        read_client(client_copy)
    text = str(exc.value)
    assert "more" not in text and "另有 2 项有误或待补充" in text and "clusterkit check" in text


def test_a_word_document_or_zip_renamed_to_xlsx_is_called_what_it_is(tmp_path):
    import zipfile

    from docx import Document

    Document().save(tmp_path / "intake.xlsx")
    p = _only_fatal(check_workbook(tmp_path))
    assert "Word 文档" in p.message and "不是 Excel 工作簿" in p.message and "new-client" in p.fix
    with zipfile.ZipFile(tmp_path / "intake.xlsx", "w") as z:
        z.writestr("readme.txt", "x")
    p = _only_fatal(check_workbook(tmp_path))
    assert "损坏" in p.message and "没有工作表" in p.message


def test_corrupt_file(tmp_path):
    (tmp_path / "intake.xlsx").write_bytes(b"PK\x03\x04 this is not really a zip")
    assert "损坏" in _only_fatal(check_workbook(tmp_path)).message
    (tmp_path / "intake.xlsx").write_bytes(os.urandom(2000))
    assert "损坏" in _only_fatal(check_workbook(tmp_path)).message
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    (tmp_path / "intake.xlsx").write_bytes(buf.getvalue())
    assert "损坏" in _only_fatal(check_workbook(tmp_path)).message
    with pytest.raises(ToolkitError):
        read_client(tmp_path)


def _ole(extra: bytes = b"") -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + extra + b"\x00" * 1024


def test_password_protected_file(tmp_path):
    # An encrypted .xlsx is an OLE compound file holding an "EncryptedPackage" stream.
    (tmp_path / "intake.xlsx").write_bytes(_ole("EncryptionInfo\0EncryptedPackage".encode("utf-16-le")))
    p = _only_fatal(check_workbook(tmp_path))
    assert "密码" in p.message and "清空密码" in p.fix


def test_old_xls_format(tmp_path):
    (tmp_path / "intake.xls").write_bytes(_ole(b"Workbook"))
    p = _only_fatal(check_workbook(tmp_path / "intake.xls"))
    assert ".xls" in p.message and ".xlsx" in p.fix


def test_other_template_version(client_copy):
    wb = openpyxl.load_workbook(client_copy / "intake.xlsx")
    wb.defined_names[schema.VERSION_NAME].attr_text = '"2019.1"'
    wb.save(client_copy / "intake.xlsx")
    p = _only_fatal(check_workbook(client_copy))
    assert "2019.1" in p.message and "new-client" in p.fix


def test_a_workbook_not_made_from_the_template(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "集群名称"
    wb.save(tmp_path / "intake.xlsx")
    p = _only_fatal(check_workbook(tmp_path))
    assert "模板" in p.message and "new-client" in p.fix


def test_missing_sheet_and_renamed_header(client_copy):
    wb = openpyxl.load_workbook(client_copy / "intake.xlsx")
    del wb["平台机构"]
    wb["企业名单"]["B1"] = "信用代码"
    wb.save(client_copy / "intake.xlsx")
    result = check_workbook(client_copy)
    assert any(p.sheet == "平台机构" and "缺少工作表" in p.message for p in result.errors)
    assert "统一社会信用代码" in errors_at(result, "企业名单", "B1")[0].message


# -- the annotated copy and the command ---------------------------------------------------------------

def test_check_never_modifies_the_client_file(tmp_path):
    src = ROOT / "data" / "examples" / "broken"
    dst = tmp_path / "broken"
    shutil.copytree(src, dst)
    wb_path = dst / "intake.xlsx"
    os.utime(wb_path, (1_600_000_000, 1_600_000_000))
    before = (wb_path.read_bytes(), wb_path.stat().st_mtime)
    assert main(["check", str(dst)]) == 1
    assert (wb_path.read_bytes(), wb_path.stat().st_mtime) == before
    assert (dst / "intake.checked.xlsx").exists()


def test_annotated_copy_marks_cells_and_lists_problems(tmp_path):
    result = check_workbook(ROOT / "data" / "examples" / "broken")
    out = write_annotated(result, tmp_path / "out" / "checked.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "问题清单"
    listing = wb["问题清单"]
    assert listing.max_row - 1 == len(result.problems)
    cell = wb["年度指标"]["E3"]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert "不是数字" in cell.comment.text and "填写 12" in cell.comment.text
    likely = wb["年度指标"]["D9"]  # 9800万 converted to 0.98亿: a ten-fold jump from 9.0 and 10.2
    assert likely.fill.fgColor.rgb.endswith("FFC7CE") and "换算" in likely.comment.text and "十倍" in likely.comment.text
    blank = wb["基本信息"]["B4"]  # 待补充 is blue, not red
    assert blank.fill.fgColor.rgb.endswith("BDD7EE") and "待补充" in blank.comment.text
    assert {listing.cell(r, 2).value for r in range(2, listing.max_row + 1)} == {"有误", "待补充", "提示"}
    assert not list(tmp_path.joinpath("out").glob(".*tmp*"))  # written atomically, no leftovers
    with pytest.raises(ToolkitError):
        write_annotated(result, result.workbook)


def test_cli_check_exit_codes_and_report(tmp_path, capsys):
    assert main(["check", str(CLIENTS / "minshan"), "--annotated", str(tmp_path / "m.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "共 0 项有误、0 项待补充" in out
    assert main(["check", str(ROOT / "data/examples/broken"), "--annotated", str(tmp_path / "b.xlsx")]) == 1
    out = capsys.readouterr().out
    assert "【年度指标】" in out and "【企业名单】" in out
    assert "intake.xlsx › 年度指标 › E3 (2023 主导产业产值): 「约12亿」不是数字" in out
    broken = check_workbook(ROOT / "data/examples/broken")
    assert f"共 {len(broken.errors)} 项有误、{len(broken.missing)} 项待补充" in out
    assert "  待补充  intake.xlsx › 基本信息 › B4 (所在地市): 必填，未填写" in out
    # Within a sheet, 有误 comes first, then 待补充, then 提示.
    block = out.split("【年度指标】")[1].split("【")[0]
    kinds = [line.split()[0] for line in block.strip().splitlines()]
    order = {"有误": 0, "待补充": 1, "提示": 2}
    assert kinds == sorted(kinds, key=order.get) and set(kinds) == set(order)


def test_cli_check_on_a_corrupt_file_is_a_message_not_a_traceback(tmp_path, capsys):
    (tmp_path / "intake.xlsx").write_bytes(b"garbage")
    assert main(["check", str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert "损坏" in out.out and "Traceback" not in out.err


def test_names_keep_full_width_brackets_and_evidence_files_are_found(client_copy):
    (client_copy / "evidence" / "承诺书（盖章）.pdf").write_bytes(b"%PDF-1.4\n")
    edit(client_copy, {("企业名单", "A5"): "青川电器（集团）有限公司 ", ("佐证材料", "B3"): "evidence/承诺书（盖章）.pdf",
                       ("佐证材料", "B4"): "evidence/承诺书(盖章).pdf"})
    result = check_workbook(client_copy)
    assert result.ok, [str(p) for p in result.errors]
    c = result.client
    assert any(f.name == "青川电器（集团）有限公司" for f in c.firms)
    by_row = {e.source.cell: e for e in c.evidence}
    assert by_row["A3"].exists and by_row["A3"].file == "evidence/承诺书（盖章）.pdf"
    assert by_row["A4"].exists is False  # half-width brackets: a different file name


def test_version_falls_back_to_the_hidden_sheet_when_the_name_is_dropped(client_copy):
    wb = openpyxl.load_workbook(client_copy / "intake.xlsx")
    del wb.defined_names[schema.VERSION_NAME]
    wb.save(client_copy / "intake.xlsx")
    assert check_workbook(client_copy).ok
    wb = openpyxl.load_workbook(client_copy / "intake.xlsx")
    del wb[schema.LISTS_SHEET]
    wb.save(client_copy / "intake.xlsx")
    assert "模板版本" in _only_fatal(check_workbook(client_copy)).message


def test_credit_code_stored_as_a_number_and_year_with_suffix(client_copy):
    edit(client_copy, {("企业名单", "B3"): 914403001922038216, ("基本信息", "B13"): "复核",
                       ("基本信息", "B14"): "2022年"})
    result = check_workbook(client_copy)
    assert "数字" in errors_at(result, "企业名单", "B3")[0].message
    assert not errors_at(result, "基本信息", "B14")


def test_plausibility_by_cell(client_copy):
    edit(client_copy, {("年度指标", "E5"): 1730000, ("年度指标", "E9"): 70, ("年度指标", "F2"): 385000,
                       ("年度指标", "F6"): 0.264})
    result = check_workbook(client_copy)
    wrong = {p.cell: p for p in result.errors}
    # 1,730,000万元 beside 15,200 and 19,900: the odd year out is named, not its neighbour
    assert "十倍" in wrong["E5"].message and "F5" not in wrong and "D5" not in wrong
    # 385000 in the 亿元 row: beyond any county, likely 万元; named with what it would be
    assert "超过任何一个县" in wrong["F2"].message and "38.5" in wrong["F2"].fix
    assert "26.4%" in wrong["F6"].message
    assert "出口交货值" in {p.cell: p.message for p in result.warnings}["E9"]  # exports above output: a 提示
    c = result.partial
    assert c.indicator("cluster_output", 2024).doubt and c.indicator("platform_rate", 2024).doubt
    assert result.client is None
    # the criteria those cells feed are 数据有误, never 达标
    from toolkit.assess.assessment import assess

    a = assess(c, round=2025)
    assert {a.result(i).verdict for i in ("1.2", "1.3", "1.4", "1.5", "5.1")} == {"数据有误"}
    assert a.result("4.1").verdict == "达标"  # its CAGR reads 2022 and 2024, not the doubted 2023
    assert any("F2" in m and "万元" in m for m in a.result("1.2").missing)


def test_a_checked_figure_is_not_doubted_again(client_copy):
    edit(client_copy, {("年度指标", "E5"): 173000, ("年度指标", "G5"): "2023年含集团研发中心投入，已核实无误"})
    result = check_workbook(client_copy)
    assert result.ok, [str(p) for p in result.errors]
    assert any(p.cell == "E5" and "十倍" in p.message for p in result.warnings)
    assert result.client.indicator("sme_rd", 2023).note.startswith("2023年含集团")


def test_notes_column_is_read_and_a_wrong_basis_is_named(client_copy):
    edit(client_copy, {("年度指标", "G2"): "按规上企业主营业务收入统计"})
    result = check_workbook(client_copy)
    [p] = [p for p in result.warnings if p.cell == "G2"]
    assert "工业总产值" in p.message
    c = result.client
    assert c.indicator("cluster_output", 2022).note == "按规上企业主营业务收入统计"
    assert c.indicator("platform_rate", 2022).note == ""  # the template's own help text is not a note
    from toolkit.assess.assessment import assess

    r = assess(c).result("1.2")
    assert r.verdict == "达标" and "主营业务收入" in r.note and "认定标准要求工业总产值" in r.note


def test_reversed_year_columns_are_read_by_their_headers_and_the_fix_keeps_data_with_its_year(client_copy):
    wb = openpyxl.load_workbook(client_copy / "intake.xlsx")
    ws = wb["年度指标"]
    for row in range(1, ws.max_row + 1):  # move whole columns: D ↔ F, headers with their data
        ws.cell(row, 4).value, ws.cell(row, 6).value = ws.cell(row, 6).value, ws.cell(row, 4).value
    wb.save(client_copy / "intake.xlsx")
    result = check_workbook(client_copy)
    assert result.ok, [str(p) for p in result.errors + result.missing]
    [p] = [p for p in result.warnings if p.cell == "D1"]
    assert "已按各列表头的年份读取" in p.message and "不要只改表头年份" in p.fix
    assert "如 2024、2025、2026" not in p.fix
    assert result.client.series("cluster_output") == {2022: 52.3, 2023: 58.9, 2024: 66.1}


def test_near_duplicate_firms_are_flagged_and_blank_titles_are_unknown(client_copy):
    from toolkit.intake import credit_code

    wb = openpyxl.load_workbook(client_copy / "intake.xlsx")
    ws = wb["企业名单"]
    a, b = ws.max_row + 1, ws.max_row + 2
    ws[f"A{a}"], ws[f"B{a}"] = "青川华联电器有限公司", credit_code.make("91331082MA2H00031")
    ws[f"A{b}"], ws[f"B{b}"] = "青川华联电器有限责任公司", credit_code.make("91331082MA2H00042")
    for row in (a, b):
        ws[f"C{row}"], ws[f"D{row}"] = "是", "是"  # titles (E–I) left blank
    ws[f"G{a}"] = "是"
    wb.save(client_copy / "intake.xlsx")
    result = check_workbook(client_copy)
    [p] = [p for p in result.warnings if p.cell == f"A{b}"]
    assert "疑似同一企业" in p.message and f"A{a}" in p.message
    firms = {f.source.cell: f for f in result.client.firms}
    assert firms[f"A{b}"].tiers_unknown and not firms[f"A{b}"].tiers
    assert not firms[f"A{a}"].tiers_unknown and firms[f"A{a}"].tiers == {"specialised"}


def test_tier_counts_sheet_declares_counts_and_bad_counts_are_named_by_cell(tmp_path):
    from toolkit.intake.blank import build_workbook

    wb = build_workbook("某县测试产业集群", [2022, 2023, 2024], {
        "basic": {"province": "浙江省"},
        "tier_counts": {"little_giant": {"count": 7, "leading": 7, "basis": "县政府2024年工作报告"},
                        "specialised": {"count": 48, "basis": "省工信厅公示名单"},
                        "innovative": {"count": 5}}})
    ws = wb["梯度企业数量"]
    ws["C6"], ws["D6"] = 2.5, None      # high_tech: not a whole number
    ws["C2"], ws["E2"] = -1, "传闻"     # champion: negative
    wb.save(tmp_path / "intake.xlsx")
    result = check_workbook(tmp_path)
    wrong = {p.cell for p in result.errors if p.sheet == "梯度企业数量"}
    assert {"C2", "C6"} <= wrong
    assert any(p.sheet == "梯度企业数量" and p.cell == "E5" and "来源" in p.message for p in result.missing)
    counts = {t.tier: t for t in result.partial.tier_counts}
    assert counts["little_giant"].count == 7 and counts["little_giant"].leading == 7
    assert counts["specialised"].basis == "省工信厅公示名单" and counts["specialised"].source.cell == "C4"
    assert "champion" not in counts and "high_tech" not in counts
    from toolkit.assess.assessment import assess

    r = assess(result.partial).result("2.1")
    assert r.verdict == "待补证" and "逐家列出" in r.what_it_takes  # declared: accepted, never zero


def test_a_workbook_without_the_tier_counts_sheet_still_reads(client_copy):
    wb = openpyxl.load_workbook(client_copy / "intake.xlsx")
    if "梯度企业数量" in wb.sheetnames:
        del wb["梯度企业数量"]
    wb.save(client_copy / "intake.xlsx")
    result = check_workbook(client_copy)
    assert result.ok and result.client.tier_counts == []


BROKEN = ROOT / "data" / "examples" / "broken"


def test_real_password_protected_workbook(tmp_path):
    # Made by scripts/make_bad_workbooks.py: the qingchuan workbook encrypted as Excel does.
    before = (BROKEN / "encrypted.xlsx").read_bytes()
    p = _only_fatal(check_workbook(BROKEN / "encrypted.xlsx"))
    assert "密码" in p.message and p.file == "encrypted.xlsx"
    with pytest.raises(IntakeError):
        read_client(BROKEN / "encrypted.xlsx")
    assert (BROKEN / "encrypted.xlsx").read_bytes() == before


def test_real_xls_workbook_even_when_renamed(tmp_path):
    p = _only_fatal(check_workbook(BROKEN / "old-format.xls"))
    assert "97-2003" in p.message
    shutil.copy(BROKEN / "old-format.xls", tmp_path / "intake.xlsx")
    p = _only_fatal(check_workbook(tmp_path))
    assert "97-2003" in p.message and "另存为" in p.fix


def _calc_roundtrip(src: Path, outdir: Path) -> Path:
    """Open and save ``src`` with LibreOffice Calc (as a county's spreadsheet program would)."""
    import subprocess
    import tempfile

    import office

    exe = office.soffice()
    if exe is None:
        pytest.skip("LibreOffice not installed")
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        proc = subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                               "--convert-to", "xlsx", "--outdir", str(outdir), str(src)],
                              capture_output=True, text=True, timeout=180)
    out = outdir / src.name
    if not out.exists():
        pytest.skip(f"LibreOffice Calc not installed (apt-get install libreoffice-calc): {proc.stdout.strip()}")
    return out


def test_workbook_saved_by_libreoffice_reads_the_same_with_formula_results(client_copy, tmp_path):
    # A county that sums in Excel: the reader takes the cached result the spreadsheet program stored.
    edit(client_copy, {("年度指标", "F2"): "=D2+E2-45.1"})   # 52.3 + 58.9 − 45.1 = 66.1
    saved = _calc_roundtrip(client_copy / "intake.xlsx", tmp_path / "saved")
    shutil.copytree(client_copy / "evidence", saved.parent / "evidence")
    result = check_workbook(saved)
    assert result.ok, [str(p) for p in result.errors]
    original = read_client(CLIENTS / "qingchuan")
    c = result.client
    assert c.indicator("cluster_output", 2024).value == pytest.approx(66.1)
    assert c.series("leading_output") == original.series("leading_output")
    assert [(f.name, f.credit_code, f.tiers) for f in c.firms] == [(f.name, f.credit_code, f.tiers) for f in original.firms]
    assert [e.kinds for e in c.evidence] == [e.kinds for e in original.evidence]
    region = openpyxl.load_workbook(saved, data_only=True)["基本信息"]
    assert "东部" in [region.cell(r, 2).value for r in range(2, region.max_row + 1)]


def test_missing_intake_names_the_workbooks_that_are_there(tmp_path):
    shutil.copy(CLIENTS / "qingchuan" / "intake.xlsx", tmp_path / "青川县返回数据.xlsx")
    p = _only_fatal(check_workbook(tmp_path))
    assert "青川县返回数据.xlsx" in p.fix
    assert check_workbook(tmp_path / "青川县返回数据.xlsx").ok  # evidence files missing: warnings only
