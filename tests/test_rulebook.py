"""Rulebooks: loading, overrides, a consultant's own file, and every mistake named by file and key."""

from __future__ import annotations

import textwrap

import pytest

from factories import make_client
from toolkit.assess.assessment import assess
from toolkit.core.errors import RulebookError
from toolkit.assess.rulebook import available_rulebooks, default_rulebook, load_rulebook
from toolkit.intake.schema import load_schema


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_shipped_rulebooks_load():
    assert {"national-2022", "yunnan", "shanghai", "review-2022"} <= set(available_rulebooks())
    for name in available_rulebooks():
        rb = load_rulebook(name)
        assert rb.id == name and rb.criteria


def test_national_covers_eight_dimensions_and_negative_list():
    rb = load_rulebook("national-2022")
    assert {c.dimension for c in rb.criteria} == set(range(0, 9))
    measures = {cmp.measure for c in rb.criteria for cmp in c.comparisons}
    assert measures == {"area_km2", "cluster_output_min", "sme_output_share", "leading_output_share",
                        "cluster_output_growth", "top_tier_firms", "quality_firms", "sme_rd_growth", "platform_rate"}
    kinds = set(load_schema()["evidence_kinds"])
    for c in rb.criteria:
        assert c.clause.startswith("认定标准（2022年版）"), c.id
        assert set(c.evidence) <= kinds
        assert c.source, c.id
    # dimensions 6–8 are evidence only
    assert all(c.kind == "evidence" for c in rb.criteria if c.dimension in (6, 7, 8))
    # the any-of criterion
    c21 = rb.criterion("2.1")
    assert [(x.measure, x.operator, x.threshold) for x in c21.any_of] == [("top_tier_firms", ">=", 1),
                                                                         ("quality_firms", ">=", 10)]


def test_unconfirmed_national_values_are_unverified():
    rb = load_rulebook("national-2022")
    rd, platform = rb.criterion("4.1"), rb.criterion("5.1")
    assert (rd.threshold, rd.verified, rd.confidence) == (10, False, "L")
    assert (platform.threshold, platform.verified) == (10, False)
    assert "国家标准数值未获取，参照云南、上海10%" in platform.note
    for cid in ("1.2", "1.3", "1.4", "1.5", "2.1"):
        assert rb.criterion(cid).verified
    # every non-H value is unverified (the loader refuses otherwise)
    assert all(not c.verified for c in rb.criteria if c.confidence != "H")
    assert rb.settings["growth_method"] == "cagr"


def test_variants_state_only_differences():
    yn, sh, nat = load_rulebook("yunnan"), load_rulebook("shanghai"), load_rulebook("national-2022")
    assert yn.chain == ["national-2022", "yunnan"]
    assert yn.criterion("1.2").threshold == 10 and yn.criterion("1.3").threshold == 50
    assert yn.criterion("1.4").threshold == 60 and yn.criterion("1.5").threshold == 3
    assert yn.criterion("2.1").any_of[1].threshold == 3
    assert yn.criterion("4.1").threshold == 5 and yn.criterion("4.1").verified
    assert yn.criterion("1.1").threshold == nat.criterion("1.1").threshold == 100
    assert sh.criterion("4.3").measure == "standards" and sh.criterion("4.3").threshold == 2
    assert sh.criterion("8.1").facts == ["operating_body", "public_service_municipal"]
    assert "8.2" in [c.id for c in sh.criteria]
    # the national file is unchanged by loading the variants
    assert load_rulebook("national-2022").criterion("4.1").threshold == 10


def test_review_rulebook_adds_plan_targets_and_consequence():
    rb = load_rulebook("review-2022")
    plan = rb.criterion("9.1")
    assert plan.kind == "plan" and plan.threshold == 100 and not plan.verified and not plan.hard
    assert "撤销认定" in rb.consequence
    assert default_rulebook(make_client(basic={"application_type": "复核"})) == "review-2022"
    assert default_rulebook(make_client()) == "national-2022"


