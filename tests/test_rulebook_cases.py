"""Runs the rulebook cases in tests/rulebook_cases/*.yaml (see the README there).

Each case is a situation (changes to the model cluster of tests/factories.py) and the verdicts a
policy expert expects. A further test checks that every quantitative criterion of every shipped
rulebook has a passing, a failing and a borderline case.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from factories import make_client
from toolkit.assess.assessment import assess
from toolkit.intake import plausibility
from toolkit.intake.model import EvidenceItem, Firm, NegativeItem, Platform, PlanTarget, Source, TierCount
from toolkit.assess.rulebook import available_rulebooks, load_rulebook
from toolkit.assess.result import VERDICTS, trace_lines

CASES_DIR = Path(__file__).parent / "rulebook_cases"


def _load_files() -> list[tuple[Path, dict]]:
    return [(p, yaml.safe_load(p.read_text(encoding="utf-8"))) for p in sorted(CASES_DIR.glob("*.yaml"))]


def _cases():
    out = []
    for path, data in _load_files():
        defaults = data.get("defaults") or {}
        for i, case in enumerate(data["cases"]):
            merged = {**defaults, **case}
            merged["basic"] = {**(defaults.get("basic") or {}), **(case.get("basic") or {})}
            merged.setdefault("rulebook", data["rulebook"])
            if str(merged["rulebook"]).endswith(".yaml"):  # a rulebook of the cases' own, beside them
                merged["rulebook"] = str(CASES_DIR / merged["rulebook"])
            out.append(pytest.param(merged, id=f"{path.stem}:{i}:{case['name']}"))
    return out


def _src(sheet: str, cell: str) -> Source:
    return Source("intake.xlsx", sheet, cell)


def build_client(case: dict):
    """The model cluster with the case's changes applied."""
    kw = {}
    if "firms" in case:
        firms, row = [], 3
        for spec in case["firms"]:
            for k in range(spec.get("count", 1)):
                firms.append(Firm(spec.get("name", f"企业{row}"), spec.get("code"), spec.get("sme", True),
                                  spec.get("leading", True), frozenset(spec.get("tiers") or ()), _src("企业名单", f"A{row}"),
                                  tiers_unknown=bool(spec.get("tiers_unknown", False))))
                row += 1
        kw["firms"] = firms
    if "platforms" in case:
        kw["platforms"] = [Platform(p["name"], p["kind"], p.get("level"), p.get("host", ""), _src("平台机构", f"A{3 + i}"))
                           for i, p in enumerate(case["platforms"])]
    if "plan" in case:
        kw["plan"] = [PlanTarget(t["name"], t.get("indicator"), t.get("unit", ""), t.get("base_year", 2022), t.get("base"),
                                 t.get("target_year", 2025), t.get("target"), t.get("actual"), _src("发展规划", f"A{3 + i}"),
                                 higher_is_better=not t.get("lower_is_better", False))
                      for i, t in enumerate(case["plan"])]
    client = make_client(basic=case.get("basic"), indicators=case.get("indicators"), **kw)
    for key, text in (case.get("notes") or {}).items():  # the 说明 column of 年度指标
        client.indicators[key] = {y: dataclasses.replace(v, note=text) for y, v in client.indicators[key].items()}
    # the reader's plausibility checks, as a workbook holding these figures would get them
    plausibility.attach(client.indicators, plausibility.check(client.indicators, client.years))
    client.tier_counts = [TierCount(t["tier"], t["count"], t.get("leading"), t.get("basis", "测试来源"),
                                    _src("梯度企业数量", f"C{2 + i}")) for i, t in enumerate(case.get("tier_counts") or [])]
    if case.get("negative"):
        answers = case["negative"]
        client.negative = [NegativeItem(n.id, n.label, answers.get(n.id, n.occurred) if n.id in answers else n.occurred,
                                        n.note, n.source) for n in client.negative]
    if case.get("evidence_missing"):
        drop = set(case["evidence_missing"])
        client.evidence = [e for e in client.evidence if not drop & set(e.kinds)]
    for k, kind in enumerate(case.get("evidence_extra") or []):
        client.evidence.append(EvidenceItem(f"材料{kind}", f"evidence/{kind}.pdf", (kind,),
                                            _src("佐证材料", f"A{40 + k}"), True))
    return client


@pytest.mark.parametrize("case", _cases())
def test_case(case):
    client = build_client(case)
    a = assess(client, case["rulebook"], case.get("round"), western_relaxation=case.get("western_relaxation", False))
    got = {r.id: r for r in a.results}
    for cid, verdict in case.get("expect", {}).items():
        assert verdict in VERDICTS, f"case names an unknown verdict {verdict}"
        assert cid in got, f"no result {cid}; results: {sorted(got)}"
        r = got[cid]
        assert r.verdict == verdict, (f"{cid} {r.title}: expected {verdict}, got {r.verdict} "
                                      f"(value {r.value}, formula {r.formula}, missing {r.missing})")
    if "overall" in case:
        assert a.overall == case["overall"], [(r.id, r.verdict) for r in a.results if r.verdict != "达标"]
    for cid, text in (case.get("what_it_takes") or {}).items():
        assert text in got[cid].what_it_takes, got[cid].what_it_takes
    for cid, flag in (case.get("verified") or {}).items():
        assert got[cid].verified is flag
        assert (cid in a.unverified) is (not flag)
    for text in case.get("settings_contain") or []:
        assert any(text in s for s in a.settings), a.settings
    for text in case.get("headline_contains") or []:
        assert text in a.headline, a.headline
    if "provisional" in case:
        assert a.provisional is case["provisional"], a.headline
    for cid, text in (case.get("trace_contains") or {}).items():
        lines = "\n".join(trace_lines(got[cid]))
        assert text in lines, lines
    for cid, text in (case.get("note_contains") or {}).items():
        assert text in got[cid].note, got[cid].note
    for cid, text in (case.get("missing_contain") or {}).items():
        assert any(text in m for m in got[cid].missing), got[cid].missing
    for cid, text in (case.get("formula_contains") or {}).items():
        assert text in got[cid].formula, got[cid].formula


def test_every_quantitative_criterion_has_pass_fail_and_borderline_cases():
    covered: dict[tuple[str, str], set[str]] = {}
    for _, data in _load_files():
        for case in data["cases"]:
            cov = case.get("covers")
            if cov:
                rb = case.get("rulebook", data["rulebook"])
                covered.setdefault((rb, str(cov["criterion"])), set()).add(cov["kind"])
    missing = []
    for name in available_rulebooks():
        rb = load_rulebook(name)
        for c in rb.criteria:
            if c.kind not in ("quantitative", "plan"):
                continue
            # a criterion inherited unchanged is covered by the cases of the rulebook that defines it
            owner = Path(c.origin).stem
            kinds = covered.get((owner, c.id), set())
            lacking = {"pass", "fail", "borderline"} - kinds
            if lacking:
                missing.append(f"{owner} {c.id}: {sorted(lacking)}")
    assert not missing, "criteria without cases: " + "; ".join(missing)
