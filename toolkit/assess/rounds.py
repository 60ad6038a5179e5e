"""Rounds: one YAML file per annual notice in ``data/rounds/`` (2022–2026).

Each round records the notice, the quotas (per province; per 计划单列市 and the 新疆生产建设兵团),
MIIT's deadline, the attachments, which recognised batch is reviewed, the provinces' own earlier
deadlines and limits, and the western-region relaxation. Values the policy reference does not give
are ``null`` with a note — never guessed.

The western relaxation (``西部地区可适当放宽``, 2022 and 2023 notices) is a named setting that is
**off unless asked for** (``assess(…, western_relaxation=True)`` / ``--western-relaxation``). The
notices give no relaxed numbers, so the shipped rounds name no relaxed thresholds: a consultant who has
them writes ``western_relaxation.overrides`` in the round file (or in a rulebook of their own), by
criterion id with source and confidence. Whenever the setting is on, the assessment's ``settings``
says so, including when it changes no threshold.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


from toolkit.core.yamlfile import YAMLError, load_yaml
from toolkit.core import paths
from toolkit.core.errors import RoundError
from toolkit.core.formatting import date_cn
from toolkit.intake.model import PLAN_CITIES, PROVINCES, XPCC


@dataclass(frozen=True)
class Attachment:
    id: str  # "附件1"
    title: str
    evidence: bool = False  # whether evidence (佐证材料) goes with it


@dataclass
class WesternRelaxation:
    """The round's 西部地区放宽 setting: whether the notice allows it. An assessment switches it on for
    itself (``assess(..., western_relaxation=True)``); the round is never changed."""

    available: bool | None  # whether the notice allows it (None: not known)
    text: str = ""
    source: str = ""
    overrides: dict[str, dict] = field(default_factory=dict)  # criterion id → {threshold, source, confidence}

    NAME = "西部地区放宽"


@dataclass(frozen=True)
class ProvinceDeadline:
    """A province's own rules for a round (``province_deadlines`` in the round file): its deadline for
    the counties, a limit per 设区市, and whether only clusters recognised at provincial level may be
    recommended. The province decision applies them (``toolkit.province.decision``)."""

    date: dt.date | None
    note: str
    confidence: str = "H"
    max_per_city: int | None = None
    requires_provincial_recognition: bool = False
    source: str = ""


@dataclass
class Round:
    year: int
    notice: str | None
    notice_title: str
    notice_date: dt.date | None
    deadline: dt.date | None  # to MIIT
    quota_province: int | None
    quota_special: int | None  # 计划单列市 / 新疆生产建设兵团
    attachments: list[Attachment]
    review_batch: int | None
    province_deadlines: dict[str, ProvinceDeadline]
    western_relaxation: WesternRelaxation
    one_per_sub_field: bool | None
    confidence: str = "H"
    notes: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    projected: bool = False  # dates and quota projected from an earlier round (预计), toolkit.assess.schedule
    projection_note: str = ""

    @property
    def label(self) -> str:
        return f"{self.year}年度"

    def note(self, key: str) -> str:
        """The data file's note for an unknown value, e.g. ``note("quota")``."""
        return str(self.raw.get(f"{key}_note", ""))

    def quota_for(self, recommender: str) -> int | None:
        """The number of clusters ``recommender`` may recommend (None when not known)."""
        if recommender in PLAN_CITIES or recommender == XPCC:
            return self.quota_special
        if recommender in PROVINCES:
            return self.quota_province
        return None

    def deadline_for(self, province: str) -> tuple[dt.date | None, str, bool]:
        """(date, label, verified): the province's own deadline if known, else MIIT's, said plainly."""
        pd = self.province_deadlines.get(province)
        if pd is not None and pd.date is not None:
            return pd.date, f"{province}截止日期{date_cn(pd.date)}（{pd.note}）", pd.confidence == "H"
        if self.deadline is None:
            return None, f"{self.label}截止日期未获取，请以通知原文为准", False
        return (self.deadline,
                f"工信部截止日期{date_cn(self.deadline)}；{province or '省级'}主管部门的截止日期通常更早，未获取，请核实",
                False)

    def attachment(self, attachment_id: str) -> Attachment | None:
        return next((a for a in self.attachments if a.id == attachment_id), None)


def default_round(today: dt.date | None = None) -> int:
    """The round a command, a notebook or ``build_package`` uses when none is given: the next one whose
    deadline has not passed on ``today`` (``toolkit.assess.schedule.next_open_round``; projected, 预计,
    where its notice is not known). ``today``: ``--today``, else the machine's date."""
    from toolkit.assess.schedule import next_open_round
    from toolkit.core.clock import today as today_of

    return next_open_round(today_of(today)).year


def available_rounds() -> list[int]:
    out = []
    for p in paths.rounds_dir().glob("*.yaml"):
        if p.stem.isdigit():
            out.append(int(p.stem))
    return sorted(out)


