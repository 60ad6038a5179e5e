"""Advice that knows what day it is (issue 14): the round by date, the workbook's window against the round
the plan is for, history never a task, the review's stakes on page 1, every task dated and exported as .ics,
and the commands annual-report and new-client --from on the demo review client and a new applicant."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from docx import Document

from toolkit.assess.rounds import default_round
from toolkit.assess.schedule import choose_rounds
from toolkit.cli import main
from toolkit.core import paths
from toolkit.core.errors import RoundError
from toolkit.documents.calendar import read_calendar

CLIENTS = paths.data_dir() / "examples" / "clients"
DEC2 = "2026-12-02"


def _text(path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def _first_page(path) -> str:
    """The memo's or proposal's first section (一、…), before the heading 二."""
    paras = [p.text for p in Document(str(path)).paragraphs]
    end = next(i for i, p in enumerate(paras) if p.startswith("二、"))
    return "\n".join(paras[:end])


@pytest.fixture(scope="module")
def briefs(tmp_path_factory):
    out = tmp_path_factory.mktemp("briefs")
    done = {}
    for name in ("linquan", "dongtang", "minshan", "qingchuan"):
        for today in (DEC2, "2025-05-10"):
            folder = out / f"{name}-{today}"
            assert main(["brief", str(CLIENTS / name), "--today", today, "--output", str(folder)]) == 0
            files = {p.name.rsplit("_", 1)[-1]: p for p in folder.rglob("*") if p.suffix in (".docx", ".ics")}
            done[name, today] = files
    return done


def test_the_default_round_is_the_next_open_one_by_date():
    assert default_round(dt.date(2026, 12, 2)) == 2027
    assert default_round(dt.date(2025, 5, 10)) == 2025


def test_an_explicit_round_that_does_not_fit_the_workbook_stops_and_says_which_to_change(capsys):
    with pytest.raises(RoundError, match=r"--round 2025.*new-client 新文件夹 --from"):
        choose_rounds([2022, 2023, 2024], "河南省", 2027, dt.date(2026, 12, 2))
    assert main(["assess", str(CLIENTS / "linquan"), "--round", "2027", "--today", DEC2]) == 2
    assert "对应2025年度" in capsys.readouterr().err


def test_a_workbook_two_rounds_old_is_named_with_what_to_do():
    choice = choose_rounds([2022, 2023, 2024], "河南省", None, dt.date(2026, 12, 2))
    assert (choice.data.year, choice.plan.year, choice.plan.projected) == (2025, 2027, True)
    assert "落后2轮" in choice.notes[0] and "new-client" in choice.notes[0]
    same = choose_rounds([2022, 2023, 2024], "河南省", None, dt.date(2025, 5, 10))
    assert (same.data.year, same.plan.year, same.notes) == (2025, 2025, [])


def test_on_2_december_2026_the_plan_is_for_2027_marked_projected(briefs):
    for name in ("linquan", "qingchuan", "minshan"):
        files = briefs[name, DEC2]
        memo, proposal = _text(files["简报.docx"]), _text(files["申报服务方案.docx"])
        for text in (memo, proposal):
            assert "以下计划按2027年度（预计）安排" in text, name
            assert "2027年7月15日（预计）" in text or "2027年7月15日，预计" in text
        assert "待通知" not in proposal and "启动后" not in proposal


def test_on_10_may_2025_the_plan_is_for_2025_with_its_real_deadline(briefs):
    files = briefs["linquan", "2025-05-10"]
    memo = _text(files["简报.docx"])
    assert "距工信部报送截止日期2025年7月15日还有66天" in memo and "预计" not in memo


def test_no_document_asks_to_change_a_past_years_figure(briefs):
    for (name, today), files in briefs.items():
        for key in ("简报.docx", "申报服务方案.docx"):
            text = _text(files[key])
            assert not re.search(r"20\d\d年[^\n]{0,20}需再增加", text), (name, today, key)
            assert not re.search("需再(增加|提高)", text), (name, today, key)


def test_linquan_names_the_earliest_round_for_1_2_and_1_5_with_its_assumptions(briefs):
    text = _text(briefs["linquan", DEC2]["申报服务方案.docx"])
    assert re.search(r"最早可于2028年度申报（三年窗口2025—2027年）满足1\.2、1\.5", text)
    assert "2026年46.5亿元" in text and "2027年51.1亿元" in text
    assert "测算假设" in text and "不构成对过往数据的任何修改建议" in text


def test_the_review_clusters_page_1_says_what_the_review_decides(briefs):
    for today in (DEC2, "2025-05-10"):
        for key in ("简报.docx", "申报服务方案.docx"):
            page1 = _first_page(briefs["dongtang", today][key])
            assert "复核通过的，继续保持中小企业特色产业集群认定三年" in page1 and "撤销认定" in page1
            assert re.search(r"2025年度复核（2022年度认定批次）报送截止日期为2025年7月15日", page1)
    late = _first_page(briefs["dongtang", DEC2]["申报服务方案.docx"])
    assert "只能作为新申报集群，最早于2027年度（预计）申报" in late
    assert "下一轮" not in _text(briefs["dongtang", DEC2]["申报服务方案.docx"])


def test_every_task_has_a_date_and_the_calendar_parses_back(briefs):
    for (name, today), files in briefs.items():
        doc = Document(str(files["申报服务方案.docx"]))
        plan = next(t for t in doc.tables if t.rows[0].cells[1].text == "工作任务")
        whens = [r.cells[3].text for r in plan.rows[1:]]
        assert whens and all(re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", w) for w in whens), (name, today)
        events = read_calendar(files["工作计划.ics"])
        assert len(events) == len(whens) + 4  # the tasks and the four milestones
        assert all(e.date >= dt.date.fromisoformat(today) for e in events)


def test_a_western_client_near_a_threshold_hears_the_province_may_relax_it(briefs):
    memo = _text(briefs["minshan", "2025-05-10"]["简报.docx"])
    assert "西部地区可适当放宽" in memo and "未给出放宽后的具体数值" in memo
    assert "西部" not in _text(briefs["linquan", "2025-05-10"]["简报.docx"]).replace("西部地区放宽", "")


def test_annual_report_and_new_client_from_on_the_review_client_and_a_new_applicant(tmp_path, capsys):
    assert main(["annual-report", str(CLIENTS / "dongtang"), "--year", "2024", "--output", str(tmp_path / "ar")]) == 0
    assert list((tmp_path / "ar").glob("*2024年度发展情况报告.docx"))
    assert main(["annual-report", str(CLIENTS / "linquan"), "--year", "2024"]) == 2
    assert "新申报" in capsys.readouterr().err
    for name in ("dongtang", "linquan"):
        assert main(["new-client", str(tmp_path / name), "--from", str(CLIENTS / name),
                     "--years", "2024", "2025", "2026"]) == 0
        assert (tmp_path / name / "intake.xlsx").is_file()
        assert "对应2027年度" in capsys.readouterr().out
