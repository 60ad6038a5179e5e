"""The intake workbook's description (``data/schema/intake.yaml``), shared by writer and reader.

``load_schema()`` returns the YAML as a dict (cached), after checking that it holds every key the
toolkit reads: a misspelt key is a ``SchemaError`` naming the file and the key, never a silently
missing label in the forms. The helpers below resolve what the YAML names symbolically: the closed
choices (``provinces``, ``recommenders``, ``indicator_ids``, ``evidence_kinds`` come from
``toolkit.intake.model`` and the schema itself), the evidence kinds' and indicators' Chinese labels. Every other module reads the schema through them.
"""

from __future__ import annotations

import functools
from pathlib import Path


from toolkit.core.yamlfile import YAMLError, load_yaml
from toolkit.core import paths
from toolkit.core.errors import SchemaError, ToolkitError
from toolkit.intake.model import PROVINCES, RECOMMENDERS

# The defined name that records which template version wrote a workbook (the reader checks it).
VERSION_NAME = "clusterkit_template_version"
# A hidden sheet holding the drop-down lists and, in A1/B1, the template version.
LISTS_SHEET = "_lists"
EXAMPLE_MARK = "示例"


def schema_path() -> Path:
    return paths.schema_dir() / "intake.yaml"


# What the toolkit reads from the schema: top-level keys, the sheets, and the keys of each sheet's
# fields / rows / columns / items.
TOP_KEYS = {"version", "file", "choices", "evidence_kinds", "basis_cautions", "sheets"}
REQUIRED_TOP = ("version", "file", "evidence_kinds", "sheets")
SHEETS = {
    "instructions": None,
    "basic": ("fields", ("id", "label", "type")),
    "indicators": ("rows", ("id", "label", "type")),
    "roster": ("columns", ("id", "label", "type")),
    "platforms": ("columns", ("id", "label", "type")),
    "negative": ("items", ("id", "label")),
    "plan": ("columns", ("id", "label", "type")),
    "evidence": ("columns", ("id", "label", "type")),
}
_FIX = "请参照项目自带的 data/schema/intake.yaml 改正"


def validate(data, file: str) -> dict:
    """``data`` if it holds every key the toolkit reads, else a ``SchemaError`` naming the first wrong key."""
    if not isinstance(data, dict):
        raise SchemaError(file, "（整个文件）", f"不是工作簿描述文件（应为 YAML 映射）；{_FIX}")
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise SchemaError(file, unknown[0], f"未知的键；可用：{'、'.join(sorted(TOP_KEYS))}（核对拼写）")
    for key in REQUIRED_TOP:
        if data.get(key) in (None, "", {}, []):
            raise SchemaError(file, key, f"缺少此项；{_FIX}")
    kinds = data["evidence_kinds"]
    if not isinstance(kinds, dict) or not all(isinstance(v, str) and v for v in kinds.values()):
        raise SchemaError(file, "evidence_kinds", f"应为“代码: 中文名称”的映射；{_FIX}")
    if not isinstance(data.get("choices") or {}, dict):
        raise SchemaError(file, "choices", f"应为“名称: [选项…]”的映射；{_FIX}")
    sheets = data["sheets"]
    if not isinstance(sheets, dict):
        raise SchemaError(file, "sheets", f"应为各工作表的映射；{_FIX}")
    for key, shape in SHEETS.items():
        spec = sheets.get(key)
        where = f"sheets › {key}"
        if not isinstance(spec, dict):
            raise SchemaError(file, where, f"缺少此工作表；{_FIX}")
        if not spec.get("title"):
            raise SchemaError(file, f"{where} › title", f"缺少工作表名称；{_FIX}")
        if shape is None:
            continue
        list_key, needed = shape
        entries = spec.get(list_key)
        if not isinstance(entries, list) or not entries:
            raise SchemaError(file, f"{where} › {list_key}", f"缺少此项（应为非空列表）；{_FIX}")
        for n, entry in enumerate(entries, 1):
            for k in needed:
                if not isinstance(entry, dict) or entry.get(k) in (None, ""):
                    raise SchemaError(file, f"{where} › {list_key} › 第{n}项 › {k}", f"缺少此项（核对拼写）；{_FIX}")
    return data


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = load_yaml(fh)
    except (OSError, YAMLError) as exc:
        raise ToolkitError(f"{path}: 无法读取工作簿描述文件（{exc}）") from exc
    return validate(data, Path(path).name)


def load_schema() -> dict:
    """The intake workbook's description, as a dict (cached; do not modify it)."""
    return _load(str(schema_path()))


def version() -> str:
    return str(load_schema()["version"])


def sheet(key: str) -> dict:
    return load_schema()["sheets"][key]


def sheet_title(key: str) -> str:
    return sheet(key)["title"]


def evidence_kinds() -> dict[str, str]:
    """Evidence kind id → Chinese label."""
    return dict(load_schema()["evidence_kinds"])


def evidence_kind_ids() -> dict[str, str]:
    """Chinese label (and the id itself) → evidence kind id."""
    out: dict[str, str] = {}
    for kid, label in evidence_kinds().items():
        out[label] = kid
        out[kid] = kid
    return out


def indicator_ids() -> list[str]:
    return [r["id"] for r in sheet("indicators")["rows"]]


def indicator_labels() -> dict[str, str]:
    return {r["id"]: r["label"] for r in sheet("indicators")["rows"]}


def indicator_rows() -> list[dict]:
    """The 年度指标 rows in the workbook's order: id, label, unit, type — the one table of the
    indicators' names and units, for the forms and the narrative as for the workbook."""
    return [{"id": r["id"], "label": r["label"], "unit": r.get("unit", ""), "type": r.get("type", "number")}
            for r in sheet("indicators")["rows"]]


def indicator_unit(key: str) -> str:
    """The unit of the indicator ``key`` (亿元, 万元, %, 家 …), '' for an unknown id."""
    return next((r["unit"] for r in indicator_rows() if r["id"] == key), "")


def choices(spec) -> list[str]:
    """The allowed values of a choice column: a list in place, or a name."""
    if isinstance(spec, list):
        return [str(x) for x in spec]
    if spec == "provinces":
        return list(PROVINCES)
    if spec == "recommenders":
        return list(RECOMMENDERS)
    if spec == "indicator_ids":
        return indicator_ids()
    if spec == "evidence_kinds":
        return list(evidence_kinds().values())
    named = load_schema().get("choices", {})
    if spec in named:
        return [str(x) for x in named[spec]]
    raise ToolkitError(f"{schema_path()} › choices: 未知的选项列表「{spec}」")


def basis_caution(row_id: str, note: str) -> str:
    """What a 说明 cell's wording says about the figure's 口径 that the criteria do not mean (e.g. 按销售
    收入统计 for an output row), from ``basis_cautions`` in the schema; '' when nothing."""
    text = str(note or "")
    for rule in load_schema().get("basis_cautions") or []:
        if row_id in rule.get("rows", []) and any(w in text for w in rule.get("words", [])):
            return str(rule["says"])
    return ""


def indicator_help(row: dict) -> str:
    """The help the blank workbook writes in an indicator row's 说明 column (the reader does not take it
    for the county's own note)."""
    return str(row.get("help") or ("填百分数本身，如 26.4" if row.get("type") == "percent" else ""))
