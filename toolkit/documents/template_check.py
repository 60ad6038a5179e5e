"""``clusterkit templates check``: find broken template tags before any client is run.

For a Word template (.docx) it reads the XML of the document body, headers and footers and reports:

- a Jinja tag (``{{ … }}``, ``{% … %}``, ``{# … #}``) split over several Word runs, or not closed in its
  paragraph — Word splits runs for spelling marks and edits; retype the tag in one go;
- a curly or full-width quote (“ ” ‘ ’ ＂ ＇) inside a tag — AutoCorrect puts them there; use straight quotes;
- row loops: ``{%tr for %}`` / ``{%tr endfor %}`` paired, one per table row; a plain ``{% for %}`` that
  spans table rows (it corrupts the table — use ``{%tr for %}``); ``{%p %}`` blocks paired;
- Jinja syntax errors, and every variable and field the template uses that the toolkit's context for
  it does not provide (``toolkit.documents.forms.CONTEXT_SPEC``; the memo's and proposal's in
  ``toolkit.documents.briefing.CONTEXT_SPEC``, the annual report's in ``toolkit.documents.annual_report``).

For a text template (.j2) it parses the template and checks its variables against what the toolkit
gives it: ``toolkit.documents.narrative.CONTEXT_SPEC`` for the narrative, ``toolkit.documents.briefing.TEXT_SPEC``
for the memo's and proposal's sentences (``templates/briefing/``), ``toolkit.documents.forms.TEXT_SPEC`` for the
province tables' notes (``templates/province/``). Every finding names the template, the place (正文第3段（表格内）,
页眉1第1段, 第12行) and the tag verbatim, and says in Chinese what to do in Word; Jinja's own syntax
messages are translated by ``syntax_message``.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from toolkit.core.errors import TemplateError
from toolkit.core.paths import templates_dir

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
OPEN_RE = re.compile(r"\{\{|\{%|\{#")
CLOSE_RE = re.compile(r"\}\}|%\}|#\}")
BAD_QUOTES = "“”‘’＂＇「」『』„‟‚‛"
FULL_WIDTH = "｛｝％"
BLOCK_RE = re.compile(r"^\{%-?\s*(tr|tc|p|r)?\s*(\w+)")
OPENERS, CLOSERS = {"for": "endfor", "if": "endif"}, {"endfor": "for", "endif": "if"}


@dataclass(frozen=True)
class Finding:
    template: str
    place: str
    tag: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        level = "错误" if self.severity == "error" else "提示"
        tag = f" › {self.tag}" if self.tag else ""
        return f"[{level}] {self.template} › {self.place}{tag}: {self.message}"


# -- Word templates --------------------------------------------------------------------------------
def _parts(z: zipfile.ZipFile) -> list[str]:
    names = z.namelist()
    parts = [n for n in names if n == "word/document.xml"]
    parts += sorted(n for n in names if re.fullmatch(r"word/(header|footer)\d*\.xml", n))
    return parts


def _runs_text(p) -> list[str]:
    out = []
    for r in p.iter(f"{W}r"):
        out.append("".join(t.text or "" for t in r.iter(f"{W}t")))
    return out


PART_NAMES = {"document": "正文", "header": "页眉", "footer": "页脚"}
FILE, VARIABLES = "文件", "变量"  # places of findings about the whole file / its variable list


def _part_label(part: str) -> str:
    """``word/document.xml`` → 正文, ``word/header2.xml`` → 页眉2."""
    m = re.fullmatch(r"(?:word/)?(document|header|footer)(\d*)\.xml", part)
    return PART_NAMES[m.group(1)] + m.group(2) if m else part


def _place(part: str, n: int, in_table: bool) -> str:
    return f"{_part_label(part)}第{n}段" + ("（表格内）" if in_table else "")


# Jinja's syntax messages, in the words a consultant editing the template in Word can act on.
_TOKENS = {"end of print statement": "}}", "end of statement block": "%}", "end of comment": "#}",
           "end of template": "模板结尾", "name": "变量名", "in": "in"}


def _token(t: str) -> str:
    return _TOKENS.get(t, t)


def _tag_list(text: str) -> str:
    return "、".join(re.findall(r"'(\w+)'", text))


def syntax_message(msg: str) -> str:
    """Jinja's (English) syntax-error message as Chinese, saying what to fix."""
    m = re.match(r"Unexpected end of template\. Jinja was looking for the following tags: (.+?)\. "
                 r"The innermost block that needs to be closed is '(\w+)'", msg)
    if m:
        return (f"模板到结尾时 {m.group(2)} 块仍未关闭（应有 {_tag_list(m.group(1))} 之一）："
                f"补上与之配对的 end{m.group(2)} 标签")
    m = re.match(r"Encountered unknown tag '(\w+)'\. Jinja was looking for the following tags: (.+?)\. "
                 r"The innermost block that needs to be closed is '(\w+)'", msg)
    if m:
        return (f"标签“{m.group(1)}”出现得不是地方：此处最内层未关闭的是 {m.group(3)} 块"
                f"（应先出现 {_tag_list(m.group(2))} 之一）；检查标签的先后顺序、配对和拼写")
    m = re.match(r"Encountered unknown tag '(\w+)'", msg)
    if m:
        return f"无法识别的标签“{m.group(1)}”：检查拼写，或删除前面没有开头的多余结束标签"
    m = re.match(r"unexpected char '(.+?)' at \d+", msg)
    if m:
        return f"标签内有无法识别的字符 {m.group(1)}：弯引号、全角符号请切换到英文半角输入法后重新输入"
    m = re.match(r"unexpected end of template, expected '(.+?)'", msg)
    if m:
        return f"模板意外结束，缺少 {_token(m.group(1))}：补全该标签"
    m = re.match(r"expected token '(.+?)', got '(.+?)'", msg)
    if m:
        return (f"此处应为 {_token(m.group(1))}，实际是“{m.group(2)}”：检查标签是否完整、拼写是否正确"
                "（变量名中不能有空格）")
    if msg.startswith("tag name expected"):
        return "{% 后面缺少标签名（如 if、for、endif、endfor）：补全或删除该标签"
    m = re.match(r"unexpected '(.+?)', expected '(.+?)'", msg)
    if m:
        return (f"此处应为 {_token(m.group(2))}，实际是“{_token(m.group(1))}”："
                "检查标签中的括号是否成对、是否为英文半角")
    m = re.match(r"unexpected '(.+?)'", msg)
    if m:
        return f"多出或放错了“{m.group(1)}”：检查标签的括号是否成对（{{{{ }}}}、{{% %}}）、是否为英文半角"
    return f"模板语法有误（解析器原文：{msg}）：检查该处标签的拼写、括号是否成对、引号是否为英文半角"


