"""``clusterkit batch``: a folder of clients in, packages out — each client through its notebook.

For every client folder, ``notebooks/client_report.ipynb`` runs through papermill in a fresh kernel,
``jobs`` at a time, with a progress bar. The executed notebook is kept inside the client's package
folder (the audit trail of how the package was made). Then ``notebooks/province_summary.ipynb``
rolls the batch up per province. ::

    result = run_batch(["data/examples/clients/qingchuan", ...], round=2025, output="output", jobs=2)
    result.failed  # → list of ClientRun with the failing cell, error name and message

What it guarantees:

- **Isolation.** Each client runs in its own kernel under a process pool; an error, a dead kernel or
  a timeout is that client's failure, recorded, and the others go on. A client folder that does not
  exist is a reported failure, not a crash.
- **Kernel-start retry.** Parallel kernel starts can collide on ZMQ ports (papermill #511) or time
  out; a failure before the first cell ran is retried (``retries`` times).
- **Verified.** A notebook counts as run only if every code cell ran and its last cell wrote its
  result file (``toolkit.notebook.record_result``) — an unexecuted notebook with no error
  (papermill #552) is a failure.
- **Nothing partial.** Packages are written atomically (``toolkit.core.atomic``); temporary folders an
  interrupted kernel left behind are removed. A failed client's executed notebook goes to
  ``<output>/batch/failed/`` for diagnosis.
- **Records.** ``<output>/batch/run-manifest.json`` and ``<output>/batch/summary.xlsx``: client,
  status, duration, failing cell, error name and message.
- **Dies whole.** When the batch is killed (even by SIGKILL), its pool workers, the kernel server, the
  launchers and the kernels end with it (``toolkit.run.kernels.die_with_parent``), and nothing is put in
  place once it is gone: every output is committed only while the batch that started its process is
  alive (``toolkit.core.atomic.owner_alive``).
- **Resume.** A client is recorded in ``<output>/batch/state.json`` as soon as it completes, so a
  batch that was killed resumes where it stopped. A client is skipped when its inputs (sha256 of
  intake.xlsx and of every file under evidence/), the rulebook (every file of its chain, a base it
  extends included), the round, the notebook, the templates and the toolkit's own source code are
  unchanged since its last successful run and its package is complete. ``force=True`` re-runs.
  The hashes come through a stat cache (``toolkit.core.hashing.StatCache``, in
  ``<output>/batch/stat-cache.json``): a file is read again only when its size, modification or
  change time, inode or device changed, so a resume costs a ``stat`` per file, whatever the evidence
  weighs. The province summary is skipped as well when no package of the round changed.
- **One batch per output folder.** A lock (``<output>/.batch.lock``); a second batch waits up to
  ``wait`` seconds, then refuses with a message naming the running one.
- **Safe parameters.** Parameters are checked against the notebook's declared ones
  (``toolkit.run.parameters.declared_parameters``): an undeclared one is an error, and each is passed as
  its declared type (a bool is true/false, 是/否, 1/0 or yes/no, nothing else); ``-p round``,
  ``-p rulebook`` and ``-p western_relaxation`` are the options of that name, checked up front. Only
  paths, numbers and booleans are passed; everything written is named with ``toolkit.core.naming`` and
  stays inside the output folder.

Speed: papermill is imported once, here in the parent (without rfc3987-syntax, see
``toolkit.run.worker``, about 0.3 s); the pool's workers are forked from it. Kernels come from ``toolkit.run.kernels.ForkServer``:
a fresh process per notebook, forked from a server that has already imported pandas, matplotlib,
python-docx and the toolkit, and compiled the narrative and Word templates.

Each pool worker (and each Dask worker) also keeps one LibreOffice running for its clients' PDFs
(``toolkit.documents.office``), started while its first kernel starts: a client's three PDFs take
about half a second instead of two LibreOffice starts.

Beyond one machine: ``scheduler="tcp://HOST:8786"`` (or ``"local:N"``) runs each client as a task on
a dask.distributed cluster (``toolkit.run.cluster``), through ``run_client_task`` — the same
``run_client`` as the pool's, with the lock, the state and the records kept here.

Where the parts are: one client in a worker process (its kernel, the checks of its run, the
``ClientRun`` record) is ``toolkit.run.worker``; what a package is made from (the fingerprints) is
``toolkit.run.fingerprint``; this module is the batch side — lock, pool, resume state, records.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterable

from toolkit import __version__
from toolkit.core.atomic import (OWNER_ENV, make_dirs, owner_token, remove_leftovers,
                                 write_text, writing)
from toolkit.core.errors import BatchError, ToolkitError
from toolkit.core.hashing import StatCache
from toolkit.core.naming import inside, safe_name
from toolkit.core.paths import notebooks_dir
from toolkit.package.manifest import package_complete
from toolkit.run.worker import (FAILED, OK, SKIPPED, ClientRun, kill_descendants, run_client,
                                worker_started)
from toolkit.run.fingerprint import (fingerprint, round_file, rulebook_sha256, shared_fingerprint, templates_sha256,
                                    toolkit_sha256, tree_sha256)
from toolkit.run.portfolio import write_portfolio

CLIENT_NOTEBOOK = "client_report.ipynb"
PROVINCE_NOTEBOOK = "province_summary.ipynb"
BATCH_DIR = "batch"  # inside the output folder: manifest, summary, state, failed notebooks
LOCK_NAME = ".batch.lock"
STAT_CACHE = "stat-cache.json"  # inside <output>/batch/: (size, times, inode) → sha256 of each input read

@dataclass
class BatchResult:
    runs: list[ClientRun]
    province: ClientRun | None
    output: Path
    manifest: Path
    summary: Path

    @property
    def ok(self) -> list[ClientRun]:
        return [r for r in self.runs if r.status == OK]

    @property
    def skipped(self) -> list[ClientRun]:
        return [r for r in self.runs if r.status == SKIPPED]

    @property
    def failed(self) -> list[ClientRun]:
        failed = [r for r in self.runs if r.status == FAILED]
        if self.province is not None and self.province.status == FAILED:
            failed.append(self.province)
        return failed


# -- the state of earlier runs -------------------------------------------------------------------

def _state_path(output: Path) -> Path:
    return output / BATCH_DIR / "state.json"


def load_state(output: Path) -> dict:
    try:
        state = json.loads(_state_path(output).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict) or not isinstance(state.get("clients", {}), dict):
        return {}
    return state


def _up_to_date(entry: dict | None, fp: dict, rulebook_shas: dict | None = None,
                cache: StatCache | None = None) -> bool:
    """``rulebook_shas``: the batch's memo of ``rulebook_sha256`` (each rulebook hashed once per batch)."""
    if not entry or entry.get("fingerprint") != fp:
        return False
    used = entry.get("rulebook") or {}
    if used.get("sha256") and used.get("id"):
        which = used.get("path") or used["id"]
        memo = rulebook_shas if rulebook_shas is not None else {}
        if which not in memo:
            memo[which] = rulebook_sha256(which, cache)
        if memo[which] != used["sha256"]:
            return False
    package = entry.get("package")
    notebook = entry.get("notebook")
    return package_complete(package) and bool(notebook) and Path(notebook).is_file()


