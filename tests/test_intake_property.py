"""Property: whatever a person types into the workbook, the reader returns a Client or raises the
toolkit's own error (IntakeError) — never anything else — and never changes the file."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from toolkit.core.errors import IntakeError
from toolkit.assess.assessment import assess
from toolkit.intake.reader import read_client, read_partial
from toolkit.intake.model import Client

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "examples" / "clients" / "qingchuan" / "intake.xlsx"
SHEETS = ["基本信息", "年度指标", "企业名单", "平台机构", "负面清单", "发展规划", "佐证材料", "填写说明", "_lists"]

values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.sampled_from(["约12亿", "５２.３", "5000万", "1,234", "N/A", "无", "-", "26.4%", "是", "否", "示例：x",
                     "=1/0", "=SUM(D2:F2)", "=", "#REF!", "../../x", "/etc/passwd", "9" * 400, "１e5", "2025年",
                     "复核", "新申报", "浙江", "cluster_output", "\u3000", "evidence/统计局产值证明.pdf"]),
    st.text(alphabet="=+-*/()0123456789ABCDEF:!$亿万元%", min_size=1, max_size=12).map(lambda s: "=" + s),
)
edits = st.lists(
    st.tuples(st.sampled_from(SHEETS), st.integers(1, 40), st.integers(1, 12), values),
    min_size=1, max_size=8,
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits)
def test_reader_raises_only_intake_error_and_never_touches_the_file(changes):
    wb = openpyxl.load_workbook(DEMO)
    for sheet, row, col, value in changes:
        cell = wb[sheet].cell(row, col)
        if type(cell).__name__ == "MergedCell":
            continue
        try:
            cell.value = value
        except (IllegalCharacterError, ValueError):
            continue  # openpyxl itself refuses to store it; Excel could not hold it either
    buf = io.BytesIO()
    wb.save(buf)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "intake.xlsx"
        path.write_bytes(buf.getvalue())
        before = path.read_bytes()
        try:
            client = read_client(path)
        except IntakeError as exc:
            assert exc.problems and all(p.severity in ("error", "missing", "warning") for p in exc.problems)
            assert any(p.severity in ("error", "missing") for p in exc.problems)
        else:
            assert isinstance(client, Client)
        # whatever the edit, a readable workbook gives a provisional assessment, never a crash
        partial = read_partial(path)
        a = assess(partial, round=2025)
        assert a.results and (a.provisional or not any(p.severity in ("error", "missing") for p in partial.problems))
        assert path.read_bytes() == before
