"""How the batch's cost grows: with the clients, not with their evidence (issue 16). Run by hand:
``make bench`` or

    .venv/bin/python bench/bench_scale.py [--clients 100] [--evidence-mb 200] [--jobs N]

Measured in one run, each batch a fresh subprocess timed from outside:

1. clients: a batch of N clients (copies of the demo clients) against one of 2N — target ≤ 2.05 ×;
   the peak memory of any one process of the batch (its workers, kernel server, kernels) — ≤ 250 MiB,
   and of each worker's LibreOffice (sampled from /proc while the batch runs); and the most private
   memory of one process (sampled: what each adds, its resident set less the pages it shares —
   LibreOffice's libraries and fonts, the kernel server's preloaded imports in the kernels it forks);
2. resume: N unchanged clients holding E MB of evidence each against N unchanged clients holding none —
   target ≤ 2 ×; then one byte changed in one evidence file (its modification time set back) re-runs
   exactly that client;
3. nothing to re-run: a batch of one unchanged client against the time of the batch's own imports;
4. disk: a package against its evidence (one client, E MB of incompressible evidence) plus its
   documents — target ≤ 1.1 × evidence + documents;
5. the same client with its evidence a real PDF of scanned pages, which the bound copy (合订本.pdf)
   takes in: the package's disk against evidence + the other documents, and the peak memory of one
   process of that batch.

The N × E MB of step 2 are sparse files (N × 200 MB would need 20 GB of disk twice over): a resume
does not read them, whatever they hold — which is what it measures — and the package stores them once,
keeping their holes. Step 4 uses real (random) bytes.
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
DEMO = ROOT / "data" / "examples" / "clients"


def make_clients(dest: Path, n: int, evidence_mb: int = 0, dense: bool = False) -> list[Path]:
    demo = sorted(p for p in DEMO.iterdir() if p.is_dir())
    out = []
    for i in range(n):
        src = demo[i % len(demo)]
        target = dest / f"{src.name}-{i + 1:03d}"
        shutil.copytree(src, target)
        if evidence_mb and dense == "pdf":
            real_scan_pdf(scan_of(target), evidence_mb)
        elif evidence_mb:
            scan = scan_of(target)
            with open(scan, "wb") as f:
                if dense:
                    for _ in range(evidence_mb):
                        f.write(os.urandom(1 << 20))
                else:
                    f.truncate(evidence_mb << 20)
                    f.seek(0)
                    f.write(b"%PDF-1.4 " + os.urandom(4096))
        out.append(target)
    return out


def real_scan_pdf(path: Path, mb: int) -> None:
    """A PDF of A4 pages of incompressible 'scanned' images (random pixels, JPEG): one the bound copy
    takes in as it is, about ``mb`` MB."""
    from PIL import Image

    pages, size = [], 0
    while size < mb << 20:
        page = Image.frombytes("RGB", (1240, 1754), os.urandom(1240 * 1754 * 3))
        pages.append(page)
        size += 1240 * 1754 * 3 // 2   # about what a quality-95 JPEG of noise keeps
    pages[0].save(path, "PDF", resolution=150, save_all=True, append_images=pages[1:], quality=95)


def scan_of(client: Path) -> Path:
    """The evidence file made large: the first the workbook lists (so that the package stores it)."""
    return sorted(p for p in (client / "evidence").iterdir() if p.is_file())[0]


def settle(paths: list[Path]) -> None:
    """Date the inputs a minute back, as files that arrived earlier: the stat cache trusts a hash only
    of a file left alone for a while (``StatCache.RACY_NS``)."""
    old = time.time() - 60
    for root in paths:
        for p in [root, *root.rglob("*")]:
            os.utime(p, (old, old), follow_symlinks=False)
    time.sleep(2.1)  # the change times are now too: let them age past the racy window


def batch(clients: list[Path], output: Path, jobs: int, *extra: str, env) -> tuple[float, str]:
    cmd = [PY, "-m", "toolkit", "batch", *map(str, clients), "--round", "2025", "--jobs", str(jobs),
           "--output", str(output), *extra]
    t = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"batch failed ({done.returncode})")
    return elapsed, done.stdout


def _office_peak() -> int:
    """The largest peak resident set (VmHWM, bytes) of the workers' LibreOffice processes running now.
    They are not the batch's waited-for descendants (each ends with its worker), so RUSAGE_CHILDREN
    does not see them: they are sampled from /proc while the batch runs (Linux)."""
    peak = 0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes()
            if b"soffice" not in cmd or b"clusterkit-office-" not in cmd:
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) * 1024)
        except (OSError, ValueError):
            continue
    return peak


def _descendants(root: int) -> list[int]:
    """Every process below ``root`` now (Linux: from /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(proc.name))
    out, todo = [], [root]
    while todo:
        for kid in children.get(todo.pop(), []):
            out.append(kid)
            todo.append(kid)
    return out


