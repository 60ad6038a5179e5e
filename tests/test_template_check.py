"""The template check passes every shipped template and fails each kind of broken one, naming the
template and the tag."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from docx import Document

from toolkit.documents import template_check as tc
from toolkit.cli import main
from toolkit.documents.forms import CONTEXT_SPEC
from toolkit.core.errors import TemplateError
from toolkit.documents.narrative import narrative_dir
from toolkit.core.paths import templates_dir


def _errors(findings):
    return [f for f in findings if f.severity == "error"]


def test_every_shipped_template_passes():
    paths = tc.default_paths()
    assert {p.name for p in paths} >= {"application.docx", "review_application.docx", "evidence_checklist.docx",
                                       "province_recommendations.docx", "province_reviews.docx", "dim1.j2",
                                       "_macros.j2", "plan_completion.j2"}
    assert _errors(tc.check_templates(paths)) == []
    tc.ensure_templates_ok()


def test_cli_on_shipped_templates(capsys):
    assert main(["templates", "check"]) == 0
    assert "未发现错误" in capsys.readouterr().out


# -- broken Word templates, built here ---------------------------------------------------------------
def _doc_with(tmp_path: Path, build, name="application.docx") -> Path:
    doc = Document()
    build(doc)
    path = tmp_path / name
    doc.save(str(path))
    return path


def test_split_run_fails(tmp_path):
    def build(doc):
        p = doc.add_paragraph()
        p.add_run("集群名称：{{ cluster.")
        p.add_run("name }}").bold = True  # Word split the tag when the format changed
    f = _errors(tc.check_docx(_doc_with(tmp_path, build)))
    assert len(f) == 1 and f[0].template == "application.docx" and f[0].tag == "{{ cluster.name }}"
    assert "拆成了 2 段" in f[0].message and "删除该标签后一次性重新输入" in f[0].message
    assert str(f[0]).startswith("[错误] application.docx › 正文第1段 › {{ cluster.name }}: ")


def test_curly_quote_fails(tmp_path):
    def build(doc):
        doc.add_paragraph("{% if cluster.application_type == “复核” %}复核{% endif %}")
    f = _errors(tc.check_docx(_doc_with(tmp_path, build)))
    assert any("弯引号" in x.message and "直引号替换为弯引号" in x.message and "“复核”" in x.tag for x in f)


def test_full_width_quote_fails(tmp_path):
    def build(doc):
        doc.add_paragraph("{{ cluster.name or ＂无＂ }}")
    assert any("全角引号" in x.message for x in _errors(tc.check_docx(_doc_with(tmp_path, build))))


def test_unpaired_row_loop_fails(tmp_path):
    def build(doc):
        t = doc.add_table(rows=2, cols=2)
        t.cell(0, 0).text = "{%tr for r in indicator_rows %}"
        t.cell(1, 0).text = "{{ r.label }}"
    f = _errors(tc.check_docx(_doc_with(tmp_path, build)))
    assert any("{%tr for r in indicator_rows %}" == x.tag and "没有结束" in x.message
               and "{%tr endfor %}" in x.message and x.place == "正文" for x in f)


def test_stray_endfor_and_two_row_tags_in_one_row_fail(tmp_path):
    def build(doc):
        t = doc.add_table(rows=2, cols=2)
        t.cell(0, 0).text = "{%tr for r in indicator_rows %}"
        t.cell(0, 1).text = "{%tr endfor %}"
        t.cell(1, 0).text = "{%tr endfor %}"
    f = _errors(tc.check_docx(_doc_with(tmp_path, build)))
    assert any("不止一个 {%tr %}" in x.message and "单独占一行表格" in x.message
               and x.place.endswith("（表格内）") for x in f)
    assert any("没有与之配对的 {%tr for … %}" in x.message for x in f)


def test_plain_for_across_table_rows_fails(tmp_path):
    def build(doc):
        t = doc.add_table(rows=3, cols=1)
        t.cell(0, 0).text = "{% for r in indicator_rows %}"
        t.cell(1, 0).text = "{{ r.label }}"
        t.cell(2, 0).text = "{% endfor %}"
    f = _errors(tc.check_docx(_doc_with(tmp_path, build)))
    assert any("{%tr for" in x.message and "同一个表格单元格" in x.message for x in f)


def test_unclosed_tag_fails(tmp_path):
    def build(doc):
        doc.add_paragraph("集群名称：{{ cluster.name ")
    f = _errors(tc.check_docx(_doc_with(tmp_path, build)))
    assert any("只有开头、没有结尾" in x.message and x.place == "正文第1段" for x in f)


def test_syntax_error_fails(tmp_path):
    def build(doc):
        doc.add_paragraph("{% if cluster.name %}有名称")
    f = _errors(tc.check_docx(_doc_with(tmp_path, build)))
    assert any("语法错误" in x.message and "endif" in x.message and "模板代码第" in x.place for x in f)


def test_unknown_variable_and_field_fail(tmp_path):
    def build(doc):
        doc.add_paragraph("{{ clustr.name }}")
        doc.add_paragraph("{{ cluster.nmae }}")
        t = doc.add_table(rows=3, cols=1)
        t.cell(0, 0).text = "{%tr for r in criteria_rows %}"
        t.cell(1, 0).text = "{{ r.valeu }}"
        t.cell(2, 0).text = "{%tr endfor %}"
    f = _errors(tc.check_docx(_doc_with(tmp_path, build)))
    tags = {x.tag: x.message for x in f}
    assert "未知变量“clustr”" in tags["{{ clustr }}"] and "cluster、" in tags["{{ clustr }}"]
    assert "“cluster”没有字段“nmae”" in tags["{{ cluster.nmae }}"]
    assert "“r”没有字段“valeu”" in tags["{{ r.valeu }}"]
    with pytest.raises(TemplateError, match=r"application\.docx"):
        tc.ensure_templates_ok([tmp_path / "application.docx"])


def test_tags_in_headers_are_checked(tmp_path):
    def build(doc):
        doc.sections[0].header.paragraphs[0].text = "{{ form.titel }}"
    f = _errors(tc.check_docx(_doc_with(tmp_path, build)))
    assert any(x.tag == "{{ form.titel }}" for x in f)


def test_a_template_with_no_declared_context_is_a_warning_not_an_error(tmp_path):
    def build(doc):
        doc.add_paragraph("{{ anything }}")
    f = tc.check_docx(_doc_with(tmp_path, build, name="my_own_form.docx"))
    assert [x.severity for x in f] == ["warning"]


def test_a_shipped_template_broken_by_hand_is_caught(tmp_path):
    path = tmp_path / "evidence_checklist.docx"
    shutil.copy(templates_dir() / "evidence_checklist.docx", path)
    doc = Document(str(path))
    for p in doc.paragraphs:
        if "{{ summary.total }}" in p.text:
            for r in p.runs:
                r.text = r.text.replace("{{ summary.total }}", "{{ summary.totl }}")
    doc.save(str(path))
    f = _errors(tc.check_docx(path))
    assert [x.tag for x in f] == ["{{ summary.totl }}"]
    assert CONTEXT_SPEC["evidence_checklist.docx"]["summary"].get("total") == ""


def test_cli_reports_broken_templates(tmp_path, capsys):
    def build(doc):
        doc.add_paragraph("{{ cluster.nmae }}")
    path = _doc_with(tmp_path, build)
    assert main(["templates", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "application.docx" in err and "{{ cluster.nmae }}" in err


# -- narrative templates -----------------------------------------------------------------------------
@pytest.fixture
def narrative_copy(tmp_path) -> Path:
    folder = tmp_path / "narrative"
    shutil.copytree(narrative_dir(), folder)
    return folder


def test_narrative_syntax_error_fails(narrative_copy):
    (narrative_copy / "dim3.j2").write_text("{% if c.brand %}品牌{{ c.brand }}\n", encoding="utf-8")
    f = _errors(tc.check_j2(narrative_copy / "dim3.j2"))
    assert f and f[0].template == "dim3.j2" and f[0].place == "第1行" and "语法错误" in f[0].message
    assert "endif" in f[0].message


def test_narrative_unknown_field_fails(narrative_copy):
    (narrative_copy / "dim3.j2").write_text("{% for t in c.plan_targets %}{{ t.goal }}{% endfor %}{{ c.brnd }}\n",
                                            encoding="utf-8")
    tags = {x.tag for x in _errors(tc.check_j2(narrative_copy / "dim3.j2"))}
    assert tags == {"{{ t.goal }}", "{{ c.brnd }}"}


def test_narrative_curly_quote_as_string_delimiter_fails(narrative_copy):
    (narrative_copy / "dim3.j2").write_text("{% if c.brand == “品牌” %}有{% endif %}\n", encoding="utf-8")
    f = _errors(tc.check_j2(narrative_copy / "dim3.j2"))
    assert f and "直引号" in f[0].message and "“" in f[0].message


# -- the memo's and proposal's wording: templates/briefing/*.j2, memo.docx, proposal.docx --------------
def test_a_briefing_sentence_is_checked_against_what_it_is_given(tmp_path):
    folder = tmp_path / "briefing"
    shutil.copytree(templates_dir() / "briefing", folder)
    (folder / "deadline.j2").write_text("距截止还有{{ d.days_lfet }}天，{{ c.cluster_name }}。\n", encoding="utf-8")
    tags = {x.tag for x in _errors(tc.check_j2(folder / "deadline.j2"))}
    assert tags == {"{{ d.days_lfet }}", "{{ c }}"}
    (folder / "my_sentence.j2").write_text("自拟的句子。\n", encoding="utf-8")
    assert [x.severity for x in tc.check_j2(folder / "my_sentence.j2")] == ["warning"]


def test_the_memo_template_is_checked_not_skipped(tmp_path):
    # memo.docx and proposal.docx were only "未登记" warnings: a misspelt tag in them went unnoticed
    path = tmp_path / "memo.docx"
    shutil.copy(templates_dir() / "memo.docx", path)
    doc = Document(str(path))
    doc.add_paragraph("{{ verdict_sentense }}")
    doc.save(str(path))
    assert [x.tag for x in _errors(tc.check_docx(path))] == ["{{ verdict_sentense }}"]
    assert not [x for x in tc.check_docx(templates_dir() / "proposal.docx")]


def test_an_empty_folder_is_named_not_swapped_for_the_shipped_templates(tmp_path, capsys):
    # It used to check templates/ instead (an empty list read as "no paths given") and say 0 templates, no errors.
    empty = tmp_path / "我的模板"
    empty.mkdir()
    assert tc.check_templates([]) == []
    assert main(["templates", "check", str(empty)]) == 1
    out = capsys.readouterr()
    assert "我的模板 中没有模板" in out.err and "proposal.docx" not in out.out + out.err


def test_missing_damaged_or_other_files_are_named_in_chinese(tmp_path, capsys):
    bad = tmp_path / "memo.docx"
    bad.write_bytes(b"")
    other = tmp_path / "notes.txt"
    other.write_text("x", encoding="utf-8")
    assert main(["templates", "check", str(tmp_path / "nope.docx"), str(bad), str(other)]) == 1
    out = capsys.readouterr()
    text = out.out + out.err
    assert "找不到文件" in text and "不是可读的 Word 文件" in text and "不是模板" in text
    assert "not found:" not in text and "not a template" not in text and "not a readable" not in text
    assert "3 个模板" in out.err


# -- every finding a consultant reads is in Chinese --------------------------------------------------
ENGLISH = __import__("re").compile(r"[A-Za-z]+(?:[ \t]+[A-Za-z]+){2,}")  # 3+ ASCII words in a row


def _english_outside_tags(text: str, tag: str) -> list[str]:
    if tag:
        text = text.replace(tag, " ")
    return ENGLISH.findall(tc.TAG_RE.sub(" ", text))


def test_no_finding_on_broken_templates_is_an_english_sentence(tmp_path, narrative_copy):
    def split(doc):
        p = doc.add_paragraph()
        p.add_run("{{ cluster.")
        p.add_run("name }}").italic = True

    def tables(doc):
        t = doc.add_table(rows=5, cols=2)
        t.cell(0, 0).text = "{%tr for r in indicator_rows %}"
        t.cell(0, 1).text = "{%tr endfor %}"
        t.cell(1, 0).text = "{%tr endfor %}"
        t.cell(2, 0).text = "{% for r in indicator_rows %}"
        t.cell(3, 0).text = "{%tr for r in criteria_rows %}"
        t.cell(4, 0).text = "{{ r.valeu }}"
        doc.add_paragraph("{%tr if cluster.name %}")

    builders = {
        "split": split,
        "quotes": lambda doc: [doc.add_paragraph("{% if cluster.application_type == “复核” %}复核{% endif %}"),
                               doc.add_paragraph("{{ cluster.name or ＂无＂ }}{{ cluster.name ％}}")],
        "tables": tables,
        "open_close": lambda doc: [doc.add_paragraph("集群名称：{{ cluster.name "), doc.add_paragraph("x }} y")],
        "unknown": lambda doc: [doc.add_paragraph("{{ clustr.name }}{{ cluster.nmae }}"),
                                setattr(doc.sections[0].header.paragraphs[0], "text", "{{ form.titel }}")],
        "syntax_unclosed_if": lambda doc: doc.add_paragraph("{% if cluster.name %}有名称"),
        "syntax_unknown_tag": lambda doc: doc.add_paragraph("{% if cluster.name %}{% endfor %}{% endif %}"),
        "syntax_token": lambda doc: doc.add_paragraph("{{ cluster name }}"),
        "syntax_bracket": lambda doc: doc.add_paragraph("{{ (cluster.name }}"),
        "syntax_stray_bracket": lambda doc: doc.add_paragraph("{{ cluster.name) }}"),
        "syntax_no_tag_name": lambda doc: doc.add_paragraph("{% %}"),
    }
    findings = []
    for label, build in builders.items():
        folder = tmp_path / label
        folder.mkdir()
        findings += tc.check_docx(_doc_with(folder, build))
    sources = {"curly.j2": "{% if c.brand == “品牌” %}有{% endif %}\n", "unclosed.j2": "{% if c.brand %}品牌\n",
               "stray.j2": "{% endif %}\n", "for.j2": "{% for t c.plan_targets %}{% endfor %}\n",
               "field.j2": "{% for t in c.plan_targets %}{{ t.goal }}{% endfor %}{{ c.brnd }}{{ cc }}\n"}
    for name, source in sources.items():
        (narrative_copy / name).write_text(source, encoding="utf-8")
        findings += tc.check_j2(narrative_copy / name)
    findings += tc.check_templates([tmp_path / "nope.docx", tmp_path / "empty"])

    errors = _errors(findings)
    assert len(errors) >= 25
    kinds = {"拆成了", "弯引号", "全角字符", "不止一个", "没有与之配对", "没有结束", "同一个表格单元格", "不在表格行内",
             "只有开头", "却没有开头", "未知变量", "没有字段", "语法错误", "找不到文件", "出现得不是地方",
             "仍未关闭", "此处应为", "多出或放错了", "缺少标签名", "无法识别的"}
    assert {k for k in kinds if any(k in f.message for f in errors)} == kinds
    for f in findings:
        assert _english_outside_tags(f.message, f.tag) == [], str(f)
        assert _english_outside_tags(f.place, "") == [], str(f)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in f.message), str(f)
    with pytest.raises(TemplateError, match="另有 .* 处错误") as exc:
        tc.ensure_templates_ok([tmp_path / "tables" / "application.docx"])
    assert _english_outside_tags(str(exc.value).replace("clusterkit templates check", ""), "") == []
