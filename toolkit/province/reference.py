"""Clusters already recognised nationally (中小企业特色产业集群), as public reference data.

``data/reference/recognised_clusters.csv`` is a *partial* list collected from public pages; every row
keeps its ``source`` (the page(s) it was read from) and a year marked with ``?`` is uncertain. A
consultant who has the full official list (MIIT's 公示/公告 tables) loads it once::

    clusterkit reference import 认定名单.xlsx      # or a .csv; import_official_list() in Python
    # → data/reference/recognised_clusters_official.csv (with a source column naming the file and row)

``load_recognised()`` then reads the official list first and adds the seed rows it does not have.

A candidate *faces* a recognised cluster when both are in the same province and their 细分领域
(sub-field) match. The recognised lists give only the cluster's name, so the sub-field is taken from
it: the name without its place prefix and without 产业集群 (``江苏省常熟市电子氟材料产业集群`` →
``电子氟材料``). Matching is on that text: ``相同`` (equal), ``包含`` (one contains the other, e.g.
小家电 / 智能小家电), ``相近`` (at least half of the two-character pieces shared). ``similarity`` gives
the score behind each kind and the pieces shared, so a consultant sees why two rows were matched and
can overrule it. ``competition`` lists, per candidate, the recognised clusters in its province and
nationally whose sub-field matches its declared 细分领域 (or, failing that, its 主导产业).

A list file is read with what can be read: rows without a cluster name or a province, and years that
are not a year (``2023?`` is kept as uncertain, ``第三批`` is not a year), are named by row in
``ListRead.problems``; a header split over two rows (a merged 所在地区 above 省份 | 县) is joined.
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from toolkit.core.errors import ToolkitError
from toolkit.core.paths import reference_dir

SEED_FILE = "recognised_clusters.csv"
OFFICIAL_FILE = "recognised_clusters_official.csv"

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


def _known_header(cell: str) -> bool:
    return any(cell in aliases for aliases in HEADER_ALIASES.values())


def _rows_from_xlsx(path: Path) -> list[dict]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ToolkitError(f"{path.name}: 不是可读取的 Excel 工作簿（{type(exc).__name__}）；"
                           f"请在 Excel 或 WPS 中打开后另存为 .xlsx，或导出为 .csv") from exc
    try:
        ws = wb.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        wb.close()
    # the header is the first row that names a cluster-name column; a second header row right below
    # it (a merged group label such as 所在地区 above 省份 | 县) fills in or refines its cells
    for i, row in enumerate(rows):
        cells = [str(c).strip() if c is not None else "" for c in row]
        if any(c in HEADER_ALIASES["cluster_name"] for c in cells):
            start = i + 1
            if start < len(rows):
                below = [str(c).strip() if c is not None else "" for c in rows[start]]
                if any(below) and all(not c or _known_header(c) for c in below):
                    width = max(len(cells), len(below))
                    cells += [""] * (width - len(cells))
                    below += [""] * (width - len(below))
                    cells = [b if b and (_known_header(b) or not a) else a for a, b in zip(cells, below)]
                    start += 1
            return [dict(zip(cells, (("" if v is None else str(v).strip()) for v in r)), _row=start + j + 1)
                    for j, r in enumerate(rows[start:]) if any(v not in (None, "") for v in r)]
    raise ToolkitError(f"{path.name}: 找不到表头行（需要一列“集群名称”）")


@dataclass
class ListRead:
    """What a list file gave: the rows read, and each row that could not be read whole, by row."""

    rows: list[dict]
    problems: list[str]
    dest: Path | None = None  # where ``import_official_list`` stored it


def _normalise(rows: list[dict], file_name: str) -> ListRead:
    if not rows:
        return ListRead([], [])
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
    out, problems = [], []
    for n, row in enumerate(rows, start=2):
        get = lambda key: str(row.get(mapping.get(key, ""), "") or "").strip()  # noqa: E731
        line = row.get("_row", n)
        where = f"{file_name} 第{line}行"
        if not get("cluster_name"):
            if any(str(v or "").strip() for k, v in row.items() if k != "_row"):
                problems.append(f"{where}：没有集群名称，未读入")
            continue
        name = get("cluster_name")
        if not get("province"):
            problems.append(f"{where}（{name}）：没有省份，只参与全国同领域比对")
        year = get("year")
        if not year:
            problems.append(f"{where}（{name}）：认定年份空白，按年份不详读入")
        elif _year(year) is None:
            problems.append(f"{where}（{name}）：认定年份“{year}”不是年份，按年份不详读入")
        out.append({
            "year": year,
            "province": get("province"),
            "county": get("county"),
            "cluster_name": name,
            "sub_field": get("sub_field"),
            "source": get("source") or where,
        })
    return ListRead(out, problems)


def read_list(path: Path | str) -> ListRead:
    """Rows of a recognised-cluster list in CSV or XLSX, with our column names, and the rows that
    could not be read whole."""
    path = Path(path)
    if not path.is_file():
        raise ToolkitError(f"找不到文件 {path}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        rows = _rows_from_xlsx(path)
    elif path.suffix.lower() == ".csv":
        try:
            rows = _rows_from_csv(path)
        except UnicodeDecodeError as exc:
            raise ToolkitError(f"{path.name}: 不是 UTF-8 编码的 CSV；请在 Excel 或 WPS 中另存为“CSV UTF-8”") from exc
    else:
        raise ToolkitError(f"{path.name}: 只能读取 .csv 或 .xlsx 文件")
    return _normalise(rows, path.name)


def import_official_list(path: Path | str, dest: Path | str | None = None) -> ListRead:
    """Store a consultant's full official list as data/reference/recognised_clusters_official.csv."""
    from toolkit.core.atomic import atomic_path

    read = read_list(path)
    if not read.rows:
        raise ToolkitError(f"{Path(path).name}: 没有读到任何集群" + (f"（{read.problems[0]}）" if read.problems else ""))
    dest = Path(dest) if dest else reference_dir() / OFFICIAL_FILE
    fields = ["year", "province", "county", "cluster_name", "sub_field", "source"]
    with atomic_path(dest) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            for r in read.rows:
                w.writerow({k: r.get(k, "") for k in fields})
    read.dest = dest
    return read


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
        for c in _to_clusters(read_list(f).rows, f.name):
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


