"""Every chart for every situation: drawn without a warning (no 'Glyph missing'), PNG ≥200 dpi and SVG,
gaps shown as 数据缺失 rather than zero, thresholds read from the assessment."""

from __future__ import annotations

import copy
import sys
import warnings

import pytest
from PIL import Image

from briefing_support import assessment_for, demo_clients, round_2025, situations
from toolkit.assess.result import ELIGIBLE, NOT_ELIGIBLE
from toolkit.documents import charts
from toolkit.package.manifest import PackageRecord, record_of
from toolkit.province.decision import decide

SITUATIONS = situations()
DEMOS = demo_clients()
ALL = {**SITUATIONS, **DEMOS}


def _draw(client, out, assessment=None):
    assessment = assessment or assessment_for(client)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph N missing from font(s)" and any other warning fail
        return charts.draw_client_charts(client, assessment, out), assessment


def _svg_text(png_path) -> str:
    return png_path.with_suffix(".svg").read_text(encoding="utf-8")


def test_the_demo_clients_are_among_the_situations():
    assert {"demo_qingchuan", "demo_linquan", "demo_minshan", "demo_dongtang"} <= set(DEMOS)


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_chart_is_drawn_as_png_and_svg(name, tmp_path):
    client = ALL[name]
    files, assessment = _draw(client, tmp_path)
    expected = {"dimensions", "criteria", "output", "tiers"} | ({"plan"} if client.is_review else set())
    assert set(files) == expected
    for key, png in files.items():
        assert png.name.startswith(charts.FILES[key]) and png.suffix == ".png"
        assert png.with_suffix(".svg").stat().st_size > 2000
        with Image.open(png) as im:
            w, h = im.size
            dpi = im.info.get("dpi", (0, 0))[0]
        assert round(dpi) >= 200, (png.name, dpi)
        assert w >= 1400 and 400 <= h <= 2400, (png.name, w, h)
    # no temporary files left behind, no pyplot figures opened
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    if "matplotlib.pyplot" in sys.modules:
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []


def test_chinese_labels_are_text_in_the_svg(tmp_path):
    files, _ = _draw(SITUATIONS["qualifies"], tmp_path)
    assert "八个维度达标情况" in _svg_text(files["dimensions"])
    assert "具有较强核心竞争力" in _svg_text(files["dimensions"])


def test_missing_years_show_as_labelled_gaps_not_zero(tmp_path):
    files, assessment = _draw(SITUATIONS["missing_year"], tmp_path)
    out = _svg_text(files["output"])
    assert "数据缺失" in out
    assert "52.3亿元" in out and "66.1亿元" in out  # the known years still drawn
    assert "数据缺失" in _svg_text(files["criteria"])


def test_an_empty_roster_shows_as_missing(tmp_path):
    files, _ = _draw(SITUATIONS["empty_roster"], tmp_path)
    tiers = _svg_text(files["tiers"])
    assert "企业名单未填写" in tiers and tiers.count("数据缺失") >= 5


def test_unverified_thresholds_are_marked(tmp_path):
    files, assessment = _draw(SITUATIONS["fails_output"], tmp_path)
    unverified_quant = [r for r in assessment.results if r.kind == "quantitative" and not r.verified]
    assert unverified_quant  # 4.1 and 5.1 in the national rulebook
    svg = _svg_text(files["criteria"])
    assert svg.count("阈值待核实") >= len(unverified_quant) + 1  # one per row + the legend


def test_without_unverified_thresholds_no_mark(tmp_path):
    client = SITUATIONS["qualifies"]
    assessment = copy.deepcopy(assessment_for(client))
    for r in assessment.results:
        r.verified = True
    files, _ = _draw(client, tmp_path, assessment)
    assert "阈值待核实" not in _svg_text(files["criteria"])


def test_output_line_and_growth_path_come_from_the_assessment(tmp_path):
    client = SITUATIONS["qualifies"]
    assessment = copy.deepcopy(assessment_for(client))
    rule = next(r for r in assessment.results if r.measure == "cluster_output_min")
    growth = next(r for r in assessment.results if r.measure == "cluster_output_growth")
    rule.threshold, growth.threshold = 30.0, 3.0  # e.g. a provincial rulebook
    files, _ = _draw(client, tmp_path, assessment)
    svg = _svg_text(files["output"])
    assert "每年不低于30亿元" in svg and "40亿元" not in svg
    assert "年均增长3%所需路径" in svg


