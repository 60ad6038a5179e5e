"""The recognised cluster's 年度发展情况报告: the year against the year before, the plan's progress,
from the same workbook; named errors for a new applicant and a workbook without the year."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from toolkit.core.errors import ToolkitError
from toolkit.documents import annual_report
from toolkit.documents.template_check import check_docx
from toolkit.intake.reader import read_client

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ROOT / "data" / "examples" / "clients"


def _text(path: Path) -> str:
    d = docx.Document(path)
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def test_the_review_client_reports_2024_against_2023_and_its_plan(tmp_path):
    client = read_client(CLIENTS / "dongtang")
    path = annual_report.write_annual_report(client, 2024, tmp_path)
    assert path.name == "东塘县高端纺织面料产业集群_2024年度发展情况报告.docx"
    text = _text(path)
    assert "东塘县高端纺织面料产业集群2024年度发展情况报告" in text
    assert "同比增长6.5%" in text                          # 66.0 → 70.3 亿元
    assert "提高5.5个百分点" in text                        # platform rate 25.5% → 31%
    assert "已完成规划增量的65.9%" in text                   # (70.3 − 61.2) ÷ (75 − 61.2)
    assert "专精特新中小企业9家" in text and "企业企业" not in text
    for word in ("达标", "未达标", "待补证", "符合条件", "准备度", "阈值待核实", "clusterkit", "工具箱"):
        assert word not in text, word


def test_a_new_applicant_has_no_annual_report():
    with pytest.raises(ToolkitError, match="尚未认定.*不需要报送年度发展情况报告"):
        annual_report.context(read_client(CLIENTS / "qingchuan"), 2024)


def test_a_year_the_workbook_does_not_hold_says_what_to_do():
    client = read_client(CLIENTS / "dongtang")
    with pytest.raises(ToolkitError, match=r"2025年度报告需要2024年和2025年的数据.*--from"):
        annual_report.context(client, 2025)
    with pytest.raises(ToolkitError, match="请用 --year 2024"):
        annual_report.context(client, 2023)


def test_the_shipped_template_declares_what_it_uses():
    assert check_docx(ROOT / "templates" / annual_report.TEMPLATE) == []
