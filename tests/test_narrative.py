"""Narrative drafts: every section, numbers in official style, firms by name, gaps with 下一步, and never
'None', 'nan', a tag, an empty sentence or a raw decimal — over every demo-like situation.

Every draft here is of a real assessment (``toolkit.assess.assessment.assess``) of a client built with
tests/factories.py or read from a demo workbook: the narrative sees only what production gives it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import make_client
from toolkit.assess.assessment import assess
from toolkit.core.errors import TemplateError
from toolkit.intake.reader import read_client
from toolkit.intake.model import Firm, NegativeItem, PlanTarget
from toolkit.documents.narrative import (CONTEXT_SPEC, SECTIONS, assessment_facts, check_text, client_facts, dimension_facts,
                               draft, narrative_dir, result_facts)
from toolkit.core.paths import examples_dir

FORBIDDEN = re.compile(r"None|(?<![A-Za-z])nan(?![A-Za-z])|\{\{|\{%|\d\.\d{3,}|[，。；、][，。；、]")
NEW_KEYS = ["basic"] + [f"dim{n}" for n in range(1, 9)] + ["negative", "plan"]


def _variants() -> dict:
    review_plan = [PlanTarget("集群工业总产值", "cluster_output", "亿元", 2022, 61.2, 2025, 75, 70.3),
                   PlanTarget("单位工业增加值能耗", "energy_per_va", "吨标准煤/万元", 2022, 0.45, 2025, 0.40, 0.39,
                              higher_is_better=False),
                   PlanTarget("专精特新“小巨人”数", None, "家", 2022, 2, 2025, 4, None)]
    return {
        "qualifies": make_client(),
        "fails_output": make_client(indicators={"cluster_output": {2022: 33.6, 2023: 35.9, 2024: 38.4},
                                                "leading_output": {2024: 32.6}, "sme_output": {2024: 30.7}}),
        "near_no_top_tier": make_client(firms=[]),
        "sparse": make_client(basic={"brand": None, "operating_body": None, "area_km2": None},
                              indicators={"energy_per_va": {2022: None, 2023: None, 2024: None},
                                          "exports": {2024: None}, "sme_rd": {2022: None}, "employees": {2024: None},
                                          "standards": {2022: None, 2023: None, 2024: None}},
                              firms=[], platforms=[], plan=[], evidence=[]),
        "veto_and_unanswered": make_client(negative=[NegativeItem("safety_accident", "安全事故", True),
                                                     NegativeItem("tax_evasion", "偷税漏税", None)]),
        "no_negative_answers": make_client(negative=[]),
        "raw_floats": make_client(indicators={"cluster_output": {2022: 52.312345678901234, 2023: 58.91111111,
                                                                 2024: 66.1000000001},
                                              "platform_rate": {2024: 26.44444444}}),
        "review": make_client(basic={"application_type": "复核", "recognised_year": 2022}, plan=review_plan),
        "markup_names": make_client(basic={"cluster_name": "A&B <Smart> \"Q\" 's 产业集群", "county": "青川县<&>",
                                           "brand": "<b>青川</b> & “小家电”"}),
        "review_no_plan": make_client(basic={"application_type": "复核", "recognised_year": 2022}, plan=[]),
    }


VARIANTS = _variants()


def _all_text(n) -> str:
    return "\n".join(p for s in n.sections for p in s.paragraphs)


# What each situation's draft must say (section, sentence), written out by hand.
SAYS = {
    "qualifies": [("dim1", "集群工业总产值年均增速为12.4%（标准：超过10%），符合认定要求。"),
                  ("dim4", "2022—2024年年均增长14.4%")],
    "fails_output": [("basic", "主导产业产值32.6亿元，占集群工业总产值的84.9%；中小企业产值30.7亿元，占比79.9%。"),
                     ("dim1", "下一步：集群工业总产值年均增速目前为6.9%，认定标准为超过10%，尚未达到要求。"),
                     ("dim1", "2022年集群工业总产值需再增加6.4亿元（33.6亿元→40亿元）")],
    "near_no_top_tier": [("dim2", "下一步：主导产业内制造业单项冠军和专精特新“小巨人”企业数，认定标准为不低于1家，"
                                  "相关数据尚未填报。需补填：intake.xlsx › 企业名单：未填写任何企业（也未在“梯度企业数量”表填写已知数量）。")],
    "sparse": [("dim1", "下一步：集群面积，认定标准为不超过100平方公里，相关数据尚未填报。"
                        "需补填：intake.xlsx › 基本信息 › B9（集群面积）未填写。"),
               ("plan", "规划目标尚未填写，请在“发展规划”表中补充目标名称、基期值和目标值。")],
    "veto_and_unanswered": [("negative", "经申报单位核查，集群存在以下负面清单事项：安全事故。按认定标准，负面清单事项"
                                         "实行一票否决。申报单位如实声明上述情况，并对声明的真实性负责。"),
                            ("negative", "以下负面清单事项尚未填写核查结果：偷税漏税，请申报单位逐项核实后补充。")],
    "no_negative_answers": [("negative", "负面清单核查结果尚未填写，请申报单位逐项核实")],
    "raw_floats": [("basic", "集群工业总产值分别为52.3亿元、58.9亿元、66.1亿元，年均增长12.4%；其中2024年同比增长12.2%。"),
                   ("dim5", "2024年集群工业互联网平台应用普及率为26.4%，较2022年提高7.9个百分点。")],
    "review": [("plan_completion", "集群共设定3项目标，已完成1项。"),
               ("plan_completion", "单位工业增加值能耗：基期2022年为0.45吨标准煤/万元，目标0.4吨标准煤/万元，"
                                   "实际完成0.39吨标准煤/万元，已完成。")],
    "markup_names": [("basic", "A&B <Smart> \"Q\" 's 产业集群位于浙江省宁海市青川县<&>，"),
                     ("basic", "集群品牌为<b>青川</b> & “小家电”。")],
    "review_no_plan": [("plan_completion", "集群共设定0项目标，已完成0项。"),
                       ("plan_completion", "规划目标尚未填写，请在“发展规划”表中补充目标、基期值、目标值和实际完成值。")],
}
REPEATED = re.compile(r"([^，。；]{6,})；\1")  # the same item listed twice in a row


def test_every_situation_has_what_it_must_say():
    assert set(SAYS) == set(VARIANTS)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_situation_gives_clean_text_for_every_section(name):
    client = VARIANTS[name]
    n = draft(client, assess(client, None, 2025))
    keys = NEW_KEYS + (["plan_completion"] if client.is_review else [])
    assert n.keys() == keys
    for s in n.sections:
        assert s.paragraphs, s.key
        for p in s.paragraphs:
            assert not FORBIDDEN.search(p), (s.key, p)
            assert not REPEATED.search(p), (s.key, p)
            assert p.strip() and re.search(r"[\u4e00-\u9fff]", p)
    for key, sentence in SAYS[name]:
        assert sentence in n.section(key).text, (key, n.section(key).text)


@pytest.mark.parametrize("client_id", ["qingchuan", "linquan", "minshan", "dongtang"])
def test_demo_clients(client_id):
    client = read_client(examples_dir() / "clients" / client_id)
    n = draft(client, assess(client, None, 2025))
    text = _all_text(n)
    assert client.cluster_name in text and client.county in text
    assert not FORBIDDEN.search(text)


def test_numbers_firms_and_unverified_thresholds_in_official_style():
    client = make_client()
    n = draft(client, assess(client, None, 2025))
    basic = n.section("basic").text
    assert "52.3亿元、58.9亿元、66.1亿元" in basic
    assert "年均增长12.4%" in basic and "同比增长12.2%" in basic
    assert "占集群工业总产值的78.4%" in basic
    assert "青川电器股份有限公司" in n.section("dim2").text  # the 小巨人 by name
    assert "19,900万元" in n.section("dim4").text
    for key in ("dim4", "dim5"):  # national R&D-growth and platform thresholds are unverified
        assert "阈值待核实" in n.section(key).text
    assert "阈值待核实" not in n.section("dim1").text


def test_gaps_get_a_next_step_with_what_it_takes():
    client = VARIANTS["fails_output"]
    a = assess(client, None, 2025)
    n = draft(client, a)
    dim1 = n.section("dim1").paragraphs
    steps = [p for p in dim1 if p.startswith("下一步")]
    failed = [r for r in a.results if r.dimension == 1 and not r.passed]
    assert len(steps) == len(failed) >= 2
    growth = next(p for p in steps if "年均增速" in p)
    assert "6.9%" in growth and "认定标准为超过10%" in growth
    wit = next(r for r in failed if r.measure == "cluster_output_growth").what_it_takes
    assert wit[:10] in growth


def test_review_plan_completion():
    client = VARIANTS["review"]
    n = draft(client, assess(client, None, 2025))
    text = n.section("plan_completion").text
    assert "共设定3项目标，已完成1项" in text
    assert "实际完成70.3亿元" in text and "未完成" in text
    assert "实际完成值待填报" in text
    assert "plan_completion" not in draft(make_client(), assess(make_client(), None, 2025)).keys()


def test_negative_list_veto_is_stated():
    client = VARIANTS["veto_and_unanswered"]
    text = draft(client, assess(client, None, 2025)).section("negative").text
    assert "安全事故" in text and "一票否决" in text and "偷税漏税" in text


@pytest.mark.parametrize("bad", [
    "集群工业总产值为None亿元。", "占比nan%。", "品牌为{{ c.brand }}。", "增长12.345678%。", "集群位于，。",
    "集群工业总产值为。", "面积（）平方公里。", "", "   ", "abc",
])
def test_final_check_refuses_bad_text(bad):
    with pytest.raises(TemplateError, match="dim1.j2"):
        check_text("dim1.j2", [bad])


def test_final_check_accepts_official_text():
    check_text("x.j2", ["2022—2024年集群工业总产值分别为52.3亿元、58.9亿元，年均增长12.4%。Nano材料企业名称不受影响。"])


@pytest.fixture
def editable_templates(tmp_path) -> Path:
    folder = tmp_path / "narrative"
    shutil.copytree(narrative_dir(), folder)
    return folder


def test_a_consultants_template_that_prints_none_is_refused_naming_it(editable_templates):
    (editable_templates / "dim6.j2").write_text("集群单位能耗为{{ c.tier_names.get('nothing') }}。\n", encoding="utf-8")
    client = make_client()
    with pytest.raises(TemplateError, match=r"dim6\.j2.*None"):
        draft(client, assess(client, None, 2025), folder=editable_templates)


def test_a_consultants_template_with_an_unknown_fact_is_refused_naming_it(editable_templates):
    (editable_templates / "dim7.j2").write_text("出口{{ c.exports_2030 }}。\n", encoding="utf-8")
    client = make_client()
    with pytest.raises(TemplateError, match=r"dim7\.j2.*exports_2030"):
        draft(client, assess(client, None, 2025), folder=editable_templates)


def test_a_consultants_edit_shows_in_the_draft(editable_templates):
    (editable_templates / "dim7.j2").write_text(
        "{{ c.cluster_name }}积极拓展海外市场。\n\n第二段：出口交货值{{ c.exports_latest }}。\n", encoding="utf-8")
    client = make_client()
    s = draft(client, assess(client, None, 2025), folder=editable_templates).section("dim7")
    assert s.paragraphs == ["青川县智能小家电产业集群积极拓展海外市场。", "第二段：出口交货值10.2亿元。"]


def _keys(spec_or_value, value) -> None:
    if isinstance(spec_or_value, dict):
        assert set(spec_or_value) == set(value), set(spec_or_value) ^ set(value)
        for k, sub in spec_or_value.items():
            if sub is not None:
                _keys(sub, value[k])
    elif isinstance(spec_or_value, list):
        for item in value:
            _keys(spec_or_value[0], item)


@pytest.mark.parametrize("name", ["qualifies", "review", "sparse", "veto_and_unanswered"])
def test_declared_context_spec_matches_the_facts(name):
    client = VARIANTS[name]
    a = assess(client, None, 2025)
    _keys(CONTEXT_SPEC["c"], client_facts(client, a))
    _keys(CONTEXT_SPEC["a"], assessment_facts(a))
    for n in range(0, 10):
        _keys(CONTEXT_SPEC["d"], dimension_facts(a, n))
    for r in a.results:
        _keys(CONTEXT_SPEC["d"]["results"][0], result_facts(r))


def test_every_section_has_a_template():
    for _key, template, _title, _dim in SECTIONS:
        assert (narrative_dir() / template).is_file()


# What the intake reader can give: a finite number or nothing (it refuses NaN and infinities as 不是有效数字).
values = st.one_of(st.none(), st.floats(min_value=0.001, max_value=5000, allow_nan=False))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(out=st.lists(values, min_size=3, max_size=3), rd=st.lists(values, min_size=3, max_size=3),
       rate=values, energy=values, review=st.booleans())
def test_any_numbers_give_clean_text(out, rd, rate, energy, review):
    years = [2022, 2023, 2024]
    client = make_client(
        basic={"application_type": "复核" if review else "新申报", "recognised_year": 2022 if review else None},
        indicators={"cluster_output": dict(zip(years, out)), "sme_rd": dict(zip(years, rd)),
                    "platform_rate": {2024: rate}, "energy_per_va": {2024: energy}})
    n = draft(client, assess(client, None, 2025))
    assert not FORBIDDEN.search(_all_text(n))


@pytest.mark.parametrize("client_id", ["qingchuan", "linquan", "minshan", "dongtang"])
def test_demo_drafts_read_as_official_chinese(client_id):
    """What a reader of the application meets: no Latin words (rulebook ids, markers such as （M）), no
    doubled brackets where a platform's name ends in a bracket and its level follows."""
    client = read_client(examples_dir() / "clients" / client_id)
    text = _all_text(draft(client, assess(client, None, 2025)))
    assert not re.search(r"[A-Za-z]{2,}|（[A-Z]）", text), re.findall(r".{12}[A-Za-z]{2,}.{4}|.{12}（[A-Z]）", text)
    assert "）（" not in text, re.findall(r".{20}）（.{8}", text)