@dataclass(frozen=True)
class Match:
    """Why two sub-fields were matched, in terms a consultant can check and overrule."""

    kind: str                 # 相同, 包含 or 相近
    score: float              # 1.0 for 相同; 包含: shorter ÷ longer length; 相近: shared pieces ÷ the smaller set
    shared: tuple[str, ...]   # the two-character pieces both share
    on: str = "细分领域"       # which of the candidate's fields matched: 细分领域 or 主导产业

    def explain(self) -> str:
        pieces = f"；共有字组：{'、'.join(self.shared[:6])}" if self.shared and self.kind != "相同" else ""
        return f"{self.on}{self.kind}（相似度{self.score:.2f}{pieces}）"


def similarity(a: str, b: str, *, on: str = "细分领域") -> Match | None:
    """How two sub-fields match: equal, one containing the other, or at least half of the smaller
    set of two-character pieces shared; None when they do not."""
    a, b = _plain(a), _plain(b)
    if not a or not b:
        return None
    ga, gb = _bigrams(a), _bigrams(b)
    shared = tuple(sorted(ga & gb))
    if a == b:
        return Match("相同", 1.0, shared, on)
    if a in b or b in a:
        return Match("包含", round(min(len(a), len(b)) / max(len(a), len(b)), 2), shared, on)
    if ga and gb and len(ga & gb) / min(len(ga), len(gb)) >= 0.5:
        return Match("相近", round(len(ga & gb) / min(len(ga), len(gb)), 2), shared, on)
    return None


def match_kind(a: str, b: str) -> str | None:
    """How two sub-fields match: 相同, 包含, 相近 or None (``similarity`` gives the reasons)."""
    m = similarity(a, b)
    return m.kind if m else None


COMPETITION_COLUMNS = ["客户", "范围", "候选细分领域", "已认定集群", "省份", "认定年份", "已认定细分领域", "匹配",
                       "相似度", "依据", "来源", "名单文件"]


def competition(candidates, recognised: list[RecognisedCluster] | None = None):
    """Per candidate, the recognised clusters whose sub-field matches its declared 细分领域 (or, when
    none does, its 主导产业): those in its own province (范围 本省) and elsewhere (范围 全国).

    ``candidates``: rows (dicts or a DataFrame) with 客户, 省份, 细分领域 and optionally 主导产业.
    Every match shows its kind, score, the pieces shared and the row's source, so it can be overruled.
    """
    import pandas as pd

    recognised = load_recognised() if recognised is None else recognised
    rows = candidates.to_dict("records") if hasattr(candidates, "to_dict") else list(candidates)
    out = []
    for c in rows:
        for r in recognised:
            m = similarity(c.get("细分领域", ""), r.sub_field) or similarity(
                c.get("主导产业", ""), r.sub_field, on="主导产业")
            if not m:
                continue
            out.append({"客户": c.get("客户"), "范围": "本省" if r.province and r.province == c.get("省份") else "全国",
                        "候选细分领域": c.get("细分领域"), "已认定集群": r.cluster_name, "省份": r.province,
                        "认定年份": r.year_text, "已认定细分领域": r.sub_field, "匹配": m.kind, "相似度": m.score,
                        "依据": m.explain(), "来源": r.source, "名单文件": r.list_file})
    df = pd.DataFrame(out, columns=COMPETITION_COLUMNS)
    order = df["范围"].map({"本省": 0, "全国": 1})
    df = df.assign(_order=order).sort_values(["客户", "_order", "相似度"], ascending=[True, True, False], kind="stable")
    return df.drop(columns="_order").reset_index(drop=True)


def overlaps(candidates, recognised: list[RecognisedCluster] | None = None):
    """Candidates facing a recognised cluster in the same province and a matching sub-field
    (``competition`` restricted to 本省)."""
    df = competition(candidates, recognised)
    df = df[df["范围"] == "本省"]
    return df[["客户", "省份", "候选细分领域", "已认定集群", "认定年份", "已认定细分领域", "匹配", "来源"]].reset_index(drop=True)


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