def test_new_province_of_only_differences_in_a_temporary_folder(tmp_path):
    path = write(tmp_path, "guangxi.yaml", """\
        id: guangxi
        extends: national-2022
        title: 某省认定细则（测试）
        settings: {growth_method: mean_yoy}
        overrides:
          "1.2": {threshold: 20, title: 近三年每年集群工业总产值不低于20亿元, confidence: M, verified: false, source: 测试,
                  reference: {document: 某省认定细则, clause: 第三条}, checked: 2026-11-20}
        remove: ["4.3"]
        add:
          - {id: "8.9", dimension: 8, clause: 某省细则第八条, title: 省级集群促进机构, kind: evidence,
             evidence: [governance], confidence: H, source: 测试, reference: {document: 某省认定细则, clause: 第八条}}
        """)
    client = make_client(indicators={"cluster_output": {2022: 25.0, 2023: 28.0, 2024: 31.0},
                                     "leading_output": {2024: 25.0}, "sme_output": {2024: 24.0}})
    a = assess(client, path)
    assert a.rulebook == "guangxi"
    r12 = a.result("1.2")
    assert r12.verdict == "达标" and r12.threshold == 20 and not r12.verified and "1.2" in a.unverified
    assert "4.3" not in [r.id for r in a.results]
    assert a.result("8.9").verdict == "达标"
    # mean of year-on-year rates: (28/25 − 1 + 31/28 − 1) / 2 = 11.357% (the CAGR would be 11.355%)
    r15 = a.result("1.5")
    assert r15.value == pytest.approx(11.35714, abs=1e-5)
    assert "÷ 2" in r15.formula and "28 ÷ 25" in r15.formula
    assert any("逐年增长率" in s for s in a.settings)
    # the national criteria still fail that client
    assert assess(client, "national-2022").result("1.2").verdict == "未达标"


def test_extends_a_sibling_file_first(tmp_path):
    write(tmp_path, "base.yaml", """\
        id: base
        criteria:
          - {id: "1.2", dimension: 1, clause: c, title: t, measure: cluster_output_min, operator: ">=", threshold: 60, unit: 亿元,
             reference: {document: 基础细则, clause: 第一条}}
        """)
    child = write(tmp_path, "child.yaml", "id: child\nextends: base\n")
    rb = load_rulebook(child)
    assert rb.chain == ["base", "child"] and rb.criterion("1.2").threshold == 60
    assert rb.files == [(tmp_path / "base.yaml").resolve(), child.resolve()]
    assert assess(make_client(), child).result("1.2").verdict == "未达标"


def test_a_sibling_base_removed_is_no_longer_read(tmp_path):
    """A copy of the national criteria beside a consultant's file shadows the installed one; once it is
    deleted, the installed one is read again (not the copy remembered from an earlier load)."""
    installed = load_rulebook("national-2022")
    sibling = tmp_path / "national-2022.yaml"
    text = installed.path.read_text(encoding="utf-8")
    sibling.write_text(text.replace("threshold: 40\n", "threshold: 60\n", 1), encoding="utf-8")
    child = write(tmp_path, "child.yaml", "id: child\nextends: national-2022\n")
    rb = load_rulebook(child)
    assert rb.criterion("1.2").threshold == 60 and rb.files == [sibling.resolve(), child.resolve()]
    sibling.unlink()
    rb = load_rulebook(child)
    assert rb.criterion("1.2").threshold == 40 and rb.files == [installed.path, child.resolve()]