def test_review_plan_gaps_name_the_target_and_say_its_progress_once():
    client = read_client(examples_dir() / "clients" / "dongtang")
    n = draft(client, assess(client, None, 2025))
    paras = n.section("plan_completion").paragraphs
    steps = [p for p in paras if p.startswith("下一步")]
    assert [p.split("规划目标目前")[0] for p in steps] == ["下一步：集群工业总产值", "下一步：工业互联网平台应用普及率"]
    for p in steps:  # the target's own name, not the rulebook's label “规划目标：…（2022→2025，越高越好）”
        assert "规划目标：" not in p and "→" not in p and "越高越好" not in p
        assert "阈值待核实" in p
    text = n.section("plan_completion").text
    assert "65.9%" in text and "66%" not in text  # one figure for the share achieved, one decimal
    assert "（东塘纺织服务中心，国家级）" in n.section("dim8").text


def test_quotes_inside_a_quoted_criterion_become_single_quotes():
    from toolkit.documents.narrative import quoted

    assert quoted("参与“一带一路”建设") == "“参与‘一带一路’建设”"
    client = read_client(examples_dir() / "clients" / "linquan")  # lacks the open-cooperation evidence
    text = draft(client, assess(client)).to_markdown()
    assert "‘一带一路’" in text and "““" not in text and "对照“参与“" not in text


