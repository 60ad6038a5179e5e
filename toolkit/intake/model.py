"""Typed objects for one client (a county's cluster), as read from its intake workbook.

Every value keeps its ``Source`` (file › sheet › cell) so that an assessment, a narrative sentence or
a chart can be traced back to the cell it came from. The reader (``toolkit.intake.reader``) builds these;
tests and notebooks may build them directly.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# 东部/中部/西部/东北 as the National Bureau of Statistics groups provinces; 西部 is the region the
# rounds' "西部地区可适当放宽" relaxation refers to.
REGIONS: dict[str, str] = {
    **{p: "东部" for p in ("北京市", "天津市", "河北省", "上海市", "江苏省", "浙江省", "福建省", "山东省", "广东省", "海南省")},
    **{p: "中部" for p in ("山西省", "安徽省", "江西省", "河南省", "湖北省", "湖南省")},
    **{p: "西部" for p in ("内蒙古自治区", "广西壮族自治区", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区",
                         "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区")},
    **{p: "东北" for p in ("辽宁省", "吉林省", "黑龙江省")},
}
PROVINCES: tuple[str, ...] = tuple(REGIONS)
# 计划单列市 and the 兵团 recommend on their own, with a smaller quota.
PLAN_CITIES: dict[str, str] = {
    "大连市": "辽宁省", "青岛市": "山东省", "宁波市": "浙江省", "厦门市": "福建省", "深圳市": "广东省",
}
XPCC = "新疆生产建设兵团"
RECOMMENDERS: tuple[str, ...] = PROVINCES + tuple(PLAN_CITIES) + (XPCC,)

NEW, REVIEW = "新申报", "复核"

# Enterprise tiers, as roster columns.
TIERS: dict[str, str] = {
    "champion": "制造业单项冠军",
    "little_giant": "专精特新“小巨人”",
    "specialised": "专精特新中小企业",
    "innovative": "创新型中小企业",
    "high_tech": "国家级高新技术企业",
}


# Two spellings of one company form: 有限责任公司 is the full name of 有限公司. 青川电器有限公司 and
# 青川电器有限责任公司 are one firm typed twice (the county's list and the press's), not two — whereas
# 股份有限公司, 集团 or a bracketed place name may well be another legal entity, and are kept apart.
_SAME_FORMS = (("有限责任公司", "有限公司"),)


def firm_key(name: str) -> str:
    """A firm's name as it identifies the firm: NFKC (full-width brackets and digits as half-width), no
    spaces, and one spelling for 有限公司/有限责任公司. Two roster rows with the same key are flagged as
    likely one firm (the reader warns; counts take them as one at least)."""
    s = unicodedata.normalize("NFKC", str(name or ""))
    s = re.sub(r"\s+", "", s)
    for long, short in _SAME_FORMS:
        if s.endswith(long):
            s = s[: -len(long)] + short
    return s


@dataclass(frozen=True)
class Source:
    file: str
    sheet: str
    cell: str

    def __str__(self) -> str:
        return f"{self.file} › {self.sheet} › {self.cell}"


@dataclass(frozen=True)
class Value:
    """A parsed cell value with where it came from. ``value`` is None for a blank cell.

    ``error`` says why what the cell holds cannot be right (text in a number cell, a share above 100):
    ``value`` is then None and a criterion that reads the cell is 数据有误, naming it. ``doubt`` says why
    a value that was read is implausible for one county (385000 in a 亿元 row, a ten-fold jump, 0.7 for
    70%): the criterion it feeds is 数据有误 too, never a silent 达标. ``note`` is what the county wrote
    beside it (the 说明 column: 口径 such as 按销售收入统计), carried into the assessment."""

    value: Any
    source: Source | None = None
    error: str = ""
    doubt: str = ""
    note: str = ""

    @property
    def missing(self) -> bool:
        return self.value is None and not self.error

    @property
    def wrong(self) -> str:
        """Why the cell cannot be trusted ('' when it can)."""
        return self.error or self.doubt

    @property
    def number(self) -> float | None:
        """The value as a number: None for a blank, a yes/no, text that is not a number, NaN, or a
        cell whose content cannot be right (``error``)."""
        x = self.value
        if x is None or isinstance(x, bool) or self.error:
            return None
        try:
            x = float(x)
        except (TypeError, ValueError):
            return None
        return None if x != x else x


@dataclass
class Firm:
    name: str
    credit_code: str | None
    is_sme: bool
    in_leading_industry: bool
    tiers: frozenset[str]  # keys of TIERS
    source: Source | None = None  # the row's first cell
    note: str = ""
    # True when every tier cell of the row is blank: the firm's titles are not known (not "none")
    tiers_unknown: bool = False


@dataclass(frozen=True)
class TierCount:
    """A count of firms of one tier known without their names (e.g. from a press release), as the
    county declares it on the 梯度企业数量 sheet: accepted as declared, 待补证 until the roster names them."""

    tier: str  # a key of TIERS
    count: int
    leading: int | None  # of which in the leading industry (None: not stated)
    basis: str  # where the number comes from (来源)
    source: Source | None = None  # the count's cell


@dataclass
class Platform:
    name: str
    kind: str  # e.g. 创新平台, 公共服务机构, 集群运营机构
    level: str | None  # 国家级/省级/市级/县级
    host: str = ""
    source: Source | None = None
    note: str = ""


@dataclass
class NegativeItem:
    id: str
    label: str
    occurred: bool | None  # None: not answered
    note: str = ""
    source: Source | None = None


@dataclass
class PlanTarget:
    name: str
    indicator: str | None  # id of an indicator in 年度指标, when the target tracks one
    unit: str
    base_year: int | None
    base_value: float | None
    target_year: int | None
    target_value: float | None
    actual_value: float | None
    source: Source | None = None
    higher_is_better: bool = True
    note: str = ""


@dataclass
class EvidenceItem:
    title: str
    file: str | None  # path relative to the client folder
    kinds: tuple[str, ...]  # evidence kinds it supports (data/schema/intake.yaml › evidence_kinds)
    source: Source | None = None
    exists: bool | None = None  # whether ``file`` was found beside the workbook
    note: str = ""


@dataclass
class Client:
    """One county's cluster, as read from ``intake.xlsx`` in its client folder."""

    id: str  # the client folder's name; safe for file names (see toolkit.core.naming)
    folder: Path
    workbook: Path
    template_version: str
    basic: dict[str, Value]
    years: list[int]  # ascending, the three indicator years
    indicators: dict[str, dict[int, Value]]  # indicator id → year → value
    firms: list[Firm] = field(default_factory=list)
    platforms: list[Platform] = field(default_factory=list)
    negative: list[NegativeItem] = field(default_factory=list)
    plan: list[PlanTarget] = field(default_factory=list)
    evidence: list[EvidenceItem] = field(default_factory=list)
    tier_counts: list[TierCount] = field(default_factory=list)  # firms known by count, not by name
    sha256: str = ""
    # Warnings the reader found (errors stop the read): shown in the notebook and ``clusterkit check``.
    problems: list = field(default_factory=list)

    # -- convenient, typed views -------------------------------------------------------------
    def get(self, field_id: str, default: Any = None) -> Any:
        v = self.basic.get(field_id)
        return default if v is None or v.value is None else v.value

    @property
    def cluster_name(self) -> str:
        return self.get("cluster_name", "")

    @property
    def province(self) -> str:
        return self.get("province", "")

    @property
    def city(self) -> str:
        return self.get("city", "")

    @property
    def county(self) -> str:
        return self.get("county", "")

    @property
    def region(self) -> str:
        return REGIONS.get(self.province, "")

    @property
    def recommender(self) -> str:
        """Who recommends this cluster to MIIT: the province, or a 计划单列市 / the 兵团."""
        return self.get("recommender") or self.province

    @property
    def application_type(self) -> str:
        return self.get("application_type", NEW)

    @property
    def is_review(self) -> bool:
        return self.application_type == REVIEW

    @property
    def recognised_year(self) -> int | None:
        return self.get("recognised_year")

    @property
    def sub_field(self) -> str:
        return self.get("sub_field", "")

    @property
    def provincial_recognition(self) -> bool | None:
        """Whether the cluster is recognised at provincial level (是/否); None when not answered."""
        v = self.get("provincial_recognition")
        return None if v is None else v == "是"

    @property
    def latest_year(self) -> int:
        return self.years[-1]

    def indicator(self, indicator_id: str, year: int) -> Value:
        return self.indicators.get(indicator_id, {}).get(year, Value(None))

    def series(self, indicator_id: str) -> dict[int, float | None]:
        """Year → value (None where blank) over the client's years."""
        return {y: self.indicator(indicator_id, y).value for y in self.years}

    def firms_with(self, tier: str, *, leading_only: bool = False) -> list[Firm]:
        return [f for f in self.firms if tier in f.tiers and (f.in_leading_industry or not leading_only)]