# -- the batch -----------------------------------------------------------------------------------

def _lock(output: Path, wait: float):
    from filelock import FileLock, Timeout

    info_file = output / BATCH_DIR / "running.json"
    lock = FileLock(str(output / LOCK_NAME))
    try:
        with writing(output, LOCK_NAME):  # a read-only output folder is named, not a traceback
            lock.acquire(timeout=wait)
    except Timeout:
        holder = ""
        try:
            data = json.loads(info_file.read_text(encoding="utf-8"))
            holder = f"（进程 {data.get('pid')}，{data.get('started')} 开始）"
        except (OSError, ValueError):
            pass
        raise BatchError(
            f"输出文件夹 {output} 正被另一个批处理使用{holder}。"
            f"请等它结束再运行，或用 --output 换一个输出文件夹，或用 --wait 秒数 排队等待。"
        ) from None
    try:  # a read-only batch/ folder stops the batch here, before any client runs
        write_text(info_file, json.dumps({"pid": os.getpid(), "started": datetime.now().isoformat(timespec="seconds")}))
    except BaseException:
        lock.release()
        raise
    return lock, info_file


# The batch's own options, which a notebook also declares: given as -p they mean the option.
BATCH_OPTIONS = {"round": "--round", "rulebook": "--rulebook", "western_relaxation": "--western-relaxation"}