def test_under_a_mean_yoy_rulebook_every_sentence_states_the_assessments_growth(tmp_path):
    """Output 40 → 60 → 61: the mean of the year-on-year rates is (50% + 1.67%) ÷ 2 = 25.8%, the CAGR would
    be 23.5%. A rulebook that says mean_yoy gets 25.8% in the facts and beside the criterion alike."""
    rulebook = tmp_path / "mean-yoy.yaml"
    rulebook.write_text("id: mean-yoy\nextends: national-2022\ntitle: 逐年增长率平均（测试）\n"
                        "settings: {growth_method: mean_yoy}\n", encoding="utf-8")
    client = make_client(indicators={"cluster_output": {2022: 40.0, 2023: 60.0, 2024: 61.0}})
    a = assess(client, rulebook, 2025)
    assert a.growth_method == "mean_yoy"
    n = draft(client, a)
    dim1 = n.section("dim1").text
    assert "40亿元、60亿元、61亿元，年均增长25.8%" in dim1  # the facts paragraph
    assert "集群工业总产值年均增速为25.8%（标准：超过10%）" in dim1  # the criterion's paragraph
    assert "年均增长25.8%" in n.section("basic").text
    assert "23.5%" not in n.to_markdown()


# -- what the county typed is never a reason to refuse the draft --------------------------------------

