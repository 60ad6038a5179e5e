"""Fuzz: whatever a county sends, the reader answers with the toolkit's own error or a Client.

Whole workbooks are generated (``workbook_fuzz``): cell values of every kind, merges, hyperlink ranges,
renamed/deleted/extra sheets, extra rows near and far past the row limit, zip damage (truncated, bytes
flipped, members removed or doubled, a DTD, a 250 MB member), evidence paths with symlinks and a hard
link. For each: only ``ToolkitError`` leaves ``check_workbook``/``read_client``/``write_annotated``, no
input byte changes, every cell problem names its cell, the annotated copy holds no live formula but the
template's own, and no evidence file outside the client folder is accepted.

A few hundred cases here; ``bench/fuzz_intake.py --cases 5000`` runs the same generators by hand.
"""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings

from workbook_fuzz import Case, cases, evidence_cases, run_case

FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _assert_ok(case, outcome):
    assert not outcome.uncaught, outcome.uncaught
    assert not outcome.changed, outcome.changed
    assert not outcome.unnamed, outcome.unnamed
    assert not outcome.formulas, outcome.formulas


@settings(max_examples=100, **FUZZ)
@given(cases())
@example(Case(merges=[("企业名单", "A1:CV10000")]))
@example(Case(rows=[("企业名单", 3, 12, "A", "=1+{r}")], edits=[("年度指标", 8, 6, "=D8+E8")]))
@example(Case(damage=[("bomb",)]))
# overlapping merged ranges around a problem cell (found by the 5,000-case run): the annotated copy's
# comment went to a merged cell and raised AttributeError
@example(Case(edits=[("发展规划", 14, 7, "约12亿")], merges=[("发展规划", "G12:H20"), ("发展规划", "A12:J30")]))
def test_whole_workbooks(case):
    outcome = run_case(case)
    _assert_ok(case, outcome)
    assert not outcome.escaped, outcome.escaped


@settings(max_examples=100, **FUZZ)
@given(cases(evidence=False).map(lambda c: Case(client=c.client, damage=c.damage or [("flip", 0.5, 1)])))
def test_damaged_files(case):
    _assert_ok(case, run_case(case, annotate=True))


# Evidence paths alone, on a workbook without other errors, so that a client is produced and what it
# accepted can be judged.
@settings(max_examples=60, **FUZZ)
@given(evidence_cases())
@example(Case(evidence=[(3, "／etc／passwd")]))
@example(Case(evidence=[(3, "evidence/link")]))
def test_evidence_paths_stay_inside_the_client_folder(case):
    outcome = run_case(case, annotate=False)
    _assert_ok(case, outcome)
    assert not outcome.escaped, outcome.escaped


# -- a provisional assessment on any readable workbook (toolkit.intake.reader.read_partial) --------------
import datetime as dt  # noqa: E402
import io  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import openpyxl  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from openpyxl.utils.exceptions import IllegalCharacterError  # noqa: E402

from toolkit.assess.assessment import assess  # noqa: E402
from toolkit.core.errors import IntakeError  # noqa: E402
from toolkit.intake.model import Client  # noqa: E402
from toolkit.intake.reader import read_client, read_partial  # noqa: E402

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
