"""Today's date decides the round; unknown rounds are projected and marked 预计; bad round files named."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from toolkit.assess import rounds, schedule
from toolkit.core.errors import RoundError


@pytest.mark.parametrize("today, province, expected, projected", [
    ("2025-05-10", "河南省", 2025, False),     # before MIIT's 2025-07-15
    ("2025-04-10", "辽宁省", 2025, False),     # before Liaoning's own 2025-04-14
    ("2025-04-20", "辽宁省", 2026, True),      # Liaoning's own date has passed, MIIT's has not
    ("2025-07-16", "河南省", 2026, True),      # the 2026 file has no deadline: projected
    ("2026-12-02", "河南省", 2027, True),      # 2026's projected deadline (2026-07-15) has passed
    ("2024-06-21", "福建省", 2025, False),     # Fujian's 2024-06-20 has passed
    ("2024-06-19", "福建省", 2024, False),
])
def test_the_next_open_round_by_date(today, province, expected, projected):
    rnd = schedule.next_open_round(dt.date.fromisoformat(today), province)
    assert rnd.year == expected and rnd.projected is projected


def test_a_projected_round_follows_the_last_known_pattern_and_says_so():
    r = schedule.round_for(2027)
    assert r.deadline == dt.date(2027, 7, 15) and r.notice_date == dt.date(2027, 3, 3)
    assert (r.quota_province, r.quota_special) == (8, 2) and r.review_batch == 2024
    assert r.notice is None and "预计" in r.projection_note and "以正式通知为准" in r.projection_note
    assert r.attachment("附件2").title == "2027年度中小企业特色产业集群推荐汇总表"
    assert r.attachment("附件4").title == "2024年度中小企业特色产业集群复核情况汇总表"
    known = schedule.round_for(2026)    # the file exists: what it knows is kept
    assert known.projected and known.review_batch == 2023 and known.deadline == dt.date(2026, 7, 15)
    assert not schedule.round_for(2025).projected


def test_windows():
    assert schedule.window(2027) == (2024, 2025, 2026)
    assert schedule.round_of_window([2022, 2023, 2024]) == 2025
    assert schedule.round_of_window([2024, 2022, 2023]) == 2025
    assert schedule.round_of_window([2022, 2024]) is None


def _round_file(tmp_path, **changes):
    data = yaml.safe_load((rounds.paths.rounds_dir() / "2025.yaml").read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / "2031.yaml"
    path.write_text(yaml.safe_dump({**data, "year": 2031}, allow_unicode=True), encoding="utf-8")
    return rounds.load_round(path)


def test_a_deadline_before_its_notice_is_named(tmp_path):
    rnd = _round_file(tmp_path, notice_date="2031-05-01", deadline="2031-04-01")
    with pytest.raises(RoundError, match=r"2031.yaml › deadline: 截止日期2031年4月1日早于通知日期2031年5月1日"):
        schedule.check_round_file(rnd)


def test_a_province_deadline_after_miits_is_named(tmp_path):
    rnd = _round_file(tmp_path, notice_date="2031-03-01", deadline="2031-07-15",
                      province_deadlines={"辽宁省": {"date": "2031-08-01", "note": "x"}})
    with pytest.raises(RoundError, match="province_deadlines › 辽宁省 › date: 省级截止日期2031年8月1日晚于工信部截止日期"):
        schedule.check_round_file(rnd)


def test_today_far_in_the_future_is_named():
    with pytest.raises(RoundError, match="--today 2099-01-01 远在已知申报年度"):
        schedule.next_open_round(dt.date(2099, 1, 1))
