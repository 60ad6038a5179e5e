"""Content hashes of files: the package manifest, the batch's resume fingerprint and the inputs' record.

- ``sha256_file(file)`` — the sha256 of a file's bytes.
- ``copy_hashed(src, dest)`` — copy an open file and return the sha256 of what was copied, in one
  pass: a reflink (the file system shares the blocks, nothing is written: Btrfs, XFS, …) where the
  file system allows it, else a copy that keeps holes.
- ``StatCache`` — the batch's memory of hashes, like git's index: a file whose size, modification
  and change times, inode and device are those recorded is not read again; any change re-hashes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat as stat_mod
import time
from pathlib import Path
from typing import BinaryIO, Callable

CHUNK = 1 << 20
_FICLONE = 0x40049409  # Linux ioctl: make dest share src's blocks (copy-on-write)


def sha256_file(file: Path | str | BinaryIO) -> str:
    """The sha256 of a file's bytes, read in 1 MiB chunks; ``file`` is a path or a file opened for
    reading (e.g. a checked evidence file, ``EvidencePath.open()``), which is closed."""
    h = hashlib.sha256()
    with (open(file, "rb") if isinstance(file, (str, os.PathLike)) else file) as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _reflink(src: int, dest: int) -> bool:
    try:
        import fcntl

        fcntl.ioctl(dest, _FICLONE, src)
        return True
    except (ImportError, OSError):
        return False


def _data_extents(fd: int, size: int):
    """(start, end) of the parts of a file that hold data; holes (never written) are left out. The
    whole file when the system cannot tell."""
    if not hasattr(os, "SEEK_DATA"):
        yield 0, size
        return
    pos = 0
    while pos < size:
        try:
            start = os.lseek(fd, pos, os.SEEK_DATA)
        except OSError:  # ENXIO: only a hole remains; EINVAL: not supported
            if pos == 0 and size:
                try:
                    os.lseek(fd, 0, os.SEEK_HOLE)
                except OSError:
                    yield 0, size
            return
        end = os.lseek(fd, start, os.SEEK_HOLE)
        yield start, min(end, size)
        pos = end


_ZEROS = bytes(CHUNK)


def _hash_zeros(h, n: int) -> None:
    while n > 0:
        k = min(n, CHUNK)
        h.update(_ZEROS[:k] if k < CHUNK else _ZEROS)
        n -= k


def copy_hashed(src: BinaryIO, dest: Path | str) -> tuple[str, str]:
    """Copy the open file ``src`` (closed afterwards) to ``dest``; return (sha256 of the bytes copied,
    how: ``"reflink"`` or ``"copy"``). A reflink writes no data (the two names share blocks until one
    is changed); a copy writes the data parts and leaves holes as holes, as ``cp`` does."""
    with src, open(dest, "wb") as out:
        fd, ofd = src.fileno(), out.fileno()
        size = os.fstat(fd).st_size
        h = hashlib.sha256()
        if _reflink(fd, ofd):
            os.lseek(fd, 0, os.SEEK_SET)
            for chunk in iter(lambda: os.read(fd, CHUNK), b""):
                h.update(chunk)
            return h.hexdigest(), "reflink"
        pos = 0
        for start, end in _data_extents(fd, size):
            _hash_zeros(h, start - pos)
            os.lseek(fd, start, os.SEEK_SET)
            os.lseek(ofd, start, os.SEEK_SET)
            left = end - start
            while left > 0:
                chunk = os.read(fd, min(CHUNK, left))
                if not chunk:
                    break
                h.update(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(ofd, view):]
                left -= len(chunk)
            pos = end - left
        _hash_zeros(h, size - pos)
        os.ftruncate(ofd, size)
        return h.hexdigest(), "copy"


def _key(st: os.stat_result) -> list[int]:
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


class StatCache:
    """Hashes remembered by path with the file's (device, inode, size, mtime, ctime), as git's index
    does: an unchanged file is not read again. A file changed in any way changes its ctime (also
    when its mtime is set back), so it is hashed anew. A hash taken while the file was less than
    ``RACY_NS`` old is not trusted next time (an edit within the same timestamp tick would keep the
    times): such a file is hashed again until it has been left alone for a while.

        cache = StatCache.load(path); digest = cache.sha256(file, opener); cache.save()
    """

    RACY_NS = 2_000_000_000  # 2 s: timestamps on FAT and some network shares are that coarse
    VERSION = 1

    def __init__(self, path: Path | str | None = None, entries: dict | None = None):
        self.path = Path(path) if path else None
        self.entries: dict[str, list] = dict(entries or {})
        self.hashed = 0  # files read this time
        self.reused = 0  # files answered from the cache
        self._seen: set[str] = set()

    @classmethod
    def load(cls, path: Path | str) -> "StatCache":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            if data.get("version") == cls.VERSION and isinstance(data.get("files"), dict):
                return cls(path, data["files"])
        except (OSError, ValueError, AttributeError):
            pass
        return cls(path)

    def sha256(self, path: Path | str, opener: Callable[[], BinaryIO] | None = None,
               st: os.stat_result | None = None) -> str:
        """The sha256 of ``path``; ``opener`` opens it for reading when it must be read (a checked
        evidence file is opened through its own checks), ``st`` is its ``lstat`` when already known."""
        key_path = os.fspath(path)
        self._seen.add(key_path)
        st = st or os.lstat(path)
        key = _key(st)
        hit = self.entries.get(key_path)
        if hit and hit[0] == key and hit[2]:
            self.reused += 1
            return hit[1]
        digest = sha256_file(opener() if opener else path)
        self.hashed += 1
        now = time.time_ns()
        trusted = stat_mod.S_ISREG(st.st_mode) and max(st.st_mtime_ns, st.st_ctime_ns) < now - self.RACY_NS
        self.entries[key_path] = [key, digest, trusted]
        return digest

    def save(self) -> None:
        """Write the cache (atomically), forgetting files that are gone."""
        if self.path is None:
            return
        from toolkit.core.atomic import write_text

        files = {k: v for k, v in self.entries.items() if k in self._seen or os.path.lexists(k)}
        write_text(self.path, json.dumps({"version": self.VERSION, "files": files}, ensure_ascii=False))