def check_docx_structure(path: Path) -> list[Finding]:
    """Split tags, quotes, unclosed tags and row/paragraph loop pairing, from the raw XML."""
    from lxml import etree

    name = path.name
    findings: list[Finding] = []
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return [Finding(name, FILE, "", f"不是可读的 Word 文件（.docx）（{exc}）：在 Word 中打开后另存为 .docx，或换回原模板")]
    with z:
        for part in _parts(z):
            root = etree.fromstring(z.read(part))
            tr_stack: list[tuple[str, str]] = []
            p_stack: list[tuple[str, str]] = []
            for n, p in enumerate(root.iter(f"{W}p"), 1):
                in_table = any(a.tag == f"{W}tc" for a in p.iterancestors())
                place = _place(part, n, in_table)
                runs = _runs_text(p)
                text = "".join(runs)
                if not any(ch in text for ch in "{}%#｛｝"):
                    continue
                owner = []
                for i, r in enumerate(runs):
                    owner += [i] * len(r)
                tags = list(TAG_RE.finditer(text))
                covered = set()
                plain_for = 0
                for m in tags:
                    tag = m.group(0)
                    covered.update(range(m.start(), m.end()))
                    spanned = {owner[k] for k in range(m.start(), m.end())}
                    if len(spanned) > 1:
                        findings.append(Finding(name, place, tag, f"标签被 Word 拆成了 {len(spanned)} 段文本（run），"
                                                "生成时无法识别：删除该标签后一次性重新输入，中间不要有拼写标记或格式变化"
                                                "（也可在记事本中写好后粘贴为纯文本）"))
                    bad = [ch for ch in tag if ch in BAD_QUOTES]
                    if bad and not tag.startswith("{#"):
                        findings.append(Finding(name, place, tag, f"标签内有弯引号或全角引号 {''.join(dict.fromkeys(bad))}："
                                                "用英文半角输入法改为直引号 ' 或 \"；并关闭 Word 的“自动更正 › "
                                                "键入时自动套用格式 › 直引号替换为弯引号”，以免再被替换"))
                    fw = [ch for ch in tag if ch in FULL_WIDTH]
                    if fw:
                        findings.append(Finding(name, place, tag, f"标签内有全角字符 {''.join(fw)}："
                                                "用英文半角输入法重新输入该标签"))
                    bm = BLOCK_RE.match(tag)
                    if not bm:
                        continue
                    prefix, word = bm.group(1) or "", bm.group(2)
                    if prefix == "tr":
                        row = next((a for a in p.iterancestors() if a.tag == f"{W}tr"), None)
                        if row is None:
                            findings.append(Finding(name, place, tag, "{%tr %} 标签不在表格行内：把它放进表格中单独的一行"
                                                          "（段落中的循环改用 {%p for … %} 和 {%p endfor %}）"))
                        else:
                            row_text = "".join(t.text or "" for t in row.iter(f"{W}t"))
                            if len(re.findall(r"\{%-?\s*tr\s", row_text)) > 1:
                                findings.append(Finding(name, place, tag, "同一表格行中有不止一个 {%tr %} 标签："
                                                        "每个 {%tr %} 单独占一行表格（该行其余内容生成时会被删去）"))
                    stack = tr_stack if prefix == "tr" else p_stack if prefix == "p" else None
                    if stack is not None:
                        if word in OPENERS:
                            stack.append((word, tag))
                        elif word in CLOSERS:
                            if not stack or stack[-1][0] != CLOSERS[word]:
                                findings.append(Finding(name, place, tag, f"在它之前没有与之配对的 {{%{prefix} {CLOSERS[word]} … %}}："
                                                        f"删除多余的 {{%{prefix} {word} %}}，或在循环开始处"
                                                        f"{'单独一行表格' if prefix == 'tr' else '单独一段'}中补上开头标签"))
                            else:
                                stack.pop()
                    elif prefix == "" and in_table:
                        plain_for += 1 if word == "for" else -1 if word == "endfor" else 0
                if plain_for:
                    findings.append(Finding(name, place, "{% for %}", "普通的 {% for %} 循环没有在同一个表格单元格内结束，"
                                            "会弄乱表格：按表格行循环请改用 {%tr for … %} 和 {%tr endfor %}，每个 {%tr %} 单独占一行表格"))
                rest = "".join(ch if k not in covered else " " for k, ch in enumerate(text))
                for m in OPEN_RE.finditer(rest):
                    findings.append(Finding(name, place, text[m.start():m.start() + 30],
                                            "标签在本段中只有开头、没有结尾（缺少 }}、%} 或 #}）："
                                            "补全结尾，或删除该标签后一次性重新输入"))
                for m in CLOSE_RE.finditer(rest):
                    findings.append(Finding(name, place, text[max(0, m.start() - 30):m.end()],
                                            "本段中有标签结尾却没有开头（缺少 {{、{% 或 {#）："
                                            "补全开头，或删除多余的 }}、%} 或 #}"))
            for stack, prefix in ((tr_stack, "tr"), (p_stack, "p")):
                for word, tag in stack:
                    findings.append(Finding(name, _part_label(part), tag, f"{{%{prefix} {word} %}} 没有结束："
                                            f"在它后面{'单独一行表格' if prefix == 'tr' else '单独一段'}中加上 "
                                            f"{{%{prefix} {OPENERS[word]} %}}"))
    return findings


