"""Next round's workbook from this round's: roster, platforms, plan and evidence carried over, the
years moved on, what must be refreshed marked; the old workbook untouched."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from toolkit.core.errors import ToolkitError
from toolkit.intake import schema
from toolkit.intake.carry_over import REFRESH_FILL, carry_over
from toolkit.intake.reader import check_workbook, read_client

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ROOT / "data" / "examples" / "clients"


@pytest.mark.parametrize("client_id", ["qingchuan", "dongtang"])   # a new applicant and a review client
def test_carry_over_moves_the_years_on_and_marks_what_to_refresh(tmp_path, client_id):
    old = CLIENTS / client_id
    before = hashlib.sha256((old / "intake.xlsx").read_bytes()).hexdigest()
    path, refresh = carry_over(old, tmp_path / client_id, [2025, 2023, 2024])
    assert hashlib.sha256((old / "intake.xlsx").read_bytes()).hexdigest() == before
    assert (tmp_path / client_id / "evidence").is_dir()
    was = read_client(old)

    wb = load_workbook(path)
    ind = wb[schema.sheet_title("indicators")]
    assert [ind.cell(1, c).value for c in (4, 5, 6)] == ["2023年", "2024年", "2025年"]
    assert ind["D2"].value == was.indicators["cluster_output"][2023].value      # a shared year kept
    assert ind["E2"].value == was.indicators["cluster_output"][2024].value
    assert ind["F2"].value is None and ind["F2"].fill.fgColor.rgb.endswith(REFRESH_FILL.fgColor.rgb[-6:])
    assert "2025年为新年度" in ind["F2"].comment.text
    neg = wb[schema.sheet_title("negative")]
    assert neg["C2"].value is None and "须重新逐项声明" in neg["C2"].comment.text
    notes = "\n".join(str(c.value) for c in wb.worksheets[0]["A"] if c.value)
    assert "本工作簿由上一轮工作簿延续生成" in notes and "2025年为新年度" in notes
    assert refresh[0].startswith("年度指标：2025年为新年度")

    # what `check` still asks for is the new year's figures, the declaration and the evidence files
    # (the list carries over; the county puts its newer documents in evidence/)
    problems = check_workbook(tmp_path / client_id).problems
    places = {(p.sheet, p.cell[0]) for p in problems}
    assert places <= {(schema.sheet_title("indicators"), "F"), (schema.sheet_title("negative"), "C"),
                      (schema.sheet_title("evidence"), "B")}, places
    assert {(schema.sheet_title("indicators"), "F"), (schema.sheet_title("negative"), "C")} <= places

    # filled in, it reads with the roster, platforms, plan and evidence list it had
    for r in range(2, ind.max_row + 1):
        if ind.cell(r, 5).value is not None:
            ind.cell(r, 6).value = ind.cell(r, 5).value
    for r in range(2, neg.max_row + 1):
        if neg.cell(r, 1).value:
            neg.cell(r, 3).value = "否"
    wb.save(path)
    now = read_client(tmp_path / client_id)
    assert now.years == [2023, 2024, 2025]
    assert [f.name for f in now.firms] == [f.name for f in was.firms]
    assert [f.tiers for f in now.firms] == [f.tiers for f in was.firms]
    assert [p.name for p in now.platforms] == [p.name for p in was.platforms]
    assert [(p.name, p.target_value) for p in now.plan] == [(p.name, p.target_value) for p in was.plan]
    assert [e.title for e in now.evidence] == [e.title for e in was.evidence]
    assert now.get("application_type") == was.get("application_type")


def test_carry_over_never_overwrites_and_never_writes_into_the_old_folder(tmp_path):
    old = CLIENTS / "qingchuan"
    with pytest.raises(ToolkitError, match="与新客户文件夹相同"):
        carry_over(old, old, [2023, 2024, 2025])
    carry_over(old, tmp_path / "n", [2023, 2024, 2025])
    with pytest.raises(ToolkitError, match="已存在，未覆盖"):
        carry_over(old, tmp_path / "n", [2023, 2024, 2025])