def _private(pid: int) -> int:
    """A process's private memory now (bytes): its pages no other process maps — what running it adds.
    The rest of its resident set is shared: LibreOffice's libraries and fonts between the workers'
    LibreOffices, the preloaded imports between the kernel server and the kernels it forks."""
    total = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return 0
    return total


def peak_batch(clients: list[Path], output: Path, jobs: int, env) -> tuple[float, int, int, int]:
    """A batch run under a small wrapper whose RUSAGE_CHILDREN is that batch's alone: the largest
    resident set of any process of it (Linux keeps the maximum over every descendant waited for);
    the largest of its workers' LibreOffice processes, sampled (``_office_peak``); and the largest
    private memory of any one of its processes, sampled (``_private``)."""
    import threading

    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
               "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
               "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    cmd = [PY, "-c", wrapper, PY, "-m", "toolkit", "batch", *map(str, clients), "--round", "2025", "--jobs",
           str(jobs), "--output", str(output), "--force"]
    office, private = [0], [0]
    done = threading.Event()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def sample():
        while not done.wait(0.5):
            office[0] = max(office[0], _office_peak())
            private[0] = max([private[0], *(_private(pid) for pid in _descendants(proc.pid))])

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        stdout, stderr = proc.communicate()
    finally:
        done.set()
        thread.join()
    if proc.returncode:
        sys.stderr.write(stderr[-3000:])
        raise SystemExit(f"batch failed ({proc.returncode})")
    out = stdout.split()
    return float(out[0]), int(out[1]) * 1024, office[0], private[0]


def statuses(stdout: str) -> tuple[int, int, int]:
    """(done, skipped, failed) from the batch's first line."""
    import re

    m = re.search(r"完成 (\d+) 个，跳过 (\d+) 个（未变化），失败 (\d+) 个", stdout)
    return tuple(int(x) for x in m.groups()) if m else (-1, -1, -1)


def disk(folder: Path) -> int:
    return sum(p.lstat().st_blocks * 512 for p in folder.rglob("*") if p.is_file())


