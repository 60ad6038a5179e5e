"""Clusters already recognised nationally (中小企业特色产业集群), as public reference data.

``data/reference/recognised_clusters.csv`` is a *partial* list collected from public pages; every row
keeps its ``source`` (the page(s) it was read from) and a year marked with ``?`` is uncertain. A
consultant who has the full official list (MIIT's 公示/公告 tables) loads it once::

    python -m toolkit.province.reference import 认定名单.xlsx      # or a .csv
    # → data/reference/recognised_clusters_official.csv (with a source column naming the file and row)

``load_recognised()`` then reads the official list first and adds the seed rows it does not have.

A candidate *faces* a recognised cluster when both are in the same province and their 细分领域
(sub-field) match. The recognised lists give only the cluster's name, so the sub-field is taken from
it: the name without its place prefix and without 产业集群 (``江苏省常熟市电子氟材料产业集群`` →
``电子氟材料``). Matching is on that text: ``相同`` (equal), ``包含`` (one contains the other, e.g.
小家电 / 智能小家电), ``相近`` (at least half of the two-character pieces shared).
"""

from __future__ import annotations

import csv
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from toolkit.core.errors import ToolkitError
from toolkit.core.paths import reference_dir

SEED_FILE = "recognised_clusters.csv"
OFFICIAL_FILE = "recognised_clusters_official.csv"
COLUMNS = ["year", "province", "county", "cluster_name", "source"]

# Header names accepted in a consultant's file, mapped to ours.
HEADER_ALIASES = {
    "year": ("year", "年份", "年度", "批次", "认定年份", "认定批次"),
    "province": ("province", "省份", "省", "省（区、市）", "地区", "推荐单位", "所在省份"),
    "county": ("county", "县", "县（市、区）", "县区", "所在县", "所在地", "区县"),
    "cluster_name": ("cluster_name", "集群名称", "名称", "产业集群名称", "集群"),
    "source": ("source", "来源", "出处", "依据"),
    "sub_field": ("sub_field", "细分领域", "主导产业", "领域"),
}


@dataclass(frozen=True)
class RecognisedCluster:
    year: int | None
    year_text: str  # as written, e.g. "2023?" when uncertain
    province: str
    county: str
    cluster_name: str
    sub_field: str
    source: str
    list_file: str  # which file the row came from

    @property
    def year_uncertain(self) -> bool:
        return self.year is None or "?" in self.year_text

    def to_dict(self) -> dict:
        return asdict(self)


_NOTE = re.compile(r"\s*[（(][^）)]*[）)]\s*$")
_PLACE = re.compile(r"^.*?(?:自治区|自治州|自治县|特别行政区|新区|省|市|盟|州|地区|区|县|旗)")


