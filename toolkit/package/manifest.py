"""A package's record: what ``build_package`` writes about a client's package, and the one reader of it.

- ``summary(client, assessment)`` — the facts about the client the province needs without the client's
  workbook (place, 推荐单位, declared 细分领域, leading industry, output …); ``build_package`` writes it
  into ``manifest.json`` › ``summary``.
- ``read_package(folder) -> PackageRecord`` — the one reader of a package (``manifest.json`` and
  ``assessment.json``), for every consumer: the province's decision and tables, the province notebook,
  the batch's completeness check. The assessment is the authority on the verdict and the readiness;
  the declared 细分领域 comes from the manifest, never guessed from the cluster's name.
- ``record_of(client, assessment)`` — the same record for a client assessed in memory.
- ``find_packages(output_root, round)`` — every package of a round, with the problems met;
  ``package_complete(folder)`` — whether a package's manifest reads and every file it lists is there.
- ``kept_lines(kept)`` — what a re-run kept (the manifest's ``kept``), one line each, for the commands'
  output; here rather than in the writer so that printing a batch does not load the charts.

A damaged ``manifest.json`` or ``assessment.json`` is a ``ToolkitError`` naming the file and what to do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.core.errors import ToolkitError
from toolkit.core.naming import inside, safe_name
from toolkit.intake.model import NEW, REVIEW, Client
from toolkit.assess.result import Assessment, CriterionResult

MANIFEST_FILE = "manifest.json"
ASSESSMENT_FILE = "assessment.json"


def kept_lines(kept: list[dict[str, str]]) -> list[str]:
    """What a re-run kept, one line each, for the command's output and the batch's summary."""
    out = []
    for k in kept:
        if k.get("why") == "已修改":
            out.append(f"保留了修改过的 {k['path']}（新生成的版本另存为 {k['new_version']}）")
        else:
            out.append(f"保留了顾问添加的 {k['path']}")
    return out


def _latest(client: Client, key: str) -> float | None:
    for y in reversed(client.years):
        v = client.indicator(key, y).value
        if v is not None:
            try:
                return float(v)
            except (TypeError, ValueError):
                return None
    return None


def summary(client: Client, assessment: Assessment) -> dict[str, Any]:
    """The facts the province needs about a package, as ``manifest.json`` › ``summary`` holds them."""
    _, growth = assessment.value_of("cluster_output_growth")
    plan = [r for r in assessment.results if r.dimension == 9 and r.kind == "plan"]
    return {
        "cluster_name": client.cluster_name,
        "province": client.province,
        "city": client.city,
        "county": client.county,
        "recommender": client.recommender,
        "applicant": client.get("applicant", ""),
        "leading_industry": client.get("leading_industry", ""),
        "sub_field": client.sub_field,
        "application_type": client.application_type,
        "recognised_year": client.recognised_year,
        "provincial_recognition": client.provincial_recognition,
        "output_latest": _latest(client, "cluster_output"),
        "output_year": client.latest_year,
        "output_growth": growth,
        "readiness": assessment.readiness,
        "overall": assessment.overall,
        "failed": [f"{r.id} {r.verdict}" for r in assessment.results if not r.passed],
        "plan_met": sum(1 for r in plan if r.passed),
        "plan_total": len(plan),
    }


@dataclass(frozen=True)
class PackageRecord:
    """One client's package as every later step reads it."""

    client_id: str
    cluster_name: str
    recommender: str
    overall: str  # the assessment's: 符合条件 / 待补充完善 / 不符合条件
    readiness: float | None
    application_type: str = NEW
    sub_field: str = ""  # as declared in the workbook (基本信息 › 细分领域)
    province: str = ""
    city: str = ""
    county: str = ""
    leading_industry: str = ""
    applicant: str = ""  # 申报单位, as 附件2/附件4 name it
    recognised_year: int | str | None = None
    provincial_recognition: bool | None = None  # 已获省级特色产业集群认定; None when not answered
    output_latest: float | None = None  # 集群工业总产值 of the latest year, 亿元
    output_growth: float | None = None  # the assessment's average annual growth, %
    round: int | str | None = None
    folder: Path | None = None
    files: tuple[str, ...] = ()  # the files the manifest lists, relative to ``folder``
    assessment: Assessment | None = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.cluster_name or self.client_id

    @property
    def is_review(self) -> bool:
        return self.application_type == REVIEW

    @property
    def failed(self) -> list[CriterionResult]:
        """The criteria not met (未达标, 待补证, 数据缺失, 一票否决), in the assessment's order."""
        return list(self.assessment.failed) if self.assessment is not None else []

    @property
    def plan(self) -> tuple[int, int]:
        """(met, total) of the review's plan targets."""
        rs = [r for r in (self.assessment.results if self.assessment else []) if r.dimension == 9 and r.kind == "plan"]
        return sum(1 for r in rs if r.passed), len(rs)


def _number(x) -> float | None:
    try:
        return None if x is None or isinstance(x, bool) else float(x)
    except (TypeError, ValueError):
        return None


def _text(x) -> str:
    return "" if x is None else str(x).strip()