BAD = [
    ("unknown measure", "measure: output_max", "criteria › 1.2 › measure", "output_max"),
    ("unknown operator", 'operator: "≥"', "criteria › 1.2 › operator", "≥"),
    ("unknown dimension", "dimension: 12", "criteria › 1.2 › dimension", "12"),
    ("missing threshold", "threshold: null", "criteria › 1.2 › threshold", "阈值"),
    ("text threshold", "threshold: 四十", "criteria › 1.2 › threshold", "四十"),
    ("unknown evidence", "evidence: [photos]", "criteria › 1.2 › evidence › photos", "证明材料类型"),
    ("verified L", "{confidence: L, verified: true}", "criteria › 1.2 › verified", "L"),
    ("no reference", "reference: null", "criteria › 1.2 › reference", "出处"),
    ("reference without clause", "reference: {document: 某省细则}", "criteria › 1.2 › reference › clause", "条款"),
    ("period ends before it starts", "in_force: {from: 2024-01-01, to: 2023-12-31}", "criteria › 1.2 › in_force",
     "早于开始日期"),
    ("checked not a date", "checked: 上个月", "criteria › 1.2 › checked", "YYYY-MM-DD"),
    ("unknown rounding kind", "rounding: {kind: banker, digits: 1}", "criteria › 1.2 › rounding › kind", "banker"),
    ("rounding digits not a number", "rounding: {kind: half_up, digits: 一}", "criteria › 1.2 › rounding › digits", "整数"),
]


@pytest.mark.parametrize("what,change,key,text", BAD, ids=[b[0] for b in BAD])
def test_bad_criterion_names_file_and_key(tmp_path, what, change, key, text):
    base = {"measure": "cluster_output_min", "operator": '">="', "dimension": "1", "threshold": "40",
            "evidence": "[statistics]", "confidence": "H", "verified": "true",
            "reference": "{document: 某省细则, clause: 第一条}"}
    k, _, v = change.partition(": ")
    if change.startswith("{"):
        base.update(confidence="L", verified="true")
    else:
        base[k] = v
    fields = ", ".join(f"{k}: {v}" for k, v in base.items())
    path = write(tmp_path, "mine.yaml", f"""\
        id: mine
        criteria:
          - {{id: "1.2", clause: c, title: t, unit: 亿元, {fields}}}
        """)
    with pytest.raises(RulebookError) as exc:
        load_rulebook(path)
    assert exc.value.file == "mine.yaml"
    assert exc.value.key == key
    assert text in str(exc.value)


def test_bad_override_names_the_variant_file(tmp_path):
    path = write(tmp_path, "p.yaml", """\
        id: p
        extends: national-2022
        overrides:
          "1.3": {measure: sme_share, confidence: H}
        """)
    with pytest.raises(RulebookError) as exc:
        load_rulebook(path)
    assert exc.value.file == "p.yaml" and exc.value.key == "criteria › 1.3 › measure"


def test_override_of_unknown_criterion_and_threshold_without_status(tmp_path):
    p1 = write(tmp_path, "p1.yaml", 'id: p1\nextends: national-2022\noverrides: {"1.9": {threshold: 3}}\n')
    with pytest.raises(RulebookError, match=r"p1.yaml › overrides › 1.9"):
        load_rulebook(p1)
    p2 = write(tmp_path, "p2.yaml", 'id: p2\nextends: national-2022\noverrides: {"1.2": {threshold: 30}}\n')
    with pytest.raises(RulebookError, match=r"p2.yaml › overrides › 1.2.*confidence"):
        load_rulebook(p2)


def test_circular_extends(tmp_path):
    write(tmp_path, "a.yaml", "id: a\nextends: b\n")
    write(tmp_path, "b.yaml", "id: b\nextends: a\n")
    with pytest.raises(RulebookError) as exc:
        load_rulebook(tmp_path / "a.yaml")
    assert exc.value.key == "extends" and "循环" in str(exc.value)


def test_unknown_rulebook_and_missing_base(tmp_path):
    with pytest.raises(RulebookError, match="national-2099"):
        load_rulebook("national-2099")
    p = write(tmp_path, "x.yaml", "id: x\nextends: nowhere\n")
    with pytest.raises(RulebookError, match="nowhere"):
        load_rulebook(p)
    with pytest.raises(RulebookError, match="file"):
        load_rulebook(tmp_path / "absent.yaml")