def test_plan_chart_shows_the_assessments_achievement_and_missing_actuals(tmp_path):
    from toolkit.intake.model import PlanTarget

    client = copy.deepcopy(SITUATIONS["review"])
    client.plan.append(PlanTarget("新增发明专利", None, "件", 2022, 300, 2025, 450, None))  # no actual, no indicator
    files, assessment = _draw(client, tmp_path)
    svg = _svg_text(files["plan"])
    assert "完成65.9%" in svg  # 61.2 → 75, actual 70.3
    assert "完成120%" in svg  # energy, lower is better: 0.45 → 0.40, actual 0.39
    # exports: no actual written, so — as the assessment does — the 2024 indicator 10.2: 8.1 → 12
    assert "完成53.8%" in svg and assessment.result("9.1.5").value == pytest.approx(53.85, abs=0.01)
    assert "数据缺失" in svg and assessment.result("9.1.6").verdict == "数据缺失"


def test_achievement_directions():
    from toolkit.assess.measures import plan_achievement

    assert plan_achievement(61.2, 75, 70.3) == (pytest.approx(65.94, abs=0.01), False)
    assert plan_achievement(0.45, 0.40, 0.39, higher_is_better=False) == (pytest.approx(120), True)
    assert plan_achievement(1, 2, None) == (None, None)


def _record(name, readiness, overall=ELIGIBLE, recommender="宁波市", review=False):
    return PackageRecord(client_id=name, cluster_name=name, recommender=recommender, overall=overall,
                         readiness=readiness, sub_field=name, application_type="复核" if review else "新申报")


def test_quota_chart_shows_the_decision_it_is_given(tmp_path):
    rnd = round_2025()
    records = [record_of(c, assessment_for(c)) for c in SITUATIONS.values()]
    zhejiang = decide(records, rnd, recommender="浙江省")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        files = charts.draw_quota_chart(zhejiang, tmp_path)
    svg = _svg_text(files["quota"])
    assert f"推荐名额上限8个，候选{len(zhejiang.recommendations)}个" in svg
    for d in zhejiang.recommendations:
        assert f"{d.overall} · {d.status}" in svg
    assert "暂不推荐" in svg and "线下超出名额" not in svg  # the veto uses no place; nobody is over the quota
    # a plan city has 2 places: the third eligible candidate is over it, below the line
    ningbo = decide([_record("甲区模具产业集群", 90), _record("乙区轴承产业集群", 80), _record("丙区纽扣产业集群", 70),
                     _record("丁区纺织产业集群", 60, overall=NOT_ELIGIBLE), _record("戊区五金产业集群", 75, review=True)],
                    rnd)
    files = charts.draw_quota_chart(ningbo, tmp_path / "nb")
    svg = _svg_text(files["quota"])
    assert "推荐名额上限2个" in svg and "线下超出名额" in svg and "复核集群1个" in svg
    assert "符合条件 · 超出名额" in svg and "不符合条件 · 暂不推荐" in svg
    with Image.open(files["quota"]) as im:
        assert im.size[0] >= 1400


def test_quota_chart_with_no_candidates(tmp_path):
    files = charts.draw_quota_chart(decide([], round_2025(), recommender="甘肃省"), tmp_path)
    assert "暂无新申报集群" in _svg_text(files["quota"])


def test_the_legend_explains_the_amber_bars(tmp_path):
    """待补证 bars are amber; the legend says what that means (the figure passes, the proof is missing)."""
    from toolkit.assess.assessment import assess
    from toolkit.documents.charts import chart_dimensions
    from toolkit.intake.reader import read_client

    from pathlib import Path

    client = read_client(Path(__file__).resolve().parents[1] / "data" / "examples" / "clients" / "linquan")
    png = chart_dimensions(client, assess(client, None, 2025), tmp_path)
    svg = png.with_suffix(".svg").read_text(encoding="utf-8")
    assert "待补证（数据达标，佐证材料待补）" in svg and "未达标" in svg
