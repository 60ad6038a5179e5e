"""The demo clients and the broken workbook (intake side): they read as the team contracts say."""

from __future__ import annotations

import filecmp
import importlib.util
from pathlib import Path

import pytest
import yaml

from toolkit.intake import credit_code

from toolkit.intake import schema
from toolkit.cli import main
from toolkit.intake.reader import check_workbook, read_client

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"
CLIENT_IDS = ["qingchuan", "linquan", "minshan", "dongtang"]


@pytest.fixture(scope="module")
def clients():
    return {cid: read_client(EXAMPLES / "clients" / cid) for cid in CLIENT_IDS}


def cagr(series: dict) -> float:
    ys = sorted(series)
    return ((series[ys[-1]] / series[ys[0]]) ** (1 / (len(ys) - 1)) - 1) * 100


def quality(client) -> int:
    return sum(1 for f in client.firms if f.in_leading_industry and f.tiers & {"specialised", "innovative", "high_tech"})


@pytest.mark.parametrize("cid", CLIENT_IDS)
def test_check_exits_0_on_every_demo_client(cid, tmp_path):
    assert main(["check", str(EXAMPLES / "clients" / cid), "--annotated", str(tmp_path / "c.xlsx")]) == 0


@pytest.mark.parametrize("cid", CLIENT_IDS)
def test_demo_client_is_complete(clients, cid):
    c = clients[cid]
    assert c.problems == []
    assert c.years == [2022, 2023, 2024]
    assert len(c.firms) >= 20
    assert all(credit_code.is_valid(f.credit_code) for f in c.firms)
    assert len({f.credit_code for f in c.firms}) == len(c.firms)
    assert len(c.platforms) >= 3 and len(c.plan) >= 3
    assert all(n.occurred is False for n in c.negative)
    assert c.evidence and all(e.exists for e in c.evidence)
    for year in c.years:
        cluster = c.indicator("cluster_output", year).value
        assert c.indicator("sme_output", year).value <= cluster
        assert c.indicator("leading_output", year).value <= cluster
        assert len(c.firms) <= c.indicator("enterprises", year).value


def test_qingchuan_clearly_qualifies(clients):
    c = clients["qingchuan"]
    assert (c.province, c.city, c.county, c.sub_field) == ("浙江省", "临江市", "青川县", "智能小家电")
    assert c.series("cluster_output") == {2022: 52.3, 2023: 58.9, 2024: 66.1}
    assert c.series("leading_output") == {2022: 40.1, 2023: 45.6, 2024: 51.8}
    assert c.indicator("sme_output", 2024).value == 50.2
    assert c.series("sme_rd") == {2022: 15200, 2023: 17300, 2024: 19900}
    assert c.indicator("platform_rate", 2024).value == 26.4 and c.get("area_km2") == 68.5
    assert len(c.firms_with("little_giant", leading_only=True)) == 2
    assert quality(c) >= 10
    kinds = {k for e in c.evidence for k in e.kinds}
    assert kinds == set(schema.evidence_kinds()) - {"plan_completion"}
    assert not c.is_review and all(p.target_year == 2027 for p in c.plan)


def test_linquan_fails_on_output_and_growth(clients):
    c = clients["linquan"]
    assert (c.province, c.county, c.region) == ("河南省", "林泉县", "中部")
    s = c.series("cluster_output")
    assert s == {2022: 33.6, 2023: 35.9, 2024: 38.4} and max(s.values()) < 40
    assert cagr(s) == pytest.approx(6.9, abs=0.05)
    assert c.indicator("sme_output", 2024).value / 38.4 * 100 == pytest.approx(80, abs=0.5)
    assert c.indicator("leading_output", 2024).value / 38.4 * 100 == pytest.approx(85, abs=0.5)
    assert len(c.firms_with("little_giant")) == 1
    assert cagr(c.series("sme_rd")) == pytest.approx(8, abs=0.1)
    assert c.indicator("platform_rate", 2024).value == 12
    kinds = {k for e in c.evidence for k in e.kinds}
    assert "green" not in kinds and "open" not in kinds


