"""The briefing memo, the client proposal and the province briefing: what they say, and that they open.

One PDF conversion per document kind (memo, proposal); everything else is checked in the .docx."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zipfile

import pytest
from docx import Document

import office
from briefing_support import EXAMPLES, assessment_for, round_2025, situations
from factories import make_client
from toolkit.documents import briefing
from toolkit.cli import main
from toolkit.assess.result import FAIL, NEEDS_EVIDENCE

S = situations()
ROUND = round_2025()
MAY10 = dt.date(2025, 5, 10)
# The failing demo-like client (林泉县), written out by hand: its gaps, worst first, and its verdict.
LINQUAN_GAPS = ["1.5", "4.1", "1.2", "6.1", "7.1"]
LINQUAN_VERDICT = ("林泉县特种纸产业集群目前有3项条件未达标（1.2 集群工业总产值（三年最低）、1.5 集群产值年均增速、"
                   "4.1 中小企业研发经费年均增速），另有2项待补证或数据缺失，综合准备度59分，暂不符合申报条件。")


def _docx_text(path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _reads_clean(pdf) -> None:
    """No doubled punctuation, no rulebook confidence marker such as （M）, and only the Noto CJK faces (a
    Latin fallback such as DejaVu for the digits stands out on every line with a figure)."""
    flat = _squash(office.pdf_text(pdf))
    assert not re.search(r"[，。；、：][，。；、：]|（[A-Z]）", flat), re.findall(r".{10}[，。；、：][，。；、：]", flat)
    faces = {line.split()[0].split("+")[-1] for line in office.pdf_fonts(pdf).splitlines()[2:] if line.strip()}
    assert faces and all(f.startswith(("NotoSerifCJK", "NotoSansCJK")) for f in faces), faces


@pytest.fixture(scope="module")
def linquan_brief(tmp_path_factory):
    """The failing demo-like client, briefed once for the module."""
    client = S["fails_output"]
    a = assessment_for(client)
    out = tmp_path_factory.mktemp("brief")
    files = briefing.write_brief(client, a, ROUND, out, today=MAY10)
    return client, a, files, out


# --- the diagnosis ------------------------------------------------------------------------------------
def test_gaps_are_ranked_failures_first():
    g = briefing.gaps(assessment_for(S["fails_output"]))
    assert [x["verdict"] for x in g] == [FAIL, FAIL, FAIL, NEEDS_EVIDENCE, NEEDS_EVIDENCE]
    assert [x["id"] for x in g] == LINQUAN_GAPS
    assert all(x["what_it_takes"] for x in g)
    assert briefing.gaps(assessment_for(S["qualifies"])) == []


@pytest.mark.parametrize("name, words", [
    ("qualifies", "具备申报条件"),
    ("fails_output", "暂不符合申报条件"),
    ("veto", "一票否决"),
    ("missing_year", "补齐后可申报"),
    ("review", "复核"),
])
def test_verdict_in_one_sentence(name, words):
    s = briefing.verdict_sentence(assessment_for(S[name]))
    assert words in s and s.count("。") == 1 and s.endswith("。")
    assert S[name].cluster_name in s


def test_verdict_sentence_of_the_failing_client_names_what_failed():
    assert briefing.verdict_sentence(assessment_for(S["fails_output"])) == LINQUAN_VERDICT


def test_unverified_caveat_only_when_it_applies():
    a = assessment_for(S["fails_output"])
    assert "阈值待核实" in briefing.unverified_sentence(a) and "4.1" in briefing.unverified_sentence(a)
    a.unverified = []
    assert briefing.unverified_sentence(a) == ""


def test_western_relaxation_is_shown_when_on():
    c = S["western"]
    assert "西部地区放宽" in briefing.settings_sentence(assessment_for(c, western_relaxation=True))
    assert briefing.settings_sentence(assessment_for(c)) == ""


# --- the deadline ---------------------------------------------------------------------------------------
def test_province_deadline_when_the_round_knows_it():
    d = briefing.deadline_for(S["liaoning"], ROUND, dt.date(2025, 3, 20))
    assert (d.date, d.kind, d.days_left) == (dt.date(2025, 4, 14), "省级", 25)
    assert "省级报送截止日期2025年4月14日还有25天" in briefing.deadline_sentence(d)


def test_miit_deadline_otherwise_labelled_which():
    d = briefing.deadline_for(S["fails_output"], ROUND, MAY10)
    assert (d.date, d.kind, d.days_left) == (dt.date(2025, 7, 15), "工信部", 66)
    s = briefing.deadline_sentence(d)
    assert "工信部报送截止日期2025年7月15日还有66天" in s and "省级主管部门的截止日期未获取" in s


# --- the work plan --------------------------------------------------------------------------------------
def test_one_dated_task_per_gap_counted_back_from_the_deadline():
    client = S["fails_output"]
    a = assessment_for(client)
    plan = briefing.schedule(client, a, ROUND, MAY10)
    # the MIIT deadline 2025-07-15 less data/workplan.yaml's 21 days the province needs
    assert plan["target"] == dt.date(2025, 6, 24)
    assert "计划假设" in plan["basis"] and plan["past_sentence"] == ""
    assert [(m["name"], m["date"]) for m in plan["milestones"]] == [
        ("数据和佐证材料收齐", dt.date(2025, 6, 4)), ("材料定稿", dt.date(2025, 6, 14)),
        ("县级审核盖章", dt.date(2025, 6, 19)), ("报送省级", dt.date(2025, 6, 24))]
    # one task per gap that can change before the deadline: 1.5, 4.1, 1.2 are past years' figures (history)
    gaps = [t["gap"].split(" ")[0] for t in plan["tasks"] if t["gap"][0].isdigit()]
    assert gaps == [g for g in LINQUAN_GAPS if g not in ("1.5", "4.1", "1.2")] + ["4.1", "5.1"]
    assert [t["what"] for t in plan["tasks"] if t["gap"] in ("4.1 中小企业研发经费年均增速",)] == [
        "核实阈值：向省级主管部门或对照正式通知核实4.1 中小企业研发经费年均增速的标准"]
    assert all(t["date"] and t["date"] <= dt.date(2025, 5, 20) and t["who"] for t in plan["tasks"])
    # who provides it comes from data/workplan.yaml
    green = next(t for t in plan["tasks"] if t["gap"].startswith("6.1"))
    assert "生态环境" in green["who"]


def test_liaoning_plans_to_its_own_deadline():
    plan = briefing.schedule(S["liaoning"], assessment_for(S["liaoning"]), ROUND, dt.date(2025, 3, 1))
    assert plan["target"] == dt.date(2025, 4, 14)
    assert plan["milestones"][-1]["when"] == "2025年4月14日"


def test_a_past_deadline_is_said_plainly_and_nothing_is_dated_in_the_past():
    client = S["liaoning"]
    client_a = assessment_for(S["fails_output"])  # with gaps, so there are tasks
    today = dt.date(2025, 5, 1)
    plan = briefing.schedule(client, client_a, ROUND, today)
    assert plan["past_sentence"] == ("辽宁省报送截止日期2025年4月14日已过，2025年度已错过报送时间，以下计划按2026年度（预计）"
                                     "安排（截止日期2026年7月15日，预计，以正式通知为准）。")
    assert plan["tasks"] and all(t["date"] >= today for t in plan["tasks"])
    # every milestone and task has a calendar date, counted back from the projected 2026 deadline
    assert all(m["date"] >= today for m in plan["milestones"])
    assert plan["milestones"][-1]["date"] == dt.date(2026, 6, 24)
    assert all(re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", t["when"]) for t in plan["tasks"])
    assert "（预计）" in plan["basis"]
    assert "已过" in briefing.deadline_sentence(briefing.deadline_for(client, ROUND, today))


def test_milestones_close_to_the_deadline_are_flagged_not_dated_in_the_past():
    client = S["liaoning"]
    today = dt.date(2025, 4, 10)
    plan = briefing.schedule(client, assessment_for(S["fails_output"]), ROUND, today)
    assert all(m["date"] >= today for m in plan["milestones"])
    assert any("时间紧" in m["note"] for m in plan["milestones"])


def test_plan_city_submits_to_its_own_recommender():
    plan = briefing.schedule(S["plan_city"], assessment_for(S["plan_city"]), ROUND, MAY10)
    assert plan["milestones"][-1]["name"] == "报送推荐单位（宁波市）"


def test_documents_follow_the_round_attachments():
    new = briefing.documents(S["fails_output"], assessment_for(S["fails_output"]), ROUND)
    assert new[0]["title"].startswith("附件1 ")
    assert any(d["title"].startswith("附件2 ") and "不在本县材料包内" in d["note"] for d in new)
    assert any("绿色化" in d["title"] and "待补充" in d["note"] for d in new)
    review = briefing.documents(S["review"], assessment_for(S["review"]), ROUND)
    assert review[0]["title"].startswith("附件3 ")


def test_templates_ask_only_for_what_the_context_gives():
    from docxtpl import DocxTemplate

    client, a = S["fails_output"], assessment_for(S["fails_output"])
    for name, ctx in (("memo.docx", briefing.memo_context(client, a, ROUND, MAY10)),
                      ("proposal.docx", briefing.proposal_context(client, a, ROUND, MAY10))):
        wanted = DocxTemplate(str(briefing._template(name))).get_undeclared_template_variables()
        assert wanted <= set(ctx) | {"charts"}, (name, wanted - set(ctx))


# --- the documents --------------------------------------------------------------------------------------
def test_memo_holds_the_charts_and_converts_to_pdf(linquan_brief, tmp_path):
    client, a, files, out = linquan_brief
    memo = files["memo"]
    with zipfile.ZipFile(memo) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/") and n.endswith(".png")]
    assert len(media) == 5  # with the path by round against the output threshold (history: 1.2, 1.5)
    assert {k for k in files if k.startswith("chart_")} == {"chart_dimensions", "chart_criteria", "chart_output", "chart_tiers",
                                                             "chart_outlook"}
    assert all(p.parent == out / briefing.CHART_DIR for k, p in files.items() if k.startswith("chart_"))
    pdf = office.to_pdf(memo, tmp_path)
    assert 2 <= office.pdf_pages(pdf) <= 4
    _reads_clean(pdf)
    text = _squash(office.pdf_text(pdf))
    assert _squash(LINQUAN_VERDICT) in text
    assert "2025年7月15日" in text and "还有66天" in text
    assert "阈值待核实" in text
    assert "最需补足的差距" in text


def test_proposal_converts_to_pdf_with_a_dated_task_per_gap(linquan_brief, tmp_path):
    client, a, files, out = linquan_brief
    doc = Document(str(files["proposal"]))
    plan_table = next(t for t in doc.tables if t.rows[0].cells[1].text == "工作任务")
    rows = [[c.text for c in r.cells] for r in plan_table.rows[1:]]
    for gid in LINQUAN_GAPS:
        hit = [r for r in rows if r[4].startswith(gid + " ") and not r[1].startswith("核实阈值")]
        if gid in ("1.5", "4.1", "1.2"):  # a past year's figure: never a task
            assert hit == [], (gid, rows)
        else:
            assert len(hit) == 1 and hit[0][3] == "2025年5月20日", (gid, rows)
    assert all(re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", r[3]) for r in rows)
    assert not any("需再增加" in r[1] for r in rows)
    pdf = office.to_pdf(files["proposal"], tmp_path)
    _reads_clean(pdf)
    text = _squash(office.pdf_text(pdf))
    assert _squash(LINQUAN_VERDICT) in text
    assert "2025年7月15日" in text
    for r in rows:
        assert _squash(r[3]) in text
    for name in ("材料定稿", "县级审核盖章", "报送省级", "附件1", "申报材料清单"):
        assert name in text


def test_review_memo_includes_the_plan_chart(tmp_path):
    client = S["review"]
    files = briefing.write_brief(client, assessment_for(client), ROUND, tmp_path, today=MAY10)
    with zipfile.ZipFile(files["memo"]) as z:
        assert len([n for n in z.namelist() if n.startswith("word/media/")]) == 5
    assert "附件3" in _docx_text(files["proposal"])


def test_charts_given_are_not_redrawn(linquan_brief, tmp_path):
    client, a, files, out = linquan_brief
    charts = {k[len("chart_"):]: p for k, p in files.items() if k.startswith("chart_")}
    again = briefing.write_brief(client, a, ROUND, tmp_path, today=MAY10, charts=charts)
    assert not (tmp_path / briefing.CHART_DIR).exists()
    assert again["chart_output"] == files["chart_output"]


def test_text_with_markup_characters_renders_to_a_valid_docx(tmp_path):
    client = make_client(basic={"cluster_name": "A&B<县>“测试”产业集群"}, folder="/tmp/amp")
    files = briefing.write_brief(client, assessment_for(client), ROUND, tmp_path, today=MAY10)
    assert "A&B<县>“测试”产业集群" in _docx_text(files["memo"])
    assert "A&B<县>“测试”产业集群" in _docx_text(files["proposal"])


def test_province_brief_shows_the_province_decision(tmp_path):
    from toolkit.package.manifest import record_of
    from toolkit.province.briefing import write_province_brief
    from toolkit.province.decision import decide

    names = ("qualifies", "plan_city", "western")
    records = [record_of(S[n], assessment_for(S[n])) for n in names]
    # three candidates for 宁波市's two places; the western one's 5.1 fails, so it takes none
    ningbo = decide([r if r.client_id == "beilun" else dataclasses.replace(r, recommender="宁波市",
                                                                           sub_field=r.name) for r in records],
                    ROUND, recommender="宁波市")
    files = briefing_files = write_province_brief(ningbo, tmp_path, today=MAY10)
    text = _docx_text(files["province_brief"])
    assert "推荐名额上限2个，候选3个，拟推荐2个，未超出名额" in text
    assert "5.1 工业互联网平台应用普及率（未达标）" in text  # western: short names of what failed
    rows = [[c.text for c in row.cells] for row in Document(str(files["province_brief"])).tables[0].rows[1:]]
    assert [(r[1], r[4]) for r in rows] == [(d.name, d.status) for d in ningbo.recommendations]
    assert sorted(r[4] for r in rows) == ["拟推荐", "拟推荐", "暂不推荐"]
    # the plan city's cluster is not Zhejiang's
    zhejiang = decide(records[:2], ROUND, recommender="浙江省")
    text = _docx_text(write_province_brief(zhejiang, tmp_path / "zj", today=MAY10)["province_brief"])
    assert "候选1个" in text and "北仑区" not in text
    with zipfile.ZipFile(briefing_files["province_brief"]) as z:
        assert any(n.startswith("word/media/") for n in z.namelist())


def test_clusterkit_brief_writes_beside_the_package(tmp_path, capsys):
    folder = EXAMPLES / "minshan"
    code = main(["brief", str(folder), "--output", str(tmp_path), "--today", "2025-05-10", "--western-relaxation"])
    assert code == 0
    out = tmp_path / "2025" / "四川省" / "minshan" / "briefing"
    memos = list(out.glob("*_简报.docx"))
    assert len(memos) == 1 and list(out.glob("*_申报服务方案.docx"))
    assert len(list((out / briefing.CHART_DIR).glob("*.png"))) == 4
    assert len(list((out / briefing.CHART_DIR).glob("*.svg"))) == 4
    memo_text = _docx_text(memos[0])
    assert "西部地区放宽" in memo_text and "2025年7月15日" in memo_text
    assert "暂不符合申报条件" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["2025-13-45", "2025-02-30", "abc", "5/10"])
def test_a_mistyped_today_is_named_before_anything_is_written(tmp_path, capsys, bad):
    folder = EXAMPLES / "qingchuan"
    assert main(["brief", str(folder), "--output", str(tmp_path), "--today", bad]) == 2
    err = capsys.readouterr().err
    assert f"--today “{bad}”不是有效日期" in err and "YYYY-MM-DD" in err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("text", ["2025-05-10", "2025/5/10", "2025.05.10", "2025年5月10日", "20250510"])
def test_today_accepts_the_ways_people_write_a_date(text):
    from toolkit.core.clock import today

    assert today(text) == dt.date(2025, 5, 10)


def test_an_output_that_is_a_file_is_named(tmp_path, capsys):
    f = tmp_path / "output"
    f.write_text("x", encoding="utf-8")
    folder = EXAMPLES / "qingchuan"
    assert main(["brief", str(folder), "--output", str(f), "--today", "2025-05-10"]) == 2
    assert "是文件，不是文件夹" in capsys.readouterr().err


def test_gap_status_reads_in_words_not_comparison_signs():
    from toolkit.assess.assessment import assess
    from toolkit.intake.reader import read_client
    from toolkit.core.paths import examples_dir

    client = read_client(examples_dir() / "clients" / "minshan")
    statuses = [briefing.gap_status(r) for r in assess(client).results if r.verdict != "达标"]
    assert statuses and all("要求不低于" in s for s in statuses)
    assert not any(sign in s for s in statuses for sign in "≥≤><")


# --- the wording, in templates/briefing/ --------------------------------------------------------------

@pytest.fixture
def wording(tmp_path, monkeypatch):
    """A private copy of templates/ that the sentences are rendered from; ``edit(name, old, new)`` restyles one."""
    import shutil

    from toolkit.core.paths import templates_dir
    from toolkit.documents import narrative

    folder = tmp_path / "templates"
    shutil.copytree(templates_dir(), folder)
    monkeypatch.setattr(narrative, "templates_dir", lambda: folder)

    def edit(name: str, old: str, new: str) -> None:
        path = folder / "briefing" / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) >= 1, (name, old)
        path.write_text(text.replace(old, new), encoding="utf-8")

    return edit


def test_a_consultancy_restyles_the_memo_and_proposal_sentences_in_templates(wording):
    a = assessment_for(S["qualifies"])
    assert "具备申报条件" in briefing.verdict_sentence(a)
    wording("verdict.j2", "具备{{ a.kind }}条件", "已具备{{ a.kind }}的基本条件")
    wording("task.j2", "补充佐证材料：", "补交佐证材料——")
    wording("deadline.j2", "还有{{ d.days_left }}天", "剩余{{ d.days_left }}天")
    assert "已具备申报的基本条件" in briefing.verdict_sentence(a)
    client = S["fails_output"]
    plan = briefing.schedule(client, assessment_for(client), ROUND, MAY10)
    assert any(t["what"].startswith("补交佐证材料——") for t in plan["tasks"])
    assert "剩余66天" in briefing.deadline_sentence(briefing.deadline_for(client, ROUND, MAY10))


@pytest.mark.parametrize("name,old,new,what", [
    ("deadline.j2", "本轮已无法按期报送。", "本轮已无法按期报送。。", "两个标点连在一起"),
    ("deadline.j2", "（以{{ d.today }}计）", "（以{{ d.nothing_here }}计）", "用了没有的变量"),
    ("past_deadline.j2", "{{ p.date }}已过", "{{ p.date }}已过{{ None }}", "出现“None”"),
])
def test_a_restyled_sentence_goes_through_the_narratives_text_checks(wording, name, old, new, what):
    from toolkit.core.errors import TemplateError

    wording(name, old, new)
    client = S["fails_output"]
    with pytest.raises(TemplateError, match=rf"briefing/{name}.*{what}"):
        briefing.proposal_context(client, assessment_for(client), ROUND, dt.date(2025, 8, 1))  # past the deadline


def test_the_review_memo_lists_its_settings_without_doubled_punctuation():
    # a rulebook note ends in 。 and used to be followed by ；, giving “为准。；准备度” in the review's memo
    s = briefing.method_sentence(assessment_for(S["review"]))
    assert "规则说明" in s and not re.search(r"[，。；、：][，。；、：]", s), s


def test_each_sentence_gets_what_its_template_declares(monkeypatch):
    """Every context briefing.say() renders a template with has exactly the fields TEXT_SPEC declares for
    it (so `clusterkit templates check` checks a restyled template against the truth), and the
    situations below reach every template of templates/briefing/."""
    from toolkit.core.paths import templates_dir

    seen: dict[str, list] = {}
    real = briefing.say

    def recording(template, **context):
        seen.setdefault(template, []).append(context)
        return real(template, **context)

    monkeypatch.setattr(briefing, "say", recording)
    for client in (S["fails_output"], S["review"], S["veto"], S["plan_city"], S["liaoning"], S["missing_year"],
                   S["western"]):
        a = assessment_for(client)
        for rnd, today in ((ROUND, MAY10), (ROUND, dt.date(2025, 7, 10)), (ROUND, dt.date(2025, 9, 1)), (None, MAY10)):
            briefing.memo_context(client, a, rnd, today)
            briefing.proposal_context(client, a, rnd, today)
    assert set(seen) == {p.name for p in (templates_dir() / briefing.TEXT_FOLDER).glob("*.j2")}
    for template, contexts in seen.items():
        spec = {k: v for k, v in briefing.TEXT_SPEC[template].items() if k != "UNVERIFIED"}
        for ctx in contexts:
            assert set(ctx) == set(spec), template
            for name, value in ctx.items():
                if isinstance(spec[name], dict):
                    assert set(value) == set(spec[name]), (template, name, set(value) ^ set(spec[name]))


def test_the_word_templates_contexts_are_declared():
    client, a = S["fails_output"], assessment_for(S["fails_output"])
    for name, ctx in (("memo.docx", briefing.memo_context(client, a, ROUND, MAY10)),
                      ("proposal.docx", briefing.proposal_context(client, a, ROUND, MAY10))):
        spec = briefing.CONTEXT_SPEC[name]
        assert set(ctx) | ({"charts"} if name == "memo.docx" else set()) == set(spec), name
        for key, value in ctx.items():
            if isinstance(spec[key], list) and value and isinstance(value[0], dict):
                assert set(value[0]) == set(spec[key][0]), (name, key)
