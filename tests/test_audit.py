"""Rulebook audits: `clusterkit rulebook check` (references, dates, periods) and `rulebook diff` over a portfolio."""

from __future__ import annotations

import datetime as dt
import textwrap

from toolkit.assess.audit import check_rulebooks, diff_rulebooks
from toolkit.cli import main
from toolkit.core.paths import examples_dir

CLIENTS = examples_dir() / "clients"


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def test_shipped_rulebooks_pass_the_check(capsys):
    findings = check_rulebooks(today=dt.date(2027, 1, 1))
    assert not [f for f in findings if f.severity == "error"], [str(f) for f in findings]
    assert main(["rulebook", "check", "--today", "2027-01-01"]) == 0
    out = capsys.readouterr().out
    assert "national-2022：通过" in out and "0 个错误" in out


def test_a_rule_without_a_reference_fails_the_check_naming_file_and_key(tmp_path, capsys):
    p = write(tmp_path, "mine.yaml", """\
        id: mine
        criteria:
          - {id: "1.2", dimension: 1, clause: 某省细则第一条, title: 产值, measure: cluster_output_min, operator: ">=",
             threshold: 20, unit: 亿元, confidence: H}
        """)
    [f] = check_rulebooks([p])
    assert f.severity == "error" and f.file == "mine.yaml" and f.key == "criteria › 1.2 › reference"
    assert main(["rulebook", "check", str(p)]) == 1
    out = capsys.readouterr().out
    assert "mine.yaml › criteria › 1.2 › reference" in out and "缺少出处" in out and "1 个错误" in out


def test_old_checks_and_rounds_outside_a_period_are_warnings(tmp_path, capsys):
    p = write(tmp_path, "old.yaml", """\
        id: old
        extends: national-2022
        overrides:
          "1.2": {threshold: 30, confidence: H, verified: true, source: 某省旧细则,
                  reference: {document: 某省旧细则, clause: 第二条}, in_force: {from: 2020-01-01, to: 2023-12-31},
                  checked: 2024-02-01}
        """)
    findings = check_rulebooks([p], rounds=[2025], today=dt.date(2026, 12, 1))
    assert all(f.severity == "warning" for f in findings)
    keys = {f.key: f.message for f in findings}
    assert "2025年度" in keys["criteria › 1.2 › in_force"] and "2020-01-01—2023-12-31" in keys["criteria › 1.2 › in_force"]
    assert "超过一年" in keys["criteria › 1.2 › checked"]
    assert all(f.file == "old.yaml" for f in findings if f.key.startswith("criteria › 1.2"))
    assert main(["rulebook", "check", str(p), "--round", "2025", "--today", "2026-12-01"]) == 0
    assert "提示" in capsys.readouterr().out
    # the period shows in the assessment's settings too
    from factories import make_client
    from toolkit.assess.assessment import assess

    a = assess(make_client(), p, 2025)
    assert any(s.startswith("规则有效期") and "1.2" in s for s in a.settings)


def test_diff_lists_per_client_the_criteria_whose_verdict_changes(tmp_path, capsys):
    p = write(tmp_path, "notice-2026.yaml", """\
        id: notice-2026
        extends: national-2022
        overrides:
          "1.2": {threshold: 55, title: 近三年每年集群工业总产值不低于55亿元, confidence: M, verified: false,
                  source: 假设的新通知, reference: {document: 假设的新通知, clause: 第一条}, checked: 2026-12-01}
        """)
    diffs = diff_rulebooks("national-2022", p, [CLIENTS / "qingchuan", CLIENTS / "linquan"], round=2025)
    by = {d.folder.name: d for d in diffs}
    q = by["qingchuan"]
    assert [(c.id, c.old, c.new) for c in q.changes] == [("1.2", "达标", "未达标")]
    assert q.old_overall == "符合条件" and q.new_overall.startswith("不符合条件")
    assert by["linquan"].changes == []  # already short of 40: the new threshold changes nothing there
    assert main(["rulebook", "diff", "national-2022", str(p), str(CLIENTS / "qingchuan"), str(tmp_path / "nobody")]) == 1
    out = capsys.readouterr().out
    assert "1.2 近三年每年集群工业总产值不低于55亿元：达标 → 未达标；标准 不低于40亿元 → 不低于55亿元" in out
    assert "【nobody】未能评估" in out