def test_minshan_is_near_the_thresholds(clients):
    c = clients["minshan"]
    assert (c.province, c.city, c.county, c.region, c.sub_field) == ("四川省", "嘉州市", "岷山县", "西部", "复合调味料")
    assert c.series("cluster_output") == {2022: 40.8, 2023: 44.1, 2024: 49.6}
    assert cagr(c.series("cluster_output")) == pytest.approx(10.26, abs=0.01)
    assert c.indicator("sme_output", 2024).value / 49.6 * 100 == pytest.approx(70.97, abs=0.01)
    assert c.indicator("leading_output", 2024).value / 49.6 * 100 == pytest.approx(71.77, abs=0.01)
    assert c.get("area_km2") == 96
    assert not c.firms_with("little_giant") and not c.firms_with("champion")
    assert sum(1 for f in c.firms if f.tiers & {"specialised", "innovative", "high_tech"}) == 9
    assert cagr(c.series("sme_rd")) == pytest.approx(10.5, abs=0.05)
    assert c.indicator("platform_rate", 2024).value == 9.5


def test_dongtang_prepares_its_review(clients):
    c = clients["dongtang"]
    assert (c.province, c.city, c.county) == ("江苏省", "云港市", "东塘县")
    assert c.is_review and c.recognised_year == 2022
    assert c.series("cluster_output") == {2022: 61.2, 2023: 66.0, 2024: 70.3}
    plan = {p.name: p for p in c.plan}
    expect = {"集群工业总产值": (61.2, 75, 70.3, True), "专精特新“小巨人”数": (2, 4, 4, True),
              "工业互联网平台应用普及率": (20, 35, 31, True), "单位工业增加值能耗": (0.45, 0.40, 0.39, False)}
    for name, (base, target, actual, higher) in expect.items():
        p = plan[name]
        assert (p.base_year, p.target_year) == (2022, 2025)
        assert (p.base_value, p.target_value, p.actual_value, p.higher_is_better) == (base, target, actual, higher)
    assert len(c.firms_with("little_giant")) == 4
    assert any("plan_completion" in e.kinds for e in c.evidence)


def test_broken_workbook_names_every_planted_problem(tmp_path, capsys):
    planted = yaml.safe_load((EXAMPLES / "broken" / "PLANTED.yaml").read_text(encoding="utf-8"))
    assert len(planted["planted"]) >= 10
    assert len({p["kind"] for p in planted["planted"]}) >= 10
    result = check_workbook(EXAMPLES / "broken")
    found = {(p.sheet, p.cell) for p in result.problems}
    for p in planted["planted"]:
        assert (p["sheet"], p["cell"]) in found, p
    errors = {(p.sheet, p.cell) for p in result.errors}
    for p in planted["fine"]:
        assert (p["sheet"], p["cell"]) not in errors, p
    assert main(["check", str(EXAMPLES / "broken"), "--annotated", str(tmp_path / "b.xlsx")]) != 0
    out = capsys.readouterr().out
    for p in planted["planted"]:
        assert f"{p['sheet']} › {p['cell']}" in out


def test_make_examples_is_deterministic(tmp_path):
    spec = importlib.util.spec_from_file_location("make_examples", ROOT / "scripts" / "make_examples.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.main(["--out", str(tmp_path)])
    for cid in CLIENT_IDS:
        rel = Path("clients") / cid / "intake.xlsx"
        assert filecmp.cmp(tmp_path / rel, EXAMPLES / rel, shallow=False), f"{rel} differs: re-run scripts/make_examples.py"
    assert filecmp.cmp(tmp_path / "broken" / "intake.xlsx", EXAMPLES / "broken" / "intake.xlsx", shallow=False)
    assert (tmp_path / "broken" / "PLANTED.yaml").read_text() == (EXAMPLES / "broken" / "PLANTED.yaml").read_text()