def check_parameters(notebook: Path, parameters: dict) -> dict:
    """The parameters as the notebook's declared types (``toolkit.run.parameters.parameter_value``); an
    undeclared parameter (papermill only warns) or a value not of its type is an error."""
    from toolkit.run.parameters import declared_parameters, parameter_value

    declared = declared_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise BatchError(
            f"{notebook.name} 没有声明参数 {', '.join(unknown)}；它声明的参数是："
            f"{', '.join(declared) or '（无）'}。检查参数名的拼写，或在笔记本的 parameters 单元格里声明它。"
        )
    typed = {}
    for name, value in parameters.items():
        if not isinstance(value, (str, int, float, bool, type(None))):
            raise BatchError(f"参数 {name} 的值必须是文字、数字或是否，而不是 {type(value).__name__}")
        typed[name] = parameter_value(name, value, declared[name])
    return typed


def _options_from_parameters(extra: dict, round, rulebook, western_relaxation):
    """``-p round/rulebook/western_relaxation`` taken out of ``extra`` as the options they are, so that
    they are checked up front like ``--round``, ``--rulebook`` and ``--western-relaxation``."""
    from toolkit.run.parameters import parameter_value
    from toolkit.assess.rounds import load_round

    def clash(name, option_value, value):
        return BatchError(f"{BATCH_OPTIONS[name]} {option_value} 与 -p {name} {value} 不一致："
                          f"只写一处（用 {BATCH_OPTIONS[name]}）")

    if "round" in extra:
        value = extra.pop("round")
        year = load_round(value if not isinstance(value, str) else value.strip()).year
        if round is not None and load_round(round).year != year:
            raise clash("round", round, value)
        round = year
    if "rulebook" in extra:
        value = parameter_value("rulebook", extra.pop("rulebook"), "str").strip() or None
        if rulebook and value and value != rulebook:
            raise clash("rulebook", rulebook, value)
        rulebook = rulebook or value
    if "western_relaxation" in extra:
        value = parameter_value("western_relaxation", extra.pop("western_relaxation"), "bool")
        if western_relaxation and not value:
            raise clash("western_relaxation", "", "false")
        western_relaxation = bool(western_relaxation or value)
    return round, rulebook, western_relaxation


def _client_task_base(folder_arg: str) -> tuple[Path, str, str | None]:
    """(resolved folder, safe id, problem or None)."""
    p = Path(folder_arg)
    if p.suffix.lower() == ".xlsx" and p.is_file():
        p = p.parent
    resolved = p.resolve()
    cid = safe_name(resolved.name)
    if not p.exists():
        return resolved, cid, f"客户文件夹不存在：{folder_arg}（检查路径拼写）"
    if not p.is_dir():
        return resolved, cid, f"不是文件夹：{folder_arg}（给出客户文件夹，里面放 intake.xlsx）"
    if not (p / "intake.xlsx").is_file():
        return resolved, cid, f"{folder_arg} 里没有 intake.xlsx（用 clusterkit new-client 生成空白表）"
    return resolved, cid, None


