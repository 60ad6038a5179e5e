"""A first look from partial data: blanks are incompleteness, not errors; `assess` always runs.

The consultant starts before the county has filled anything: a name, a province and two output
figures from the press must already give a table of verdicts — 数据缺失 where data is missing, 达标
where the known figures pass — exit 0, and say 初步判断.
"""

from __future__ import annotations

import json
import shutil

import openpyxl
import pytest

from toolkit.cli import main
from toolkit.core.errors import IntakeError
from toolkit.core.paths import examples_dir
from toolkit.intake.blank import build_workbook
from toolkit.intake.reader import check_workbook, read_client, read_partial


@pytest.fixture
def press_only(tmp_path):
    """A workbook with only a name, a province and the 2022 and 2024 output (96.5 → 120.89亿元)."""
    folder = tmp_path / "某县"
    folder.mkdir()
    wb = build_workbook("某县汽车零部件产业集群", [2022, 2023, 2024], {
        "basic": {"province": "浙江省"},
        "indicators": {"cluster_output": [96.5, None, 120.89]}})
    wb.save(folder / "intake.xlsx")
    return folder


def test_check_sorts_blanks_into_to_fill_and_exits_0(press_only, capsys):
    result = check_workbook(press_only)
    assert not result.errors and result.missing and result.client is None and result.partial is not None
    assert main(["check", str(press_only)]) == 0
    out = capsys.readouterr().out
    assert "  待补充  intake.xlsx › 基本信息 › B4 (所在地市): 必填，未填写" in out
    assert f"共 0 项有误、{len(result.missing)} 项待补充" in out and "初步评估" in out


def test_assess_gives_a_provisional_table_from_a_name_a_province_and_two_figures(press_only, capsys):
    assert main(["assess", str(press_only), "--round", "2025"]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[1]
    assert first.startswith("结论：初步判断：待补充完善；已填写 ")
    rows = {line.split()[0]: line.split()[2] for line in out.splitlines()
            if line[:4].strip() and line.split()[0][:1].isdigit() and len(line.split()) > 2}
    assert rows["1.5"] == "达标"             # (120.89 ÷ 96.5)^(1/2) − 1 ≈ 11.93%: the known figures pass
    assert "佐证材料尚未开始整理" in out      # …and the proof it will need is said
    assert rows["1.2"] == "数据缺失"         # 2023 is blank: each year must be at least 40亿元
    assert rows["1.3"] == "数据缺失" and rows["2.1"] == "数据缺失" and rows["0.1"] == "数据缺失"
    assert "intake.xlsx › 年度指标 › E2（2023年集群工业总产值）未填写" in out
    data = json.loads((press_only / "assessment.json").read_text(encoding="utf-8"))
    assert data["provisional"] is True and data["headline"].startswith("初步判断")
    filled, total = data["completeness"]["filled"], data["completeness"]["total"]
    assert filled == 2 and total >= 15  # the two output figures, of every cell the criteria read
    assert f"已填写 2/{total} 项" in first
    assert any(p["severity"] == "missing" for p in data["intake_problems"])  # intake findings travel along
    r15 = next(r for r in data["results"] if r["id"] == "1.5")
    assert r15["trace"]["inputs"][0] == {"name": "2022年集群工业总产值", "value": "96.5",
                                         "source": "intake.xlsx › 年度指标 › D2", "status": ""}
    assert r15["trace"]["comparison"].endswith("> 10%：成立")
    book = openpyxl.load_workbook(press_only / "assessment.xlsx")
    header = [c.value for c in book["诊断"][1]]
    col = header.index("计算过程") + 1
    cells = {book["诊断"].cell(r, 1).value: book["诊断"].cell(r, col).value for r in range(2, book["诊断"].max_row + 1)}
    assert "输入：2024年集群工业总产值 = 120.89（intake.xlsx › 年度指标 › F2）" in cells["1.5"]
    assert book["说明"]["A2"].value.startswith("结论：初步判断")


def test_a_wrong_cell_reads_wrong_data_naming_it_and_assess_still_runs(press_only, capsys):
    wb = openpyxl.load_workbook(press_only / "intake.xlsx")
    wb["年度指标"]["F3"] = "约100亿"
    wb.save(press_only / "intake.xlsx")
    assert main(["check", str(press_only)]) == 1  # 有误: the check says so
    capsys.readouterr()
    assert main(["assess", str(press_only)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("1.4 "))
    assert "数据有误" in line
    assert "intake.xlsx › 年度指标 › F3（2024年主导产业产值）：「约100亿」不是数字" in out


def test_a_failed_re_assessment_removes_the_stale_assessment(press_only, capsys):
    assert main(["assess", str(press_only)]) == 0
    assert (press_only / "assessment.json").exists() and (press_only / "assessment.xlsx").exists()
    capsys.readouterr()
    (press_only / "intake.xlsx").write_bytes(b"not a workbook any more")
    assert main(["assess", str(press_only)]) == 2
    err = capsys.readouterr().err
    assert not (press_only / "assessment.json").exists() and not (press_only / "assessment.xlsx").exists()
    assert "已删除之前的" in err and "assessment.json" in err and "损坏" in err


def test_a_file_that_is_not_an_assessment_is_left_alone(press_only, tmp_path, capsys):
    mine = tmp_path / "notes.json"
    mine.write_text('{"my": "notes"}', encoding="utf-8")
    (press_only / "intake.xlsx").write_bytes(b"garbage")
    assert main(["assess", str(press_only), "--json", str(mine)]) == 2
    assert mine.read_text(encoding="utf-8") == '{"my": "notes"}'


def test_read_partial_reads_what_read_client_refuses_and_the_package_asks_for_complete_data(press_only, tmp_path):
    with pytest.raises(IntakeError) as exc:
        read_client(press_only)
    assert "待补充" in str(exc.value)
    client = read_partial(press_only)
    assert client.indicator("cluster_output", 2024).value == pytest.approx(120.89)
    from toolkit.package.writer import build_package

    with pytest.raises(IntakeError):
        build_package(client, round=2025, output=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_notebook_takes_the_partial_client():
    from toolkit import notebook

    checked = check_workbook(examples_dir() / "broken")
    assert notebook.require_client(checked) is checked.partial
    table = notebook.problems_table(checked.problems)
    assert set(table["级别"]) == {"有误", "待补充", "提示"}


def test_demo_clients_are_complete_and_not_provisional(tmp_path):
    shutil.copytree(examples_dir() / "clients" / "qingchuan", tmp_path / "q")
    assert main(["assess", str(tmp_path / "q")]) == 0
    data = json.loads((tmp_path / "q" / "assessment.json").read_text(encoding="utf-8"))
    assert data["provisional"] is False and data["headline"] == "符合条件"
    assert data["completeness"]["filled"] == data["completeness"]["total"] > 15
