"""Content hashes of files: the package manifest, the batch's resume fingerprint and the inputs' record."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO


def sha256_file(file: Path | str | BinaryIO) -> str:
    """The sha256 of a file's bytes, read in 1 MiB chunks; ``file`` is a path or a file opened for
    reading (e.g. a checked evidence file, ``EvidencePath.open()``), which is closed."""
    h = hashlib.sha256()
    with (open(file, "rb") if isinstance(file, (str, os.PathLike)) else file) as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