def portfolio_round(clients) -> int:
    """A batch without --round runs the round its clients' workbooks fit (the round whose three-year window
    most of them hold: ``toolkit.assess.schedule.round_of_window``); the briefs plan each for the next open
    round by date. With no readable workbook: the next open round (``default_round``)."""
    from collections import Counter

    from toolkit.assess.rounds import default_round
    from toolkit.assess.schedule import round_of_window
    from toolkit.intake.reader import read_partial

    fits = Counter()
    for folder in clients:
        try:
            year = round_of_window(read_partial(folder).years)
        except ToolkitError:
            continue   # named by its own notebook
        if year is not None:
            fits[year] += 1
    return fits.most_common(1)[0][0] if fits else default_round()


def run_batch(
    clients: Iterable[str | Path],
    *,
    round: int | str | None = None,
    rulebook: str | None = None,
    output: str | Path = "output",
    jobs: int = 2,
    timeout: float = 600,
    force: bool = False,
    western_relaxation: bool = False,
    parameters: dict | None = None,
    notebook: str | Path | None = None,
    province_notebook: str | Path | None | bool = None,
    kernel: str = "auto",
    wait: float = 0,
    retries: int = 3,
    start_timeout: float = 60,
    progress: bool = True,
    stream=None,
    scheduler: str | None = None,
) -> BatchResult:
    """Run the client notebook for every client folder, then the province summary. See module doc.

    ``round``: the round's year (None: the round the clients' workbooks fit, ``portfolio_round``).
    ``parameters``: extra notebook parameters, typed by the notebook's declaration (``-p`` gives text);
    ``round``, ``rulebook`` and ``western_relaxation`` given here mean the options of the same name.
    ``province_notebook``: ``None`` → notebooks/province_summary.ipynb; ``False`` → none.
    ``kernel``: ``"auto"`` (the preloading fork server where available), ``"fork"``, or a kernel name.
    ``scheduler``: None → the local pool (``jobs`` at a time); ``"tcp://HOST:8786"`` → each client a
    task on that dask.distributed cluster, ``"local:N"`` → on a LocalCluster of N workers started for
    this batch (``toolkit.run.cluster``). The lock, the state and the records stay with this process.
    """
    stream = stream or sys.stderr
    if scheduler:
        from toolkit.run import cluster

        cluster.parse_scheduler(scheduler)  # a mistyped address is one message, before anything runs
    from toolkit.assess.rounds import resolve_round
    from toolkit.assess.rulebook import load_rulebook

    notebook = Path(notebook) if notebook else notebooks_dir() / CLIENT_NOTEBOOK
    if not notebook.is_file():
        raise BatchError(f"找不到客户笔记本 {notebook}")
    # Arguments every client shares are checked once, before anything is written: a misspelt round or
    # rulebook, or a parameter not of its declared type (-p western_relaxation 否 is off, -p … nan is
    # refused), is one clear error, not the same failure (or a wrong setting) in every client's notebook.
    extra = dict(parameters or {})
    round, rulebook, western_relaxation = _options_from_parameters(extra, round, rulebook, western_relaxation)
    clash = sorted(set(extra) & {"client_dir", "output"})
    if clash:
        raise BatchError(f"参数 {', '.join(clash)} 由批处理自己设定，请用对应的命令行选项（客户文件夹、--output）")
    extra = check_parameters(notebook, extra)
    clients = list(clients)
    round_ = resolve_round(round).year if round is not None else portfolio_round(clients)
    if rulebook:
        load_rulebook(rulebook)
    if jobs < 1:
        raise BatchError(f"--jobs 至少为 1（给的是 {jobs}）")
    if not timeout > 0:
        raise BatchError(f"--timeout 应为大于 0 的秒数（给的是 {timeout:g}），如 --timeout 600")
    if kernel not in ("auto", "fork"):
        from jupyter_client.kernelspec import KernelSpecManager

        names = sorted(KernelSpecManager().find_kernel_specs())
        if kernel not in names:  # else every client fails the same way after three start attempts
            raise BatchError(f"--kernel {kernel}：没有这个 Jupyter 内核；可用：auto、{'、'.join(names)}")
    output = Path(output).resolve()
    if output.exists() and not output.is_dir():
        raise BatchError(f"--output {output} 是文件，不是文件夹；请给出输出文件夹")
    make_dirs(output)
    if province_notebook is None:
        province_notebook = notebooks_dir() / PROVINCE_NOTEBOOK
    clients = [str(c) for c in clients]
    if not clients:
        raise BatchError("没有给出客户文件夹，例如：clusterkit batch data/examples/clients/*/")

    from toolkit.run import kernels

    if kernel == "fork" and not kernels.supported():
        raise BatchError("这个系统不支持预加载内核（fork）；用 --kernel python3")
    server = engine = None
    kernel_name = kernel
    lock, info_file = _lock(output, wait)  # before anything else: a refused batch costs nothing
    # Every process of this batch (workers, kernel server, kernels) knows which batch it works for,
    # and puts nothing in place once that batch is gone (toolkit.core.atomic).
    previous_owner = os.environ.get(OWNER_ENV)
    os.environ[OWNER_ENV] = owner_token()
    try:
        if kernel in ("auto", "fork"):
            kernel_name = kernels.KERNEL_NAME if kernels.supported() else "python3"
        fixed = {"round": round_, "output": str(output)}
        if rulebook:
            fixed["rulebook"] = str(Path(rulebook).resolve()) if Path(rulebook).is_file() else rulebook
        if western_relaxation:
            fixed["western_relaxation"] = True
        batch_dir = output / BATCH_DIR
        work_dir = batch_dir / "work"
        failed_dir = batch_dir / "failed"
        state = load_state(output)

        runs: dict[int, ClientRun] = {}
        tasks: dict[int, dict] = {}
        seen_ids: dict[str, str] = {}
        seen_folders: set[str] = set()
        # The resume check reads a file only when its size, times or inode changed since it was last
        # hashed (``StatCache``, kept in <output>/batch/): unchanged evidence is not read again.
        stat_cache = StatCache.load(batch_dir / STAT_CACHE)
        shared, rulebook_shas = None, {}
        for i, arg in enumerate(clients):
            folder, cid, problem = _client_task_base(arg)
            if str(folder) in seen_folders:
                continue  # the same folder given twice
            seen_folders.add(str(folder))
            run = ClientRun(client=arg, client_id=cid)
            if problem is None and cid in seen_ids:
                problem = f"客户编号 {cid} 与 {seen_ids[cid]} 重复：两个客户文件夹同名，请改名其一"
            if problem is not None:
                run.reason, run.ename = problem, "ClientFolderError"
                runs[i] = run
                continue
            seen_ids[cid] = arg
            params = {"client_dir": str(folder), **fixed, **extra}
            if shared is None:
                shared = shared_fingerprint(round_=round_, rulebook=rulebook, notebook=notebook, parameters=extra,
                                            western_relaxation=western_relaxation, cache=stat_cache)
            fp = fingerprint(folder, round_=round_, rulebook=rulebook, notebook=notebook, parameters=extra,
                             western_relaxation=western_relaxation, shared=shared, cache=stat_cache)
            run.fingerprint = fp
            entry = state.get("clients", {}).get(str(folder))
            if not force and _up_to_date(entry, fp, rulebook_shas, stat_cache):
                run.status, run.package, run.notebook = SKIPPED, entry.get("package"), entry.get("notebook")
                run.reason = "输入、规则、轮次、模板和工具代码都没有变化，申报包完整"
                runs[i] = run
                continue
            runs[i] = run
            if server is None and kernel_name == kernels.KERNEL_NAME and not scheduler:
                server = kernels.ForkServer().start()  # its imports overlap the rest of this loop
            tasks[i] = {
                "client": arg, "client_id": cid, "notebook": str(notebook), "notebook_name": notebook.name,
                "parameters": params, "kernel_name": kernel_name, "timeout": float(timeout),
                "start_timeout": float(start_timeout), "retries": int(retries), "fingerprint": fp,
                "work_dir": str(inside(work_dir, cid)), "failed_dir": str(failed_dir), "output": str(output),
            }

        with contextlib.suppress(ToolkitError, OSError):  # a cache that cannot be written only costs time
            stat_cache.save()
        # The kernel server (started above with the first client that has to run) imports the heavy
        # libraries while this process fingerprints the rest and imports papermill, once, before the
        # pool's workers are forked. On a Dask cluster every worker keeps its own (``run_client_task``).
        # With nothing to run it is not imported: the batch returns in about the time of its imports.
        if tasks:
            import papermill  # noqa: F401

        check_parameters(notebook, {"client_dir": "", **fixed, **extra})
        if province_notebook:
            check_parameters(Path(province_notebook), {"output": "", "round": round_})
        _sweep(output, round_)
        if server is not None and not server.wait_ready(60):
            server.stop()
            server = None
        if kernel_name == kernels.KERNEL_NAME and server is None and not scheduler:
            kernel_name = "python3"  # no server: the ordinary kernel (the launcher would fall back anyway)
            for t in tasks.values():
                t["kernel_name"] = kernel_name

        try:
            if scheduler and (tasks or province_notebook):
                engine = cluster.Engine(scheduler, stream=stream).start(
                    folders=[t["parameters"]["client_dir"] for t in tasks.values()], output=output,
                    toolkit_sha256=shared["toolkit_sha256"] if shared else toolkit_sha256(stat_cache),
                    notebook=notebook)
                for marks in work_dir.glob("*.attempts"):  # from a batch that was killed: this one starts afresh
                    shutil.rmtree(marks, ignore_errors=True)
            # Each client is recorded as it completes: a batch killed midway resumes where it stopped.
            if engine is not None:
                engine.run(tasks, runs, progress=progress, on_done=lambda run: _save_state(output, state, [run]))
            else:
                _run_pool(tasks, runs, jobs, progress, stream, output=output,
                          on_done=lambda run: _save_state(output, state, [run]))
        except KeyboardInterrupt:
            if engine is not None:
                engine.close()
            # Ctrl-C: stop now rather than finish the notebooks in flight; packages being written
            # are temporary folders, removed here (and by the next run in any case).
            _sweep(output, round_)
            raise
        _sweep(output, round_)

        _save_state(output, state, runs.values(), stat_cache)

        province_run = None
        ordered = [runs[i] for i in sorted(runs)]
        if province_notebook and any(r.status in (OK, SKIPPED) for r in ordered):
            province_fp = _province_fingerprint(output, round_, Path(province_notebook), stat_cache)
            province_run = None if force else _province_up_to_date(state, round_, province_fp)
            if province_run is None:
                task = _province_task(Path(province_notebook), output, round_, kernel_name, timeout,
                                      start_timeout, retries, work_dir, failed_dir)
                province_run = engine.run_one(task) if engine is not None else _run_province(task, output)
                _save_province_state(output, state, round_, province_run, province_fp)
            with contextlib.suppress(ToolkitError, OSError):
                stat_cache.save()
        result = BatchResult(runs=ordered, province=province_run, output=output,
                             manifest=batch_dir / "run-manifest.json", summary=batch_dir / "summary.xlsx")
        _write_manifest(result, round_=round_, rulebook=rulebook, jobs=jobs, kernel_name=kernel_name,
                        notebook=notebook, scheduler=engine.describe() if engine is not None else None)
        write_portfolio(result, round_year=round_)
        return result
    finally:
        if engine is not None:
            engine.close()
        if server is not None:
            server.stop()
        if previous_owner is None:
            os.environ.pop(OWNER_ENV, None)
        else:
            os.environ[OWNER_ENV] = previous_owner
        info_file.unlink(missing_ok=True)
        lock.release()


