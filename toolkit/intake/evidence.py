"""Which evidence file a 佐证材料 row names, and whether the toolkit may read it.

The county types a file name in the workbook; the client folder arrives from the county too. This
module is the one place that turns what was typed into a file the toolkit reads, hashes or copies::

    resolve(folder, typed) -> EvidencePath   # .path when the file may be read; else .message/.fix
    scan(folder) -> list[EvidencePath]       # everything under evidence/, links not followed
    EvidencePath.open()                      # the checked file itself, opened without following links

The rule, decided after every normalisation (NFKC turns ``／`` into ``/`` and ``．．`` into ``..``):
the path is relative, without ``..``, and names a regular file inside the client's ``evidence/``
folder (``产值证明.pdf`` is read as ``evidence/产值证明.pdf``); no part of it below the client folder
is a symbolic link, and the file has no second name (a hard link, ``st_nlink > 1``) that could lie
outside. An ``evidence/`` folder that is itself a link is refused before anything in it is read. A
name longer than the system allows (255 bytes: 86 Chinese characters) or a link loop is a named
problem, never an OSError. Whoever reads an evidence file (check, assess, the package's copies and
hashes, the batch's fingerprint, the briefing) goes through here, so nothing outside the client
folder is ever read.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from toolkit.core.errors import ToolkitError

EVIDENCE_DIR = "evidence"
IGNORED_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}


def ignored(name: str) -> bool:
    """A file nobody put there on purpose: an Office lock file (``~$…``), a hidden file, Thumbs.db. It
    neither enters a package nor makes the batch run a client again."""
    name = str(name).rsplit("/", 1)[-1]
    return name.startswith(("~$", ".")) or name.lower() in IGNORED_NAMES
NAME_MAX = 255  # bytes in one file or folder name (ext4, APFS, NTFS as seen from Linux)

ERROR, WARNING = "error", "warning"
_OUTSIDE_FIX = "把文件放进客户文件夹的 evidence/ 中，填写相对路径，如 evidence/产值统计证明.pdf"
_LINK_FIX = "把文件本身（不是快捷方式或链接）复制进 evidence/ 文件夹，并填写它的文件名"


@dataclass(frozen=True)
class EvidencePath:
    """What a typed evidence path resolves to.

    ``rel``: the path inside the client folder (``evidence/…``, POSIX), as found on disk, or as typed
    when refused. ``path``: the file to read, only when it may be read. Otherwise ``message`` and
    ``fix`` say why not, in Chinese, and ``severity`` is ``"error"`` (refused: outside, a link, not a
    regular file) or ``"warning"`` (not there: missing, a name too long to exist).
    """

    typed: str
    rel: str | None
    path: Path | None = None
    message: str = ""
    fix: str = ""
    severity: str = ""
    _id: tuple[int, int] | None = None  # (st_dev, st_ino) of the checked file

    @property
    def ok(self) -> bool:
        return self.path is not None

    def open(self) -> BinaryIO:
        """The checked file, opened for reading without following a link; a file swapped for a link,
        a hard link or another file since it was checked is refused (``ToolkitError``)."""
        if self.path is None:
            raise ToolkitError(f"{self.rel or self.typed}: {self.message}")
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags)
        except OSError as exc:
            raise ToolkitError(f"佐证材料 {self.rel} 无法读取（{_why(exc)}）：{_LINK_FIX}") from None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink != 1 or (st.st_dev, st.st_ino) != self._id:
            os.close(fd)
            raise ToolkitError(f"佐证材料 {self.rel} 在检查之后被换成了别的文件或链接：{_LINK_FIX}，再重新运行")
        return os.fdopen(fd, "rb")


def _refused(typed: str, rel: str | None, message: str, fix: str, severity: str = ERROR) -> EvidencePath:
    return EvidencePath(typed=typed, rel=rel, message=message, fix=fix, severity=severity)


def _why(exc: OSError) -> str:
    return {errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限", errno.ELOOP: "链接循环",
            errno.ENAMETOOLONG: "文件名过长"}.get(exc.errno, exc.strerror or type(exc).__name__)


def _forms(typed: str) -> list[str]:
    """The typed path as typed and after NFKC, each with ``\\`` read as ``/``; as-typed first (a file
    may really be named with full-width brackets), duplicates dropped."""
    out = []
    for form in (typed, unicodedata.normalize("NFKC", typed)):
        form = form.replace("\\", "/").strip()
        if form not in out:
            out.append(form)
    return out


def _outside(form: str) -> bool:
    return (form.startswith(("/", "~")) or bool(re.match(r"^[A-Za-z]:", form))
            or ".." in form.split("/"))


def _parts(form: str) -> list[str]:
    parts = [p for p in form.split("/") if p not in ("", ".")]
    if parts and parts[0] != EVIDENCE_DIR:
        parts = [EVIDENCE_DIR, *parts]
    return parts


def _folder_problem(root: Path, typed: str) -> EvidencePath | None:
    """The client's evidence/ folder, checked before anything in it is looked at: None when it is a
    real folder."""
    ev = root / EVIDENCE_DIR
    try:
        st = os.lstat(ev)
    except FileNotFoundError:
        return _refused(typed, EVIDENCE_DIR, "客户文件夹中没有 evidence/ 文件夹",
                        f"在 {root} 中建立 evidence 文件夹，把佐证材料放进去", WARNING)
    except OSError as exc:
        return _refused(typed, EVIDENCE_DIR, f"evidence/ 文件夹无法读取（{_why(exc)}）", "检查文件夹的权限")
    if stat.S_ISLNK(st.st_mode):
        return _refused(typed, EVIDENCE_DIR, "客户文件夹中的 evidence 是链接（快捷方式），不是文件夹，工具不读取它",
                        f"把 {ev} 换成真正的文件夹，把佐证材料本身复制进去")
    if not stat.S_ISDIR(st.st_mode):
        return _refused(typed, EVIDENCE_DIR, "客户文件夹中的 evidence 不是文件夹",
                        f"移走 {ev}，建立 evidence 文件夹并把佐证材料放进去")
    return None


def _look_up(root: Path, typed: str, parts: list[str]) -> EvidencePath:
    rel = "/".join(parts)
    if not parts[1:]:
        return _refused(typed, rel, "只写了文件夹，没有文件名", "填写文件的相对路径，如 evidence/产值统计证明.pdf")
    long = next((p for p in parts if len(p.encode("utf-8")) > NAME_MAX), None)
    if long is not None:
        return _refused(typed, rel, f"文件名过长（{len(long.encode('utf-8'))} 字节，系统上限 {NAME_MAX} 字节，"
                                    f"约 {NAME_MAX // 3} 个汉字），这样的文件无法存放和读取",
                        "把文件改成短一些的名字（如 evidence/产值统计证明.pdf），并在这里填写同样的名字", WARNING)
    here = root / EVIDENCE_DIR
    try:
        for i, name in enumerate(parts[1:], 2):
            here = here / name
            last = i == len(parts)
            try:
                st = os.lstat(here)
            except (FileNotFoundError, NotADirectoryError):
                return _refused(typed, rel, "文件不存在", f"把文件放到 {root / rel}，或改正文件名", WARNING)
            if stat.S_ISLNK(st.st_mode):
                try:
                    os.stat(here)
                    what = "链接（快捷方式），可能指向客户文件夹之外"
                except OSError as exc:
                    what = "循环链接（链接绕回自己，打不开）" if exc.errno == errno.ELOOP else "失效的链接（快捷方式）"
                where = "文件" if last else f"路径中的 {'/'.join(parts[:i])} "
                return _refused(typed, rel, f"{where}是{what}，工具不读取链接", _LINK_FIX)
            if not last:
                if not stat.S_ISDIR(st.st_mode):
                    return _refused(typed, rel, "文件不存在", f"把文件放到 {root / rel}，或改正文件名", WARNING)
                continue
            if stat.S_ISDIR(st.st_mode):
                return _refused(typed, rel, "这是文件夹，不是文件", "填写文件夹中具体文件的名字，一份材料一行")
            if not stat.S_ISREG(st.st_mode):
                return _refused(typed, rel, "不是普通文件（设备、管道等），工具不读取", _LINK_FIX)
            if st.st_nlink > 1:
                return _refused(typed, rel, f"文件是硬链接（同一文件另有 {st.st_nlink - 1} 个名字，可能在客户文件夹之外），"
                                            "工具不读取", "复制一份文件本身放进 evidence/（复制，而不是建立链接）")
            return EvidencePath(typed=typed, rel=rel, path=here, _id=(st.st_dev, st.st_ino))
    except OSError as exc:  # a path too long as a whole, an unreadable folder, ...
        if exc.errno == errno.ENAMETOOLONG:
            return _refused(typed, rel, "文件路径过长，这样的文件无法存放和读取",
                            "把文件和所在文件夹改成短一些的名字，并在这里填写同样的路径", WARNING)
        return _refused(typed, rel, f"文件无法读取（{_why(exc)}）", "检查文件和 evidence/ 文件夹的权限")
    raise AssertionError("unreachable")


def resolve(folder: Path | str, typed: str) -> EvidencePath:
    """The evidence file that ``typed`` (a 佐证材料 row's 文件名) names in the client ``folder``. See the
    module docstring for the rule; never raises on what was typed or found."""
    typed = str(typed)
    root = Path(os.path.realpath(folder))
    forms = _forms(typed)
    if any(_outside(f) for f in forms):
        return _refused(typed, forms[-1], "文件路径指向客户文件夹之外", _OUTSIDE_FIX)
    if any(ch in f for f in forms for ch in "\0\r\n\t"):
        return _refused(typed, forms[-1], "文件名中有控制字符或换行", "只填写一个文件名，如 evidence/产值统计证明.pdf")
    candidates = [p for p in (_parts(f) for f in forms) if p]
    if not candidates:
        return _refused(typed, None, "没有文件名", "填写文件的相对路径，如 evidence/产值统计证明.pdf")
    problem = _folder_problem(root, typed)
    if problem is not None:
        return problem
    found = [_look_up(root, typed, parts) for parts in candidates]
    return (next((f for f in found if f.ok), None) or next((f for f in found if f.severity == ERROR), None)
            or found[0])


def scan(folder: Path | str) -> list[EvidencePath]:
    """Every entry under the client's evidence/ folder (sorted, links listed but never followed), each
    judged by ``resolve``; a linked or missing evidence/ folder is one refused entry, not descended."""
    root = Path(os.path.realpath(folder))
    problem = _folder_problem(root, EVIDENCE_DIR)
    if problem is not None:
        return [] if problem.severity == WARNING else [problem]
    out: list[EvidencePath] = []

    def walk(rel: str) -> None:
        try:
            entries = sorted(os.scandir(root / rel), key=lambda e: e.name)
        except OSError as exc:
            out.append(_refused(rel, rel, f"文件夹无法读取（{_why(exc)}）", "检查文件夹的权限"))
            return
        for e in entries:
            sub = f"{rel}/{e.name}"
            if e.is_dir(follow_symlinks=False):
                walk(sub)
            else:
                out.append(_look_up(root, sub, sub.split("/")))

    walk(EVIDENCE_DIR)
    return out
