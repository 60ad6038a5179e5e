"""Rulebooks: the recognition criteria as data (``data/criteria/*.yaml``).

A rulebook is a YAML file in the spirit of OpenFisca's parameter files: every criterion names its
dimension, its clause, the measure it reads (``toolkit.assess.measures``), the comparison, threshold and unit,
the evidence kinds (``data/schema/intake.yaml › evidence_kinds``) and roster/platform facts that support
it, and its status (``verified``, ``confidence`` H/M/L, ``source``). A value that is not confirmed
(confidence other than H) must have ``verified: false``; every output that uses it says 阈值待核实.

Variants are overrides, not copies::

    id: yunnan
    extends: national-2022            # a rulebook id (looked up beside this file, then in data/criteria)
    overrides:                        # by criterion id: only the keys that change
      "1.2": {threshold: 10, source: 云南省认定细则, confidence: H, verified: true}
    add: [ {id: "8.2", dimension: 8, …} ]
    remove: ["4.3"]
    settings: {growth_method: mean_yoy}

Criterion kinds:

* ``quantitative`` — ``measure``, ``operator``, ``threshold``, ``unit``; or ``any_of``: a list of such
  comparisons of which one must hold (e.g. ≥1 小巨人 or ≥10 专精特新/创新型/高企);
* ``evidence`` — ``evidence`` (kinds) and optional ``facts`` (``toolkit.assess.measures.FACTS``): 待补证 with
  the missing items listed when any is absent;
* ``negative`` — ``items`` of the 负面清单 declaration: any 是 → 一票否决;
* ``plan`` — the review's plan targets (``measure: plan_achievement``), one result per target.

Every criterion is dated and referenced, as OpenFisca's parameters are::

    reference: {document: standard-2022, clause: 第一条}   # a key of the rulebook's ``documents`` or a title
    in_force: {from: 2022-09-13, to: null}                # the period the rule applies (default: its document's)
    checked: 2026-11-26                                   # when it was last compared with that text
    rounding: {kind: half_up, digits: 1}                  # optional: round the measure before comparing

A criterion without a reference, a period that ends before it starts, a rounding rule of an unknown
kind, or a threshold changed by ``overrides`` without its own reference is refused. Measures are
compared exactly (``toolkit.assess.exact``); ``rounding`` is the only rounding a verdict ever sees.

``load_rulebook(name_or_path)`` returns a resolved ``Rulebook``; any mistake raises ``RulebookError``
naming the file and the key. ``clusterkit rulebook check`` (``toolkit.assess.audit``) loads each
rulebook and warns about periods and checks that are out of date.

Over 500 lines: a rulebook is strict data — every key checked, every mistake named by file and key,
``extends`` / ``overrides`` / ``add`` / ``remove`` resolved in one place — and the validation of each
part sits beside the dataclass it builds.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from toolkit.core.yamlfile import YAMLError, load_yaml
from toolkit.core import paths
from toolkit.core.errors import RulebookError
from toolkit.intake import schema
from toolkit.assess.exact import ROUNDING_KINDS
from toolkit.assess.measures import FACTS, MEASURES, OPERATORS
from toolkit.assess.result import DIMENSION_NAMES

KINDS = ("quantitative", "evidence", "negative", "plan")
DIMENSIONS = range(0, 10)  # 0 负面清单, 1..8 the eight dimensions, 9 复核: 规划目标完成情况
CONFIDENCES = ("H", "M", "L")
PLAN_MEASURES = ("plan_achievement",)
SETTINGS_ALLOWED = {
    "growth_method": ("cagr", "mean_yoy"),
}


@dataclass(frozen=True)
class Reference:
    """Where a rule comes from: the document (its title and number) and the clause."""

    document: str  # e.g. 《中小企业特色产业集群认定标准（2022年版）》（工信部企业〔2022〕119号附件）
    clause: str  # e.g. 第一条
    text: str = ""  # the clause's wording, when we have it (paraphrased unless the confidence is H)
    url: str = ""

    def __str__(self) -> str:
        return f"{self.document}{self.clause}"


@dataclass(frozen=True)
class Comparison:
    measure: str
    operator: str
    threshold: float
    unit: str


@dataclass
class Criterion:
    id: str
    dimension: int
    clause: str
    title: str
    kind: str
    measure: str = ""
    operator: str | None = None
    threshold: float | None = None
    unit: str = ""
    any_of: list[Comparison] = field(default_factory=list)
    formula: str = ""
    evidence: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # negative-list items
    verified: bool = True
    confidence: str = "H"
    source: str = ""
    note: str = ""
    hard: bool = True
    origin: str = ""  # the file that last defined what this criterion tests (its comparison or evidence)
    rounding: dict | None = None  # {kind, digits}: the measure is rounded so before it is compared
    reference: "Reference | None" = None
    in_force: tuple[dt.date | None, dt.date | None] = (None, None)  # from, to (None: open)
    checked: dt.date | None = None  # when the rule was last compared with its reference
    defined_in: str = ""  # the file that last touched this criterion (named in findings)

    def in_force_on(self, day: dt.date) -> bool:
        start, end = self.in_force
        return (start is None or start <= day) and (end is None or day <= end)

    @property
    def comparisons(self) -> list[Comparison]:
        if self.any_of:
            return list(self.any_of)
        if self.kind in ("quantitative", "plan") and self.measure:
            return [Comparison(self.measure, self.operator, self.threshold, self.unit)]
        return []


@dataclass
class Rulebook:
    id: str
    version: str
    title: str
    source: str
    path: Path
    criteria: list[Criterion]
    dimensions: dict[int, str]
    settings: dict[str, Any]
    readiness: dict[str, Any]
    western_relaxation: dict[str, dict]
    chain: list[str]  # ids from the base to this rulebook, e.g. ["national-2022", "yunnan"]
    files: list[Path] = field(default_factory=list)  # the files read, base first (as ``chain``), resolved
    notes: list[str] = field(default_factory=list)
    applies_to: str = "新申报"
    consequence: str = ""  # e.g. the review's 撤销认定
    documents: dict[str, dict] = field(default_factory=dict)  # id → {title, number, date, in_force, url}

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)

    @property
    def unverified(self) -> list[str]:
        return [c.id for c in self.criteria if not c.verified]


# ---------------------------------------------------------------------------------------------

def available_rulebooks() -> list[str]:
    return sorted(p.stem for p in paths.criteria_dir().glob("*.yaml"))


def _locate(name_or_path: str | Path, near: Path | None = None) -> Path:
    text = str(name_or_path)
    p = Path(text)
    if p.suffix in (".yaml", ".yml") or os.sep in text or "/" in text:
        if p.is_file():
            return p.resolve()
        if p.is_dir():
            raise RulebookError(text, "file", "是文件夹，不是规则文件；请给出其中的 YAML 文件，如 …/guangxi.yaml")
        raise RulebookError(text, "file", "规则文件不存在，请检查路径")
    for folder in ([near] if near else []) + [paths.criteria_dir()]:
        for ext in (".yaml", ".yml"):
            cand = folder / f"{text}{ext}"
            if cand.is_file():
                return cand.resolve()
    raise RulebookError(text, "id", f"未找到规则库“{text}”；可用：{', '.join(available_rulebooks())}，"
                                    f"或给出 YAML 文件路径")


TOP_KEYS = {"id", "extends", "version", "title", "source", "applies_to", "consequence", "notes", "settings",
            "dimensions", "readiness", "western_relaxation", "criteria", "overrides", "add", "remove", "documents"}
CRITERION_KEYS = {"id", "dimension", "clause", "title", "kind", "measure", "operator", "threshold", "unit", "any_of",
                  "formula", "evidence", "facts", "items", "verified", "confidence", "source", "note", "hard",
                  "rounding", "reference", "in_force", "checked"}
REFERENCE_KEYS = {"document", "clause", "text", "url"}
DOCUMENT_KEYS = {"title", "number", "issued_by", "date", "in_force", "url", "note"}
ROUNDING_KEYS = {"kind", "digits"}
COMPARISON_KEYS = {"measure", "operator", "threshold", "unit"}
READINESS_KEYS = {"weights", "cap_on_fail"}

# keys that change what a criterion tests (as opposed to its wording or source)
_RULE_KEYS = {"kind", "measure", "operator", "threshold", "unit", "any_of", "evidence", "facts", "items", "dimension"}

_RAW_CACHE: dict[str, tuple[float, dict]] = {}
_NEEDS_REFERENCE = "\0needs-reference"  # marks an override that changed a rule without its own reference


def _read(path: Path) -> dict:
    key = str(path)
    mtime = path.stat().st_mtime
    hit = _RAW_CACHE.get(key)
    if hit and hit[0] == mtime:
        return copy.deepcopy(hit[1])
    try:
        with open(path, encoding="utf-8") as fh:
            data = load_yaml(fh)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "yaml"
        raise RulebookError(path.name, where, f"YAML 格式错误：{exc}") from exc
    except UnicodeDecodeError:
        raise RulebookError(path.name, "file", "不是 UTF-8 编码的 YAML 文本（可能是 Word/Excel 文件或已损坏）；"
                                               "请用文本编辑器按 data/criteria/README.md 的格式写，另存为 UTF-8") from None
    except OSError as exc:
        raise RulebookError(path.name, "file", f"无法读取（{exc.strerror or exc}）；检查路径和文件权限") from None
    if not isinstance(data, dict):
        raise RulebookError(path.name, "(top)", "规则文件应为键值映射（id, criteria …）")
    _RAW_CACHE[key] = (mtime, data)
    return copy.deepcopy(data)


def _resolve(path: Path, seen: tuple[Path, ...] = ()) -> tuple[dict, list[str], dict[str, str], list[Path]]:
    """Merge ``path`` over its base. Returns the merged data, the chain of ids, per criterion the
    file that last touched it (named in errors) and the file that last set what it tests, and the
    files read (base first)."""
    if path in seen:
        chain = " → ".join(p.name for p in seen + (path,))
        raise RulebookError(path.name, "extends", f"循环继承：{chain}")
    data = _read(path)
    fname = path.name
    unknown = set(map(str, data)) - TOP_KEYS
    if unknown:
        raise RulebookError(fname, sorted(unknown)[0], f"未知的键；可用：{', '.join(sorted(TOP_KEYS))}")
    for key in set(data.get("settings") or {}) - set(SETTINGS_ALLOWED):
        raise RulebookError(fname, f"settings › {key}", f"未知设置；可用：{', '.join(SETTINGS_ALLOWED)}")
    for key in set(data.get("readiness") or {}) - READINESS_KEYS:
        raise RulebookError(fname, f"readiness › {key}", f"未知设置；可用：{', '.join(sorted(READINESS_KEYS))}")
    if "id" not in data:
        raise RulebookError(fname, "id", "缺少规则库 id")
    _check_documents(data.get("documents"), fname)
    base_name = data.get("extends")
    if not base_name:
        if "criteria" not in data or not isinstance(data["criteria"], list):
            raise RulebookError(fname, "criteria", "基础规则库须列出 criteria（或用 extends 继承另一规则库）")
        for key in ("overrides", "add", "remove"):
            if key in data:
                raise RulebookError(fname, key, f"“{key}”只能用于继承（extends）的规则库")
        origins = {}
        for i, c in enumerate(data["criteria"]):
            if not isinstance(c, dict) or "id" not in c:
                raise RulebookError(fname, f"criteria[{i}]", "每条标准须为映射并有 id")
            c["id"] = str(c["id"])
            origins[c["id"]] = (fname, fname)
        ids = [c["id"] for c in data["criteria"]]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise RulebookError(fname, f"criteria[{sorted(dup)[0]}]", "标准 id 重复")
        return data, [str(data["id"])], origins, [path]

    try:
        base_path = _locate(str(base_name), near=path.parent) if not str(base_name).endswith((".yaml", ".yml")) \
            else _locate(path.parent / str(base_name))
    except RulebookError:
        raise RulebookError(fname, "extends", f"继承的规则库“{base_name}”找不到；"
                                              f"写规则库 id（{', '.join(available_rulebooks())}）或相对本文件的 YAML 路径") from None
    base, chain, origins, files = _resolve(base_path, seen + (path,))
    if "criteria" in data:
        raise RulebookError(fname, "criteria", "继承的规则库只写差异：用 overrides / add / remove，不要整段复制 criteria")
    merged = dict(base)
    for key in ("id", "version", "title", "source", "applies_to", "consequence", "notes"):
        if key in data:
            merged[key] = data[key]
    if "extends" in merged and "extends" not in data:
        merged.pop("extends")
    merged["settings"] = {**base.get("settings", {}), **(data.get("settings") or {})}
    merged["dimensions"] = {**(base.get("dimensions") or {}), **(data.get("dimensions") or {})}
    r_base = base.get("readiness") or {}
    r_new = data.get("readiness") or {}
    merged["readiness"] = {**r_base, **r_new,
                           "weights": {**(r_base.get("weights") or {}), **(r_new.get("weights") or {})}}
    merged["western_relaxation"] = {**(base.get("western_relaxation") or {}),
                                    **{str(k): v for k, v in (data.get("western_relaxation") or {}).items()}}
    criteria = [dict(c) for c in base["criteria"]]
    by_id = {c["id"]: c for c in criteria}
    for cid in data.get("remove") or []:
        cid = str(cid)
        if cid not in by_id:
            raise RulebookError(fname, f"remove › {cid}", f"基础规则库“{base['id']}”中没有这条标准")
        criteria.remove(by_id.pop(cid))
        origins.pop(cid, None)
    overrides = data.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise RulebookError(fname, "overrides", "应为“标准 id: {要改的键: 值}”的映射")
    for cid, change in overrides.items():
        cid = str(cid)
        if cid not in by_id:
            raise RulebookError(fname, f"overrides › {cid}", f"基础规则库“{base['id']}”中没有这条标准；新增请用 add")
        if not isinstance(change, dict):
            raise RulebookError(fname, f"overrides › {cid}", "应为“键: 值”的映射")
        if "id" in change and str(change["id"]) != cid:
            raise RulebookError(fname, f"overrides › {cid} › id", "不能修改标准 id")
        if ("threshold" in change or "any_of" in change) and "verified" not in change and "confidence" not in change:
            raise RulebookError(fname, f"overrides › {cid}",
                                "修改阈值时须同时写明 confidence（H/M/L）和 verified，以及 source")
        by_id[cid].update(change)
        if set(change) & (_RULE_KEYS - {"dimension"}) and "reference" not in change:
            # the base's reference is the base's text: a changed rule must say where it comes from
            # (checked once the rest of the criterion is known to be right, in _build)
            by_id[cid][_NEEDS_REFERENCE] = fname
        elif "reference" in change:
            by_id[cid].pop(_NEEDS_REFERENCE, None)
        origins[cid] = (fname, fname if set(change) & _RULE_KEYS else origins[cid][1])
    for i, c in enumerate(data.get("add") or []):
        if not isinstance(c, dict) or "id" not in c:
            raise RulebookError(fname, f"add[{i}]", "每条新增标准须为映射并有 id")
        c["id"] = str(c["id"])
        if c["id"] in by_id:
            raise RulebookError(fname, f"add › {c['id']}", "该 id 已存在于基础规则库；修改请用 overrides")
        criteria.append(c)
        by_id[c["id"]] = c
        origins[c["id"]] = (fname, fname)
    merged["criteria"] = criteria
    merged["documents"] = {**(base.get("documents") or {}), **(data.get("documents") or {})}
    return merged, chain + [str(data["id"])], origins, files + [path]


def _date(x, fname: str, where: str) -> dt.date | None:
    if x is None or x == "":
        return None
    if isinstance(x, dt.datetime):
        return x.date()
    if isinstance(x, dt.date):
        return x
    try:
        return dt.date.fromisoformat(str(x).strip())
    except ValueError:
        raise RulebookError(fname, where, f"应为日期 YYYY-MM-DD，实际为“{x}”") from None


def _period(x, fname: str, where: str) -> tuple[dt.date | None, dt.date | None]:
    if x is None:
        return None, None
    if not isinstance(x, dict) or set(map(str, x)) - {"from", "to"}:
        raise RulebookError(fname, where, "应为 {from: 开始日期, to: 结束日期或 null} 映射")
    start = _date(x.get("from"), fname, f"{where} › from")
    end = _date(x.get("to"), fname, f"{where} › to")
    if start and end and end < start:
        raise RulebookError(fname, where, f"有效期的结束日期 {end} 早于开始日期 {start}")
    return start, end


def _check_documents(docs, fname: str) -> None:
    if docs is None:
        return
    if not isinstance(docs, dict):
        raise RulebookError(fname, "documents", "应为“文件 id: {title, number, date, in_force}”的映射")
    for key, d in docs.items():
        where = f"documents › {key}"
        if not isinstance(d, dict):
            raise RulebookError(fname, where, "应为 {title, number, date, in_force} 映射")
        unknown = set(map(str, d)) - DOCUMENT_KEYS
        if unknown:
            raise RulebookError(fname, f"{where} › {sorted(unknown)[0]}", f"未知的键；可用：{', '.join(sorted(DOCUMENT_KEYS))}")
        if not str(d.get("title") or "").strip():
            raise RulebookError(fname, f"{where} › title", "缺少文件名称（title）")
        _date(d.get("date"), fname, f"{where} › date")
        _period(d.get("in_force"), fname, f"{where} › in_force")


def _rounding(x, fname: str, where: str) -> dict | None:
    if x is None:
        return None
    if not isinstance(x, dict):
        raise RulebookError(fname, where, f"应为 {{kind, digits}} 映射，kind 可用：{', '.join(ROUNDING_KINDS)}")
    unknown = set(map(str, x)) - ROUNDING_KEYS
    if unknown:
        raise RulebookError(fname, f"{where} › {sorted(unknown)[0]}", "未知的键；舍入规则只写 kind 和 digits")
    kind = x.get("kind")
    if kind not in ROUNDING_KINDS:
        raise RulebookError(fname, f"{where} › kind",
                            f"未知的舍入方式“{kind}”；可用：" + "、".join(f"{k}（{v}）" for k, v in ROUNDING_KINDS.items()))
    digits = x.get("digits", 0)
    if isinstance(digits, bool) or not isinstance(digits, int) or not -6 <= digits <= 8:
        raise RulebookError(fname, f"{where} › digits", f"保留的小数位数应为 −6 到 8 的整数，实际为“{digits}”")
    return {"kind": kind, "digits": digits}


def _reference(x, fname: str, where: str, documents: dict) -> "Reference":
    if x is None or x == "" or x == {}:
        raise RulebookError(fname, where, "缺少出处：写明 reference: {document: 文件（或 documents 中的 id）, "
                                          "clause: 条款}，如 {document: standard-2022, clause: 第一条}")
    if not isinstance(x, dict):
        raise RulebookError(fname, where, "应为 {document, clause} 映射")
    unknown = set(map(str, x)) - REFERENCE_KEYS
    if unknown:
        raise RulebookError(fname, f"{where} › {sorted(unknown)[0]}", f"未知的键；可用：{', '.join(sorted(REFERENCE_KEYS))}")
    doc = str(x.get("document") or "").strip()
    clause = str(x.get("clause") or "").strip()
    if not doc:
        raise RulebookError(fname, f"{where} › document", "缺少出处文件（document）")
    if not clause:
        raise RulebookError(fname, f"{where} › clause", "缺少条款（clause），原文未分条时写明所在部分，如“负面清单”")
    if doc in documents:
        d = documents[doc]
        doc = str(d["title"]) + (f"（{d['number']}）" if d.get("number") else "")
    return Reference(doc, clause, str(x.get("text") or ""), str(x.get("url") or ""))


def _need(c: dict, key: str, fname: str, where: str):
    if key not in c or c[key] is None or c[key] == "":
        raise RulebookError(fname, f"{where} › {key}", f"缺少“{key}”")
    return c[key]


def _number(x, fname: str, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise RulebookError(fname, where, f"阈值应为数字，实际为“{x}”")
    return float(x)


def _comparison(c: dict, fname: str, where: str, allowed: tuple | dict) -> Comparison:
    if not isinstance(c, dict):
        raise RulebookError(fname, where, "应为 {measure, operator, threshold, unit} 映射")
    m = _need(c, "measure", fname, where)
    if m not in allowed:
        raise RulebookError(fname, f"{where} › measure", f"未知指标“{m}”；可用：{', '.join(allowed)}")
    op = _need(c, "operator", fname, where)
    if op not in OPERATORS:
        raise RulebookError(fname, f"{where} › operator", f"未知比较符“{op}”；可用：{' '.join(OPERATORS)}")
    if "threshold" not in c or c["threshold"] is None:
        raise RulebookError(fname, f"{where} › threshold", "缺少阈值；政策未给出数值时请写明参照值并标注 verified: false")
    t = _number(c["threshold"], fname, f"{where} › threshold")
    return Comparison(m, op, t, str(c.get("unit", "")))


def _evidence_kinds() -> set[str]:
    return set(schema.evidence_kinds())


def _negative_items() -> set[str]:
    return {i["id"] for i in schema.sheet("negative")["items"]}


def _build(data: dict, path: Path, chain: list[str], origins: dict[str, tuple[str, str]],
           files: list[Path]) -> Rulebook:
    """``origins``: criterion id → (the file that last touched it, the file that last set what it tests)."""
    known_kinds = _evidence_kinds()
    negative_items = _negative_items()
    documents = dict(data.get("documents") or {})
    criteria = []
    for i, c in enumerate(data["criteria"]):
        fname, rule_file = origins.get(c["id"], (path.name, path.name))
        where = f"criteria › {c['id']}"
        c = dict(c)
        needs_reference = c.pop(_NEEDS_REFERENCE, None)
        unknown = set(map(str, c)) - CRITERION_KEYS
        if unknown:
            raise RulebookError(fname, f"{where} › {sorted(unknown)[0]}",
                                f"未知的键；可用：{', '.join(sorted(CRITERION_KEYS))}")
        dim = _need(c, "dimension", fname, where)
        if isinstance(dim, bool) or not isinstance(dim, int) or dim not in DIMENSIONS:
            raise RulebookError(fname, f"{where} › dimension", f"未知维度“{dim}”；应为 0（负面清单）、1–8 或 9（复核规划目标）")
        kind = c.get("kind", "quantitative")
        if kind not in KINDS:
            raise RulebookError(fname, f"{where} › kind", f"未知类型“{kind}”；可用：{', '.join(KINDS)}")
        conf = c.get("confidence", "H")
        if conf not in CONFIDENCES:
            raise RulebookError(fname, f"{where} › confidence", f"可信度应为 H、M 或 L，实际为“{conf}”")
        verified = c.get("verified", conf == "H")
        if not isinstance(verified, bool):
            raise RulebookError(fname, f"{where} › verified", "应为 true 或 false")
        if verified and conf != "H":
            raise RulebookError(fname, f"{where} › verified",
                                f"可信度为 {conf} 的标准不能标为已核实（verified: true）；请改为 false")
        crit = Criterion(
            id=c["id"], dimension=dim, clause=str(_need(c, "clause", fname, where)),
            title=str(_need(c, "title", fname, where)), kind=kind, formula=str(c.get("formula", "")),
            verified=verified, confidence=conf, source=str(c.get("source", "")), note=str(c.get("note", "")),
            hard=bool(c.get("hard", True)), origin=rule_file,
        )
        ev = c.get("evidence") or []
        if not isinstance(ev, list):
            raise RulebookError(fname, f"{where} › evidence", "应为证明材料类型的列表")
        for k in ev:
            if k not in known_kinds:
                raise RulebookError(fname, f"{where} › evidence › {k}",
                                    f"未知证明材料类型；可用：{', '.join(sorted(known_kinds))}（见 data/schema/intake.yaml）")
        crit.evidence = list(ev)
        for f in c.get("facts") or []:
            if f not in FACTS:
                raise RulebookError(fname, f"{where} › facts › {f}", f"未知核查项；可用：{', '.join(FACTS)}")
        crit.facts = list(c.get("facts") or [])
        if kind == "quantitative":
            if c.get("any_of"):
                if not isinstance(c["any_of"], list) or len(c["any_of"]) < 2:
                    raise RulebookError(fname, f"{where} › any_of", "应列出至少两个可选条件")
                for j, b in enumerate(c["any_of"]):
                    extra = set(b) - COMPARISON_KEYS if isinstance(b, dict) else set()
                    if extra:
                        raise RulebookError(fname, f"{where} › any_of[{j}] › {sorted(extra)[0]}",
                                            "未知的键；可选条件只写 measure, operator, threshold, unit")
                crit.any_of = [_comparison(b, fname, f"{where} › any_of[{j}]", MEASURES)
                               for j, b in enumerate(c["any_of"])]
            else:
                cmp = _comparison(c, fname, where, MEASURES)
                crit.measure, crit.operator, crit.threshold, crit.unit = cmp.measure, cmp.operator, cmp.threshold, cmp.unit
        elif kind == "plan":
            cmp = _comparison(c, fname, where, PLAN_MEASURES)
            crit.measure, crit.operator, crit.threshold, crit.unit = cmp.measure, cmp.operator, cmp.threshold, cmp.unit
        elif kind == "negative":
            items = _need(c, "items", fname, where)
            for it in items:
                if it not in negative_items:
                    raise RulebookError(fname, f"{where} › items › {it}",
                                        f"未知负面清单事项；可用：{', '.join(sorted(negative_items))}")
            crit.items = list(items)
        elif kind == "evidence":
            if not crit.evidence and not crit.facts:
                raise RulebookError(fname, f"{where} › evidence", "定性标准须列出证明材料类型（evidence）或核查项（facts）")
        crit.rounding = _rounding(c.get("rounding"), fname, f"{where} › rounding")
        if crit.rounding and kind not in ("quantitative", "plan"):
            raise RulebookError(fname, f"{where} › rounding", "只有量化标准（quantitative、plan）可以写舍入规则")
        if needs_reference:
            raise RulebookError(needs_reference, f"overrides › {c['id']} › reference",
                                "修改了标准的比较、阈值或材料要求，须写明本规则的出处 reference（document 文件、clause 条款），"
                                "以及核对日期 checked")
        crit.reference = _reference(c.get("reference"), fname, f"{where} › reference", documents)
        doc_key = str((c.get("reference") or {}).get("document") or "")
        default_period = (documents.get(doc_key) or {}).get("in_force")
        crit.in_force = _period(c.get("in_force", default_period), fname, f"{where} › in_force")
        crit.checked = _date(c.get("checked"), fname, f"{where} › checked")
        crit.defined_in = fname
        criteria.append(crit)

    settings = dict(data.get("settings") or {})
    for key, value in settings.items():
        if key in SETTINGS_ALLOWED and value not in SETTINGS_ALLOWED[key]:
            raise RulebookError(path.name, f"settings › {key}", f"取值应为 {' / '.join(SETTINGS_ALLOWED[key])}，实际为“{value}”")
    dims = {**DIMENSION_NAMES, **{int(k): str(v) for k, v in (data.get("dimensions") or {}).items()}}
    readiness = dict(data.get("readiness") or {})
    weights = {}
    for k, v in (readiness.get("weights") or {}).items():
        if not isinstance(k, int) or k not in DIMENSIONS:
            raise RulebookError(path.name, f"readiness › weights › {k}", "未知维度")
        weights[k] = _number(v, path.name, f"readiness › weights › {k}")
    readiness["weights"] = weights
    relax = {}
    by_id = {c.id: c for c in criteria}
    for cid, change in (data.get("western_relaxation") or {}).items():
        cid = str(cid)
        if cid not in by_id:
            raise RulebookError(path.name, f"western_relaxation › {cid}", "规则库中没有这条标准")
        if not isinstance(change, dict) or "threshold" not in change:
            raise RulebookError(path.name, f"western_relaxation › {cid}", "须写明放宽后的 threshold 及 source")
        _number(change["threshold"], path.name, f"western_relaxation › {cid} › threshold")
        relax[cid] = dict(change)
    notes = data.get("notes") or []
    return Rulebook(
        id=str(data["id"]), version=str(data.get("version", "")), title=str(data.get("title", data["id"])),
        source=str(data.get("source", "")), path=path, criteria=criteria, dimensions=dims, settings=settings,
        readiness=readiness, western_relaxation=relax, chain=chain, files=list(files),
        notes=[notes] if isinstance(notes, str) else list(notes),
        applies_to=str(data.get("applies_to", "新申报")), consequence=str(data.get("consequence", "")),
        documents=documents,
    )


_CACHE: dict[tuple, Rulebook] = {}


def load_rulebook(name_or_path: "str | Path | Rulebook") -> Rulebook:
    """A rulebook by id (``national-2022``, ``yunnan``, ``shanghai``, ``review-2022``) or YAML path."""
    if isinstance(name_or_path, Rulebook):
        return name_or_path
    path = _locate(name_or_path)
    data, chain, origins, files = _resolve(path)
    # cached on the files of its chain (as resolved now) and their modification times
    key = (str(path), tuple((str(f), _RAW_CACHE[str(f)][0]) for f in files))
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    rb = _build(data, path, chain, origins, files)
    _CACHE[key] = rb
    return rb


def default_rulebook(client) -> str:
    """The rulebook for a client: ``review-2022`` for a 复核, else ``national-2022`` — by 申报类型 only; a
    province's own rulebook (yunnan, shanghai …) is used only when asked for (``--rulebook``)."""
    return "review-2022" if getattr(client, "is_review", False) else "national-2022"


def title_of(rulebook_id: str) -> str:
    """A rulebook's title as a reader names it (e.g. 中小企业特色产业集群认定标准（2022年版）), for the
    documents; its file id when the file can no longer be read (the id still says which)."""
    try:
        return load_rulebook(rulebook_id).title or str(rulebook_id)
    except RulebookError:
        return str(rulebook_id)


def label_of(rulebook_id: str, version: str = "") -> str:
    """Title and version, e.g. 中小企业特色产业集群认定标准（2022年版），规则版本2022.1."""
    title = title_of(rulebook_id)
    return f"{title}，规则版本{version}" if version else title