def _save_state(output: Path, state: dict, runs: Iterable[ClientRun], cache: StatCache | None = None) -> None:
    """Remember successful runs (and forget failed ones, so that they run again); ``state`` is updated
    in place and written whole, atomically, each time; then the stat cache, when given."""
    clients_state = state.get("clients")
    if not isinstance(clients_state, dict):
        clients_state = {}
    state["clients"] = clients_state
    for run in runs:
        key = str(_client_task_base(run.client)[0])
        if run.status == OK:
            rb = run.result.get("rulebook") or {}
            clients_state[key] = {
                "fingerprint": run.fingerprint, "package": run.package, "notebook": run.notebook,
                "rulebook": {"id": rb.get("id"), "version": rb.get("version"), "path": rb.get("path"),
                             "sha256": rulebook_sha256(rb.get("path") or rb.get("id"), cache)},
                "finished": datetime.now().isoformat(timespec="seconds"),
            }
        elif run.status == FAILED:
            clients_state.pop(key, None)
    write_text(_state_path(output), json.dumps(state, ensure_ascii=False, indent=1))
    if cache is not None:
        with contextlib.suppress(ToolkitError, OSError):  # a cache that cannot be written only costs time
            cache.save()


def _province_fingerprint(output: Path, round_: int, notebook: Path, cache: StatCache) -> dict:
    """What the province tables are made from: every package's records of the round (its manifest and
    assessment, hashed through the stat cache), the province notebook, the code and templates."""
    from toolkit.package.manifest import ASSESSMENT_FILE, MANIFEST_FILE

    root = output / str(round_)
    files = sorted(p for name in (MANIFEST_FILE, ASSESSMENT_FILE) for p in root.glob(f"*/*/{name}"))
    rf = round_file(round_)
    return {
        "packages_sha256": tree_sha256(root, files, cache) if files else None,
        "notebook_sha256": cache.sha256(notebook, st=os.stat(notebook)),
        "round_file_sha256": cache.sha256(rf, st=os.stat(rf)) if rf else None,
        "templates_sha256": templates_sha256(cache),
        "toolkit_sha256": toolkit_sha256(cache),
    }


