"""The intake workbook's description (``data/schema/intake.yaml``), shared by writer and reader.

``load_schema()`` returns the YAML as a dict (cached). The helpers below resolve what the YAML names
symbolically: the closed choices (``provinces``, ``recommenders``, ``indicator_ids``, ``evidence_kinds``
come from ``toolkit.intake.model`` and the schema itself) and the evidence kinds' Chinese labels.
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from toolkit.core import paths
from toolkit.core.errors import ToolkitError
from toolkit.intake.model import PROVINCES, RECOMMENDERS

# The defined name that records which template version wrote a workbook (the reader checks it).
VERSION_NAME = "clusterkit_template_version"
# A hidden sheet holding the drop-down lists and, in A1/B1, the template version.
LISTS_SHEET = "_lists"
EXAMPLE_MARK = "示例"


def schema_path() -> Path:
    return paths.schema_dir() / "intake.yaml"


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise ToolkitError(f"{path}: 无法读取工作簿描述文件（{exc}）") from exc
    if not isinstance(data, dict) or "sheets" not in data or "version" not in data:
        raise ToolkitError(f"{path}: 不是工作簿描述文件（缺少 version 或 sheets）")
    return data


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