def _record(s: dict, assessment: Assessment, *, client_id: str, round=None, folder: Path | None = None,
            files: tuple[str, ...] = ()) -> PackageRecord:
    return PackageRecord(
        client_id=client_id,
        cluster_name=_text(s.get("cluster_name")) or _text(assessment.cluster_name),
        recommender=_text(s.get("recommender")) or (folder.parent.name if folder is not None else "")
        or _text(assessment.province),
        overall=assessment.overall,
        readiness=_number(assessment.readiness),
        application_type=_text(s.get("application_type")) or _text(assessment.application_type) or NEW,
        sub_field=_text(s.get("sub_field")),
        province=_text(s.get("province")) or _text(assessment.province),
        city=_text(s.get("city")),
        county=_text(s.get("county")) or _text(assessment.county),
        leading_industry=_text(s.get("leading_industry")),
        applicant=_text(s.get("applicant")),
        recognised_year=s.get("recognised_year"),
        provincial_recognition=s.get("provincial_recognition") if isinstance(s.get("provincial_recognition"), bool)
        else None,
        output_latest=_number(s.get("output_latest")),
        output_growth=assessment.value_of("cluster_output_growth")[1],
        round=round if round is not None else assessment.round,
        folder=folder,
        files=files,
        assessment=assessment,
    )


def record_of(client: Client, assessment: Assessment, *, folder: Path | None = None) -> PackageRecord:
    """The record of a client assessed in memory, exactly as ``read_package`` would read its package."""
    return _record(summary(client, assessment), assessment, client_id=client.id, folder=folder)


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ToolkitError(f"{path}: 文件不完整或已损坏，无法读取（{type(exc).__name__}）；这个客户未列入汇总表，"
                           f"请为它重新运行 clusterkit package（或 clusterkit batch --force）") from exc
    if not isinstance(data, dict):
        raise ToolkitError(f"{path}: 不是申报材料包的记录文件；请为这个客户重新运行 clusterkit package")
    return data


def listed_files(manifest: dict) -> tuple[str, ...]:
    """The files a manifest lists, relative to its package (never an absolute path or one with ``..``)."""
    files = manifest.get("files")
    out: list[str] = []
    if isinstance(files, dict):
        out = [str(k) for k in files]
    elif isinstance(files, list):
        for f in files:
            if isinstance(f, str):
                out.append(f)
            elif isinstance(f, dict):
                name = f.get("path") or f.get("file") or f.get("name")
                if name:
                    out.append(str(name))
    return tuple(f for f in out if not Path(f).is_absolute() and ".." not in Path(f).parts)


def is_package(folder: Path | str) -> bool:
    """A folder holding a package's two records (a batch's own folders do not)."""
    folder = Path(folder)
    return (folder / MANIFEST_FILE).is_file() and (folder / ASSESSMENT_FILE).is_file()


def read_manifest(folder: Path | str) -> dict:
    """A package's ``manifest.json`` (the one place it is read), or a ``ToolkitError`` naming the file."""
    return _read_json(Path(folder) / MANIFEST_FILE)


def read_package(folder: Path | str) -> PackageRecord:
    """The package in ``folder``: its manifest's summary and its assessment, as a ``PackageRecord``."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    a_path = folder / ASSESSMENT_FILE
    data = _read_json(a_path)
    try:
        assessment = Assessment.from_dict(data)
    except (TypeError, KeyError, ValueError) as exc:
        raise ToolkitError(f"{a_path}: 文件不完整或已损坏，无法读取（{type(exc).__name__}）；这个客户未列入汇总表，"
                           f"请为它重新运行 clusterkit package（或 clusterkit batch --force）") from exc
    s = manifest.get("summary") if isinstance(manifest.get("summary"), dict) else {}
    return _record(s, assessment, client_id=_text(manifest.get("client_id")) or folder.name,
                   round=manifest.get("round"), folder=folder, files=listed_files(manifest))


def find_packages(output_root: Path | str, round) -> tuple[list[PackageRecord], list[str]]:
    """Every package under ``output_root/<round>/<推荐单位>/<client>/``, and the problems met (a damaged
    package is named there and left out)."""
    year = str(getattr(round, "year", round))
    base = inside(output_root, safe_name(year, "round"))
    if not base.is_dir():
        return [], [f"{base}: 没有 {year} 年度的申报材料包（请先运行 clusterkit package 或 clusterkit batch）"]
    records: list[PackageRecord] = []
    problems: list[str] = []
    for rec_dir in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for pkg in sorted(p for p in rec_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if not is_package(pkg):
                continue
            try:
                records.append(read_package(pkg))
            except ToolkitError as exc:
                problems.append(str(exc))
    return records, problems


def package_complete(folder: Path | str | None) -> bool:
    """A package whose manifest reads and whose listed files (``assessment.json`` among them) all exist."""
    if not folder or not (Path(folder) / MANIFEST_FILE).is_file():
        return False
    try:
        manifest = read_manifest(folder)
    except ToolkitError:
        return False
    return all((Path(folder) / rel).exists() for rel in listed_files(manifest))
