"""The notebooks: committed clean, parameters declared and documented, runnable by papermill alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = {
    "client_report.ipynb": {"client_dir", "rulebook", "round", "output", "western_relaxation"},
    "province_summary.ipynb": {"output", "round"},
}


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_committed_without_outputs_and_parameters_documented(name):
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    nbformat.validate(nb)
    assert nb.cells[0].cell_type == "markdown"  # first: what the notebook does and its parameters
    for p in NOTEBOOKS[name]:
        assert f"`{p}`" in nb.cells[0].source
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is nb.cells[1]
    # plain defaults only, each with a comment
    for line in tagged[0].source.splitlines():
        assert "#" in line and "=" in line
    # every other code cell sits under a markdown heading saying what it does
    for i, c in enumerate(nb.cells[2:], start=2):
        if c.cell_type == "code" and nb.cells[i - 1].cell_type == "markdown":
            assert nb.cells[i - 1].source.lstrip().startswith("#")


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_papermill_lists_the_parameters_with_help(name):
    import papermill as pm

    declared = pm.inspect_notebook(str(ROOT / "notebooks" / name))
    assert set(declared) == NOTEBOOKS[name]
    for p in declared.values():
        assert p["help"].strip() and p["inferred_type_name"] != "None"


def test_papermill_cli_runs_client_report_on_its_own(tmp_path):
    """As a papermill user would: the CLI, a relative client path, the notebook's other defaults."""
    out_nb = tmp_path / "out.ipynb"
    output = tmp_path / "packages"
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("papermill")), "notebooks/client_report.ipynb", str(out_nb),
         "-p", "client_dir", "data/examples/clients/linquan", "-p", "output", str(output), "--no-progress-bar"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    nb = nbformat.read(out_nb, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    manifest = next(output.glob("2025/*/linquan/manifest.json"))
    assert json.loads(manifest.read_text(encoding="utf-8"))["client_id"] == "linquan"
    # nothing was written into the project by the run
    assert not (ROOT / "notebooks" / "output").exists()


def test_relative_paths_resolve_from_project_in_jupyterlab(monkeypatch):
    from toolkit import notebook as nbk

    monkeypatch.chdir(ROOT / "notebooks")
    assert nbk.resolve("data/examples/clients/qingchuan") == ROOT / "data" / "examples" / "clients" / "qingchuan"
    monkeypatch.chdir(ROOT)
    assert nbk.resolve("data/examples") == ROOT / "data" / "examples"


def test_record_result_only_inside_a_batch(tmp_path, monkeypatch):
    from toolkit import notebook as nbk

    monkeypatch.delenv(nbk.RESULT_ENV, raising=False)
    assert nbk.record_result(package="x") is None
    monkeypatch.setenv(nbk.RESULT_ENV, str(tmp_path / "r.json"))
    nbk.record_result(package="x")
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8")) == {"status": "ok", "package": "x"}


# -- parameters typed by their declaration ------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("true", True), ("FALSE", False), ("是", True), ("否", False), (" 否 ", False), ("1", True), ("0", False),
    ("yes", True), ("No", False), (True, True), (False, False), (1, True), (0, False),
])
def test_a_switch_takes_true_false_and_their_chinese_words(value, expected):
    from toolkit.run.parameters import parameter_value

    assert parameter_value("western_relaxation", value, "bool") is expected


@pytest.mark.parametrize("value", ["nan", "None", "", "也许", "on", "2", 2, 0.5, None])
def test_anything_else_is_refused_for_a_switch_in_chinese(value):
    from toolkit.core.errors import ToolkitError
    from toolkit.run.parameters import parameter_value

    with pytest.raises(ToolkitError, match=r"参数 western_relaxation 是开关.*写 true 或 false"):
        parameter_value("western_relaxation", value, "bool")


def test_numbers_and_text_by_their_declared_type():
    from toolkit.core.errors import ToolkitError
    from toolkit.run.parameters import declared_parameters, parameter_value

    assert parameter_value("round", "2024", "int") == 2024 and parameter_value("round", 2024.0, "int") == 2024
    assert parameter_value("rulebook", 2024, "str") == "2024" and parameter_value("rulebook", None, "str") == ""
    assert parameter_value("share", "0.5", "float") == 0.5
    for bad, kind in (("abc", "int"), (True, "int"), ("nan", "float"), (float("inf"), "float")):
        with pytest.raises(ToolkitError, match="参数 x 应为"):
            parameter_value("x", bad, kind)
    declared = declared_parameters(ROOT / "notebooks" / "client_report.ipynb")
    assert declared == {"client_dir": "str", "rulebook": "str", "round": "int", "output": "str",
                        "western_relaxation": "bool"}


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_the_first_code_cell_types_the_parameters_before_using_them(name):
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    first = next(c for c in nb.cells[2:] if c.cell_type == "code")
    lines = [ln for ln in first.source.splitlines() if ln.strip() and not ln.startswith(("from ", "import "))]
    assert lines[0].startswith("nbk.typed_parameters(globals())")


def _papermill_first_cells(tmp_path: Path, *params: str) -> subprocess.CompletedProcess:
    """client_report.ipynb up to its first code cell, then a cell showing the parameters it holds."""
    nb = nbformat.read(ROOT / "notebooks" / "client_report.ipynb", as_version=4)
    nb.cells = nb.cells[:4] + [nbformat.v4.new_code_cell("print(repr(western_relaxation), repr(round))")]
    src = tmp_path / "first_cells.ipynb"
    nbformat.write(nb, src)
    args = [a for p in params for a in ("-p", *p.split("=", 1))]
    return subprocess.run(
        [str(Path(sys.executable).with_name("papermill")), str(src), str(tmp_path / "out.ipynb"),
         "-p", "client_dir", "data/examples/clients/minshan", *args, "--no-progress-bar"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


def test_papermill_alone_takes_a_switch_as_its_declared_type(tmp_path):
    proc = _papermill_first_cells(tmp_path, "western_relaxation=否", "round=2025")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4).cells[-1].outputs[0]["text"]
    assert out.strip() == "False 2025"
    proc = _papermill_first_cells(tmp_path, "western_relaxation=nan")
    assert proc.returncode != 0
    assert "“nan”不是开关的值" in proc.stderr
