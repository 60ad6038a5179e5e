"""Safe names for folders and files made from what people typed.

A client's name may hold ``/``, ``..``, ``&`` or shell characters; nothing made from it may write
outside the output folder.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from toolkit.core.errors import ToolkitError

_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff\-]+", re.UNICODE)


MAX_BYTES = 120  # file names are limited to 255 bytes; CJK takes 3 each, and suffixes and temp names need room


def safe_name(text: str, fallback: str = "client") -> str:
    """A file-system-safe name: CJK, letters, digits, '-' and '_' kept; everything else becomes '_'.
    At most 80 characters and ``MAX_BYTES`` bytes of UTF-8, so a pasted paragraph still makes a file name."""
    text = unicodedata.normalize("NFKC", str(text)).strip()
    name = _UNSAFE.sub("_", text).strip("._-")[:80]
    while len(name.encode("utf-8")) > MAX_BYTES:
        name = name[:-1]
    return name.rstrip("._-") or fallback


def inside(base: Path | str, *parts: str) -> Path:
    """``base / parts`` resolved, refusing anything that would land outside ``base``."""
    base = Path(base).resolve()
    path = base.joinpath(*parts).resolve()
    if path != base and base not in path.parents:
        raise ToolkitError(f"拒绝写到 {base} 之外：{'/'.join(parts)!r}（名称中不能含路径，请改名）")
    return path


def package_dir(output_root: Path | str, round, recommender: str, client_id: str) -> Path:
    """Where a client's package lives: ``output_root/<round>/<safe recommender>/<safe client_id>``,
    always inside ``output_root``. The package writer, the briefing and the batch all use it."""
    year = getattr(round, "year", round)
    return inside(output_root, safe_name(str(year), "round"), safe_name(recommender or "", "推荐单位"),
                  safe_name(client_id or "", "client"))
