"""A client's application package: one folder, written completely or not at all, and a zip of it.

``build_package(client_or_dir, round=2025, output="output")`` (``round`` None: the default round,
``toolkit.assess.rounds.default_round``) writes ``output/<round>/<推荐单位>/<client>/`` in two parts a
consultant cannot mix up:

- ``申报材料/`` — what the county stamps and sends, speaking as the applicant: ``附件1_申报表.docx``
  (new application) or ``附件3_复核申报表.docx`` (review), ``佐证材料清单.docx``, ``佐证材料/`` with the
  evidence files numbered as the list names them (``01_统计局产值证明.pdf``), ``PDF/`` with each document
  converted by LibreOffice, and ``合订本.pdf`` (cover, 目录, forms, evidence: ``toolkit.package.bound``);
- ``咨询材料/`` — the consultancy's diagnosis for the county: memo, proposal and charts
  (``toolkit.documents.briefing.write_brief``), ``诊断表.xlsx`` (every criterion's verdict, value,
  threshold, margin, formula, source cells, what it takes), ``申报材料文字稿.md`` (the narrative with its
  gaps) and ``待补充段落.md`` (the passages still to write and the file that supplies each);
- ``assessment.json``, ``manifest.json`` (inputs with sha256, rulebook, round, every generated file with
  its sha256, draft or ready and why, what a ``--final`` overrode, what a re-run kept) and ``<client>.zip``
  holding all of the above except the evidence files and the bound copy.

**Evidence stored once.** ``佐证材料/`` is the one copy of the evidence: a reflink where the file system
shares blocks (Btrfs, XFS: nothing is written), else one copy that keeps holes, hashed as it is written
(``toolkit.core.hashing.copy_hashed``). The zip does not hold it again: the folder is what the
consultant, the bound PDF and the province read, so the evidence must be there; the scans are the bulk
of a package and already compressed, so a second copy in the zip doubled the disk and saved nothing.
The zip carries the documents for review and mail; the evidence is listed with its sha256 in
``manifest.json`` and in the 佐证材料清单. The bound copy (合订本.pdf) holds every PDF and image of the
evidence once more — what the province prints — so it stays in the folder only, not in the zip.

**Draft or ready.** A package whose assessment does not pass, whose forms still hold 【待补充】
passages, or whose evidence list has items without a file is a draft: every submission page carries 草稿
in its header and the manifest lists the reasons. ``final=True`` (``--final``) releases it deliberately;
the manifest records what was overridden.

**Hand edits are kept.** A re-run finds the previous package's files by the manifest's hashes: a
generated file changed since (a memo edited in Word) stays as it is and the new version is written beside
it (``…（新生成）.docx``); a file the consultant added is carried over; ``briefing/`` (``clusterkit brief``)
and the kept notebook are left alone. ``PackageResult.kept`` and the manifest say what was kept.

The folder is built under a temporary name and swapped in (``toolkit.core.atomic.atomic_dir``). Folder
and file names made from people's text go through ``toolkit.core.naming``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit import __version__
from toolkit.core.atomic import atomic_dir
from toolkit.core.clock import today as today_of
from toolkit.intake.model import Client
from toolkit.core.hashing import copy_hashed, sha256_file
from toolkit.core.naming import inside, package_dir, safe_name
from toolkit.assess.result import PASS, Assessment
from toolkit.assess.rounds import default_round, resolve_round
from toolkit.documents.briefing import write_brief
from toolkit.documents.charts import FOR_MEMO
from toolkit.package.manifest import ASSESSMENT_FILE, MANIFEST_FILE, listed_files, summary

MANIFEST_VERSION = "1.1"
SUBMISSION = "申报材料"
CONSULTANCY = "咨询材料"
NARRATIVE_FILE = "申报材料文字稿.md"
PASSAGES_FILE = "待补充段落.md"
DIAGNOSIS_FILE = "诊断表.xlsx"
EVIDENCE_CHECKLIST_FILE = "佐证材料清单.docx"
EVIDENCE_FOLDER = "佐证材料"
PDF_FOLDER = "PDF"
BOUND_FILE = "合订本.pdf"
BRIEF_FOLDER = "briefing"   # clusterkit brief's folder inside a package: never touched here
NEW_VERSION = "（新生成）"


@dataclass
class PackageResult:
    path: Path
    manifest: dict[str, Any]
    assessment: Assessment
    files: list[Path] = field(default_factory=list)
    kept: list[dict[str, str]] = field(default_factory=list)   # what a re-run kept: path, why
    notices: list[str] = field(default_factory=list)            # what the consultant should know (no PDF …)

    @property
    def zip(self) -> Path:
        return self.path / self.manifest["zip"]

    @property
    def draft(self) -> bool:
        return bool(self.manifest.get("status", {}).get("draft"))


def _inputs(client: Client, evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from toolkit.documents.narrative import passage_files

    wb = Path(client.workbook)
    inputs = [{
        "role": "intake",
        "path": wb.name,
        "sha256": client.sha256 or (sha256_file(wb) if wb.is_file() else None),  # the bytes assessed
        "exists": wb.is_file(),
    }]
    for x in evidence:
        entry = {"role": "evidence", "title": x["item"].title, "path": x["file"], "exists": x["present"]}
        if x["present"]:
            entry["sha256"] = x["sha256"]
        inputs.append(entry)
    for stem, p in passage_files(client).items():
        inputs.append({"role": "passage", "section": stem, "path": f"passages/{p.name}", "sha256": sha256_file(p)})
    return inputs


def _copy_evidence(evidence: list[dict[str, Any]], folder: Path) -> list[tuple[str, str, Path | None]]:
    """Copy each present file (``toolkit.documents.forms.evidence_status``: checked inside the client's
    evidence/ folder) into 佐证材料/ under the name the 佐证材料清单 gives it, from the checked file itself,
    once (a reflink where the file system shares blocks, else one copy); its sha256 goes in
    ``x["sha256"]``. Returns (number, title, copied file or None) per item.

    Never a hard link to the county's file: a second name would make that file a hard link, which the
    evidence check refuses (it cannot tell where the other name lives), on the next run."""
    from toolkit.documents.forms import evidence_file_name

    out = []
    for i, x in enumerate(evidence, 1):
        title = str(x["item"].title or "").strip() or "（未命名材料）"
        if not x["present"]:
            out.append((f"{i:02d}", title, None))
            continue
        dest = inside(folder, EVIDENCE_FOLDER, evidence_file_name(i, x["path"]))
        dest.parent.mkdir(parents=True, exist_ok=True)
        # stored once: a reflink, else one copy, hashed as it is written; no link followed, the file checked
        x["sha256"], x["stored_as"] = copy_hashed(x["resolved"].open(), dest)
        out.append((f"{i:02d}", title, dest))
    return out


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


# Already compressed: stored in the zip as they are (deflating them again costs time and saves nothing).
_STORED = {".docx", ".xlsx", ".pptx", ".zip", ".png", ".jpg", ".jpeg", ".pdf", ".gif", ".webp"}


def _write_zip(folder: Path, zip_path: Path) -> None:
    """Everything in the package but the evidence files (申报材料/佐证材料/ is their one copy), the bound
    copy (it holds the evidence again) and briefing/."""
    evidence, bound = (SUBMISSION, EVIDENCE_FOLDER), (SUBMISSION, BOUND_FILE)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for p in _files(folder):
            rel = p.relative_to(folder)
            if p == zip_path or BRIEF_FOLDER in rel.parts[:1] or rel.parts[:2] in (evidence, bound):
                continue
            z.write(p, rel.as_posix(),
                    compress_type=zipfile.ZIP_STORED if p.suffix.lower() in _STORED else zipfile.ZIP_DEFLATED)


def _refuse_provisional(client: Client) -> None:
    """A package goes to the province: it is made from complete and right data only. A client read
    provisionally (cells 有误 or 待补充) gets its assessment, not a package."""
    from toolkit.core.errors import IntakeError

    blocking = [p for p in (client.problems or []) if getattr(p, "severity", "") in ("error", "missing")]
    if blocking:
        raise IntakeError(blocking, file=str(client.workbook))


def draft_reasons(assessment: Assessment, narrative, evidence: list[dict[str, Any]]) -> list[str]:
    """Why a package is not ready to send, in words (empty: it is ready)."""
    from toolkit.documents.narrative import open_placeholders

    reasons = []
    if assessment.overall != "符合条件":
        failed = [f"{r.id} {r.title}（{r.verdict}）" for r in assessment.results if r.verdict != PASS]
        reasons.append(f"评估结论为{assessment.overall}：" + "；".join(failed[:6]) + ("等" if len(failed) > 6 else ""))
    holes = open_placeholders(narrative)
    if holes:
        sections = list(dict.fromkeys(t for t, _ in holes))
        reasons.append(f"申报表尚有{len(holes)}处【待补充】段落（{'、'.join(sections)}）：写入客户文件夹 passages/ 后重新运行")
    missing = [str(x["item"].title or x["file"]) for x in evidence if not x["present"]]
    if missing:
        reasons.append(f"佐证材料清单中{len(missing)}项没有文件：{'、'.join(missing[:5])}{'等' if len(missing) > 5 else ''}")
    return reasons


def _passages_note(client: Client, narrative) -> str:
    """待补充段落.md: each passage still to write, the file in passages/ that supplies it."""
    from toolkit.documents.narrative import PASSAGES_DIR, open_placeholders

    holes = open_placeholders(narrative)
    lines = [f"# {client.cluster_name or client.id}：待补充段落", ""]
    if not holes:
        return "\n".join(lines + ["申报表中没有待补充的段落。", ""])
    lines += [f"以下段落无法由数据写出。请在客户文件夹的 {PASSAGES_DIR}/ 中按部分建立文本文件（UTF-8，空行分段），"
              "每次重新运行都会写入申报表：", ""]
    for title, what in holes:
        lines.append(f"- {PASSAGES_DIR}/{title}.txt — {what}")
    return "\n".join(lines + [""])


def _convert_pdfs(docs: list[Path], outdir: Path, notices: list[str]) -> dict[Path, Path]:
    from toolkit.core.errors import ToolkitError
    from toolkit.documents.pdf import OfficeMissing, convert

    try:
        return convert(docs, outdir)
    except OfficeMissing as exc:
        notices.append(str(exc))
    except ToolkitError as exc:
        notices.append(f"未生成 PDF：{exc}")
    return {}


def _submission_pdfs(client: Client, app: Path, checklist: Path, copied, sub: Path, *, year, today,
                     notices: list[str]):
    """The form and the evidence list as PDF, then the bound copy (None when no PDF could be made)."""
    pdfs = _convert_pdfs([app, checklist], sub / PDF_FOLDER, notices)
    if not pdfs:
        return None
    form_title = ("附件3 " if client.is_review else "附件1 ") + app.stem.split("_", 1)[-1]
    return _bind(client, [(form_title, pdfs[app]), ("佐证材料清单", pdfs[checklist])], copied,
                 sub / BOUND_FILE, year=year, today=today, notices=notices)


def _bind(client: Client, forms: list[tuple[str, Path]], evidence_parts, out: Path, *, year, today,
          notices: list[str]):
    from toolkit.package.bound import Cover, Part, bind

    parts = [Part(title, pdf) for title, pdf in forms]
    parts += [Part(f"{no} {title}", path, number=no) for no, title, path in evidence_parts]
    cover = Cover(cluster_name=str(client.cluster_name or client.id), applicant=str(client.get("applicant") or ""),
                  year_label=f"{year}年度", date=today)
    bound = bind(parts, out, cover)
    notices.extend(bound.problems)
    return bound


# -- hand edits ------------------------------------------------------------------------------------
def _previous(target: Path) -> dict[str, str]:
    """The previous package's generated files → sha256 (from its manifest; {} when there is none)."""
    try:
        manifest = json.loads((target / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = manifest.get("files") if isinstance(manifest, dict) else None
    out = {}
    for f in files if isinstance(files, list) else []:
        if isinstance(f, dict) and f.get("path") and f.get("sha256"):
            out[str(f["path"])] = str(f["sha256"])
    for rel in listed_files(manifest) if isinstance(manifest, dict) else ():
        out.setdefault(rel, "")
    for extra in (manifest.get("zip"), MANIFEST_FILE) if isinstance(manifest, dict) else ():
        if extra:
            out.setdefault(str(extra), "")
    return out


def _beside(path: Path) -> Path:
    return path.with_name(f"{path.stem}{NEW_VERSION}{path.suffix}")


def _keep_hand_edits(target: Path, tmp: Path) -> list[dict[str, str]]:
    """Carry into the new package (``tmp``) what a person changed or added in the old one (``target``)."""
    from toolkit.intake.evidence import ignored

    if not target.is_dir():
        return []
    generated = _previous(target)
    kept = []
    for old in _files(target):
        rel = old.relative_to(target).as_posix()
        parts = Path(rel).parts
        if ignored(old.name) and parts[0] != BRIEF_FOLDER:
            continue
        new = tmp / rel
        if parts[0] == BRIEF_FOLDER or (len(parts) == 1 and old.suffix == ".ipynb"):
            # clusterkit brief's folder and the batch's kept notebook: theirs, carried as they are
            new.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(old, new)
            continue
        if rel in generated:
            if not generated[rel] or sha256_file(old) == generated[rel] or rel.endswith(".zip"):
                continue   # as we wrote it: the new version replaces it
            if new.is_file():
                shutil.move(new, _beside(new))
            new.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(old, new)
            kept.append({"path": rel, "why": "已修改", "new_version": _beside(new).relative_to(tmp).as_posix()})
        else:
            new.parent.mkdir(parents=True, exist_ok=True)
            if new.exists():
                continue
            shutil.copy2(old, new)
            kept.append({"path": rel, "why": "顾问添加"})
    return kept


def _file_entry(tmp: Path, p: Path, kept: list[dict[str, str]]) -> dict[str, Any]:
    """A generated file as the manifest records it. A kept edit is recorded with the hash of what we
    generated for it (its new version beside it), so that the next run still finds it edited and keeps it."""
    rel = p.relative_to(tmp).as_posix()
    edited = {k["path"]: k["new_version"] for k in kept if k["why"] == "已修改"}
    ours = tmp / edited[rel] if rel in edited and (tmp / edited[rel]).is_file() else p
    return {"path": rel, "sha256": sha256_file(ours), "bytes": p.stat().st_size}


def build_package(client_or_dir: Client | Path | str, *, round=None, rulebook=None, output: Path | str = "output",
                  western_relaxation: bool = False, today=None, assessment: Assessment | None = None,
                  narrative=None, final: bool = False, pdf: bool = True) -> PackageResult:
    """Write the client's package (see the module docstring); returns its folder, manifest and assessment.

    ``assessment`` and ``narrative``: pass the ones already made for this client (the client notebook
    does), so the package holds exactly what the notebook showed and nothing is computed twice; by
    default they are made here from ``rulebook``, ``round`` and ``western_relaxation``. ``narrative`` is
    the consultancy's draft; the forms get the applicant's text (``draft(..., applicant=True)``).
    ``final``: release a package the checks call a draft (recorded in the manifest). ``pdf=False``:
    the Word documents only.
    """
    from toolkit.assess.assessment import assess
    from toolkit.documents.forms import (application_filename, evidence_status, write_application,
                                         write_evidence_checklist)
    from toolkit.documents.narrative import draft
    from toolkit.package.diagnosis import write_diagnosis

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
    applicant_text = draft(client, assessment, applicant=True)
    year = rnd.year
    target = package_dir(output, year, client.recommender, client.id)
    notices: list[str] = []

    with atomic_dir(target) as tmp:
        sub, con = tmp / SUBMISSION, tmp / CONSULTANCY
        sub.mkdir()
        con.mkdir()
        evidence = evidence_status(client)
        reasons = draft_reasons(assessment, applicant_text, evidence)
        is_draft = bool(reasons) and not final
        app = sub / application_filename(client)
        write_application(client, assessment, applicant_text, app, round=rnd, today=today, draft=is_draft)
        checklist = write_evidence_checklist(client, assessment, sub / EVIDENCE_CHECKLIST_FILE, round=rnd,
                                             today=today, draft=is_draft)
        copied = _copy_evidence(evidence, sub)

        # The submission's PDFs and its bound copy are made in a thread of their own while this one
        # writes the consultancy's part: most of their time is LibreOffice's, a process of its own,
        # so a client's work takes about the longer of the two rather than their sum. Leaving the
        # block waits for that thread, also when this one fails, before the folder is finished or
        # removed.
        pdf_notices: list[str] = []
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="clusterkit-pdf") as pool:
            pdf_job = (pool.submit(_submission_pdfs, client, app, checklist, copied, sub, year=year, today=today,
                                   notices=pdf_notices) if pdf else None)
            (con / NARRATIVE_FILE).write_text(narrative.to_markdown(), encoding="utf-8")
            (con / PASSAGES_FILE).write_text(_passages_note(client, applicant_text), encoding="utf-8")
            # the package's charts are the PNGs its memo shows, drawn once at the memo's resolution
            brief = write_brief(client, assessment, rnd, con, today=today, chart_output=FOR_MEMO)
            write_diagnosis(client, assessment, con / DIAGNOSIS_FILE)
            (tmp / ASSESSMENT_FILE).write_text(
                json.dumps(assessment.to_dict(), ensure_ascii=False, indent=2, default=str), encoding="utf-8")
            bound = pdf_job.result() if pdf_job else None
        notices.extend(pdf_notices)

        kept = _keep_hand_edits(target, tmp)
        zip_name = f"{safe_name(client.id, 'client')}.zip"
        added = {k["path"] for k in kept if k["why"] == "顾问添加"}
        files = [p for p in _files(tmp) if BRIEF_FOLDER not in p.relative_to(tmp).parts[:1]
                 and not (p.parent == tmp and p.suffix == ".ipynb")]
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
            "status": {"draft": is_draft, "ready": not reasons, "reasons": reasons,
                       "final": bool(final), "overridden": reasons if final else []},
            "files": [_file_entry(tmp, p, kept) for p in files if p.relative_to(tmp).as_posix() not in added],
            "kept": kept,
            # the submission part: its folder, and whether it may be sent (the batch's portfolio reads this)
            "submission": {"folder": SUBMISSION, "ready": not is_draft, "reasons": reasons},
            "consultancy": CONSULTANCY,
            "application": f"{SUBMISSION}/{app.name}",
            "bound": f"{SUBMISSION}/{BOUND_FILE}" if bound else "",
            "separate": [t for t, _ in bound.separate] if bound else [],
            "notices": notices,
            "brief": {k: Path(v).relative_to(tmp).as_posix() for k, v in brief.items()},
            "evidence_copied": [pth.name for _, _, pth in copied if pth is not None],
            "evidence_stored": sorted({x["stored_as"] for x in evidence if x.get("stored_as")}),  # reflink / copy
            "zip": zip_name,
            "summary": summary(client, assessment),
        }
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str),
                                           encoding="utf-8")
        _write_zip(tmp, tmp / zip_name)

    for n in notices:
        print(f"注意：{n}", file=sys.stderr)
    return PackageResult(path=target, manifest=manifest, assessment=assessment,
                         files=[target / f["path"] for f in manifest["files"]] + [target / MANIFEST_FILE,
                                                                                  target / zip_name],
                         kept=kept, notices=notices)
