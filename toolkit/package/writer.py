"""A client's application package: one folder, written completely or not at all, and a zip of it.

``build_package(client_or_dir, round=2025, output="output")`` (``round`` None: the default round,
``toolkit.assess.rounds.default_round``) writes
``output/<round>/<推荐单位>/<client>/``:

- ``附件1_申报表.docx`` (new application) or ``附件3_复核申报表.docx`` (review), with the narrative;
- ``佐证材料清单.docx`` — every evidence item present or missing;
- ``申报材料文字稿.md`` — the narrative as text, for editing outside Word;
- the charts, briefing memo and proposal of ``toolkit.documents.briefing.write_brief``;
- ``佐证材料/`` — copies of the evidence files found beside the workbook;
- ``assessment.json``, ``manifest.json`` (inputs with sha256, rulebook id and version, round, toolkit
  version, time, the files written, and the client's facts the province reads: ``toolkit.package.manifest``,
  which also reads a package back) and ``<client>.zip`` holding all of the above.

The folder is built under a temporary name and swapped in (``toolkit.core.atomic.atomic_dir``): a re-run
replaces a package only once the new one is complete, and a failure leaves the old package and no
temporary folder. Folder and file names made from people's text go through ``toolkit.core.naming``, so
nothing is written outside the output root whatever the names hold.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit import __version__
from toolkit.core.atomic import atomic_dir
from toolkit.core.clock import today as today_of
from toolkit.intake.model import Client
from toolkit.core.hashing import sha256_file
from toolkit.core.naming import inside, package_dir, safe_name
from toolkit.assess.result import Assessment
from toolkit.assess.rounds import default_round, resolve_round
from toolkit.documents.briefing import write_brief
from toolkit.package.manifest import ASSESSMENT_FILE, MANIFEST_FILE, summary

MANIFEST_VERSION = "1.0"
NARRATIVE_FILE = "申报材料文字稿.md"
EVIDENCE_CHECKLIST_FILE = "佐证材料清单.docx"
EVIDENCE_FOLDER = "佐证材料"


@dataclass
class PackageResult:
    path: Path
    manifest: dict[str, Any]
    assessment: Assessment
    files: list[Path] = field(default_factory=list)

    @property
    def zip(self) -> Path:
        return self.path / self.manifest["zip"]


def _inputs(client: Client, evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    wb = Path(client.workbook)
    inputs = [{
        "role": "intake",
        "path": wb.name,
        "sha256": sha256_file(wb) if wb.is_file() else client.sha256,
        "exists": wb.is_file(),
    }]
    for x in evidence:
        entry = {"role": "evidence", "title": x["item"].title, "path": x["file"], "exists": x["present"]}
        if x["present"]:
            entry["sha256"] = x["sha256"]
        inputs.append(entry)
    return inputs


def _copy_evidence(evidence: list[dict[str, Any]], folder: Path) -> list[str]:
    """Copy each present file (``toolkit.documents.forms.evidence_status``: checked inside the client's
    evidence/ folder) into 佐证材料/, from the checked file itself; its sha256 goes in ``x["sha256"]``."""
    copied = []
    for i, x in enumerate(evidence, 1):
        if not x["present"]:
            continue
        src = Path(x["path"])
        suffix = src.suffix.lower() if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", src.suffix) else ""
        name = f"{i:02d}_{safe_name(src.stem, 'file')}{suffix}"
        dest = inside(folder, EVIDENCE_FOLDER, name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        with x["resolved"].open() as f, open(dest, "wb") as out:  # no link followed, the file checked
            shutil.copyfileobj(f, out, 1 << 20)
        x["sha256"] = sha256_file(dest)
        copied.append(name)
    return copied


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _write_zip(folder: Path, zip_path: Path) -> None:
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for p in _files(folder):
            if p != zip_path:
                z.write(p, p.relative_to(folder).as_posix())


def _refuse_provisional(client: Client) -> None:
    """A package goes to the province: it is made from complete and right data only. A client read
    provisionally (cells 有误 or 待补充) gets its assessment, not a package."""
    from toolkit.core.errors import IntakeError

    blocking = [p for p in (client.problems or []) if getattr(p, "severity", "") in ("error", "missing")]
    if blocking:
        raise IntakeError(blocking, file=str(client.workbook))


def build_package(client_or_dir: Client | Path | str, *, round=None, rulebook=None, output: Path | str = "output",
                  western_relaxation: bool = False, today=None, assessment: Assessment | None = None,
                  narrative=None) -> PackageResult:
    """Write the client's package (see the module docstring); returns its folder, manifest and assessment.

    ``assessment`` and ``narrative``: pass the ones already made for this client (the client notebook
    does), so the package holds exactly what the notebook showed and nothing is computed twice; by
    default they are made here from ``rulebook``, ``round`` and ``western_relaxation``.
    """
    from toolkit.assess.assessment import assess
    from toolkit.documents.forms import (application_filename, evidence_status, write_application,
                                         write_evidence_checklist)
    from toolkit.documents.narrative import draft

    if isinstance(client_or_dir, Client):
        client = client_or_dir
        _refuse_provisional(client)
    else:
        from toolkit.intake.reader import read_client

        client = read_client(client_or_dir)
    today = today_of(today, "today")
    rnd = resolve_round(round if round is not None else default_round(today))
    if assessment is None:
        assessment = assess(client, rulebook, rnd, western_relaxation=western_relaxation)
    if narrative is None:
        narrative = draft(client, assessment)
    year = rnd.year
    target = package_dir(output, year, client.recommender, client.id)

    with atomic_dir(target) as tmp:
        app = tmp / application_filename(client)
        write_application(client, assessment, narrative, app, round=rnd, today=today)
        write_evidence_checklist(client, assessment, tmp / EVIDENCE_CHECKLIST_FILE, round=rnd, today=today)
        (tmp / NARRATIVE_FILE).write_text(narrative.to_markdown(), encoding="utf-8")
        brief = write_brief(client, assessment, rnd, tmp, today=today)
        evidence = evidence_status(client)
        copied = _copy_evidence(evidence, tmp)
        (tmp / ASSESSMENT_FILE).write_text(
            json.dumps(assessment.to_dict(), ensure_ascii=False, indent=2, default=str), encoding="utf-8")

        zip_name = f"{safe_name(client.id, 'client')}.zip"
        files = [p for p in _files(tmp)]
        manifest = {
            "manifest_version": MANIFEST_VERSION,
            "client_id": client.id,
            "round": int(year) if str(year).isdigit() else year,
            "notice": getattr(rnd, "notice", "") or "",
            "recommender": client.recommender,
            "application_type": client.application_type,
            "rulebook": {"id": assessment.rulebook, "version": assessment.rulebook_version},
            "western_relaxation": bool(western_relaxation),
            "settings": list(assessment.settings),
            "toolkit_version": __version__,
            "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "today": today.isoformat(),
            "inputs": _inputs(client, evidence),
            "files": [{"path": p.relative_to(tmp).as_posix(), "sha256": sha256_file(p), "bytes": p.stat().st_size}
                      for p in files],
            "application": app.name,
            "brief": {k: Path(v).name for k, v in brief.items()},
            "evidence_copied": copied,
            "zip": zip_name,
            "summary": summary(client, assessment),
        }
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str),
                                           encoding="utf-8")
        _write_zip(tmp, tmp / zip_name)

    return PackageResult(path=target, manifest=manifest, assessment=assessment,
                         files=[target / f["path"] for f in manifest["files"]] + [target / MANIFEST_FILE,
                                                                                  target / zip_name])

