"""Benchmark of ``clusterkit batch`` (issue 6, item 5). Run by hand: ``make bench`` or

    .venv/bin/python bench/bench_batch.py [--copies K] [--jobs N]

On K copies of the demo clients (4 × K clients), measured side by side in one run:

(a) the naive floor: a plain sequential loop of ``papermill`` CLI runs of a notebook that only
    imports the toolkit's libraries (pandas, matplotlib, python-docx, docxtpl, openpyxl, toolkit);
(b) our batch: ``python -m toolkit batch CLIENTS --force --jobs N`` (packages, executed notebooks,
    run manifest, summary, province summary);
(c) the same work in one process without notebooks: check, assess, narrative, package for every
    client, then the province tables.

Each is a fresh subprocess, timed from outside. Prints seconds per client and the ratios
(b)/(a) and (b)/(c). Targets on 2 cores: (b) ≤ 0.35 × (a) and (b) ≤ 2 × (c) per client.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable

IMPORTS_ONLY = """
import pandas, matplotlib, matplotlib.pyplot, docx, docxtpl, openpyxl, yaml, jinja2
import toolkit.intake.reader, toolkit.assess.assessment, toolkit.documents.narrative, toolkit.documents.forms, toolkit.package.writer
import toolkit.documents.charts, toolkit.documents.briefing, toolkit.province.tables
"""


def make_clients(dest: Path, copies: int) -> list[Path]:
    src = ROOT / "data" / "examples" / "clients"
    out = []
    for k in range(1, copies + 1):
        for client in sorted(p for p in src.iterdir() if p.is_dir()):
            target = dest / f"{client.name}-{k}"
            shutil.copytree(client, target)
            out.append(target)
    return out


def imports_notebook(path: Path) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = new_code_cell('client_dir = ""  # client folder (unused)')
    params.metadata.tags = ["parameters"]
    nb.cells = [params, new_code_cell(IMPORTS_ONLY.strip())]
    nbformat.write(nb, str(path))
    return path


def in_process(clients: list[str], output: str) -> None:
    """(c): the work of the client notebook, then the province tables, in this one process."""
    from toolkit import notebook as nbk
    from toolkit.assess.assessment import assess
    from toolkit.intake.reader import check_workbook
    from toolkit.documents.narrative import draft
    from toolkit.province.tables import write_province_tables

    for c in clients:
        checked = check_workbook(c)
        client = nbk.require_client(checked)
        nbk.problems_table(checked.problems)
        nbk.intake_summary(client)
        assessment = assess(client, None, 2025)
        assessment.to_frame()
        nbk.what_it_takes(assessment)
        draft(client, assessment)
        nbk.write_package(client, round=2025, output=output)
    write_province_tables(output, 2025)


def timed(cmd: list[str], **kw) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", "-k", type=int, default=3, help="copies of the 4 demo clients (default 3)")
    # One more job than cores: part of every kernel start is idle waiting (jupyter_client's
    # readiness handshake), which the extra job fills.
    ap.add_argument("--jobs", "-j", type=int, default=(os.cpu_count() or 2) + 1,
                    help="batch --jobs (default: cores + 1)")
    ap.add_argument("--in-process", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--output", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.in_process:
        in_process(args.in_process, args.output)
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        tmp = Path(tmp)
        clients = [str(p) for p in make_clients(tmp / "clients", args.copies)]
        n = len(clients)
        nb = imports_notebook(tmp / "imports_only.ipynb")
        papermill = str(Path(PY).with_name("papermill"))

        t_a = 0.0
        for i, c in enumerate(clients):
            t_a += timed([papermill, str(nb), str(tmp / f"a-{i}.ipynb"), "-p", "client_dir", c])
        t_b = timed([PY, "-m", "toolkit", "batch", *clients, "--round", "2025", "--jobs", str(args.jobs),
                     "--output", str(tmp / "b"), "--force"])
        t_c = timed([PY, str(Path(__file__).resolve()), "--in-process", *clients, "--output", str(tmp / "c")])

    a, b, c = t_a / n, t_b / n, t_c / n
    print(f"clients: {n} (4 demo clients × {args.copies}), batch --jobs {args.jobs}, cores: {os.cpu_count()}")
    print(f"(a) papermill CLI loop, imports only : {t_a:7.2f} s total, {a:5.2f} s per client")
    print(f"(b) clusterkit batch                  : {t_b:7.2f} s total, {b:5.2f} s per client")
    print(f"(c) same work, one process, no kernels: {t_c:7.2f} s total, {c:5.2f} s per client")
    print(f"(b)/(a) = {b / a:.2f}   (target ≤ 0.35)")
    print(f"(b)/(c) = {b / c:.2f}   (target ≤ 2.0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
