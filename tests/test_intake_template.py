"""The blank intake workbook (`clusterkit new-client`), built from the schema the reader uses."""

from __future__ import annotations

import openpyxl
import pytest

from toolkit.intake import schema
from toolkit.cli import main
from toolkit.intake.reader import check_workbook, read_client
from toolkit.intake.blank import build_workbook, default_years, new_client, write_blank_workbook
from toolkit.intake.model import PROVINCES
from toolkit.core.errors import ToolkitError


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    path = write_blank_workbook(tmp_path_factory.mktemp("blank") / "intake.xlsx", "某某县智能家电产业集群",
                                [2022, 2023, 2024])
    return path, openpyxl.load_workbook(path)


def _validations(ws) -> list:
    return list(ws.data_validations.dataValidation)


def _covers(ws, cell: str) -> list[str]:
    """The list formulas of the drop-downs covering ``cell``."""
    return [dv.formula1 for dv in _validations(ws) if cell in dv.sqref and dv.type == "list"]


def _numeric(ws, cell: str) -> list:
    return [dv for dv in _validations(ws) if cell in dv.sqref and dv.type in ("decimal", "whole")]


def _list_values(wb, formula: str) -> list[str]:
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    ref = formula.split("!")[1].replace("$", "")
    ws = wb[schema.LISTS_SHEET]
    return [str(c.value) for row in ws[ref] for c in row]


def test_sheets_follow_the_schema(blank):
    _, wb = blank
    titles = [spec["title"] for spec in schema.load_schema()["sheets"].values()]
    assert wb.sheetnames[: len(titles)] == titles
    assert wb[schema.LISTS_SHEET].sheet_state == "hidden"
    assert wb.sheetnames[0] == "填写说明"


def test_template_version_recorded_and_stated(blank):
    _, wb = blank
    dn = wb.defined_names[schema.VERSION_NAME]
    assert dn.attr_text.strip('"') == schema.version()
    text = "\n".join(str(c.value) for c in wb["填写说明"]["A"] if c.value)
    assert schema.version() in text and "亿元" in text and "示例" in text


def test_every_closed_choice_has_a_drop_down(blank):
    _, wb = blank
    basic = wb["基本信息"]
    for n, f in enumerate(schema.sheet("basic")["fields"], start=2):
        if f["type"] == "choice":
            [formula] = _covers(basic, f"B{n}")
            assert _list_values(wb, formula) == [str(x) for x in schema.choices(f["choices"])]
    assert _list_values(wb, _covers(basic, "B3")[0]) == list(PROVINCES)
    for key in ("roster", "platforms", "plan", "evidence"):
        ws = wb[schema.sheet_title(key)]
        for c, col in enumerate(schema.sheet(key)["columns"], start=1):
            cell = f"{openpyxl.utils.get_column_letter(c)}3"
            if col["type"] == "choice":
                [formula] = _covers(ws, cell)
                expected = (list(schema.indicator_labels().values()) if col["choices"] == "indicator_ids"
                            else [str(x) for x in schema.choices(col["choices"])])
                assert _list_values(wb, formula) == expected
            else:
                assert not _covers(ws, cell)
    evidence = wb["佐证材料"]
    assert "产值等统计数据证明" in _list_values(wb, _covers(evidence, "C3")[0])
    # the county chooses an indicator by its name: no code of the toolkit on a sheet it fills
    assert "集群工业总产值" in _list_values(wb, _covers(wb["发展规划"], "B3")[0])
    assert "cluster_output" not in _list_values(wb, _covers(wb["发展规划"], "B3")[0])
    assert _list_values(wb, _covers(wb["负面清单"], "C2")[0]) == ["是", "否"]


def test_units_in_headers_example_rows_frozen_panes_widths(blank):
    _, wb = blank
    ind = wb["年度指标"]
    assert [ind.cell(1, c).value for c in range(1, 8)] == ["序号", "指标", "单位", "2022年", "2023年", "2024年", "说明"]
    assert ind["C2"].value == "亿元" and ind["C6"].value == "%"
    assert wb["基本信息"]["C9"].value.startswith("km²")
    for key in ("roster", "platforms", "plan", "evidence"):
        ws = wb[schema.sheet_title(key)]
        assert ws["A2"].value.startswith(schema.EXAMPLE_MARK)
        assert ws["A2"].font.i
        assert ws.freeze_panes in ("A3", "B3")
        assert all(ws.column_dimensions[openpyxl.utils.get_column_letter(c)].width >= 8
                   for c in range(1, len(schema.sheet(key)["columns"]) + 1))
    assert ind.freeze_panes == "D2"