def _schema_negative(answers: dict[str, bool | None]) -> list[NegativeItem]:
    """The negative list as the reader gives it: the schema's own labels (…行为, …事故)."""
    from toolkit.intake.schema import sheet

    return [NegativeItem(i["id"], i["label"], answers.get(i["id"], False)) for i in sheet("negative")["items"]]


@pytest.mark.parametrize("client_id", ["qingchuan", "linquan", "minshan", "dongtang"])
def test_negative_list_yes_answers_give_the_declaration_and_a_veto(client_id):
    client = read_client(examples_dir() / "clients" / client_id)
    client.negative = _schema_negative({"tax_evasion": True, "violation": True, "dishonesty": True})
    a = assess(client, None, 2025)
    assert "一票否决" in {r.verdict for r in a.results if r.dimension == 0}
    text = draft(client, a).section("negative").text
    for label in ("近三年存在偷税漏税行为", "近三年存在违法违规行为", "近三年存在严重失信行为"):
        assert label in text
    assert "一票否决" in text and "真实性负责" in text and "其余6项" in text
    assert not FORBIDDEN.search(text)


@pytest.mark.parametrize("where, value", [
    ("firm", "INF精密机械（浙江）有限公司"),
    ("firm", "{{精密}}机械有限公司"),
    ("firm", "Nan科技有限公司"),
    ("brand", "0.529999"),
    ("brand", "{% raw %}青川{{ c.brand }}"),
    ("brand", "为，、"),
    ("brand", "null"),
    ("cluster_name", "ABC Cluster"),
    ("operating_body", "（ ）促进中心"),
    ("plan", "目标0.529999"),
    ("note", "已补缴，，见附件\n\n，第二段"),
])
def test_a_county_value_is_shown_as_typed_never_refused(where, value):
    if where == "firm":
        firms = [Firm(value, None, True, True, frozenset({"little_giant"}), None)]
        client = make_client(firms=firms)
    elif where == "plan":
        client = make_client(plan=[PlanTarget(value, "cluster_output", "亿元", 2024, 66.1, 2027, 90.0, None)])
    elif where == "note":
        client = make_client(negative=_schema_negative({"tax_evasion": True}))
        client.negative[5].note = value
    else:
        client = make_client(basic={where: value})
    n = draft(client, assess(client, None, 2025))
    shown = value.replace("\n", "") if value != "null" else ""
    assert shown in _all_text(n)