def _province_up_to_date(state: dict, round_: int, fp: dict) -> ClientRun | None:
    """The province summary of the last run, when nothing it is made from has changed and its
    executed notebook and tables are all there; None when it must run."""
    entry = (state.get("province") or {}).get(str(round_))
    if not entry or entry.get("fingerprint") != fp or not fp.get("packages_sha256"):
        return None
    result = entry.get("result") or {}
    notebook = entry.get("notebook")
    if not notebook or not Path(notebook).is_file() or not all(Path(t).exists() for t in result.get("tables") or []):
        return None
    return ClientRun(client="省级汇总", client_id="province_summary", status=SKIPPED, notebook=notebook,
                     result=result, reason="申报包和汇总笔记本都没有变化，省级汇总表完整")


def _save_province_state(output: Path, state: dict, round_: int, run: ClientRun, fp: dict) -> None:
    province = state.get("province") if isinstance(state.get("province"), dict) else {}
    state["province"] = province
    if run.status == OK:
        province[str(round_)] = {"fingerprint": fp, "notebook": run.notebook, "result": run.result,
                                 "finished": datetime.now().isoformat(timespec="seconds")}
    else:
        province.pop(str(round_), None)
    write_text(_state_path(output), json.dumps(state, ensure_ascii=False, indent=1))