def _docx_ast(path: Path):
    """The template as docxtpl gives it to Jinja (runs joined, tags cleaned), parsed."""
    from docx import Document
    from docx.oxml import parse_xml
    from docxtpl import DocxTemplate
    from jinja2 import Environment

    tpl = DocxTemplate(str(path))
    doc = Document(str(path))
    xml = tpl.patch_xml(tpl.xml_to_string(doc._element.body))
    for rel in doc.part.rels.values():
        if rel.reltype in (tpl.HEADER_URI, tpl.FOOTER_URI) and rel.target_part.blob:
            xml += tpl.patch_xml(tpl.xml_to_string(parse_xml(rel.target_part.blob)))
    env = Environment()
    return env, env.parse(xml)


# -- variables against a declared context ----------------------------------------------------------
def _spec_of(node, spec: dict, aliases: dict):
    from jinja2 import nodes

    if isinstance(node, nodes.Name):
        if node.name in aliases:
            return aliases[node.name]
        return spec.get(node.name)
    if isinstance(node, nodes.Getattr):
        base = _spec_of(node.node, spec, aliases)
        return base.get(node.attr) if isinstance(base, dict) else None
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        base = _spec_of(node.node, spec, aliases)
        if isinstance(base, dict):
            return base.get(node.arg.value)
        if isinstance(base, list) and base:
            return base[0]
    if isinstance(node, nodes.Filter) and node.node is not None:
        return _spec_of(node.node, spec, aliases)
    return None


