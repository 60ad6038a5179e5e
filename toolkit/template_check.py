"""``clusterkit templates check``: find broken template tags before any client is run.

For a Word template (.docx) it reads the XML of the document body, headers and footers and reports:

- a Jinja tag (``{{ … }}``, ``{% … %}``, ``{# … #}``) split over several Word runs, or not closed in its
  paragraph — Word splits runs for spelling marks and edits; retype the tag in one go;
- a curly or full-width quote (“ ” ‘ ’ ＂ ＇) inside a tag — AutoCorrect puts them there; use straight quotes;
- row loops: ``{%tr for %}`` / ``{%tr endfor %}`` paired, one per table row; a plain ``{% for %}`` that
  spans table rows (it corrupts the table — use ``{%tr for %}``); ``{%p %}`` blocks paired;
- Jinja syntax errors, and every variable and field the template uses that the toolkit's context for
  it does not provide (``toolkit.documents.CONTEXT_SPEC``).

For a narrative template (.j2) it parses the template and checks its variables against
``toolkit.narrative.CONTEXT_SPEC``. Every finding names the template, the place and the tag.
"""

from __future__ import annotations

import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from toolkit.errors import TemplateError
from toolkit.paths import templates_dir

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


def _place(part: str, n: int, in_table: bool) -> str:
    name = part.split("/")[-1].replace(".xml", "")
    return f"{name} paragraph {n}" + (" (table)" if in_table else "")


def check_docx_structure(path: Path) -> list[Finding]:
    """Split tags, quotes, unclosed tags and row/paragraph loop pairing, from the raw XML."""
    from lxml import etree

    name = path.name
    findings: list[Finding] = []
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return [Finding(name, "file", "", f"不是可读的 Word 文件（.docx）（{exc}）：在 Word 中打开后另存为 .docx，或换回原模板")]
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
                        findings.append(Finding(name, place, tag, f"the tag is split over {len(spanned)} Word runs; "
                                                "delete it and type it again in one go (no spelling marks or format changes inside)"))
                    bad = [ch for ch in tag if ch in BAD_QUOTES]
                    if bad and not tag.startswith("{#"):
                        findings.append(Finding(name, place, tag, f"curly or full-width quote {''.join(dict.fromkeys(bad))} "
                                                "inside the tag; use straight quotes ' or \" (turn off AutoCorrect's smart quotes)"))
                    fw = [ch for ch in tag if ch in FULL_WIDTH]
                    if fw:
                        findings.append(Finding(name, place, tag, f"full-width character {''.join(fw)} inside the tag; "
                                                "type it with the half-width (English) input"))
                    bm = BLOCK_RE.match(tag)
                    if not bm:
                        continue
                    prefix, word = bm.group(1) or "", bm.group(2)
                    if prefix == "tr":
                        row = next((a for a in p.iterancestors() if a.tag == f"{W}tr"), None)
                        if row is None:
                            findings.append(Finding(name, place, tag, "a {%tr %} tag outside a table row"))
                        else:
                            row_text = "".join(t.text or "" for t in row.iter(f"{W}t"))
                            if len(re.findall(r"\{%-?\s*tr\s", row_text)) > 1:
                                findings.append(Finding(name, place, tag, "more than one {%tr %} tag in one table row; "
                                                        "give each its own row"))
                    stack = tr_stack if prefix == "tr" else p_stack if prefix == "p" else None
                    if stack is not None:
                        if word in OPENERS:
                            stack.append((word, tag))
                        elif word in CLOSERS:
                            if not stack or stack[-1][0] != CLOSERS[word]:
                                findings.append(Finding(name, place, tag, f"{{%{prefix} {word} %}} without a matching "
                                                        f"{{%{prefix} {CLOSERS[word]} %}} before it"))
                            else:
                                stack.pop()
                    elif prefix == "" and in_table:
                        plain_for += 1 if word == "for" else -1 if word == "endfor" else 0
                if plain_for:
                    findings.append(Finding(name, place, "{% for %}", "a plain {% for %} loop that does not end in the "
                                            "same table cell; for a loop over table rows use {%tr for … %} and {%tr endfor %}"))
                rest = "".join(ch if k not in covered else " " for k, ch in enumerate(text))
                for m in OPEN_RE.finditer(rest):
                    findings.append(Finding(name, place, text[m.start():m.start() + 30],
                                            "a tag opened but not closed in this paragraph"))
                for m in CLOSE_RE.finditer(rest):
                    findings.append(Finding(name, place, text[max(0, m.start() - 30):m.end()],
                                            "a tag closed but never opened in this paragraph"))
            for stack, prefix in ((tr_stack, "tr"), (p_stack, "p")):
                for word, tag in stack:
                    findings.append(Finding(name, part, tag, f"{{%{prefix} {word} %}} is never closed "
                                            f"(add {{%{prefix} {OPENERS[word]} %}} in its own {'row' if prefix == 'tr' else 'paragraph'})"))
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
        findings.append(Finding(template, "variables", f"{{{{ {name} }}}}",
                                f"unknown variable “{name}”: the toolkit gives this template only "
                                + ", ".join(sorted(spec))))
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
                    where = f"line {node.lineno}" if line_numbers and node.lineno else "variables"
                    findings.append(Finding(template, where, f"{{{{ {text} }}}}",
                                            f"“{node.attr}” is not a field of “{_expr(node.node)}”; it has: "
                                            + ", ".join(sorted(base))))
        for child in node.iter_child_nodes():
            visit(child, aliases)

    visit(ast, {})
    return findings


