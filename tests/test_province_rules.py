"""A province's own rules, as data in the round file, change the decision and say why."""

from __future__ import annotations

import pytest
import yaml

from toolkit.assess import rounds
from toolkit.assess.result import ELIGIBLE
from toolkit.core.errors import RoundError
from toolkit.package.manifest import PackageRecord
from toolkit.province.decision import NO_PROVINCIAL, OVER_CITY, RECOMMEND, decide


def cand(name, readiness, city, provincial=True, recommender="福建省") -> PackageRecord:
    return PackageRecord(client_id=name, cluster_name=name, recommender=recommender, overall=ELIGIBLE,
                         readiness=readiness, sub_field=name, province=recommender, city=city,
                         provincial_recognition=provincial)


def _round(tmp_path, rules: dict, year=2031):
    data = yaml.safe_load((rounds.paths.rounds_dir() / "2025.yaml").read_text(encoding="utf-8"))
    data.update(year=year, province_deadlines=rules)
    path = tmp_path / f"{year}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return rounds.load_round(path)


def test_fujian_2024_limits_three_per_city():
    rnd = rounds.load_round(2024)            # 福建省: 每个设区市推荐不超过3个 (data/rounds/2024.yaml)
    records = [cand(f"泉州{i}", 90 - i, "泉州市") for i in range(4)] + [cand("厦门甲", 70, "漳州市")]
    d = decide(records, rnd, recommender="福建省")
    status = {x.name: x.status for x in d.recommendations}
    assert [status[f"泉州{i}"] for i in range(3)] == [RECOMMEND] * 3
    assert status["泉州3"] == OVER_CITY and status["厦门甲"] == RECOMMEND
    reason = next(x for x in d.recommendations if x.name == "泉州3").reasons[0]
    assert reason.startswith("福建省每个设区市推荐不超过3个（") and "泉州市已有3个排名在前的集群拟推荐" in reason
    assert next(x for x in d.recommendations if x.name == "厦门甲").place == 4   # the city's fourth took no place


def test_without_the_rule_the_fourth_of_a_city_is_recommended():
    records = [cand(f"泉州{i}", 90 - i, "泉州市", recommender="浙江省") for i in range(4)]
    d = decide(records, rounds.load_round(2024), recommender="浙江省")
    assert [x.status for x in d.recommendations] == [RECOMMEND] * 4


def test_a_provincial_recognition_prerequisite_excludes_and_flags(tmp_path):
    rnd = _round(tmp_path, {"河南省": {"date": "2031-06-01", "note": "河南省通知", "requires_provincial_recognition": True,
                                     "source": "某省2023年7月17日通知（M）"}})
    records = [cand("甲", 95, "洛阳市", True, "河南省"), cand("乙", 90, "洛阳市", False, "河南省"),
               cand("丙", 85, "郑州市", None, "河南省")]
    d = decide(records, rnd, recommender="河南省")
    by = {x.name: x for x in d.recommendations}
    assert by["甲"].status == RECOMMEND and by["甲"].place == 1
    assert by["乙"].status == NO_PROVINCIAL and by["乙"].place is None
    assert by["乙"].reasons[0] == "河南省只推荐已获省级特色产业集群认定的集群（某省2023年7月17日通知（M））；该集群未获省级认定，不占用推荐名额"
    assert by["丙"].status == RECOMMEND and by["丙"].place == 2 and "推荐前须核实" in by["丙"].reasons[0]
    # the same candidates without the rule: 乙 is recommended
    (tmp_path / "plain").mkdir()
    plain = decide(records, _round(tmp_path / "plain", {}), recommender="河南省")
    assert {x.name: x.status for x in plain.recommendations}["乙"] == RECOMMEND


def test_a_prerequisite_that_is_not_true_or_false_is_named(tmp_path):
    with pytest.raises(RoundError, match="province_deadlines › 河南省 › requires_provincial_recognition: 应为 true 或 false"):
        _round(tmp_path, {"河南省": {"date": "2031-06-01", "note": "x", "requires_provincial_recognition": "是"}})


def test_the_answer_travels_from_the_workbook_to_the_decision(tmp_path):
    import shutil
    from pathlib import Path

    from openpyxl import load_workbook

    from toolkit.intake import schema
    from toolkit.intake.reader import check_workbook, read_client

    root = Path(__file__).resolve().parents[1] / "data" / "examples" / "clients"
    assert read_client(root / "qingchuan").provincial_recognition is True
    assert read_client(root / "linquan").provincial_recognition is False
    # a workbook of the earlier template, without the row: a warning, read as not answered
    shutil.copytree(root / "qingchuan", tmp_path / "old")
    wb = load_workbook(tmp_path / "old" / "intake.xlsx")
    ws = wb[schema.sheet_title("basic")]
    row = next(c.row for c in ws["A"] if c.value == "已获省级特色产业集群认定")
    ws.delete_rows(row)
    wb.save(tmp_path / "old" / "intake.xlsx")
    result = check_workbook(tmp_path / "old")
    mine = [p for p in result.problems if "已获省级特色产业集群认定" in str(p)]
    assert len(mine) == 1 and mine[0].severity == "warning" and "可选项" in str(mine[0])
    assert read_client(tmp_path / "old").provincial_recognition is None