def verdict(ratio: float, target: float) -> str:
    return f"(target ≤ {target:g}: {'met' if ratio <= target else 'NOT met'})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", "-n", type=int, default=100, help="N (default 100; the scaling run also does 2N)")
    ap.add_argument("--evidence-mb", type=int, default=200, help="evidence per client in MB (default 200)")
    ap.add_argument("--jobs", "-j", type=int, default=(os.cpu_count() or 2) + 1, help="batch --jobs (default: cores + 1)")
    ap.add_argument("--pdf-only", action="store_true", help="run step 5 only (real PDF evidence)")
    args = ap.parse_args()
    n, mb, jobs = args.clients, args.evidence_mb, args.jobs
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    load = os.getloadavg()
    lines = []
    p = lambda s: (print(s, flush=True), lines.append(s))  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        tmp = Path(tmp)
        if not args.pdf_only:
            # 1. N against 2N clients, and the peak memory of one process
            small = make_clients(tmp / "n", n)
            large = make_clients(tmp / "2n", 2 * n)
            t_n, rss_n, lo_n, own_n = peak_batch(small, tmp / "out-n", jobs, env)
            t_2n, rss_2n, lo_2n, own_2n = peak_batch(large, tmp / "out-2n", jobs, env)
            p(f"1. {n} clients: {t_n:.1f} s ({t_n / n:.2f} s each); {2 * n} clients: {t_2n:.1f} s ({t_2n / (2 * n):.2f} s each)")
            p(f"   {2 * n} ÷ {n} = {t_2n / t_n:.3f}   {verdict(t_2n / t_n, 2.05)}")
            peak = max(rss_n, rss_2n) / 2**20
            p(f"   peak memory of one process of the batch: {peak:.0f} MiB   {verdict(peak, 250)}")
            lo = max(lo_n, lo_2n) / 2**20
            p(f"   peak memory of a worker's LibreOffice (one per worker, sampled): {lo:.0f} MiB   {verdict(lo, 250)}")
            own = max(own_n, own_2n) / 2**20
            p(f"   of which private (sampled; the rest is shared libraries, fonts and the kernel server's "
              f"preloaded imports), the most of one process: {own:.0f} MiB   {verdict(own, 250)}")
            shutil.rmtree(tmp / "2n")
            shutil.rmtree(tmp / "out-2n")

            # 2. resume: N clients without evidence (the run above) against N with E MB each; the run after
            # settle() hashes the files once more (their change times moved), the next is the resume
            settle(small)
            batch(small, tmp / "out-n", jobs, env=env)
            t_r0, out0 = batch(small, tmp / "out-n", jobs, env=env)
            heavy = make_clients(tmp / "heavy", n, mb)
            settle(heavy)
            t_first, _ = batch(heavy, tmp / "out-heavy", jobs, env=env)
            t_r1, out1 = batch(heavy, tmp / "out-heavy", jobs, env=env)
            p(f"2. first run of {n} clients with {mb} MB of evidence each: {t_first:.1f} s")
            p(f"   resume, {n} unchanged clients without evidence: {t_r0:.2f} s {statuses(out0)}; "
              f"with {mb} MB each ({n * mb / 1024:.0f} GB): {t_r1:.2f} s {statuses(out1)}")
            p(f"   with ÷ without = {t_r1 / t_r0:.3f}   {verdict(t_r1 / t_r0, 2.0)}")
            scan = scan_of(heavy[n // 2])
            st = scan.stat()
            with open(scan, "r+b") as f:
                f.seek(100)
                b = f.read(1)
                f.seek(100)
                f.write(bytes([b[0] ^ 0xFF]))
            os.utime(scan, ns=(st.st_atime_ns, st.st_mtime_ns))
            t_one, out2 = batch(heavy, tmp / "out-heavy", jobs, env=env)
            done, skipped, failed = statuses(out2)
            rerun = [line.split(":")[0].strip("✓ ") for line in out2.splitlines() if line.startswith("  ✓")]
            p(f"   one byte changed in {scan.parent.parent.name}/evidence/{scan.name} (mtime set back): re-ran {rerun}, "
              f"skipped {skipped}, failed {failed} in {t_one:.1f} s "
              f"({'exactly that client' if rerun == [scan.parent.parent.name] else 'NOT exactly that client'})")
            shutil.rmtree(tmp / "heavy")
            shutil.rmtree(tmp / "out-heavy")

            # 3. nothing to re-run, one client, against the batch's own imports
            one = small[:1]
            batch(one, tmp / "out-one", jobs, env=env)
            settle(one)
            batch(one, tmp / "out-one", jobs, env=env)
            t_noop = min(batch(one, tmp / "out-one", jobs, env=env)[0] for _ in range(3))
            # what a batch with nothing to run imports (papermill and the notebook machinery only when
            # a client or the province tables run; openpyxl for the run's summary.xlsx)
            imports = [PY, "-c", "import toolkit.cli, toolkit.run.batch, toolkit.assess.rulebook, toolkit.assess.rounds, "
                                 "openpyxl, filelock"]
            t_imp = min(_timed(imports, env) for _ in range(3))
            p(f"3. a batch with nothing to re-run (one unchanged client): {t_noop:.2f} s; "
              f"its own imports: {t_imp:.2f} s; ratio {t_noop / t_imp:.2f}")

            # 4. disk per package: one client with E MB of real (random) evidence
            dense = make_clients(tmp / "dense", 1, mb, dense=True)
            batch(dense, tmp / "out-dense", jobs, "--force", env=env)
            pkg = next((tmp / "out-dense" / "2025").glob("*/*/manifest.json")).parent
            evidence = (dense[0] / "evidence").rglob("*")
            ev_bytes = sum(p.stat().st_size for p in evidence if p.is_file())
            docs = sum(q.lstat().st_blocks * 512 for q in pkg.rglob("*") if q.is_file() and "佐证材料" not in q.parent.name)
            total = disk(pkg)
            p(f"4. disk of a package with {ev_bytes / 2**20:.0f} MiB of evidence: {total / 2**20:.1f} MiB "
              f"(documents {docs / 2**20:.1f} MiB); ÷ (evidence + documents) = {total / (ev_bytes + docs):.3f}   "
              f"{verdict(total / (ev_bytes + docs), 1.1)}")

        # 5. the same with the evidence a real PDF (the bound copy takes it in): disk and peak memory
        scans = make_clients(tmp / "pdf", 1, mb, dense="pdf")
        _, rss_pdf, _, _ = peak_batch(scans, tmp / "out-pdf", jobs, env)
        pkg = next((tmp / "out-pdf" / "2025").glob("*/*/manifest.json")).parent
        ev_bytes = sum(q.stat().st_size for q in (scans[0] / "evidence").rglob("*") if q.is_file())
        bound = next(pkg.rglob("合订本.pdf")).stat().st_size
        others = sum(q.lstat().st_blocks * 512 for q in pkg.rglob("*")
                     if q.is_file() and "佐证材料" not in q.parent.name and q.name != "合订本.pdf")
        total = disk(pkg)
        p(f"5. a package with {ev_bytes / 2**20:.0f} MiB of evidence as a real PDF: {total / 2**20:.1f} MiB on disk, "
          f"of which the bound copy {bound / 2**20:.1f} MiB; ÷ (evidence + other documents) = "
          f"{total / (ev_bytes + others):.3f}; peak memory of one process {rss_pdf / 2**20:.0f} MiB   "
          f"{verdict(rss_pdf / 2**20, 250)}")
    load_after = os.getloadavg()
    print(f"cores: {os.cpu_count()}, batch --jobs {jobs}, load average before/after: {load[0]:.2f}/{load_after[0]:.2f}")
    return 0


def _timed(cmd, env) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


if __name__ == "__main__":
    sys.exit(main())
