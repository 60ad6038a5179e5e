"""Rounds 2022–2026 as data: the facts of policy.md, and unknowns left null rather than guessed."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from factories import make_client
from toolkit.assess.assessment import assess
from toolkit.core.errors import RoundError
from toolkit.assess.rounds import available_rounds, load_round


def test_all_rounds_load():
    assert available_rounds() == [2022, 2023, 2024, 2025, 2026]


@pytest.mark.parametrize("year,notice,deadline,prov,special", [
    (2022, "工信厅企业函〔2022〕236号", dt.date(2022, 10, 31), 5, 3),
    (2023, "工信厅企业函〔2023〕44号", dt.date(2023, 7, 31), 6, 2),
    (2024, "工信厅企业函〔2024〕122号", dt.date(2024, 7, 31), 8, 2),
    (2025, "工信厅企业函〔2025〕77号", dt.date(2025, 7, 15), 8, 2),
])
def test_notice_deadline_and_quotas(year, notice, deadline, prov, special):
    r = load_round(year)
    assert (r.notice, r.deadline, r.quota_province, r.quota_special) == (notice, deadline, prov, special)
    assert r.quota_for("浙江省") == prov
    for special_recommender in ("大连市", "青岛市", "宁波市", "厦门市", "深圳市", "新疆生产建设兵团"):
        assert r.quota_for(special_recommender) == special
    assert r.quota_for("某某省") is None


def test_2025_attachments_and_review_batch():
    r = load_round(2025)
    assert r.notice_date == dt.date(2025, 3, 3)
    assert [a.id for a in r.attachments] == ["附件1", "附件2", "附件3", "附件4"]
    assert "复核申报表" in r.attachment("附件3").title and r.attachment("附件3").evidence
    assert "2022年度" in r.attachment("附件4").title
    assert r.review_batch == 2022
    assert load_round(2026).review_batch == 2023
    assert load_round(2022).review_batch is None


def test_2026_unknowns_are_null_with_a_note():
    r = load_round(2026)
    assert r.deadline is None and r.quota_province is None and r.quota_special is None and r.notice is None
    assert r.quota_for("浙江省") is None
    assert "未获取" in r.note("quota") and "未获取" in r.note("notice_date")
    date, label, verified = r.deadline_for("浙江省")
    assert date is None and not verified and "未获取" in label


def test_province_deadlines():
    d, label, ok = load_round(2025).deadline_for("辽宁省")
    assert d == dt.date(2025, 4, 14) and ok and "辽宁" in label
    d, label, ok = load_round(2024).deadline_for("福建省")
    assert d == dt.date(2024, 6, 20) and ok
    assert load_round(2024).province_deadlines["福建省"].max_per_city == 3
    d, _, ok = load_round(2022).deadline_for("内蒙古自治区")
    assert d == dt.date(2022, 10, 20) and ok
    # a province without a known deadline: MIIT's, said to be unverified
    d, label, ok = load_round(2025).deadline_for("浙江省")
    assert d == dt.date(2025, 7, 15) and not ok and "工信部" in label and "核实" in label


def test_one_per_sub_field_rule():
    assert load_round(2022).one_per_sub_field is True
    assert load_round(2025).one_per_sub_field is None and "2022" in load_round(2025).note("one_per_sub_field")


def test_western_relaxation_is_off_unless_asked():
    for y in (2022, 2023):
        r = load_round(y)
        assert r.western_relaxation.available is True
        assert r.western_relaxation.overrides == {}  # the notices give no relaxed numbers
    west = make_client(basic={"province": "四川省"})
    loaded = copy.deepcopy(load_round(2022))
    off = assess(west, "national-2022", 2022)
    assert not any("西部地区放宽" in s for s in off.settings)
    on = assess(west, "national-2022", 2022, western_relaxation=True)
    text = [s for s in on.settings if "西部地区放宽" in s]
    assert text and "未改变任何阈值" in text[0]
    assert [r.threshold for r in on.results] == [r.threshold for r in off.results]
    # switching it on for one assessment leaves the loaded round as it was
    assert load_round(2022) == loaded
    # not a western client: said so
    east = assess(make_client(), "national-2022", 2022, western_relaxation=True)
    assert any("不属于西部地区" in s for s in east.settings)


def test_configured_relaxation_changes_threshold_and_is_flagged(tmp_path):
    rb = tmp_path / "sichuan.yaml"
    rb.write_text('id: sichuan\nextends: national-2022\nwestern_relaxation:\n'
                  '  "1.2": {threshold: 30, source: 某省通知（测试）, confidence: M}\n', encoding="utf-8")
    client = make_client(basic={"province": "四川省"}, indicators={"cluster_output": {2022: 35.0}})
    assert assess(client, rb, 2023).result("1.2").verdict == "未达标"
    a = assess(client, rb, 2023, western_relaxation=True)
    r = a.result("1.2")
    assert r.verdict == "达标" and r.threshold == 30 and not r.verified and "西部地区放宽" in r.settings
    assert "1.2" in a.unverified
    assert any("1.2 阈值改为30" in s for s in a.settings)


def test_unknown_round():
    with pytest.raises(RoundError, match="2019"):
        load_round(2019)


@pytest.mark.parametrize("text", ["abc", "20.5", "-1", "2025年度x"])
def test_a_round_that_is_not_a_year_is_named_with_the_fix(text):
    with pytest.raises(RoundError) as exc:
        load_round(text)
    assert f"“{text}”不是年度" in str(exc.value) and "--round 2025" in str(exc.value)


def test_a_round_file_that_is_not_text_is_a_round_error(tmp_path):
    p = tmp_path / "2027.yaml"
    p.write_bytes(b"\xfa\xfb\xfc\x00\xff binary")
    with pytest.raises(RoundError, match="2027.yaml.*UTF-8"):
        load_round(p)


def test_the_2024_and_2025_notices_allow_the_western_relaxation_with_their_source():
    from toolkit.assess.rounds import load_round

    r25, r24 = load_round(2025), load_round(2024)
    assert r25.western_relaxation.available is True and "西部地区可适当放宽" in r25.western_relaxation.text
    assert "工信厅企业函〔2025〕77号" in r25.western_relaxation.source
    assert r24.western_relaxation.available is True and "（M" in r24.western_relaxation.source
    assert r25.western_relaxation.overrides == {}      # the notices give no numbers: none invented