def test_misspelt_keys_are_refused_not_ignored(tmp_path):
    p = write(tmp_path, "typo.yaml", 'id: typo\nextends: national-2022\noverides: {"1.2": {threshold: 30}}\n')
    with pytest.raises(RulebookError) as exc:
        load_rulebook(p)
    assert exc.value.key == "overides"
    p = write(tmp_path, "typo2.yaml", 'id: typo2\nextends: national-2022\n'
                                      'overrides: {"1.2": {treshold: 30, confidence: M, verified: false}}\n')
    with pytest.raises(RulebookError) as exc:
        load_rulebook(p)
    assert exc.value.file == "typo2.yaml" and exc.value.key == "criteria › 1.2 › treshold"
    p = write(tmp_path, "typo3.yaml", "id: typo3\nextends: national-2022\nsettings: {growth: cagr}\n")
    with pytest.raises(RulebookError, match="settings › growth"):
        load_rulebook(p)
    p = write(tmp_path, "typo4.yaml", "id: typo4\nextends: national-2022\nsettings: {growth_method: average}\n")
    with pytest.raises(RulebookError, match="settings › growth_method"):
        load_rulebook(p)


def test_a_setting_nothing_reads_is_refused(tmp_path):
    # share_year once passed the check though no measure read it: a consultant changing it changed nothing
    p = write(tmp_path, "shares.yaml", "id: shares\nextends: national-2022\nsettings: {share_year: latest}\n")
    with pytest.raises(RulebookError, match="settings › share_year: 未知设置；可用：growth_method"):
        load_rulebook(p)


def test_rulebook_file_that_is_not_text_or_not_found_names_file(tmp_path):
    # A Word file or random bytes passed as --rulebook: a named error, not a UnicodeDecodeError.
    p = tmp_path / "guangxi.yaml"
    p.write_bytes(b"\xfa\xfb\x00PK\x03\x04 not yaml at all \xff")
    with pytest.raises(RulebookError) as exc:
        load_rulebook(p)
    assert exc.value.file == "guangxi.yaml" and exc.value.key == "file" and "UTF-8" in str(exc.value)
    # a folder given where the file is expected
    with pytest.raises(RulebookError, match="是文件夹"):
        load_rulebook(f"{tmp_path}/")


def test_missing_base_is_named_in_the_file_that_extends_it(tmp_path):
    p = write(tmp_path, "mine.yaml", "id: mine\nextends: nosuch-base\n")
    with pytest.raises(RulebookError) as exc:
        load_rulebook(p)
    assert exc.value.file == "mine.yaml" and exc.value.key == "extends"
    assert "nosuch-base" in str(exc.value) and "national-2022" in str(exc.value)


def test_an_override_that_changes_a_threshold_needs_its_own_reference(tmp_path):
    # the national reference would otherwise stand beside a province's number
    p = write(tmp_path, "p3.yaml", 'id: p3\nextends: national-2022\n'
                                   'overrides: {"1.2": {threshold: 30, confidence: H, verified: true, source: 某省}}\n')
    with pytest.raises(RulebookError) as exc:
        load_rulebook(p)
    assert exc.value.file == "p3.yaml" and exc.value.key == "overrides › 1.2 › reference"
    p = write(tmp_path, "p4.yaml", 'id: p4\nextends: national-2022\n'
                                   'overrides: {"1.2": {threshold: 30, confidence: H, verified: true, source: 某省,\n'
                                   '                    reference: {document: 某省细则, clause: 第二条}, checked: 2026-01-05}}\n')
    c = load_rulebook(p).criterion("1.2")
    assert str(c.reference) == "某省细则第二条" and c.checked.isoformat() == "2026-01-05"
    # a wording-only override keeps the base's reference
    p = write(tmp_path, "p5.yaml", 'id: p5\nextends: national-2022\noverrides: {"1.2": {title: 新标题}}\n')
    assert "119号" in str(load_rulebook(p).criterion("1.2").reference)


def test_shipped_rules_are_dated_and_referenced():
    for name in available_rulebooks():
        for c in load_rulebook(name).criteria:
            assert c.reference and c.reference.document and c.reference.clause, (name, c.id)
            assert c.checked is not None, (name, c.id)
    c = load_rulebook("national-2022").criterion("1.2")
    assert "工信部企业〔2022〕119号" in c.reference.document and c.reference.clause == "第一条"
    assert c.in_force[0].isoformat() == "2022-09-13" and c.in_force[1] is None