def _date(value, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RoundError(f"{where}: 日期“{value}”应写成 YYYY-MM-DD") from None


def _int(value, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RoundError(f"{where}: 应为整数或 null，实际为“{value}”")
    return value


_CACHE: dict[tuple[str, float], Round] = {}


def load_round(year: "int | str | Round") -> Round:
    """The round of ``year`` (e.g. 2025) from ``data/rounds/<year>.yaml``, or a round file's path."""
    if isinstance(year, Round):
        return year
    text = str(year).strip()
    have = "、".join(str(y) for y in available_rounds())
    if not text.endswith((".yaml", ".yml")) and not re.fullmatch(r"\d{4}", text):
        raise RoundError(f"--round “{text}”不是年度：请写四位年份，如 --round 2025；可用：{have}")
    path = Path(text) if text.endswith((".yaml", ".yml")) else paths.rounds_dir() / f"{text}.yaml"
    if not path.is_file():
        raise RoundError(f"未找到申报年度“{text}”（{path}）；可用：{have}。"
                         f"新的年度请照 data/rounds/ 中已有文件的格式添加")
    key = (str(path), path.stat().st_mtime)
    if key in _CACHE:
        return copy_round(_CACHE[key])
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except YAMLError as exc:
        raise RoundError(f"{path.name}: YAML 格式错误：{exc}") from exc
    except (UnicodeDecodeError, OSError) as exc:
        raise RoundError(f"{path.name}: 无法作为 UTF-8 的 YAML 文本读取（{type(exc).__name__}）；"
                         f"请照 data/rounds/ 中已有文件的格式写，另存为 UTF-8") from None
    if not isinstance(data, dict) or "year" not in data:
        raise RoundError(f"{path.name} › year: 缺少年度")
    f = path.name
    quota = data.get("quota") or {}
    atts = data.get("attachments") or []
    attachments = []
    for i, a in enumerate(atts):
        if not isinstance(a, dict) or "id" not in a or "title" not in a:
            raise RoundError(f"{f} › attachments[{i}]: 须有 id 和 title")
        attachments.append(Attachment(str(a["id"]), str(a["title"]), bool(a.get("evidence", False))))
    pds = {}
    for prov, d in (data.get("province_deadlines") or {}).items():
        if prov not in PROVINCES and prov not in PLAN_CITIES and prov != XPCC:
            raise RoundError(f"{f} › province_deadlines › {prov}: 不是省级行政区或计划单列市的全称")
        where = f"{f} › province_deadlines › {prov}"
        prerequisite = d.get("requires_provincial_recognition", False)
        if not isinstance(prerequisite, bool):
            raise RoundError(f"{where} › requires_provincial_recognition: 应为 true 或 false，实际为“{prerequisite}”")
        pds[prov] = ProvinceDeadline(_date(d.get("date"), f"{where} › date"),
                                     str(d.get("note", "")), str(d.get("confidence", "H")),
                                     _int(d.get("max_per_city"), f"{where} › max_per_city"),
                                     prerequisite, str(d.get("source", "")))
    wr = data.get("western_relaxation") or {}
    relax = WesternRelaxation(available=wr.get("available"), text=str(wr.get("text", "")),
                              source=str(wr.get("source", "")),
                              overrides={str(k): dict(v) for k, v in (wr.get("overrides") or {}).items()})
    for cid, change in relax.overrides.items():
        if "threshold" not in change:
            raise RoundError(f"{f} › western_relaxation › overrides › {cid}: 须写明放宽后的 threshold 及 source")
    rnd = Round(
        year=_int(data["year"], f"{f} › year"), notice=data.get("notice"),
        notice_title=str(data.get("notice_title", "")),
        notice_date=_date(data.get("notice_date"), f"{f} › notice_date"),
        deadline=_date(data.get("deadline"), f"{f} › deadline"),
        quota_province=_int(quota.get("province"), f"{f} › quota › province"),
        quota_special=_int(quota.get("special"), f"{f} › quota › special"),
        attachments=attachments, review_batch=_int(data.get("review_batch"), f"{f} › review_batch"),
        province_deadlines=pds, western_relaxation=relax, one_per_sub_field=data.get("one_per_sub_field"),
        confidence=str(data.get("confidence", "H")), notes=list(data.get("notes") or []), raw=data, path=path,
    )
    _CACHE[key] = rnd
    return copy_round(rnd)


def copy_round(rnd: Round) -> Round:
    """A copy whose western-relaxation setting can be switched on without touching the cache."""
    import copy

    out = copy.copy(rnd)
    out.western_relaxation = copy.copy(rnd.western_relaxation)
    return out


def resolve_round(round):
    """A ``Round`` from a year (int or text) or a ``Round``; None stays None. A year whose file gives no
    deadline, or that has no file yet, is projected (``toolkit.assess.schedule.round_for``, marked 预计);
    text that is not a year, or a round file's path that is not there, is a named error."""
    if round is None:
        return None
    if hasattr(round, "year"):
        return round
    text = str(round).strip()
    if re.fullmatch(r"\d{4}", text):
        from toolkit.assess.schedule import round_for

        return round_for(int(text))
    return load_round(round)