def _sweep(output: Path, round_: int) -> None:
    """Remove temporary folders an interrupted package build left behind (we hold the lock)."""
    root = output / str(round_)
    if not root.is_dir():
        return
    for recommender in root.iterdir():
        if recommender.is_dir():
            remove_leftovers(recommender)
    remove_leftovers(root)


def _pool(workers: int, output: Path) -> ProcessPoolExecutor:
    """Worker processes forked from this one, each ending with it (``worker_started``)."""
    ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=worker_started,
                               initargs=(os.getpid(), str(output / LOCK_NAME)))


def _run_pool(tasks: dict[int, dict], runs: dict[int, ClientRun], jobs: int, progress: bool, stream, *,
              output: Path, on_done=None) -> None:
    """Run the tasks; ``on_done(run)`` is called in this process as each client completes."""
    if not tasks:
        return
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: the pool forks its workers
    pending = dict(tasks)
    crashes: dict[int, int] = {}
    bar = None
    try:
        while pending:
            workers = max(1, min(jobs, len(pending)))
            pool = _pool(workers, output)
            try:
                futures = {pool.submit(run_client, t): i for i, t in pending.items()}
                if bar is None:
                    bar = tqdm(total=len(tasks), desc="客户", unit="个", file=stream, disable=not progress,
                               dynamic_ncols=True)
                for fut in as_completed(futures):
                    i = futures[fut]
                    try:
                        data = fut.result()
                    except BrokenProcessPool:
                        # A worker died (not just a kernel): every unfinished client of this pool
                        # is resubmitted once in a fresh pool; a second crash is a failure.
                        crashes[i] = crashes.get(i, 0) + 1
                        if crashes[i] >= 2:
                            run = runs[i]
                            run.status, run.ename = FAILED, "WorkerCrashed"
                            run.reason = "运行这个客户的工作进程崩溃了两次"
                            pending.pop(i, None)
                            bar.update(1)
                        continue
                    except Exception as exc:  # a bug in the batch itself: that client fails, others go on
                        data = runs[i].to_dict() | {"status": FAILED, "ename": type(exc).__name__,
                                                    "evalue": str(exc), "reason": f"批处理内部错误：{exc}"}
                    pending.pop(i, None)
                    run = ClientRun(**data)
                    runs[i] = run
                    if on_done is not None:
                        on_done(run)
                    bar.update(1)
                    if run.status == FAILED:
                        bar.write(f"✗ {run.client_id}: {run.reason}", file=stream)
            except KeyboardInterrupt:
                kill_descendants()  # before shutdown, which would wait for the notebooks in flight
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown(wait=True)
    finally:
        if bar is not None:
            bar.close()


