"""What a client's package is made from, as hashes: the batch re-runs a client when one changed.

- ``inputs_sha256(folder)``: the client's intake.xlsx, every file under evidence/ (a refused link
  counts by its name and reason, what it points to is never read) and the passages the county wrote;
- ``shared_fingerprint(...)``: what is the same for the whole batch — the round's file, the rulebook's
  chain (``rulebook_files``), the notebook, the templates with the intake schema and the work plan,
  the parameters and the toolkit's own source (``toolkit_sha256``);
- ``fingerprint(folder, ...)``: the two together, as recorded in ``<output>/batch/state.json``.

Every hash goes through a ``StatCache`` when one is given (``toolkit.core.hashing``): a file whose
size, times and inode are those recorded is not read again. ``toolkit.run.status`` compares the same
hashes to say which input changed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable

from toolkit.core.errors import RulebookError
from toolkit.core.hashing import StatCache
from toolkit.core.paths import data_dir, rounds_dir, source_dir, templates_dir


def inputs_sha256(folder: Path, cache: StatCache | None = None) -> str:
    """One hash over intake.xlsx and every file under evidence/ (names and contents). The evidence
    folder is listed by ``toolkit.intake.evidence.scan``: a link (or a linked evidence/ folder) or a hard link
    counts by its name and the reason it is refused, and what it points to is never read.

    ``cache``: the batch's ``StatCache`` — a file whose size, times and inode are those recorded is
    not read again (a resume of unchanged clients reads no evidence); without it every file is read."""
    from toolkit.intake import evidence

    cache = cache if cache is not None else StatCache()
    h = hashlib.sha256()
    wb = folder / "intake.xlsx"
    if wb.is_file():
        h.update(b"intake.xlsx\0" + cache.sha256(wb, st=os.stat(wb)).encode() + b"\n")
    for e in evidence.scan(folder):
        if evidence.ignored(e.rel or e.typed):
            continue
        content = cache.sha256(e.path, e.open) if e.ok else f"refused: {e.message}"
        h.update((e.rel or e.typed).encode("utf-8", "surrogateescape") + b"\0" + content.encode() + b"\n")
    from toolkit.documents.narrative import passage_files

    for stem, p in passage_files(folder).items():  # the passages the county wrote
        h.update(f"passages/{p.name}".encode("utf-8", "surrogateescape") + b"\0"
                 + cache.sha256(p, st=os.stat(p)).encode() + b"\n")
    return h.hexdigest()


def rulebook_files(rulebook: str | Path | None) -> list[Path]:
    """The files a rulebook id or path is read from, base first: its chain as the rulebook loader
    resolves it (``Rulebook.files``; a base found beside the file counts). Empty when it cannot be
    loaded (a rulebook removed since: the client runs again and its notebook reports why)."""
    if not rulebook:
        return []
    from toolkit.assess.rulebook import load_rulebook

    try:
        return list(load_rulebook(rulebook).files)
    except RulebookError:
        return []


def rulebook_sha256(rulebook: str | Path | None, cache: StatCache | None = None) -> str | None:
    """One hash over every file of a rulebook's chain, in order; None when it cannot be loaded."""
    files = rulebook_files(rulebook)
    if not files:
        return None
    cache = cache if cache is not None else StatCache()
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode("utf-8") + b"\0" + cache.sha256(f, st=os.stat(f)).encode() + b"\n")
    return h.hexdigest()


def tree_sha256(root: Path, files: Iterable[Path], cache: StatCache | None = None) -> str:
    """One hash over files under ``root``: their paths relative to it and their contents."""
    cache = cache if cache is not None else StatCache()
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(root).as_posix().encode("utf-8") + b"\0" + cache.sha256(p, st=os.stat(p)).encode()
                 + b"\n")
    return h.hexdigest()


def round_file(round_: int) -> Path | None:
    for ext in (".yaml", ".yml"):
        p = rounds_dir() / f"{round_}{ext}"
        if p.is_file():
            return p
    return None


def templates_sha256(cache: StatCache | None = None) -> str:
    """One hash over what shapes a package besides the client's inputs, the rulebook and the code: the
    Word and text templates (a consultancy restyles them), the intake schema and the work-plan data."""
    root = templates_dir()
    cache = cache if cache is not None else StatCache()
    h = hashlib.sha256()
    h.update(tree_sha256(root, sorted(p for p in root.rglob("*")
                                       if p.is_file() and not p.name.startswith((".", "~$"))), cache).encode())
    for p in (data_dir() / "schema" / "intake.yaml", data_dir() / "workplan.yaml"):
        if p.is_file():
            h.update(p.name.encode("utf-8") + b"\0" + cache.sha256(p, st=os.stat(p)).encode() + b"\n")
    return h.hexdigest()


def toolkit_sha256(cache: StatCache | None = None) -> str:
    """One hash over the toolkit's own source (every ``.py`` under the package folder), so that a
    changed measure, narrative or form re-runs the packages it shapes — the version number does not
    change with every edit."""
    root = source_dir()
    return tree_sha256(root, sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts), cache)


def shared_fingerprint(*, round_: int, rulebook: str | None, notebook: Path, parameters: dict,
                       western_relaxation: bool, cache: StatCache | None = None) -> dict:
    """The part of every client's fingerprint that is the same for the whole batch: computed once."""
    rf = round_file(round_)
    cache = cache if cache is not None else StatCache()
    return {
        "round": round_,
        "round_file_sha256": cache.sha256(rf, st=os.stat(rf)) if rf else None,
        "rulebook_requested": rulebook,
        "rulebook_sha256": rulebook_sha256(rulebook, cache),
        "western_relaxation": bool(western_relaxation),
        "notebook_sha256": cache.sha256(notebook, st=os.stat(notebook)),
        "templates_sha256": templates_sha256(cache),
        "parameters": {k: str(v) for k, v in sorted(parameters.items())},
        "toolkit_sha256": toolkit_sha256(cache),
    }


def fingerprint(folder: Path, *, round_: int, rulebook: str | None, notebook: Path,
                parameters: dict, western_relaxation: bool, shared: dict | None = None,
                cache: StatCache | None = None) -> dict:
    """What a client's package is made from: its inputs and the batch's ``shared_fingerprint``. The
    rulebook a notebook picks itself (the default, by application type) is checked after the run,
    against the state (``_up_to_date``)."""
    if shared is None:
        shared = shared_fingerprint(round_=round_, rulebook=rulebook, notebook=notebook, parameters=parameters,
                                    western_relaxation=western_relaxation, cache=cache)
    return {"inputs_sha256": inputs_sha256(folder, cache), **shared}
