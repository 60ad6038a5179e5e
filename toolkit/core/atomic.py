"""Outputs are written completely or not at all.

A file is written to a temporary name in the same folder and renamed into place when complete; a
folder is built under a temporary name and swapped in, so a reader never sees half an output and a
re-run replaces the old output only once the new one is complete.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator


def make_dirs(folder: Path | str) -> Path:
    """``folder`` and its parents, created if missing; a path through a file or a folder that cannot be
    created is a ``ToolkitError`` naming it (e.g. ``--output`` given a file), not an OSError."""
    from toolkit.core.errors import ToolkitError

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in [folder, *folder.parents] if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            raise ToolkitError(f"无法建立文件夹 {folder}：{blocker} 是文件，不是文件夹；"
                               f"请换一个输出位置（如 --output output）") from None
        raise ToolkitError(f"无法建立文件夹 {folder}（{exc.strerror or exc}）：检查路径和写入权限") from None
    return folder


@contextlib.contextmanager
def atomic_path(target: Path | str, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it to ``target``.

    The temporary name keeps the suffix (libraries such as openpyxl or matplotlib choose the format
    by it). On an exception the temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    if target.is_dir():
        from toolkit.core.errors import ToolkitError

        raise ToolkitError(f"{target} 是文件夹，不能写成文件：请给出文件的完整路径（含文件名）")
    make_dirs(target.parent)
    suffix = target.suffix if suffix is None else suffix
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{suffix}", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_bytes(target: Path | str, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: Path | str, text: str) -> Path:
    return write_bytes(target, text.encode("utf-8"))


@contextlib.contextmanager
def atomic_dir(target: Path | str) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``target``; on success it replaces ``target``.

    The old folder (if any) is moved aside, the new one renamed in, then the old one deleted, so at
    every moment ``target`` is either the complete old output or the complete new one.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        from toolkit.core.errors import ToolkitError

        raise ToolkitError(f"{target} 是文件，不是文件夹：移走它或换一个输出文件夹")
    make_dirs(target.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            os.rmdir(old)
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def remove_leftovers(folder: Path | str) -> list[Path]:
    """Delete temporary files and folders that an interrupted run left in ``folder``."""
    removed = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for p in folder.iterdir():
        if p.name.startswith(".") and (".tmp" in p.name or p.name.endswith(".old")):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
            removed.append(p)
    return removed