def _province_task(notebook: Path, output: Path, round_: int, kernel_name: str, timeout: float,
                   start_timeout: float, retries: int, work_dir: Path, failed_dir: Path) -> dict:
    return {
        "client": "省级汇总", "client_id": "province_summary", "notebook": str(notebook),
        "notebook_name": notebook.name, "parameters": {"output": str(output), "round": round_},
        "kernel_name": kernel_name, "timeout": float(timeout), "start_timeout": float(start_timeout),
        "retries": retries, "fingerprint": {}, "work_dir": str(work_dir), "failed_dir": str(failed_dir),
        "output": str(output), "expects_package": False,
        "keep_notebook": str(inside(output, str(round_), notebook.name)),
    }


def _run_province(task: dict, output: Path) -> ClientRun:
    with _pool(1, output) as pool:
        try:
            return ClientRun(**pool.submit(run_client, task).result())
        except BrokenProcessPool:
            return ClientRun(client="省级汇总", client_id="province_summary", ename="WorkerCrashed",
                             reason="运行省级汇总的工作进程崩溃了")


# -- records -------------------------------------------------------------------------------------

def _write_manifest(result: BatchResult, *, round_: int, rulebook, jobs: int, kernel_name: str,
                    notebook: Path, scheduler: str | None = None) -> None:
    data = {
        "finished": datetime.now().isoformat(timespec="seconds"),
        "toolkit_version": __version__,
        "round": round_,
        "rulebook": rulebook,
        "jobs": jobs,
        "scheduler": scheduler or "本机进程池",
        "kernel": kernel_name,
        "notebook": str(notebook),
        "output": str(result.output),
        "counts": {"ok": len(result.ok), "skipped": len(result.skipped), "failed": len(result.failed)},
        "clients": [r.to_dict() for r in result.runs],
        "province": result.province.to_dict() if result.province else None,
    }
    write_text(result.manifest, json.dumps(data, ensure_ascii=False, indent=1, default=str))