def _docx_spec(name: str) -> dict | None:
    from toolkit.documents import CONTEXT_SPEC

    if name in CONTEXT_SPEC:
        return CONTEXT_SPEC[name]
    try:  # the briefing step may declare its own templates' contexts
        import importlib

        other = getattr(importlib.import_module("toolkit.briefing"), "CONTEXT_SPEC", {})
        return other.get(name)
    except Exception:
        return None


def check_docx(path: Path | str, spec: dict | None = None) -> list[Finding]:
    from jinja2 import TemplateSyntaxError

    path = Path(path)
    findings = check_docx_structure(path)
    if any(f.place == "file" for f in findings):
        return findings
    try:
        _env, ast = _docx_ast(path)
    except TemplateSyntaxError as exc:
        return findings + [Finding(path.name, f"Jinja line {exc.lineno}", "", f"syntax error: {exc.message}")]
    except Exception as exc:  # a damaged file
        return findings + [Finding(path.name, "file", "", f"无法作为 Word 模板读取（{exc}）：在 Word 中打开后另存为 .docx，或换回原模板")]
    spec = spec if spec is not None else _docx_spec(path.name)
    if spec is None:
        findings.append(Finding(path.name, "variables", "", "这个模板的变量清单未登记（toolkit.documents.CONTEXT_SPEC），"
                                "未核对其中的变量名；替换模板时请保留原文件名和标签名",
                                severity="warning"))
    else:
        findings += check_variables(path.name, ast, spec, line_numbers=False)
    return findings


# -- narrative templates ----------------------------------------------------------------------------
def check_j2(path: Path | str) -> list[Finding]:
    from jinja2 import TemplateSyntaxError

    from toolkit.narrative import CONTEXT_SPEC, environment

    path = Path(path)
    env = environment(path.parent)
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Finding(path.name, "file", "", f"无法作为 UTF-8 文本读取（{type(exc).__name__}）：用文本编辑器另存为 UTF-8")]
    findings: list[Finding] = []
    # Curly quotes are fine inside a string literal of a text template (Chinese text); used as string
    # delimiters they are a syntax error, which the parser reports below with a hint.
    try:
        ast = env.parse(source, path.name, str(path))
    except TemplateSyntaxError as exc:
        line = source.splitlines()[exc.lineno - 1].strip() if exc.lineno and exc.lineno <= len(source.splitlines()) else ""
        hint = ("; a curly or full-width quote cannot delimit a string: use straight quotes"
                if any(ch in str(exc.message) for ch in BAD_QUOTES + FULL_WIDTH) else "")
        return findings + [Finding(path.name, f"line {exc.lineno}", line[:60], f"syntax error: {exc.message}{hint}")]
    return findings + check_variables(path.name, ast, CONTEXT_SPEC)


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
    return [Finding(path.name, "file", "", "不是模板（.docx 或 .j2），未检查", severity="warning")]


def check_templates(paths: Iterable[Path | str] | None = None) -> list[Finding]:
    findings = []
    for p in (list(paths) if paths is not None else default_paths()):
        p = Path(p)
        if p.is_dir():
            inner = template_files(p)
            if not inner:  # not the shipped templates instead: an empty list is not "all of them"
                findings.append(Finding(p.name or str(p), "file", "", f"文件夹 {p} 中没有模板（.docx 或 .j2）：确认路径"))
            findings += check_templates(inner)
        elif not p.exists():
            findings.append(Finding(p.name, "file", "", f"找不到文件：{p}（确认路径；不写路径则检查 templates/ 中的全部模板）"))
        else:
            findings += check_template(p)
    return findings


def ensure_templates_ok(paths: Iterable[Path | str] | None = None) -> None:
    """Raise a ``TemplateError`` naming the template and tag of the first error found."""
    errors = [f for f in check_templates(paths) if f.severity == "error"]
    if errors:
        f = errors[0]
        more = f" (and {len(errors) - 1} more: run `clusterkit templates check`)" if len(errors) > 1 else ""
        raise TemplateError(f"{f.template} › {f.place}", f.message + more, tag=f.tag or None)


def cmd_templates_check(args) -> int:
    paths = [Path(p) for p in (args.paths or [])] or default_paths()
    findings = check_templates(paths)
    for f in findings:
        print(f, file=sys.stderr if f.severity == "error" else sys.stdout)
    errors = sum(1 for f in findings if f.severity == "error")
    count = sum(len(template_files(p)) if p.is_dir() else 1 for p in paths)
    if errors:
        print(f"模板检查：{count} 个模板，发现 {errors} 个错误。修正后再运行 clusterkit templates check。", file=sys.stderr)
        return 1
    print(f"模板检查：{count} 个模板，未发现错误。")
    return 0
