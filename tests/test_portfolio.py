"""The portfolio workbook: one row per client, numbers as numbers, dates as dates, frozen header and
filters, coloured by rules (not by formulas in cells), county text stored as text."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest

from toolkit.package import writer
from toolkit.run.batch import FAILED, OK, BatchResult, ClientRun
from toolkit.run.portfolio import write_portfolio

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ROOT / "data" / "examples" / "clients"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("portfolio")
    runs = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(writer, "write_brief", lambda *a, **k: {})
        for cid in ("qingchuan", "linquan"):
            folder = tmp / "clients" / cid
            shutil.copytree(CLIENTS / cid, folder)
            pkg = writer.build_package(folder, round=2025, output=tmp / "out")
            runs.append(ClientRun(client=str(folder), client_id=cid, status=OK, duration=3.25, package=str(pkg.path)))
    runs.append(ClientRun(client="clients/=cmd|' /C calc'!A0", client_id="=cmd|' /C calc'!A0", status=FAILED,
                          reason="工作簿无法读取"))
    out = tmp / "out" / "batch"
    out.mkdir(parents=True)
    return BatchResult(runs=runs, province=None, output=tmp / "out", manifest=out / "run-manifest.json",
                       summary=out / "summary.xlsx")


def test_one_row_per_client_with_numbers_dates_and_the_verdict(result):
    write_portfolio(result, round_year=2025, today=dt.date(2025, 5, 10))
    wb = openpyxl.load_workbook(result.summary)
    ws = wb["客户总览"]
    head = [c.value for c in ws[1]]
    rows = {r[0].value: dict(zip(head, (c.value for c in r))) for r in ws.iter_rows(min_row=2)}
    q, lq = rows["qingchuan"], rows["linquan"]
    assert q["评估结论"] == "符合条件" and lq["评估结论"].startswith("不符合条件")
    assert q["材料状态"] == "可报送" and lq["材料状态"] == "草稿" and "不符合条件" in lq["未就绪原因"]
    assert isinstance(q["准备度"], (int, float)) and q["准备度"] == 100
    assert isinstance(lq["剩余天数"], int) and lq["剩余天数"] == 66          # 2025-05-10 → 2025-07-15
    assert isinstance(lq["截止日期"], dt.datetime) and lq["截止日期"].date() == dt.date(2025, 7, 15)
    assert "1.2" in lq["主要差距"] and isinstance(q["用时（秒）"], float)
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref.startswith("A1:")
    assert ws.conditional_formatting and "运行明细" in wb.sheetnames
    # no cell holds a formula: a county's folder name typed as a formula is text
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)
    assert any(str(r[0].value).startswith("=cmd") for r in ws.iter_rows(min_row=2))
