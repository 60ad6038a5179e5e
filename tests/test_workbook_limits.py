"""Workbook size: tables read to their real end, and workbooks too large refused before they are loaded
(issue 10, findings 2 and 6).

- A table (企业名单, 平台机构, 发展规划, 佐证材料) is read to its last row with a value, up to
  ``MAX_DATA_ROWS`` rows under its header; beyond that it is an error naming the sheet, never a cut.
- A workbook is sized from its XML before openpyxl loads it: one merged range over a million cells, a
  hyperlink range as large, a hundred thousand pasted rows, half a million formatted empty cells, a
  member that unpacks to 250 MB, a DTD, an oversized zip directory or file — each is refused with a
  message naming the file (and the sheet and cell where there is one), and openpyxl never sees it.
  That openpyxl is never called is how these tests know the answer is immediate (no timings here).
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from toolkit.cli import main
from toolkit.core import xlsx_safe
from toolkit.intake import credit_code, reader
from toolkit.intake.reader import MAX_DATA_ROWS, check_workbook, read_client
from workbook_fuzz import (DTD, add_bomb, members_by_title, rewrite, rewrite_sheet, with_dimension, with_links, with_merges,
                           with_rows)

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "examples" / "clients" / "qingchuan"


@pytest.fixture
def client(tmp_path) -> Path:
    dst = tmp_path / "qingchuan"
    shutil.copytree(DEMO, dst)
    return dst


@pytest.fixture
def no_openpyxl_load(monkeypatch):
    """Fail the test if openpyxl is asked to load a workbook."""
    def refuse(*a, **k):
        raise AssertionError("openpyxl.load_workbook was called on a workbook that should be refused first")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def _write(folder: Path, data: bytes) -> Path:
    path = folder / "intake.xlsx"
    path.write_bytes(data)
    return path


def _only(result, sheet=None, cell=None):
    assert not result.readable and result.client is None
    [p] = result.problems
    assert p.severity == "error" and p.file == "intake.xlsx"
    assert (p.sheet, p.cell) == (sheet, cell), p
    assert "未读取" in p.message
    return p


# -- tables read to their real end ------------------------------------------------------------------

FAR_ROWS = {  # one valid entry for each table, written at row 6,000 (the reader used to stop at 5,000)
    "企业名单": ["远方精密机械有限公司", credit_code.make("91330226MA2HYYYY0"), "是", "是"],
    "平台机构": ["远方检测中心", "公共服务机构", "省级"],
    "发展规划": ["远方目标", None, "亿元", 2022, 10, 2025, 20],
    "佐证材料": ["远方材料", None, "产值等统计数据证明"],
}


@pytest.mark.parametrize("sheet", list(FAR_ROWS))
def test_a_table_is_read_to_its_last_row(client, sheet):
    before = read_client(client)
    wb = openpyxl.load_workbook(client / "intake.xlsx")
    for col, v in enumerate(FAR_ROWS[sheet], start=1):
        wb[sheet].cell(6000, col).value = v
    wb.save(client / "intake.xlsx")
    after = read_client(client)
    attr = {"企业名单": "firms", "平台机构": "platforms", "发展规划": "plan", "佐证材料": "evidence"}[sheet]
    items = getattr(after, attr)
    assert len(items) == len(getattr(before, attr)) + 1
    assert items[-1].source.cell == "A6000"


def test_a_roster_of_ten_thousand_firms_is_read_whole(client):
    n = 10_047
    wb = openpyxl.load_workbook(client / "intake.xlsx")
    ws = wb["企业名单"]
    first = ws.max_row + 1
    for i in range(n):
        ws.append([f"名单测试企业{i}号有限公司", credit_code.make(f"91330226MA{i:07d}"), "是", "是",
                   None, None, "是" if i % 10 == 0 else None])
    ind = wb["年度指标"]
    for row in range(2, ind.max_row + 1):
        if str(ind.cell(row, 2).value).startswith(("集群企业数", "其中：中小企业数")):
            for col in (4, 5, 6):
                ind.cell(row, col).value = 20_000
    wb.save(client / "intake.xlsx")
    result = check_workbook(client)
    assert result.ok, [str(p) for p in result.errors][:3]
    firms = [f for f in result.client.firms if f.name.startswith("名单测试企业")]
    assert len(firms) == n
    assert sum(1 for f in firms if "specialised" in f.tiers) == 1005
    assert firms[-1].source.cell == f"A{first + n - 1}"


def test_a_table_past_the_limit_is_an_error_naming_the_sheet_before_it_is_loaded(client, no_openpyxl_load):
    data = rewrite_sheet((client / "intake.xlsx").read_bytes(), "企业名单", with_rows(3, MAX_DATA_ROWS + 10, "AB"))
    _write(client, data)
    p = _only(check_workbook(client), "企业名单", f"A{MAX_DATA_ROWS + 2}")
    assert f"第 {MAX_DATA_ROWS + 2} 行仍有内容" in p.message and "20000" in p.message
    assert "删除" in p.fix


def test_a_stray_value_far_below_a_table_is_named_not_skipped(client, no_openpyxl_load):
    data = rewrite_sheet((client / "intake.xlsx").read_bytes(), "佐证材料", with_rows(250_000, 1, "C", "备注"))
    _write(client, data)
    p = _only(check_workbook(client), "佐证材料", "C250000")
    assert "第 250000 行仍有内容" in p.message


def test_the_limit_is_a_header_row_then_max_data_rows():
    base = (DEMO / "intake.xlsx").read_bytes()
    limit = lambda title: 10 if title == "平台机构" else None  # noqa: E731
    at = rewrite_sheet(base, "平台机构", with_rows(11, 1))
    assert xlsx_safe.measure(at, "x.xlsx", row_limit=limit).sheets["平台机构"].last_row == 11
    with pytest.raises(xlsx_safe.WorkbookTooLarge) as exc:
        xlsx_safe.measure(rewrite_sheet(base, "平台机构", with_rows(12, 1)), "x.xlsx", row_limit=limit)
    assert (exc.value.sheet, exc.value.cell) == ("平台机构", "A12")
    # other sheets have no row limit of their own
    assert xlsx_safe.measure(rewrite_sheet(base, "填写说明", with_rows(100, 1)), "x.xlsx", row_limit=limit)


def test_after_loading_the_reader_applies_the_same_limit(client, monkeypatch):
    """Should the sheet XML be named in a way the sizing did not match, the reader still refuses."""
    monkeypatch.setattr(xlsx_safe, "measure", lambda *a, **k: None)
    wb = openpyxl.load_workbook(client / "intake.xlsx")
    wb["平台机构"].cell(MAX_DATA_ROWS + 2, 1).value = "远方平台"
    wb.save(client / "intake.xlsx")
    result = check_workbook(client)
    [p] = [p for p in result.errors if p.sheet == "平台机构"]
    assert p.cell is None and f"第 {MAX_DATA_ROWS + 2} 行仍有内容" in p.message


# -- workbooks too large to load ---------------------------------------------------------------------

@pytest.mark.parametrize("ref, cells", [("A1:CV10000", 1_000_000), ("A1:ZZ9999", 7_019_298)])
def test_a_merged_range_over_millions_of_cells_is_refused_before_loading(client, no_openpyxl_load, ref, cells):
    data = rewrite_sheet((client / "intake.xlsx").read_bytes(), "企业名单", with_merges([ref]))
    assert len(data) < 40_000  # a small file
    p = _only(check_workbook(_write(client, data)), "企业名单", "A1")
    assert f"合并单元格 {ref} 覆盖 {cells} 个单元格" in p.message and "200 MB" in p.message
    assert "取消合并" in p.fix


def test_many_merged_ranges_add_up(client, no_openpyxl_load):
    refs = [f"A{r}:CV{r + 99}" for r in range(100, 10_100, 100)]  # 100 ranges of 10,000 cells
    data = rewrite_sheet((client / "intake.xlsx").read_bytes(), "平台机构", with_merges(refs))
    p = _only(check_workbook(_write(client, data)), "平台机构", "A100")
    assert "全表合并单元格共覆盖" in p.message


def test_a_hyperlink_over_a_range_is_refused(client, no_openpyxl_load):
    data = rewrite_sheet((client / "intake.xlsx").read_bytes(), "基本信息", with_links(["A1:ZZ9999"]))
    p = _only(check_workbook(_write(client, data)), "基本信息", "A1")
    assert "超链接范围过大：A1:ZZ9999" in p.message


def test_a_hyperlink_range_too_slow_to_load_is_refused_though_it_fits_in_memory(client, no_openpyxl_load):
    """C38:XN253 (137,376 cells) fits the memory budget, but openpyxl copies the link into every cell:
    7 s per load (the 5,000-case fuzz run's slowest case took 85 s). Refused before loading, by cell."""
    data = rewrite_sheet((client / "intake.xlsx").read_bytes(), "平台机构", with_links(["C38:XN253"]))
    p = _only(check_workbook(_write(client, data)), "平台机构", "C38")
    assert "超链接范围过大：C38:XN253 覆盖 137376 个单元格" in p.message and "删除超链接" in p.fix


def test_a_few_linked_cells_are_read_as_before(client):
    data = rewrite_sheet((client / "intake.xlsx").read_bytes(), "平台机构", with_links(["C38:D40", "F5"]))
    assert not [p for p in check_workbook(_write(client, data)).problems if "超链接" in p.message]


def test_a_hundred_thousand_pasted_rows_are_refused(client, no_openpyxl_load):
    data = rewrite_sheet((client / "intake.xlsx").read_bytes(), "企业名单", with_rows(3, 100_000, "ABCD"))
    p = _only(check_workbook(_write(client, data)), "企业名单", f"A{MAX_DATA_ROWS + 2}")
    assert "20000" in p.message


def test_formatted_empty_cells_count_towards_memory(client, no_openpyxl_load):
    data = rewrite_sheet((client / "intake.xlsx").read_bytes(), "填写说明",
                         with_rows(100, 100_000, "ABCDE", styled_only=True))
    p = _only(check_workbook(_write(client, data)), "填写说明")
    assert "个单元格" in p.message and "200 MB" in p.message


def test_a_member_that_unpacks_to_hundreds_of_megabytes_is_refused(client, no_openpyxl_load):
    data = add_bomb((client / "intake.xlsx").read_bytes())
    assert len(data) < 400_000
    p = _only(check_workbook(_write(client, data)))
    assert "xl/media/image1.png 解压后 250 MB" in p.message


def test_a_dtd_is_refused(client, no_openpyxl_load):
    data = rewrite((client / "intake.xlsx").read_bytes(), {"xl/workbook.xml": DTD})
    p = _only(check_workbook(_write(client, data)))
    assert "文档类型声明" in p.message and "xl/workbook.xml" in p.message


def test_an_oversized_zip_directory_is_refused(client, no_openpyxl_load, monkeypatch):
    monkeypatch.setattr(xlsx_safe, "MAX_DIRECTORY", 64 * 1024)
    data = rewrite((client / "intake.xlsx").read_bytes(), {}, add={f"x/{i:05d}.bin": b"" for i in range(2000)})
    p = _only(check_workbook(_write(client, data)))
    assert "压缩目录异常大" in p.message


def test_a_file_larger_than_the_budget_is_refused_before_it_is_read(client, monkeypatch):
    path = client / "intake.xlsx"
    with open(path, "r+b") as fh:
        fh.truncate(xlsx_safe.BUDGET + 1)  # sparse: no disk or time spent
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    p = _only(check_workbook(client))
    assert "文件过大" in p.message


def test_cli_check_answers_with_the_sheet_and_writes_no_copy(client, no_openpyxl_load, capsys):
    _write(client, rewrite_sheet((client / "intake.xlsx").read_bytes(), "企业名单", with_merges(["A1:CV10000"])))
    assert main(["check", str(client)]) == 1
    out = capsys.readouterr().out
    assert "【企业名单】" in out and "intake.xlsx › 企业名单 › A1" in out and "合并单元格 A1:CV10000" in out
    assert not (client / "intake.checked.xlsx").exists()


# -- what stays as it was ---------------------------------------------------------------------------

def test_small_merges_are_still_read_and_reported_cell_by_cell(client):
    _write(client, rewrite_sheet((client / "intake.xlsx").read_bytes(), "企业名单", with_merges(["E3:F4", "H5:H6"])))
    result = check_workbook(client)
    assert result.readable
    merged = {(p.sheet, p.cell) for p in result.errors if "合并" in p.message}
    assert merged == {("企业名单", "E3"), ("企业名单", "H5")}


def test_a_sloppy_dimension_costs_nothing_and_is_not_refused(client):
    data = rewrite_sheet((client / "intake.xlsx").read_bytes(), "企业名单", with_dimension("A1:XFD1048576"))
    assert b'A1:XFD1048576' in zipfile.ZipFile(io.BytesIO(data)).read(members_by_title(data)["企业名单"])
    result = check_workbook(_write(client, data))
    assert result.ok and result.problems == []


def test_the_demo_clients_are_far_below_the_budget():
    for folder in (ROOT / "data" / "examples" / "clients").iterdir():
        size = xlsx_safe.measure((folder / "intake.xlsx").read_bytes(), "intake.xlsx", row_limit=reader._row_limit)
        assert size.estimate < xlsx_safe.BUDGET / 100


def test_the_annotated_copy_is_refused_when_the_workbook_changed_after_the_check(client, tmp_path):
    result = check_workbook(client)
    _write(client, rewrite_sheet((client / "intake.xlsx").read_bytes(), "企业名单", with_merges(["A1:CV10000"])))
    from toolkit.core.errors import IntakeError

    with pytest.raises(IntakeError, match="检查之后被改动"):
        reader.write_annotated(result, tmp_path / "c.xlsx")
