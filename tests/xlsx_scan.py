"""Read an xlsx the toolkit wrote as Excel would: which cells are live formulas, which texts could become one.

``live_formulas(path)`` lists every cell stored with a formula (``<f>``), except the template's own
(``toolkit.intake.blank.template_formulas``); ``unquoted_risky_text(path)`` lists every text cell that
starts with ``= + - @``, a tab or a carriage return and is stored without Excel's quote prefix (such a
cell turns into a formula as soon as someone edits it). Both read the XML, not openpyxl's view of it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from toolkit.core.xlsx_safe import RISKY_START, sheet_parts

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _zip(path_or_bytes) -> zipfile.ZipFile:
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    return zipfile.ZipFile(io.BytesIO(data))


def _cells(zf: zipfile.ZipFile):
    """(sheet title, cell element) for every cell of every sheet."""
    for member, title in sheet_parts(zf).items():
        if member not in zf.namelist():
            continue
        root = ET.fromstring(zf.read(member))
        for c in root.iter(f"{NS}c"):
            yield title, c


def live_formulas(path_or_bytes, *, allowed: dict[tuple[str, str], str] | None = None) -> list[tuple[str, str, str]]:
    """Formula cells other than the template's own, as (sheet, cell, formula)."""
    if allowed is None:
        from toolkit.intake.blank import template_formulas

        allowed = template_formulas()
    out = []
    with _zip(path_or_bytes) as zf:
        for title, c in _cells(zf):
            f = c.find(f"{NS}f")
            if f is None:
                continue
            text = "=" + (f.text or "")
            if allowed.get((title, c.get("r"))) != text:
                out.append((title, c.get("r"), text))
    return out


def unquoted_risky_text(path_or_bytes) -> list[tuple[str, str, str]]:
    """Text cells starting with a formula character and stored without the quote prefix."""
    out = []
    with _zip(path_or_bytes) as zf:
        names = zf.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            for si in ET.fromstring(zf.read("xl/sharedStrings.xml")).iter(f"{NS}si"):
                shared.append("".join(t.text or "" for t in si.iter(f"{NS}t")))
        quoted = []
        if "xl/styles.xml" in names:
            xfs = ET.fromstring(zf.read("xl/styles.xml")).find(f"{NS}cellXfs")
            quoted = [xf.get("quotePrefix") in ("1", "true") for xf in (xfs if xfs is not None else [])]
        for title, c in _cells(zf):
            t = c.get("t")
            if t == "inlineStr":
                text = "".join(x.text or "" for x in c.iter(f"{NS}t"))
            elif t == "s":
                v = c.find(f"{NS}v")
                try:
                    text = shared[int(v.text)]
                except (AttributeError, ValueError, IndexError, TypeError):
                    continue
            elif t == "str" and c.find(f"{NS}f") is None:
                v = c.find(f"{NS}v")
                text = v.text or "" if v is not None else ""
            else:
                continue
            style = int(c.get("s", "0"))
            if text.startswith(RISKY_START) and not (style < len(quoted) and quoted[style]):
                out.append((title, c.get("r"), text))
    return out