def sub_field_of(cluster_name: str, county: str = "") -> str:
    """The sub-field a cluster name states: without place prefix, trailing notes and 产业集群."""
    name = str(cluster_name or "").strip()
    while _NOTE.search(name):
        name = _NOTE.sub("", name)
    for suffix in ("特色产业集群", "产业集群", "集群"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if county and county in name:
        name = name[name.rindex(county) + len(county):]
    else:
        # strip successive place names (省, 市, 区, 县 …) at the front
        for _ in range(3):
            m = _PLACE.match(name)
            if not m or len(name) - m.end() < 2:
                break
            name = name[m.end():]
    return name.strip()


def _year(text: str) -> int | None:
    m = re.search(r"(19|20)\d{2}", str(text or ""))
    return int(m.group(0)) if m else None


def _rows_from_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _rows_from_xlsx(path: Path) -> list[dict]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        wb.close()
    # the header is the first row that names a cluster-name column
    for i, row in enumerate(rows):
        cells = [str(c).strip() if c is not None else "" for c in row]
        if any(c in HEADER_ALIASES["cluster_name"] for c in cells):
            return [dict(zip(cells, (("" if v is None else str(v).strip()) for v in r)), _row=i + 1 + j + 1)
                    for j, r in enumerate(rows[i + 1:]) if any(v not in (None, "") for v in r)]
    raise ToolkitError(f"{path.name}: 找不到表头行（需要一列“集群名称”）")


def _normalise(rows: list[dict], file_name: str) -> list[dict]:
    if not rows:
        return []
    headers = [h for h in rows[0] if h != "_row"]
    mapping: dict[str, str] = {}
    for ours, aliases in HEADER_ALIASES.items():
        for h in headers:
            if str(h).strip() in aliases or str(h).strip().lower() == ours:
                mapping[ours] = h
                break
    missing = [c for c in ("province", "cluster_name") if c not in mapping]
    if missing:
        need = "、".join(HEADER_ALIASES[c][1] for c in missing)
        raise ToolkitError(f"{file_name}: 缺少列 {need}（表头可写：{', '.join(HEADER_ALIASES[missing[0]][1:4])}）")
    out = []
    for n, row in enumerate(rows, start=2):
        get = lambda key: str(row.get(mapping.get(key, ""), "") or "").strip()  # noqa: E731
        if not get("cluster_name"):
            continue
        line = row.get("_row", n)
        out.append({
            "year": get("year"),
            "province": get("province"),
            "county": get("county"),
            "cluster_name": get("cluster_name"),
            "sub_field": get("sub_field"),
            "source": get("source") or f"{file_name} 第{line}行",
        })
    return out


def read_list(path: Path | str) -> list[dict]:
    """Rows of a recognised-cluster list in CSV or XLSX, with our column names."""
    path = Path(path)
    if not path.is_file():
        raise ToolkitError(f"找不到文件 {path}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _rows_from_xlsx(path)
    elif path.suffix.lower() == ".csv":
        rows = _rows_from_csv(path)
    else:
        raise ToolkitError(f"{path.name}: 只能读取 .csv 或 .xlsx 文件")
    return _normalise(rows, path.name)


def import_official_list(path: Path | str, dest: Path | str | None = None) -> Path:
    """Store a consultant's full official list as data/reference/recognised_clusters_official.csv."""
    from toolkit.core.atomic import atomic_path

    rows = read_list(path)
    if not rows:
        raise ToolkitError(f"{Path(path).name}: 没有读到任何集群")
    dest = Path(dest) if dest else reference_dir() / OFFICIAL_FILE
    fields = ["year", "province", "county", "cluster_name", "sub_field", "source"]
    with atomic_path(dest) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            for r in rows:
                w.writerow({k: r.get(k, "") for k in fields})
    return dest


def _to_clusters(rows: list[dict], list_file: str) -> list[RecognisedCluster]:
    out = []
    for r in rows:
        name = r.get("cluster_name", "").strip()
        county = r.get("county", "").strip()
        out.append(RecognisedCluster(
            year=_year(r.get("year", "")), year_text=str(r.get("year", "")).strip(),
            province=r.get("province", "").strip(), county=county, cluster_name=name,
            sub_field=(r.get("sub_field") or "").strip() or sub_field_of(name, county),
            source=r.get("source", "").strip(), list_file=list_file,
        ))
    return out


def load_recognised(folder: Path | str | None = None, extra: Path | str | None = None) -> list[RecognisedCluster]:
    """The official list (if loaded) plus the seed rows it lacks; ``extra``: another list file to add."""
    folder = Path(folder) if folder else reference_dir()
    clusters: list[RecognisedCluster] = []
    files = [folder / OFFICIAL_FILE, folder / SEED_FILE] + ([Path(extra)] if extra else [])
    seen = set()
    for f in files:
        if not f.is_file():
            continue
        rows = read_list(f)
        for c in _to_clusters(rows, f.name):
            key = (c.province, _plain(sub_field_of(c.cluster_name, c.county)), c.county)
            if key in seen:
                continue
            seen.add(key)
            clusters.append(c)
    return clusters


def _plain(text: str) -> str:
    return re.sub(r"[\s·、，,（）()]+", "", str(text or ""))


def _bigrams(text: str) -> set[str]:
    t = _plain(text)
    return {t[i:i + 2] for i in range(len(t) - 1)} or ({t} if t else set())


def match_kind(a: str, b: str) -> str | None:
    """How two sub-fields match: 相同, 包含, 相近 or None."""
    a, b = _plain(a), _plain(b)
    if not a or not b:
        return None
    if a == b:
        return "相同"
    if a in b or b in a:
        return "包含"
    ga, gb = _bigrams(a), _bigrams(b)
    if ga and gb and len(ga & gb) / min(len(ga), len(gb)) >= 0.5:
        return "相近"
    return None


def overlaps(candidates, recognised: list[RecognisedCluster] | None = None):
    """Candidates facing a recognised cluster in the same province and a matching sub-field.

    ``candidates``: rows (dicts or a DataFrame) with 客户, 省份, 细分领域 (and optionally 集群名称).
    Returns a DataFrame: candidate, recognised cluster, year, match kind, source.
    """
    import pandas as pd

    recognised = load_recognised() if recognised is None else recognised
    rows = candidates.to_dict("records") if hasattr(candidates, "to_dict") else list(candidates)
    out = []
    for c in rows:
        for r in recognised:
            if r.province != c.get("省份"):
                continue
            kind = match_kind(c.get("细分领域", ""), r.sub_field)
            if kind:
                out.append({"客户": c.get("客户"), "省份": r.province, "候选细分领域": c.get("细分领域"),
                            "已认定集群": r.cluster_name, "认定年份": r.year_text, "已认定细分领域": r.sub_field,
                            "匹配": kind, "来源": r.source})
    return pd.DataFrame(out, columns=["客户", "省份", "候选细分领域", "已认定集群", "认定年份", "已认定细分领域",
                                      "匹配", "来源"])


def shared_sub_fields(candidates):
    """Groups of two or more candidates whose sub-fields match one another (any province)."""
    import pandas as pd

    rows = candidates.to_dict("records") if hasattr(candidates, "to_dict") else list(candidates)
    out = []
    for i, a in enumerate(rows):
        for b in rows[i + 1:]:
            kind = match_kind(a.get("细分领域", ""), b.get("细分领域", ""))
            if kind:
                out.append({"客户甲": a.get("客户"), "细分领域甲": a.get("细分领域"), "省份甲": a.get("省份"),
                            "客户乙": b.get("客户"), "细分领域乙": b.get("细分领域"), "省份乙": b.get("省份"),
                            "匹配": kind, "同省": a.get("省份") == b.get("省份")})
    return pd.DataFrame(out, columns=["客户甲", "细分领域甲", "省份甲", "客户乙", "细分领域乙", "省份乙", "匹配", "同省"])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) >= 2 and argv[0] == "import":
        try:
            dest = import_official_list(argv[1], argv[2] if len(argv) > 2 else None)
        except ToolkitError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
        n = len(load_recognised())
        print(f"已导入 {argv[1]} → {dest}；现共 {n} 个已认定集群可供比对。")
        return 0
    if argv and argv[0] == "list":
        for c in load_recognised():
            print(f"{c.year_text}\t{c.province}\t{c.county}\t{c.cluster_name}\t{c.sub_field}")
        return 0
    print("用法：python -m toolkit.province.reference import 名单.xlsx|名单.csv   或   python -m toolkit.province.reference list",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
