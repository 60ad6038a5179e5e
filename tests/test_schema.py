"""The intake workbook's description (data/schema/intake.yaml): a typo in it stops with the file and the
key named, instead of labels silently missing from the assessment and the forms."""

from __future__ import annotations

import pytest

from factories import make_client
from toolkit.core.errors import SchemaError
from toolkit.intake import schema


@pytest.fixture
def schema_copy(tmp_path, monkeypatch):
    """Edit a copy of the shipped schema: ``edit(old, new)`` replaces text once and points the toolkit at it."""
    text = schema.schema_path().read_text(encoding="utf-8")

    def edit(old: str, new: str):
        nonlocal text
        assert text.count(old) == 1, old
        text = text.replace(old, new)
        path = tmp_path / "intake.yaml"
        path.write_text(text, encoding="utf-8")
        monkeypatch.setattr(schema, "schema_path", lambda: path)
        return path

    return edit


def test_the_shipped_schema_is_valid():
    assert schema.validate(schema.load_schema(), "intake.yaml") is schema.load_schema()


@pytest.mark.parametrize("old,new,key", [
    ("evidence_kinds:\n", "evidense_kinds:\n", "intake.yaml › evidense_kinds: 未知的键"),
    ("\nfile: intake.xlsx\n", "\n", "intake.yaml › file: 缺少此项"),
    ("  plan:\n    title: 发展规划\n", "  plans:\n    title: 发展规划\n", "intake.yaml › sheets › plan: 缺少此工作表"),
    ("{id: cluster_output, label: 集群工业总产值,", "{id: cluster_output, lable: 集群工业总产值,",
     "intake.yaml › sheets › indicators › rows › 第1项 › label: 缺少此项"),
    ("  negative:\n    title: 负面清单\n    kind: declaration      # one fixed row per item: A 代码, B 事项, C 是否发生（是/否）, D 说明\n    items:",
     "  negative:\n    title: 负面清单\n    kind: declaration\n    itmes:", "sheets › negative › items: 缺少此项"),
], ids=["unknown top-level key", "missing file", "missing sheet", "misspelt label", "misspelt items"])
def test_a_typo_in_the_schema_names_the_file_and_the_key(schema_copy, old, new, key):
    schema_copy(old, new)
    with pytest.raises(SchemaError) as exc:
        schema.load_schema()
    assert key in str(exc.value)


def test_a_misspelt_evidence_kinds_stops_the_assessment_and_the_checklist(schema_copy):
    """Before, the assessment listed missing evidence by its id and the checklist lost its labels."""
    from toolkit.assess.assessment import assess
    from toolkit.documents.forms import evidence_context

    client = make_client(evidence=[])
    good = assess(client, round=2025)
    schema_copy("evidence_kinds:\n", "evidence_kind:\n")
    with pytest.raises(SchemaError, match="evidence_kind"):
        assess(client, round=2025)
    with pytest.raises(SchemaError, match="evidence_kind"):
        evidence_context(client, good, round=2025)