def test_region_is_derived_not_typed(blank):
    _, wb = blank
    ws = wb["基本信息"]
    labels = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    assert "所属区域（自动）" in labels
    row = labels.index("所属区域（自动）") + 2
    assert str(ws.cell(row, 2).value).startswith("=") and "B3" in ws.cell(row, 2).value
    assert not _covers(ws, f"B{row}")


def test_blank_workbook_reads_with_required_field_problems_only(blank):
    path, _ = blank
    result = check_workbook(path)
    assert result.client is None and result.partial is not None  # blank, not wrong: a provisional assessment runs
    assert not result.errors
    assert result.missing and all("未填写" in p.message or "未声明" in p.message for p in result.missing)
    assert not any(p.sheet == "企业名单" for p in result.problems)  # the example row is skipped


def test_filled_template_round_trips(tmp_path):
    data = {"basic": {"province": "云南省", "city": "某市", "county": "某县", "leading_industry": "茶叶加工",
                      "sub_field": "普洱茶", "area_km2": 30, "applicant": "某县工信局", "contact_name": "赵",
                      "contact_phone": "0871-1234567", "application_type": "新申报"},
            "indicators": {"cluster_output": [10, 11, 12.5], "leading_output": [8, 9, 10], "sme_output": [7, 8, 9],
                           "sme_rd": [100, 110, 120], "platform_rate": [5, 6, 7], "enterprises": [50, 52, 55],
                           "smes": [48, 50, 53]},
            "negative": {i["id"]: "否" for i in schema.sheet("negative")["items"]},
            "roster": [{"name": "某茶业有限公司", "credit_code": "91530000MA6K00000P", "is_sme": "是",
                        "in_leading_industry": "是", "high_tech": "是"}]}
    from toolkit.intake import credit_code

    data["roster"][0]["credit_code"] = credit_code.make("91530000MA6K00000")
    wb = build_workbook("某县普洱茶产业集群", [2021, 2022, 2023], data)
    wb.save(tmp_path / "intake.xlsx")
    c = read_client(tmp_path)
    assert c.years == [2021, 2022, 2023] and c.region == "西部"
    assert c.series("cluster_output") == {2021: 10, 2022: 11, 2023: 12.5}
    assert c.firms[0].tiers == frozenset({"high_tech"})
    assert c.cluster_name == "某县普洱茶产业集群"


def test_years_must_be_consecutive():
    with pytest.raises(ToolkitError):
        build_workbook("x", [2022, 2023, 2025])
    assert default_years(__import__("datetime").date(2025, 3, 1)) == [2022, 2023, 2024]


def test_new_client_command_refuses_to_overwrite(tmp_path, capsys):
    folder = tmp_path / "某某县"
    assert main(["new-client", str(folder), "--name", "某某县智能家电产业集群", "--years", "2022", "2023", "2024"]) == 0
    target = folder / "intake.xlsx"
    assert target.exists() and (folder / "evidence").is_dir()
    wb = openpyxl.load_workbook(target)
    assert wb["基本信息"]["B2"].value == "某某县智能家电产业集群"
    assert wb["年度指标"]["D1"].value == "2022年"
    before = target.read_bytes()
    assert main(["new-client", str(folder), "--name", "别的名字"]) == 2
    assert "--force" in capsys.readouterr().err
    assert target.read_bytes() == before
    assert main(["new-client", str(folder), "--name", "别的名字", "--force"]) == 0
    assert openpyxl.load_workbook(target)["基本信息"]["B2"].value == "别的名字"


def test_number_cells_accept_only_numbers(blank):
    _, wb = blank
    ind = wb["年度指标"]
    [dv] = _numeric(ind, "E2")
    assert dv.type == "decimal" and dv.formula1 == "0" and "约" in dv.error
    [pct] = _numeric(ind, "F6")
    assert (pct.formula1, pct.formula2) == ("0", "100")
    assert _numeric(ind, "D10")[0].type == "whole"
    assert _numeric(wb["基本信息"], "B9")  # area
    assert _numeric(wb["发展规划"], "D3")[0].formula1 == "2000"  # base year
    assert not _numeric(wb["企业名单"], "A3")


