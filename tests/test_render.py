"""Templates compiled once per process: the narrative's Jinja environment and the Word templates'
XML are compiled the first time and reused; the documents are the same as with nothing reused."""

from __future__ import annotations

import json
from pathlib import Path

import docx

from toolkit.core.paths import examples_dir, templates_dir
from toolkit.documents import narrative, render
from toolkit.package.writer import build_package

CLIENTS = examples_dir() / "clients"


def _texts(package: Path) -> dict:
    out = {}
    for p in sorted(package.rglob("*")):
        rel = p.relative_to(package).as_posix()
        if p.suffix == ".docx":
            d = docx.Document(str(p))
            out[rel] = [x.text for x in d.paragraphs] + [c.text for t in d.tables for row in t.rows for c in row.cells]
        elif p.suffix == ".md":
            out[rel] = p.read_text(encoding="utf-8")
        elif p.name == "assessment.json":
            out[rel] = {k: v for k, v in json.loads(p.read_text(encoding="utf-8")).items() if k != "generated_at"}
    return out


def _forget_compiled(monkeypatch) -> None:
    monkeypatch.setattr(render, "_env", None)
    narrative._shared_environment.cache_clear()


def test_documents_are_the_same_whether_templates_were_compiled_before_or_not(tmp_path, monkeypatch):
    """Nothing of one client stays in what is reused for the next: a client packaged after another
    gets the documents it gets in a process that compiled nothing yet."""
    _forget_compiled(monkeypatch)
    alone = _texts(build_package(CLIENTS / "qingchuan", round=2025, output=tmp_path / "a", today="2025-05-10").path)
    build_package(CLIENTS / "dongtang", round=2025, output=tmp_path / "b", today="2025-05-10")
    after = _texts(build_package(CLIENTS / "qingchuan", round=2025, output=tmp_path / "c", today="2025-05-10").path)
    assert alone == after and len(alone) >= 6
    _forget_compiled(monkeypatch)


def test_a_warmed_word_template_renders_without_compiling(tmp_path, monkeypatch):
    """What the batch's kernel server compiles before forking (``render.warm``) is what a render meets:
    a kernel forked from it compiles nothing (should docxtpl change its preparation, this fails)."""
    _forget_compiled(monkeypatch)
    for template in sorted(templates_dir().glob("*.docx")):
        render.warm(template)
    narrative.warm()
    compiled = render.compiled_count()
    texts = [len(narrative.shared_environment().cache), len(narrative.shared_environment(templates_dir()).cache)]
    build_package(CLIENTS / "dongtang", round=2025, output=tmp_path, today="2025-05-10")
    assert render.compiled_count() == compiled
    assert [len(narrative.shared_environment().cache),
            len(narrative.shared_environment(templates_dir()).cache)] == texts
    _forget_compiled(monkeypatch)
