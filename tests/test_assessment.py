"""The assessment engine: provenance, missing data, vetoes, readiness, JSON and the command."""

from __future__ import annotations

import json

import pytest

from factories import make_client
from toolkit.assess.assessment import assess, format_table, write_json
from toolkit.cli import main
from toolkit.intake.model import Firm, Value
from toolkit.assess.result import SCHEMA_VERSION, Assessment


def test_model_cluster_is_eligible_with_sources():
    a = assess(make_client(), round=2025)
    assert a.overall == "符合条件" and a.readiness == 100 and a.round == "2025"
    assert a.rulebook == "national-2022" and a.schema_version == SCHEMA_VERSION
    for r in a.results:
        if r.kind == "quantitative":
            assert r.value is not None and r.formula and r.clause
            assert r.inputs and all(i.source for i in r.inputs), r.id
    r = a.result("1.2")
    assert [i.source for i in r.inputs[:3]] == ["intake.xlsx › 年度指标 › D2", "intake.xlsx › 年度指标 › E2",
                                                 "intake.xlsx › 年度指标 › F2"]
    assert r.margin == pytest.approx(12.3)
    assert "(66.1 ÷ 52.3)^(1/2) − 1 ≈ 12.42%" in a.result("1.5").formula
    assert set(a.unverified) >= {"4.1", "5.1"}
    assert [d.dimension for d in a.dimensions] == [1, 2, 3, 4, 5, 6, 7, 8, 0]


def test_what_it_takes_names_each_short_year():
    a = assess(make_client(indicators={"cluster_output": {2022: 33.6, 2023: 35.9, 2024: 38.4}}))
    take = a.result("1.2").what_it_takes
    assert "2022年集群工业总产值需再增加6.4亿元" in take and "2024年集群工业总产值需再增加1.6亿元" in take
    assert a.result("1.2").margin == pytest.approx(-6.4)
    assert "2024年集群工业总产值需达到40.66亿元（再增加2.26亿元即可" in a.result("1.5").what_it_takes


def test_blank_client_gives_missing_data_never_a_crash():
    c = make_client(indicators={k: {y: None for y in (2022, 2023, 2024)} for k in
                                ("cluster_output", "leading_output", "sme_output", "sme_rd", "platform_rate")},
                    basic={"area_km2": None}, firms=[], platforms=[], negative=[], plan=[], evidence=[])
    a = assess(c)
    quantitative = [r for r in a.results if r.kind == "quantitative"]
    assert quantitative and all(r.verdict == "数据缺失" for r in quantitative)
    assert all(r.verdict in ("数据缺失", "待补证") for r in a.results)
    assert a.overall == "待补充完善"
    assert any("D2" in m for m in a.result("1.2").missing)
    assert any("负面清单" in m for m in a.result("0.1").missing)
    assert a.readiness < 60


def test_text_in_a_number_cell_is_wrong_data_naming_the_cell_not_a_pass():
    c = make_client()
    c.indicators["platform_rate"][2024] = Value("约20%", c.indicators["platform_rate"][2024].source)
    r = assess(c).result("5.1")
    assert r.verdict == "数据有误"
    assert any("intake.xlsx › 年度指标 › F6" in m and "「约20%」不是数字" in m for m in r.missing)


def test_veto_sets_readiness_to_zero_and_failed_hard_criterion_caps_it():
    c = make_client()
    c.negative[0].occurred = True
    a = assess(c)
    assert a.result("0.1").verdict == "一票否决" and a.overall == "不符合条件" and a.readiness == 0
    b = assess(make_client(indicators={"platform_rate": {2024: 9.5}}))
    assert b.overall == "不符合条件" and b.readiness == 59
    assert any("封顶59分" in s for s in b.settings)
    dim5 = next(d for d in b.dimensions if d.dimension == 5)
    assert dim5.verdict == "未达标" and dim5.score < 100


def test_any_of_reports_the_closest_branch():
    firms = [Firm(f"企业{i}", None, True, True, frozenset({"specialised"})) for i in range(9)]
    r = assess(make_client(firms=firms)).result("2.1")
    assert r.verdict == "未达标" and r.measure == "quality_firms" and r.value == 9 and r.threshold == 10
    assert "任选其一" in r.what_it_takes and "满足其一即可" in r.formula


def test_json_round_trip_and_frame(tmp_path):
    a = assess(make_client(), round=2025)
    out = write_json(a, tmp_path / "assessment.json")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION and data["overall"] == "符合条件"
    back = Assessment.from_dict(data)
    assert back.result("1.5").formula == a.result("1.5").formula
    assert not list(tmp_path.glob(".*tmp*"))
    frame = a.to_frame()
    assert len(frame) == len(a.results) and "阈值待核实" in set(frame["阈值状态"])


def test_table_shows_flags_and_sources():
    text = format_table(assess(make_client(indicators={"sme_output": {2024: 46.2}})))
    assert "阈值待核实" in text and "intake.xlsx › 年度指标 › F4" in text
    assert "中小企业产值占比需提高0.11个百分点" in text


def test_cmd_assess_prints_and_writes(tmp_path, monkeypatch, capsys):
    import toolkit.intake.reader

    client = make_client(folder=tmp_path / "qingchuan")
    monkeypatch.setattr(toolkit.intake.reader, "read_partial", lambda path: client)
    assert main(["assess", str(tmp_path / "qingchuan"), "--round", "2025"]) == 0
    out = capsys.readouterr().out
    assert "结论：符合条件" in out and "1.2" in out
    data = json.loads((tmp_path / "qingchuan" / "assessment.json").read_text(encoding="utf-8"))
    assert data["round"] == "2025" and data["client_id"] == "qingchuan"


def test_review_batch_is_checked_against_the_round():
    review = make_client(basic={"application_type": "复核", "recognised_year": 2023})
    a = assess(review, round=2025)
    assert a.rulebook == "review-2022"
    assert any("不在本年度复核范围" in s for s in a.settings)
    assert any("复核2023年度认定的集群" in s and "不在" not in s for s in assess(review, round=2026).settings)


def test_indicator_years_that_are_not_the_rounds_last_three_are_flagged():
    client = make_client()  # indicator years 2022–2024
    assert not any(s.startswith("指标年度") for s in assess(client, round=2025).settings)
    flagged = [s for s in assess(client, round=2022).settings if s.startswith("指标年度")]
    assert flagged and "2019—2021" in flagged[0]