@pytest.mark.parametrize("argv,text", [
    (["--years", "1800", "1801", "1802"], "不是有效年份"),
    (["--years", "2097", "2098", "2099"], "还没有统计数据"),
    (["--years", "2022", "2024", "2026"], "三个连续年份"),
    (["--name", ""], "集群名称不能为空"),
    (["--name", "   "], "集群名称不能为空"),
])
def test_new_client_refuses_years_or_names_check_would_reject(tmp_path, capsys, argv, text):
    # 1800 used to be written, then refused by `clusterkit check` as "表头不是年份"; an empty name
    # gave a workbook without a cluster name.
    folder = tmp_path / "某某县"
    args = ["new-client", str(folder), "--name", "某某县智能家电产业集群", *argv]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and text in err
    assert not (folder / "intake.xlsx").exists()


@pytest.mark.parametrize("name,years,text", [
    ("  ", None, "集群名称不能为空"),
    ("某某县智能家电产业集群", [2097, 2098, 2099], "2099 年还没有统计数据"),
    ("某某县智能家电产业集群", [1800, 1801, 1802], "不是有效年份"),
])
def test_new_client_in_python_refuses_what_the_command_refuses(tmp_path, name, years, text):
    # a notebook or a script gets the same checks as `clusterkit new-client`
    with pytest.raises(ToolkitError, match=text):
        new_client(tmp_path / "某某县", name, years)
    assert not (tmp_path / "某某县" / "intake.xlsx").exists()
    made = new_client(tmp_path / "某某县", "某某县智能家电产业集群", [2024, 2022, 2023])
    assert made == tmp_path / "某某县" / "intake.xlsx" and (tmp_path / "某某县" / "evidence").is_dir()
    with pytest.raises(ToolkitError, match="已存在"):
        new_client(tmp_path / "某某县", "别的名字")


def test_new_client_takes_the_three_years_in_any_order(tmp_path):
    from toolkit.intake.reader import check_workbook

    folder = tmp_path / "某某县"
    assert main(["new-client", str(folder), "--name", "某某县智能家电产业集群", "--years", "2024", "2023", "2022"]) == 0
    wb = openpyxl.load_workbook(folder / "intake.xlsx")
    assert [wb["年度指标"].cell(1, c).value for c in (4, 5, 6)] == ["2022年", "2023年", "2024年"]
    # what new-client writes, check reads back: the years are not among the problems
    assert not [p for p in check_workbook(folder).problems if p.sheet == "年度指标" and p.cell in ("D1", "E1", "F1")]


def test_every_sheet_prints_one_page_wide_on_a4(blank):
    """Printed or saved as PDF (as a county office often does to check it), no sheet runs over several
    pages side by side: one page wide, A4, data sheets landscape with their header row on every page; the
    instructions' lines fit their column (a longer line was cut off at the page edge)."""
    from toolkit.intake.blank import display_width

    _, wb = blank
    for ws in wb.worksheets:
        if ws.sheet_state == "hidden":
            continue
        setup = ws.page_setup
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert int(setup.fitToWidth) == 1 and int(setup.fitToHeight) == 0, ws.title
        assert int(setup.paperSize) == int(ws.PAPERSIZE_A4), ws.title
        if ws.title == "填写说明":
            assert setup.orientation == "portrait"
            width = ws.column_dimensions["A"].width
            assert all(display_width(c.value) <= width for c in ws["A"] if c.value), ws.title
        else:
            assert setup.orientation == "landscape", ws.title
            assert ws.print_title_rows.replace("$", "") == "1:1", ws.title


def test_no_sheet_the_county_fills_shows_an_english_code(blank):
    """The codes the toolkit uses (cluster_output, safety_accident, little_giant …) stay in the schema."""
    import re

    _, wb = blank
    codes = set(schema.indicator_ids()) | {i["id"] for i in schema.sheet("negative")["items"]}
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    assert not (set(re.findall(r"[a-z_]{4,}", c.value)) & codes), (ws.title, c.coordinate, c.value)
