"""The package's structure as a contract: stages import only earlier stages (import-linter, run by
``make test`` as ``lint-imports``), and no module reaches into another module's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "toolkit"
STAGES = ("core", "intake", "assess", "documents", "package", "province", "run")


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def private_reaches(source: str, module: str) -> list[str]:
    """``from toolkit.x import _y`` or ``x._y`` on an imported toolkit module, in ``module``'s source."""
    tree = ast.parse(source)
    found: list[str] = []
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("toolkit"):
            for a in node.names:
                target = f"{node.module}.{a.name}"
                if a.name.startswith("_") and not a.name.startswith("__") and node.module != module:
                    found.append(f"line {node.lineno}: from {node.module} import {a.name}")
                aliases[a.asname or a.name] = target
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("toolkit"):
                    aliases[a.asname or a.name.split(".")[0]] = a.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.attr.startswith("_")
                and not node.attr.startswith("__") and node.value.id in aliases
                and aliases[node.value.id] != module):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_no_module_uses_another_modules_private_names():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        for p in private_reaches(path.read_text(encoding="utf-8"), module):
            problems.append(f"{path.relative_to(ROOT)} {p}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("source,expected", [
    ("from toolkit.core.naming import _UNSAFE\n", 1),
    ("from toolkit.core import naming\nnaming._UNSAFE\n", 1),
    ("from toolkit.core.naming import safe_name\n", 0),
    ("import toolkit.core.naming as n\nn.__doc__\n", 0),
])
def test_the_private_name_check_finds_what_it_should(source, expected):
    assert len(private_reaches(source, "toolkit.intake.reader")) == expected


def test_the_layer_contract_names_every_stage():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = " ".join(config["contracts"][0]["layers"])
    for stage in STAGES:
        assert f"toolkit.{stage}" in layers, stage
        assert (PACKAGE / stage / "__init__.py").is_file(), stage