def _expr(node) -> str:
    from jinja2 import nodes

    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_expr(node.node)}.{node.attr}"
    return "…"


def check_variables(template: str, ast, spec: dict[str, Any], *, extra_names: Iterable[str] = (),
                    line_numbers: bool = True) -> list[Finding]:
    """Names and fields the template uses that ``spec`` does not declare."""
    from jinja2 import meta, nodes

    findings = []
    known = set(spec) | set(extra_names)
    for name in sorted(meta.find_undeclared_variables(ast) - known):
        findings.append(Finding(template, VARIABLES, f"{{{{ {name} }}}}",
                                f"未知变量“{name}”：工具只向这个模板提供 " + "、".join(sorted(spec))
                                + "；核对拼写（区分大小写），或改用其中之一"))
    seen: set[str] = set()

    def visit(node, aliases: dict[str, Any]) -> None:
        if isinstance(node, nodes.For):
            visit(node.iter, aliases)
            it = _spec_of(node.iter, spec, aliases)
            inner = dict(aliases)
            if isinstance(node.target, nodes.Name):
                inner[node.target.name] = it[0] if isinstance(it, list) and it else None
            for child in node.body:
                visit(child, inner)
            if node.test is not None:
                visit(node.test, inner)
            for child in node.else_:
                visit(child, aliases)
            return
        if isinstance(node, nodes.Macro):
            inner = dict(aliases)
            for arg in node.args:  # a parameter named like a context object keeps that object's spec
                inner[arg.name] = spec.get(arg.name)
            for child in node.body:
                visit(child, inner)
            return
        if isinstance(node, nodes.Getattr):
            base = _spec_of(node.node, spec, aliases)
            if isinstance(base, dict) and node.attr not in base:
                text = _expr(node)
                if text not in seen:
                    seen.add(text)
                    where = f"第{node.lineno}行" if line_numbers and node.lineno else VARIABLES
                    findings.append(Finding(template, where, f"{{{{ {text} }}}}",
                                            f"“{_expr(node.node)}”没有字段“{node.attr}”，它的字段有："
                                            + "、".join(sorted(base)) + "；核对拼写，或改用其中之一"))
        for child in node.iter_child_nodes():
            visit(child, aliases)

    visit(ast, {})
    return findings


