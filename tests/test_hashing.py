"""Hashes of files: one pass copy-and-hash that keeps holes, and the stat cache of the batch's resume
check (git's index: a file is read again only when its size, times or inode changed)."""

from __future__ import annotations

import os

from toolkit.core.hashing import StatCache, copy_hashed, sha256_file


def _old(path, seconds=60):
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - seconds * 10**9))


def test_copy_hashed_hashes_what_it_copies_and_keeps_holes(tmp_path):
    src = tmp_path / "scan.bin"
    with open(src, "wb") as f:
        f.truncate(32 << 20)
        f.seek(5 << 20)
        f.write(b"data" * 1000)
    digest, how = copy_hashed(open(src, "rb"), tmp_path / "copy.bin")
    assert digest == sha256_file(src) == sha256_file(tmp_path / "copy.bin")
    assert how in ("copy", "reflink")
    assert (tmp_path / "copy.bin").stat().st_blocks * 512 < 4 << 20  # 32 MiB long, a few blocks on disk


def test_an_unchanged_file_is_not_read_again(tmp_path, monkeypatch):
    monkeypatch.setattr(StatCache, "RACY_NS", 0)
    f = tmp_path / "evidence.pdf"
    f.write_bytes(b"x" * 1000)
    cache = StatCache(tmp_path / "cache.json")
    first = cache.sha256(f)
    cache.save()
    again = StatCache.load(tmp_path / "cache.json")
    assert again.sha256(f, opener=lambda: (_ for _ in ()).throw(AssertionError("read"))) == first
    assert (again.hashed, again.reused) == (0, 1)


def test_one_changed_byte_is_caught_even_with_the_same_size_and_mtime(tmp_path, monkeypatch):
    monkeypatch.setattr(StatCache, "RACY_NS", 0)
    f = tmp_path / "evidence.pdf"
    f.write_bytes(b"a" * 4096)
    _old(f)
    cache = StatCache()
    before = cache.sha256(f)
    st = os.stat(f)
    with open(f, "r+b") as h:  # one byte, in place
        h.seek(100)
        h.write(b"b")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # the modification time set back
    assert os.stat(f).st_size == st.st_size and os.stat(f).st_mtime_ns == st.st_mtime_ns
    assert cache.sha256(f) != before and cache.hashed == 2


def test_a_hash_taken_while_the_file_was_fresh_is_not_trusted_next_time(tmp_path):
    """An edit within the same timestamp tick as the hash would keep every time: such a hash is read again."""
    f = tmp_path / "evidence.pdf"
    f.write_bytes(b"x")
    cache = StatCache()
    cache.sha256(f)
    cache.sha256(f)
    assert cache.hashed == 2  # just written: hashed again
    os.utime(f, ns=(0, 0))  # mtime long ago; ctime is still now
    cache.sha256(f)
    assert cache.hashed == 3
