"""History is never a task: the earliest round a county can meet, on its trend and on a stated scenario."""

from __future__ import annotations

import datetime as dt

from factories import make_client
from toolkit.assess import outlook
from toolkit.assess.assessment import assess
from toolkit.assess.rulebook import load_rulebook

RB = load_rulebook("national-2022")
TODAY = dt.date(2026, 12, 2)


def _outlook(client, first=2027, today=TODAY):
    a = assess(client, RB)
    return a, outlook.earliest_round(client, a, RB, today, first)


def test_past_years_output_is_history_not_a_task():
    a, _ = _outlook(make_client(indicators={"cluster_output": {2022: 33.6, 2023: 35.9, 2024: 38.4}}))
    gaps = {r.id: outlook.changeable(r) for r in a.results if r.verdict == "未达标"}
    assert gaps["1.2"] is False and gaps["1.5"] is False
    assert [r.id for r in outlook.history_gaps(a)] == ["1.2", "1.5"]


def test_firms_and_evidence_are_changeable():
    from toolkit.intake.model import Firm, Source

    one = [Firm("某科技有限公司", None, True, True, frozenset({"specialised"}), Source("intake.xlsx", "企业名单", "A3"))]
    a, o = _outlook(make_client(firms=one))
    assert a.result("2.1").verdict == "未达标" and outlook.changeable(a.result("2.1"))
    assert o is None     # no history gap: nothing to forecast


def test_linquan_like_output_meets_1_2_and_1_5_first_in_2028():
    # 33.6 → 35.9 → 38.4 (亿元): every year below 40, growth 6.9% a year.
    client = make_client(indicators={"cluster_output": {2022: 33.6, 2023: 35.9, 2024: 38.4}})
    _, o = _outlook(client)
    assert o.criteria == ["1.2", "1.5"]
    # 2027's window 2024–2026 holds 2024 (38.4, over): no rate can reach it.
    assert o.blocked[0] == "2027年度（窗口2024—2026年）：窗口内2024年已结束，2024年集群工业总产值38.4亿元不能改变"
    s = o.scenario
    assert s.round_year == 2028 and s.window == (2025, 2026, 2027)
    assert s.rate == 10.01                      # growth must exceed 10% a year over 2025–2027
    figures = {f.year: f.value for f in s.figures["cluster_output"]}
    assert figures == {2025: 42.24, 2026: 46.47, 2027: 51.12}
    assert [f.closed for f in s.figures["cluster_output"]] == [True, False, False]
    text = o.sentences()
    assert text[0].startswith("最早可于2028年度申报（三年窗口2025—2027年）满足1.2、1.5：需集群工业总产值2025年42.2亿元（已结束，以统计数据为准）")
    assert "按2025年起每年增长10.01%推算" in text[0]
    # at 6.9% a year growth never exceeds 10%
    assert o.trend.round_year is None and text[1] == "按近年趋势（年均增长6.9%），2027—2036年度均无法满足1.2、1.5"
    assert any("不构成对过往数据的任何修改建议" in x for x in o.assumptions)


def test_a_county_on_a_good_trend_meets_it_on_trend():
    # 36 → 40 → 44.5: 2022 below 40; growth 11.2% a year. The 2026 round's window 2023–2025 passes on trend.
    client = make_client(indicators={"cluster_output": {2022: 36.0, 2023: 40.0, 2024: 44.5}})
    _, o = _outlook(client, first=2026, today=dt.date(2025, 8, 1))
    assert o.criteria == ["1.2"]
    assert o.trend.round_year == 2026 and o.scenario.round_year == 2026
    assert {f.year: f.value for f in o.trend.figures["cluster_output"]} == {2023: 40.0, 2024: 44.5, 2025: 49.48}


def test_a_share_in_the_windows_last_year_is_a_target_while_that_year_is_open():
    client = make_client(indicators={"sme_output": {2022: 30.0, 2023: 33.0, 2024: 36.0}})  # 36 ÷ 66.1 = 54.5%
    _, o = _outlook(client)
    assert o.criteria == ["1.3"]
    assert o.scenario.round_year == 2027 and o.scenario.figures == {}
    assert o.scenario.targets[0].startswith("2026年达到70%（1.3 ")


def test_a_scenario_that_cannot_reach_within_ten_rounds_says_so():
    # 0.2亿元 in 2024: reaching 40亿元 by 2032 takes (40 ÷ 0.2)^(1/8) − 1 = 94% a year, more than 50%
    client = make_client(indicators={"cluster_output": {2022: 0.3, 2023: 0.25, 2024: 0.2},
                                     "leading_output": {2022: 0.24, 2023: 0.2, 2024: 0.16},
                                     "sme_output": {2022: 0.24, 2023: 0.2, 2024: 0.16}})
    _, o = _outlook(client)
    assert o.scenario.round_year is None
    assert o.sentences()[0].startswith("按每年增长不超过50%推算，2027—2036年度的三年窗口均无法满足")
