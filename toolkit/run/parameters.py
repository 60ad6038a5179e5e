"""Notebook parameters, typed by their declaration.

A notebook declares its parameters in its cell tagged ``parameters``, each with a type
(``round: int = 2025``, ``western_relaxation: bool = False``). ``parameter_value`` is the one rule that
turns a value given on a command line (``-p western_relaxation 否``) into that type, or refuses it in
Chinese: a switch is true/false, 是/否, 1/0 or yes/no and nothing else, so 否, nan or any other text
never turns a setting on. The batch (``toolkit.run.batch``) applies it to every ``-p`` before it
starts; a notebook's first code cell applies it too (``typed_parameters(globals())``), so a notebook
that papermill runs on its own is typed the same way.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

BOOL_WORDS = {"true": True, "false": False, "是": True, "否": False, "1": True, "0": False,
              "yes": True, "no": False}
TYPES = ("bool", "int", "float", "str")


def parameter_value(name: str, value: Any, type_name: str | None):
    """``value`` as a parameter of type ``type_name`` (bool, int, float, str); ``None`` (undeclared
    type): numbers become numbers, true/false booleans, the rest stays text. A value that is not of
    its type is a ``ParameterError`` saying what to write: a bool is true/false, 是/否, 1/0 or
    yes/no and nothing else (``否``, ``nan`` or any other text never turns a setting on)."""
    from toolkit.core.errors import ParameterError

    text = value.strip() if isinstance(value, str) else value
    if type_name == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(text, str) and text.lower() in BOOL_WORDS:
            return BOOL_WORDS[text.lower()]
        raise ParameterError(f"参数 {name} 是开关（是/否），“{value}”不是开关的值：写 true 或 false"
                             f"（也可写 是/否、1/0、yes/no），如 -p {name} true")
    if type_name == "int":
        if isinstance(value, bool):
            pass
        elif isinstance(value, int):
            return value
        elif isinstance(value, float) and value.is_integer():
            return int(value)
        elif isinstance(text, str):
            try:
                return int(text)
            except ValueError:
                pass
        raise ParameterError(f"参数 {name} 应为整数，“{value}”不是整数：如 -p {name} 2025")
    if type_name == "float":
        number = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(text, str):
            try:
                number = float(text)
            except ValueError:
                pass
        if number is not None and math.isfinite(number):
            return number
        raise ParameterError(f"参数 {name} 应为数字，“{value}”不是数字：如 -p {name} 1.5")
    if type_name == "str":
        return "" if value is None else str(value)
    # a parameter declared without a type: the old reading of a command-line word
    if not isinstance(value, str):
        return value
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return value


def _type_of(node) -> str | None:
    import ast

    if isinstance(node, ast.Name) and node.id in TYPES:
        return node.id
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in TYPES:
        return node.value  # x: "bool" = False
    return None


def declared_parameters(notebook: Path | str) -> dict[str, str | None]:
    """The parameters a notebook declares (its cell tagged ``parameters``), name → type name: the
    annotation (``round: int = 2025``), else the type of a plain default (``round = 2025``), else None."""
    import ast
    import json

    from toolkit.core.errors import ParameterError

    # The notebook's JSON read as it is (nbformat 4 keeps cells, their tags and their source as plain
    # lists): nbformat's schema validation would cost the batch a tenth of a second on every start.
    notebook = Path(notebook)
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        cells = nb["cells"]
        cell = next((c for c in cells if c.get("cell_type") == "code"
                     and "parameters" in (c.get("metadata") or {}).get("tags", [])), None)
        source = None if cell is None else cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if source is not None and not isinstance(source, str):
            raise TypeError(type(source).__name__)
    except Exception as exc:
        raise ParameterError(f"无法读取笔记本 {notebook}（{type(exc).__name__}）：确认它是完整的 .ipynb 文件") from None
    if cell is None:
        return {}
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"{notebook.name} 的 parameters 单元格第 {exc.lineno} 行不是有效的 Python："
                             "每行写成 名称: 类型 = 默认值") from None
    out: dict[str, str | None] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = _type_of(node.annotation) or _literal_type(node.value)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = _literal_type(node.value)
    return out


def _literal_type(node) -> str | None:
    import ast

    try:
        value = ast.literal_eval(node) if node is not None else None
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    name = type(value).__name__
    return name if name in TYPES else None


def typed_parameters(namespace: dict) -> dict[str, Any]:
    """In a notebook, right after its parameters: every parameter declared with a type (the
    ``__annotations__`` of the parameters cell) turned into that type in ``namespace``, as the batch
    does — so ``papermill … -p western_relaxation 否`` means off, and ``-p round abc`` stops here with
    a message. Returns the typed values."""
    typed = {}
    for name, annotation in dict(namespace.get("__annotations__") or {}).items():
        type_name = getattr(annotation, "__name__", annotation)
        if name in namespace and type_name in TYPES:
            namespace[name] = typed[name] = parameter_value(name, namespace[name], type_name)
    return typed
