"""Benchmark of ``clusterkit batch`` against its floors (issue 16). Run by hand: ``make bench`` or

    .venv/bin/python bench/bench_batch.py [--copies K] [--jobs N]

On K copies of the demo clients (4 × K clients), measured side by side in one run, each a fresh
subprocess timed from outside (seconds per client):

(a) the naive way: a plain sequential loop of ``papermill`` CLI runs of a notebook that only imports
    the toolkit's libraries (pandas, matplotlib, python-docx, docxtpl, openpyxl, toolkit);
(b) our batch: ``python -m toolkit batch CLIENTS --force --jobs N`` (packages, executed notebooks,
    run manifest, summary, province summary);
(c) the same work in one process without notebooks: check, assess, narrative, package for every
    client, then the province tables; one LibreOffice kept running for the PDFs, as each batch
    worker has;
(f) a floor measured the same way: per client one workbook load, two docx renders (the memo and the
    proposal, with docxtpl as it comes) and five CJK-labelled figures drawn once at 150 dpi;
(p) the same floor with its two documents also converted to PDF on one running LibreOffice: the
    submission's PDFs (the forms and the bound copy's cover) became part of a client's work after
    the floor was defined, and this is their least cost;
(d) the batch on a Dask LocalCluster of N−1 workers (``--scheduler local:N−1``) against (b).

Targets on 2 cores: (c) ≤ 0.12 × (a), (c) ≤ 1.3 × (f), (b) ≤ 0.6 × (c), (b) ≤ 0.15 × (a), (d) ≤ 1.2 × (b);
(c)/(p) is printed beside (c)/(f).
``bench/bench_scale.py`` measures how the cost grows (clients, evidence, resume, disk, memory).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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

FLOOR_LABELS = ["集群发展水平", "产业链协同", "创新能力", "数字化转型", "绿色低碳", "开放合作", "治理服务", "优质企业梯度"]


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
    from toolkit.documents import office
    from toolkit.documents.narrative import draft
    from toolkit.intake.reader import check_workbook
    from toolkit.province.tables import write_province_tables

    office.start_for_process()  # one LibreOffice for every client's PDFs, as each batch worker has
    for c in clients:
        checked = check_workbook(c)
        client = nbk.require_client(checked)
        nbk.problems_table(checked.problems)
        nbk.intake_summary(client)
        assessment = assess(client, None, 2025)
        assessment.to_frame()
        nbk.what_it_takes(assessment)
        narrative = draft(client, assessment)
        nbk.write_package(client, round=2025, output=output, assessment=assessment, narrative=narrative)
    write_province_tables(output, 2025)


def floor_contexts(clients: list[Path], path: Path) -> None:
    """The memo's and the proposal's contexts for each client, as JSON (so that the floor's process
    imports no toolkit code to read them)."""
    import datetime as dt

    from toolkit.assess.assessment import assess
    from toolkit.assess.rounds import load_round
    from toolkit.documents import briefing
    from toolkit.intake.reader import read_client

    rnd, today = load_round(2025), dt.date(2025, 5, 10)
    out = []
    for folder in clients:
        c = read_client(folder)
        a = assess(c, round=2025)
        out.append({"workbook": str(folder / "intake.xlsx"),
                    "memo": {**briefing.memo_context(c, a, rnd, today), "charts": []},
                    "proposal": briefing.proposal_context(c, a, rnd, today)})
    path.write_text(json.dumps(out, ensure_ascii=False, default=str), encoding="utf-8")


def floor(contexts: str, output: str, pdfs: bool = False) -> None:
    """(f): per client, one workbook load, two docx renders, five CJK-labelled figures drawn once at
    150 dpi; (p) with ``pdfs``: the two documents converted on one running LibreOffice as well."""
    import docxtpl
    import openpyxl
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    font_file = _font_file()  # the toolkit's CJK font, found without importing the toolkit
    font_manager.fontManager.addfont(str(font_file))
    family = font_manager.FontProperties(fname=str(font_file)).get_name()
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    if pdfs:
        from toolkit.documents import office

        office.start_for_process()
    for i, item in enumerate(json.loads(Path(contexts).read_text(encoding="utf-8"))):
        openpyxl.load_workbook(item["workbook"])
        for name in ("memo", "proposal"):
            tpl = docxtpl.DocxTemplate(str(ROOT / "templates" / f"{name}.docx"))
            tpl.render(item[name], autoescape=True)
            tpl.save(str(out / f"{i}-{name}.docx"))
            if pdfs:
                office.convert(out / f"{i}-{name}.docx", out / f"{i}-{name}.pdf")
        for k in range(5):
            fig = Figure(figsize=(7.2, 3.6), dpi=150)
            FigureCanvasAgg(fig)
            ax = fig.add_axes([0.3, 0.15, 0.5, 0.75])
            ax.barh(range(8), [10 * (j + 1) for j in range(8)])
            for j in range(8):
                ax.text(10 * (j + 1) + 1, j, f"{10 * (j + 1)}分 达标", va="center", fontfamily=family)
            ax.set_yticks(range(8), FLOOR_LABELS, fontfamily=family)
            ax.set_title("八个维度达标情况（综合准备度）", fontfamily=family)
            ax.set_xlabel("维度准备度（0–100分）", fontfamily=family)
            fig.savefig(out / f"{i}-{k}.png", dpi=150)


def _font_file() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("mplfonts")
    return next(Path(spec.origin).parent.rglob("NotoSansCJKsc-Regular.otf"))


CPU: dict[str, float] = {}  # CPU seconds (user + system) of each measured process tree, by label


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd: list[str], label: str = "", **kw) -> float:
    """Wall seconds of ``cmd``; its CPU seconds (every process it waited for) go to ``CPU[label]``:
    on a machine shared with other work the wall time grows, the CPU time much less."""
    c, t = _children_cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    elapsed = time.perf_counter() - t
    CPU[label] = CPU.get(label, 0.0) + _children_cpu() - c
    return elapsed


def verdict(ratio: float, target: float) -> str:
    return f"(target ≤ {target:g}: {'met' if ratio <= target else 'NOT met'})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", "-k", type=int, default=3, help="copies of the 4 demo clients (default 3)")
    # One more job than cores: part of every kernel start is idle waiting (jupyter_client's
    # readiness handshake), which the extra job fills.
    ap.add_argument("--jobs", "-j", type=int, default=(os.cpu_count() or 2) + 1,
                    help="batch --jobs (default: cores + 1)")
    ap.add_argument("--no-dask", action="store_true", help="leave out (d), the Dask LocalCluster")
    ap.add_argument("--in-process", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--floor", help=argparse.SUPPRESS)
    ap.add_argument("--floor-pdf", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--output", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.in_process:
        in_process(args.in_process, args.output)
        return 0
    if args.floor:
        floor(args.floor, args.output, pdfs=args.floor_pdf)
        return 0

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        tmp = Path(tmp)
        clients = [str(p) for p in make_clients(tmp / "clients", args.copies)]
        n = len(clients)
        nb = imports_notebook(tmp / "imports_only.ipynb")
        floor_contexts([Path(c) for c in clients], tmp / "contexts.json")
        papermill = str(Path(PY).with_name("papermill"))
        load = os.getloadavg()

        t_a = 0.0
        for i, c in enumerate(clients):
            t_a += timed([papermill, str(nb), str(tmp / f"a-{i}.ipynb"), "-p", "client_dir", c], "a", env=env)
        batch = [PY, "-m", "toolkit", "batch", *clients, "--round", "2025", "--force"]
        t_b = timed([*batch, "--jobs", str(args.jobs), "--output", str(tmp / "b")], "b", env=env)
        t_c = timed([PY, str(Path(__file__).resolve()), "--in-process", *clients, "--output", str(tmp / "c")], "c",
                    env=env)
        t_f = timed([PY, str(Path(__file__).resolve()), "--floor", str(tmp / "contexts.json"), "--output",
                     str(tmp / "f")], "f", env=env)
        t_p = timed([PY, str(Path(__file__).resolve()), "--floor", str(tmp / "contexts.json"), "--floor-pdf",
                     "--output", str(tmp / "p")], "p", env=env)
        workers = max(1, args.jobs - 1)
        t_d = (float("nan") if args.no_dask else
               timed([*batch, "--scheduler", f"local:{workers}", "--output", str(tmp / "d")], "d", env=env))
        load_after = os.getloadavg()

    a, b, c, f, p, d = (t / n for t in (t_a, t_b, t_c, t_f, t_p, t_d))
    cpu = {"d": float("nan"), **{k: v / n for k, v in CPU.items()}}
    print(f"clients: {n} (4 demo clients × {args.copies}), batch --jobs {args.jobs}, cores: {os.cpu_count()}, "
          f"load average before/after: {load[0]:.2f}/{load_after[0]:.2f}")
    print(f"(a) papermill CLI loop, imports only : {t_a:7.2f} s total, {a:5.2f} s per client (CPU {cpu['a']:.2f} s)")
    print(f"(b) clusterkit batch                  : {t_b:7.2f} s total, {b:5.2f} s per client (CPU {cpu['b']:.2f} s)")
    print(f"(c) same work, one process, no kernels: {t_c:7.2f} s total, {c:5.2f} s per client (CPU {cpu['c']:.2f} s)")
    print(f"(f) floor: workbook, 2 docx, 5 figures: {t_f:7.2f} s total, {f:5.2f} s per client (CPU {cpu['f']:.2f} s)")
    print(f"(p) floor + its 2 documents as PDF  : {t_p:7.2f} s total, {p:5.2f} s per client (CPU {cpu['p']:.2f} s)")
    print(f"(d) batch on a Dask LocalCluster of {workers}: {t_d:7.2f} s total, {d:5.2f} s per client "
          f"(CPU {cpu['d']:.2f} s)")
    print(f"(c)/(a) = {c / a:.3f}   {verdict(c / a, 0.12)}")
    print(f"(c)/(f) = {c / f:.3f}   {verdict(c / f, 1.3)}")
    print(f"(c)/(p) = {c / p:.3f}   (the same bound against the floor with the PDFs a client's package now holds)")
    print(f"(b)/(c) = {b / c:.3f}   {verdict(b / c, 0.6)}")
    print(f"(b)/(a) = {b / a:.3f}   {verdict(b / a, 0.15)}")
    print(f"(d)/(b) = {d / b:.3f}   {verdict(d / b, 1.2)}  (Dask LocalCluster against the local pool)")
    print(f"by CPU time (what the machine's other load inflates least): (c)/(a) = {cpu['c'] / cpu['a']:.3f}, "
          f"(c)/(f) = {cpu['c'] / cpu['f']:.3f}; the batch spends {cpu['b'] / cpu['c']:.2f} × the CPU of (c)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