def _docx_spec(name: str) -> dict | None:
    from toolkit.documents import annual_report, briefing, forms

    if name == annual_report.TEMPLATE:
        return annual_report.CONTEXT_SPEC
    return forms.CONTEXT_SPEC.get(name) or briefing.CONTEXT_SPEC.get(name)


def _j2_spec(path: Path) -> dict | None:
    """What the text template at ``path`` is given: by its folder (templates/briefing/…), else the narrative's."""
    from toolkit.documents import briefing, forms, narrative

    if path.parent.name == briefing.TEXT_FOLDER:
        return briefing.TEXT_SPEC.get(path.name)
    if path.parent.name == "province":
        return forms.TEXT_SPEC.get(path.name)
    return narrative.CONTEXT_SPEC


# What a submission document must never print (the applicant's voice): tags that carry our verdict.
_VERDICT_TAG = re.compile(r"\{\{\s*([\w.]*\b(?:verdict|overall|readiness|generated|unverified|what_it_takes|gaps)\b[\w.]*)[^}]*\}\}")


def check_submission_words(path: Path | str) -> list[Finding]:
    """A submission template (附件1/3, 佐证材料清单, 附件2/4) that prints a verdict word of ours: typed in its
    text (达标, 准备度, 集群申报工具箱 … ``forms.SUBMISSION_FORBIDDEN``) or through a tag carrying a verdict,
    readiness or date stamp. Each is named with its place and tag."""
    from lxml import etree

    from toolkit.documents import forms

    path = Path(path)
    out: list[Finding] = []
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return out
    with z:
        for part in _parts(z):
            root = etree.fromstring(z.read(part))
            for n, p in enumerate(root.iter(f"{W}p"), 1):
                text = "".join(_runs_text(p))
                if not text.strip():
                    continue
                place = _place(part, n, any(a.tag == f"{W}tc" for a in p.iterancestors()))
                for m in _VERDICT_TAG.finditer(text):
                    out.append(Finding(path.name, place, m.group(0),
                                       f"申报材料中不得出现评估结论（{m.group(1)}）：报送省里的文件以申报单位口吻陈述事实，"
                                       "诊断内容在咨询材料中；删去这个标签"))
                literal = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", text)
                for word in forms.SUBMISSION_FORBIDDEN:
                    if word in literal:
                        out.append(Finding(path.name, place, word,
                                           f"申报材料中不得出现“{word}”：删去或改写这段文字"))
    return out


def check_docx(path: Path | str, spec: dict | None = None) -> list[Finding]:
    from jinja2 import TemplateSyntaxError

    path = Path(path)
    findings = check_docx_structure(path)
    if any(f.place == FILE for f in findings):
        return findings
    try:
        _env, ast = _docx_ast(path)
    except TemplateSyntaxError as exc:
        return findings + [Finding(path.name, f"模板代码第{exc.lineno}行（docxtpl 合并各段后的行号，不是 Word 中的行）", "",
                                   f"语法错误：{syntax_message(exc.message or '')}")]
    except Exception as exc:  # a damaged file
        return findings + [Finding(path.name, FILE, "", f"无法作为 Word 模板读取（{exc}）：在 Word 中打开后另存为 .docx，或换回原模板")]
    spec = spec if spec is not None else _docx_spec(path.name)
    if spec is None:
        findings.append(Finding(path.name, VARIABLES, "", "这个模板的变量清单未登记（toolkit.documents.forms.CONTEXT_SPEC），"
                                "未核对其中的变量名；替换模板时请保留原文件名和标签名",
                                severity="warning"))
    else:
        findings += check_variables(path.name, ast, spec, line_numbers=False)
    from toolkit.documents.forms import SUBMISSION_TEMPLATES

    if path.name in SUBMISSION_TEMPLATES:
        findings += check_submission_words(path)
    return findings