def test_a_templates_own_fault_beside_county_text_is_still_refused_in_chinese(editable_templates):
    # The empty value follows a county name: the template's “为。” is its own, and is refused.
    (editable_templates / "dim7.j2").write_text(
        "{{ c.cluster_name }}积极拓展海外市场，出口交货值为{{ c.sme_rd_first if false else '' }}。\n", encoding="utf-8")
    client = make_client(basic={"cluster_name": "INF产业集群"})
    with pytest.raises(TemplateError) as info:
        draft(client, assess(client, None, 2025), folder=editable_templates)
    msg = str(info.value)
    assert msg.startswith("dim7.j2") and "积极参与产业开放合作" in msg  # the file and the section
    assert "缺少数值" in msg and "修改模板 dim7.j2" in msg
    assert not re.search(r"[A-Za-z]{3,} [a-z]{3,}", msg), msg  # no English sentence


def test_the_final_checks_messages_are_chinese():
    for bad in ["集群工业总产值为None亿元。", "占比nan%。", "品牌为{{ c.brand }}。", "增长12.345678%。",
                "集群位于，。", "面积（）平方公里。", "", "abc"]:
        with pytest.raises(TemplateError) as info:
            check_text("dim1.j2", [bad], section="具有较强核心竞争力")
        msg = str(info.value)
        assert "“具有较强核心竞争力”部分第1段" in msg and re.search(r"[\u4e00-\u9fff]{4}", msg), msg
        assert not re.search(r"\b(?:paragraph|contains|holds|sentence)\b", msg), msg
