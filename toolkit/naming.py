"""Safe names for folders and files made from what people typed.

A client's name may hold ``/``, ``..``, ``&`` or shell characters; nothing made from it may write
outside the output folder.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from toolkit.errors import ToolkitError

_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff\-]+", re.UNICODE)


def safe_name(text: str, fallback: str = "client") -> str:
    """A file-system-safe name: CJK, letters, digits, '-' and '_' kept; everything else becomes '_'."""
    text = unicodedata.normalize("NFKC", str(text)).strip()
    name = _UNSAFE.sub("_", text).strip("._-")
    return name[:80] or fallback


def inside(base: Path | str, *parts: str) -> Path:
    """``base / parts`` resolved, refusing anything that would land outside ``base``."""
    base = Path(base).resolve()
    path = base.joinpath(*parts).resolve()
    if path != base and base not in path.parents:
        raise ToolkitError(f"Refusing to write outside {base}: {'/'.join(parts)!r}")
    return path