# -- narrative templates ----------------------------------------------------------------------------
def check_j2(path: Path | str) -> list[Finding]:
    from jinja2 import TemplateSyntaxError

    from toolkit.documents.narrative import environment

    path = Path(path)
    env = environment(path.parent)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Finding(path.name, FILE, "", f"无法作为 UTF-8 文本读取（{type(exc).__name__}）：用文本编辑器另存为 UTF-8")]
    findings: list[Finding] = []
    # Curly quotes are fine inside a string literal of a text template (Chinese text); used as string
    # delimiters they are a syntax error, which the parser reports below with a hint.
    try:
        ast = env.parse(source, path.name, str(path))
    except TemplateSyntaxError as exc:
        line = source.splitlines()[exc.lineno - 1].strip() if exc.lineno and exc.lineno <= len(source.splitlines()) else ""
        hint = ("；字符串两边的引号必须是英文半角直引号 ' 或 \"（编辑器若自动换成弯引号，请关闭该选项）"
                if any(ch in str(exc.message) for ch in BAD_QUOTES + FULL_WIDTH) else "")
        return findings + [Finding(path.name, f"第{exc.lineno}行", line[:60],
                                   f"语法错误：{syntax_message(exc.message or '')}{hint}")]
    spec = _j2_spec(path)
    if spec is None:
        return findings + [Finding(path.name, VARIABLES, "", "这个文字模板的变量清单未登记（toolkit.documents.briefing.TEXT_SPEC），"
                                   "未核对其中的变量名；替换模板时请保留原文件名", severity="warning")]
    return findings + check_variables(path.name, ast, spec)


# -- all of them ------------------------------------------------------------------------------------
def default_paths() -> list[Path]:
    base = templates_dir()
    return sorted(base.rglob("*.docx")) + sorted(base.rglob("*.j2"))


def template_files(folder: Path) -> list[Path]:
    """The Word and text templates in ``folder`` and below."""
    return sorted(folder.rglob("*.docx")) + sorted(folder.rglob("*.j2"))


def check_template(path: Path | str) -> list[Finding]:
    path = Path(path)
    if path.name.startswith("~$"):
        return []
    if path.suffix.lower() == ".docx":
        return check_docx(path)
    if path.suffix.lower() in (".j2", ".jinja", ".jinja2"):
        return check_j2(path)
    return [Finding(path.name, FILE, "", "不是模板（.docx 或 .j2），未检查", severity="warning")]


def check_templates(paths: Iterable[Path | str] | None = None) -> list[Finding]:
    findings = []
    for p in (list(paths) if paths is not None else default_paths()):
        p = Path(p)
        if p.is_dir():
            inner = template_files(p)
            if not inner:  # not the shipped templates instead: an empty list is not "all of them"
                findings.append(Finding(p.name or str(p), FILE, "", f"文件夹 {p} 中没有模板（.docx 或 .j2）：确认路径"))
            findings += check_templates(inner)
        elif not p.exists():
            findings.append(Finding(p.name, FILE, "", f"找不到文件：{p}（确认路径；不写路径则检查 templates/ 中的全部模板）"))
        else:
            findings += check_template(p)
    return findings


def ensure_templates_ok(paths: Iterable[Path | str] | None = None) -> None:
    """Raise a ``TemplateError`` naming the template and tag of the first error found."""
    errors = [f for f in check_templates(paths) if f.severity == "error"]
    if errors:
        f = errors[0]
        more = f"（另有 {len(errors) - 1} 处错误：运行 clusterkit templates check 查看全部）" if len(errors) > 1 else ""
        raise TemplateError(f"{f.template} › {f.place}", f.message + more, tag=f.tag or None)
