"""Outputs are written completely or not at all.

A file is written to a temporary name in the same folder and renamed into place when complete; a
folder is built under a temporary name and swapped in, so a reader never sees half an output and a
re-run replaces the old output only once the new one is complete.

Every command writes through here, so here is where a folder that cannot be written becomes a
``ToolkitError`` in Chinese naming the folder and what to do (``output_error``): a read-only output
folder, a missing one under a read-only parent, a full disk — never an OSError traceback.

Inside a batch, every process it starts (pool workers, kernels) carries the batch's identity in the
environment (``CLUSTERKIT_BATCH_OWNER``); an output is put in place only while that batch is alive, so
nothing is written once the batch — and its lock on the output folder — is gone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from toolkit.core.errors import ToolkitError

_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_OUTPUT_ERRNOS = _READ_ONLY | _FULL | {errno.EFBIG, errno.ENAMETOOLONG}


def _within(path: Path, folder: Path) -> bool:
    path, folder = Path(os.path.abspath(path)), Path(os.path.abspath(folder))
    return path == folder or folder in path.parents


def output_error(exc: OSError, folder: Path | str, what: str = "") -> ToolkitError | None:
    """The consultant's message for ``exc``, met while writing ``what`` into ``folder``; None when the
    error is not about writing there (e.g. a template that cannot be read), so that it is not misnamed.

    The message names the folder (or the file the system named, when it is elsewhere), says why in
    words (read-only, disk full, name too long) and what to do."""
    if exc.errno not in _OUTPUT_ERRNOS:
        return None
    folder = Path(folder)
    named = Path(exc.filename) if isinstance(exc.filename, (str, os.PathLike)) else None
    if named is not None and not _within(named, folder):
        if exc.errno in _READ_ONLY:
            return None  # not our output folder: a file being read, say
        folder = named.parent
    what = f"（{what}）" if what else ""
    if exc.errno in _READ_ONLY:
        why = ("所在的磁盘是只读的" if exc.errno == errno.EROFS else "是只读的，或当前用户没有写入权限")
        return ToolkitError(f"无法写入文件夹 {folder}{what}：它{why}。请换一个可以写入的输出位置，"
                            f"或给这个文件夹开放写入权限后重新运行")
    if exc.errno in _FULL:
        return ToolkitError(f"无法写入文件夹 {folder}{what}：磁盘空间已满（或超出配额）。请清理磁盘空间，"
                            f"或换一个空间充足的输出位置后重新运行；未写完的文件已删除，原有输出没有改动")
    if exc.errno == errno.EFBIG:
        return ToolkitError(f"无法写入文件夹 {folder}{what}：文件超过了这个磁盘允许的大小。请换一个输出位置后重新运行")
    return ToolkitError(f"无法写入文件夹 {folder}{what}：文件名或路径过长。请换一个路径短一些的输出位置后重新运行")


@contextlib.contextmanager
def writing(folder: Path | str, what: str = "") -> Iterator[None]:
    """Turn an OSError met while writing into ``folder`` into ``output_error``'s ToolkitError."""
    try:
        yield
    except OSError as exc:
        err = output_error(exc, folder, what)
        if err is None:
            raise
        raise err from None


def make_dirs(folder: Path | str) -> Path:
    """``folder`` and its parents, created if missing; a path through a file or a folder that cannot be
    created is a ``ToolkitError`` naming it (e.g. ``--output`` given a file, or a read-only parent),
    not an OSError."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in [folder, *folder.parents] if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            raise ToolkitError(f"无法建立文件夹 {folder}：{blocker} 是文件，不是文件夹；"
                               f"请换一个输出位置（如 --output output）") from None
        # the first folder that could not be created: its parent is the one that refused
        made = Path(exc.filename) if isinstance(exc.filename, (str, os.PathLike)) else folder
        err = output_error(exc, made.parent, f"建立文件夹 {made.name}")
        if err is not None:
            raise err from None
        raise ToolkitError(f"无法建立文件夹 {folder}（{exc.strerror or exc}）：检查路径和写入权限") from None
    return folder


@contextlib.contextmanager
def atomic_path(target: Path | str, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it to ``target``.

    The temporary name keeps the suffix (libraries such as openpyxl or matplotlib choose the format
    by it). On an exception the temporary file is removed and ``target`` is left as it was; a folder
    that cannot be written (read-only, disk full) is a ``ToolkitError`` naming it.
    """
    target = Path(target)
    if target.is_dir():
        raise ToolkitError(f"{target} 是文件夹，不能写成文件：请给出文件的完整路径（含文件名）")
    make_dirs(target.parent)
    suffix = target.suffix if suffix is None else suffix
    with writing(target.parent, target.name):
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{suffix}", dir=target.parent)
        os.close(fd)
    tmp_path = Path(tmp)
    try:
        with writing(target.parent, target.name):
            yield tmp_path
            ensure_owner_alive(target)
            os.replace(tmp_path, target)
    finally:
        with contextlib.suppress(OSError):
            tmp_path.unlink(missing_ok=True)


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
    every moment ``target`` is either the complete old output or the complete new one. A folder that
    cannot be written (read-only, disk full) is a ``ToolkitError`` naming it.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise ToolkitError(f"{target} 是文件，不是文件夹：移走它或换一个输出文件夹")
    make_dirs(target.parent)
    with writing(target.parent, target.name):
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        with writing(target.parent, target.name):
            yield tmp
            ensure_owner_alive(target)
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
            try:
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
            except OSError:  # a read-only folder: nothing of ours can be in it
                continue
            removed.append(p)
    return removed


# -- the batch an output is written for ---------------------------------------------------------------
OWNER_ENV = "CLUSTERKIT_BATCH_OWNER"


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started (Linux /proc), to tell it from a later process given the same pid:
    "" when it is gone or a zombie, None where there is no /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return "" if Path("/proc/self/stat").exists() else None
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()  # from field 3 (state) on; field 22 is the start time
    if len(fields) < 20:
        return None
    return "" if fields[0] in ("Z", "X", "x") else fields[19]


def owner_token(pid: int | None = None) -> str:
    """``pid:start time`` of a process (this one by default): what ``OWNER_ENV`` holds."""
    pid = pid or os.getpid()
    return f"{pid}:{_start_time(pid) or ''}"


def owner_alive() -> bool:
    """Whether the batch named by ``OWNER_ENV`` is still running (True outside a batch)."""
    token = os.environ.get(OWNER_ENV, "")
    pid_text, _, started = token.partition(":")
    try:
        pid = int(pid_text)
    except ValueError:
        return True
    if pid == os.getpid():
        return True
    now = _start_time(pid)
    if now is None:  # no /proc: whether the pid is there at all
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except OSError:
            pass
        return True
    return bool(now) and (not started or now == started)


def ensure_owner_alive(target: Path | str) -> None:
    """Refuse to put ``target`` in place when the batch it is written for has ended (was killed)."""
    if not owner_alive():
        raise ToolkitError(f"写出 {target} 的批处理已经结束（被终止），不再写出：重新运行 clusterkit batch，"
                           "它只做尚未完成的客户")
