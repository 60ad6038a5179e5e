"""One client in a worker process: its notebook run in a fresh kernel, checked, and kept.

``run_client(task)`` is what a batch's pool worker (``toolkit.run.batch``) and a Dask worker
(``run_client_task``, through ``toolkit.run.cluster``) do for one client:

- ``execute``: papermill runs the notebook with its parameters in a kernel (from the batch's kernel
  server), retrying a kernel that failed to start; the kernel's console output goes to a log;
- the run counts only when every code cell ran and the last one wrote its result file, and the
  package it names is complete and inside the output folder;
- the executed notebook is placed in the package (or, for a failure, in ``batch/failed/`` with the
  kernel's log), only while the batch that started this worker is alive (``toolkit.core.atomic``);
- the outcome is a ``ClientRun``: status, failing cell and its step's heading, the reason in Chinese.

``worker_started`` is the pool's initializer: the worker dies with the batch, lets go of the batch's
lock and starts its LibreOffice for the clients' PDFs (``toolkit.documents.office``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from toolkit.core.atomic import OWNER_ENV, ensure_owner_alive, owner_token
from toolkit.package.manifest import package_complete

# jsonschema imports rfc3987-syntax, if installed, for its "iri" format check, and that import alone
# costs about 1.5 s (it compiles a grammar). nbformat (under papermill and nbclient) validates against
# Draft 4 schemas, which have no "iri" format; jsonschema skips a checker whose module does not import.
# So the batch, and every worker it forks, does without it.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)

RESULT_ENV = "CLUSTERKIT_RESULT_FILE"

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
STATUS_ZH = {OK: "完成", FAILED: "失败", SKIPPED: "跳过（未变化）"}


@dataclass
class ClientRun:
    """One client's outcome in a batch (one row of the run manifest)."""

    client: str  # the folder as given
    client_id: str  # safe name of the folder
    status: str = FAILED
    duration: float = 0.0
    reason: str = ""  # in Chinese: what went wrong and where
    cell: int | None = None  # index of the failing cell in the notebook
    cell_heading: str = ""  # the heading of the step the failing cell belongs to
    ename: str = ""
    evalue: str = ""
    package: str | None = None
    notebook: str | None = None  # the executed notebook
    attempts: int = 0
    fingerprint: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)  # what the notebook recorded

    def to_dict(self) -> dict:
        return asdict(self)


# -- one notebook, in a worker process -----------------------------------------------------------

def _cell_heading(nb, index: int | None) -> str:
    if nb is None or index is None:
        return ""
    for cell in reversed(nb.cells[: index + 1]):
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.strip().startswith("#"):
                    return line.strip().lstrip("#").strip()
    return ""


def _read_nb(path: Path):
    import nbformat

    try:
        return nbformat.read(str(path), as_version=4)
    except Exception:
        return None


def _never_started(nb) -> bool:
    if nb is None:
        return True
    return not any(c.get("metadata", {}).get("papermill", {}).get("start_time") for c in nb.cells)


def _running_cell(nb) -> int | None:
    """The cell that was running (or failed) when the kernel died."""
    if nb is None:
        return None
    last_started = None
    for i, c in enumerate(nb.cells):
        pm = c.get("metadata", {}).get("papermill", {})
        if pm.get("status") in ("running", "failed"):
            return i
        if pm.get("start_time"):
            last_started = i
    return last_started


def _unexecuted_cells(nb) -> list[int]:
    bad = []
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code" or not c.source.strip():
            continue
        if c.get("execution_count") is None or not c.get("metadata", {}).get("papermill", {}).get("start_time"):
            bad.append(i)
    return bad


def kill_descendants() -> None:
    """Kill every process this one started (pool workers, kernel server, kernels)."""
    try:
        import psutil

        procs = psutil.Process().children(recursive=True)
        for p in procs:
            try:
                p.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(procs, timeout=5)
    except Exception:
        pass


def _kill_kernels() -> None:
    """Kill this worker's child processes (the kernel, or its launcher) — not the kernel server a
    Dask worker keeps for all its clients."""
    keep = _worker_server.process.pid if _worker_server and _worker_server.process else None
    try:
        import psutil

        for child in psutil.Process().children(recursive=True):
            if child.pid == keep:
                continue
            try:
                child.send_signal(signal.SIGKILL)
            except psutil.Error:
                pass
    except Exception:
        pass


ENGINE_NAME = "clusterkit"


def _register_engine() -> str:
    """papermill's nbclient engine, saving the notebook when execution dies outside a cell error.

    The batch asks papermill not to rewrite the notebook after every cell (that cost more parent CPU
    than the rest of its work); papermill then writes it only at the end, and not at all when the
    kernel dies. This engine writes it in that case too, with the cell that was running marked.
    """
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.iorw import write_ipynb

    class SaveOnFailureEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, save_on_failure=None, **kwargs):
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            except BaseException:
                if save_on_failure:
                    try:
                        write_ipynb(nb_man.nb, save_on_failure)
                    except Exception:
                        pass
                raise

    papermill_engines.register(ENGINE_NAME, SaveOnFailureEngine)
    return ENGINE_NAME


def execute(notebook: Path, out_nb: Path, parameters: dict, *, kernel_name: str, timeout: float,
            start_timeout: float, retries: int, result_file: Path | None) -> dict:
    """Run one notebook; return a plain dict (picklable) describing what happened."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    info: dict[str, Any] = {"attempts": 0, "error": None}
    for attempt in range(1, retries + 1):
        info["attempts"] = attempt
        if result_file is not None:
            result_file.unlink(missing_ok=True)
            os.environ[RESULT_ENV] = str(result_file)
        out_nb.unlink(missing_ok=True)
        timed_out = threading.Event()

        def on_timeout() -> None:
            timed_out.set()
            _kill_kernels()

        timer = threading.Timer(timeout, on_timeout)
        timer.daemon = True
        timer.start()
        try:
            pm.execute_notebook(
                str(notebook), str(out_nb), parameters=parameters, kernel_name=kernel_name,
                engine_name=_register_engine(), save_on_failure=str(out_nb),
                progress_bar=False, log_output=False, start_timeout=start_timeout,
                execution_timeout=timeout, shutdown_kernel="immediate",
                # saved once at the end (also on failure): re-serialising after every cell cost
                # more parent CPU than the rest of papermill's work together
                request_save_on_cell_execute=False,
            )
            info["error"] = None
            break
        except PapermillExecutionError as exc:
            info["error"] = {"kind": "cell", "cell": exc.cell_index, "ename": exc.ename,
                             "evalue": str(exc.evalue)}
            break
        except BaseException as exc:  # a dead kernel, a start failure, a timeout ...
            nb = _read_nb(out_nb)
            ename = type(exc).__name__
            evalue = str(exc).strip().splitlines()[0][:500] if str(exc).strip() else ""
            info["error"] = {"kind": "timeout" if timed_out.is_set() else "kernel",
                             "cell": _running_cell(nb), "ename": ename, "evalue": evalue,
                             "never_started": _never_started(nb)}
            if isinstance(exc, KeyboardInterrupt):
                raise
            start_failure = _never_started(nb) and not timed_out.is_set()
            if start_failure and attempt < retries:
                time.sleep(0.3 * attempt)
                continue
            if start_failure:
                info["error"]["kind"] = "start"
            break
        finally:
            timer.cancel()
            os.environ.pop(RESULT_ENV, None)
    return info


@contextlib.contextmanager
def _output_to(log: Path):
    """Point this process's stdout/stderr file descriptors (inherited by kernels) at ``log``."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for f in (*saved, fd):
            os.close(f)


def _place(src: Path, dst: Path) -> None:
    """Rename a worker's file into place, only while the batch this worker belongs to is alive."""
    ensure_owner_alive(dst)
    os.replace(src, dst)


def worker_started(batch_pid: int, lock_file: str) -> None:
    """Pool worker initializer: die with the batch, do not keep its lock alive, and start the
    worker's LibreOffice (``toolkit.documents.office``) for its clients' PDFs.

    The worker is forked with a copy of the lock's file descriptor; closed here, the lock on the
    output folder is released exactly when the batch process ends, never later by a worker."""
    from toolkit.documents import office
    from toolkit.run.kernels import die_with_parent

    die_with_parent(batch_pid, cleanup=_kill_kernels)
    office.start_for_process(own=True)   # gets ready while the first kernel starts; ends with this worker
    try:
        lock = os.stat(lock_file)
    except OSError:
        return
    fd_dir = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    try:
        fds = [int(n) for n in os.listdir(fd_dir) if n.isdigit()]
    except OSError:
        return
    for fd in fds:
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (lock.st_dev, lock.st_ino):
            os.close(fd)


def run_client(task: dict) -> dict:
    """Worker entry point: run one client's notebook, verify it, keep the notebook with the package."""
    t0 = time.monotonic()
    run = ClientRun(client=task["client"], client_id=task["client_id"], fingerprint=task["fingerprint"])
    work = Path(task["work_dir"])
    work.mkdir(parents=True, exist_ok=True)
    out_nb = work / f"{run.client_id}.ipynb"
    result_file = work / f"{run.client_id}.result.json"
    log = work / f"{run.client_id}.kernel.log"
    with _output_to(log):  # the kernel's own console output (warnings) goes to a log, not the terminal
        info = execute(Path(task["notebook"]), out_nb, task["parameters"], kernel_name=task["kernel_name"],
                       timeout=task["timeout"], start_timeout=task["start_timeout"], retries=task["retries"],
                       result_file=result_file)
    run.attempts = info["attempts"]
    nb = _read_nb(out_nb)
    err = info["error"]
    result: dict = {}
    if err is None:
        try:
            result = json.loads(result_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            err = {"kind": "unverified", "cell": None, "ename": "NotebookNotFinished",
                   "evalue": "笔记本没有写出结果文件（最后一格没有运行）"}
        else:
            missing = _unexecuted_cells(nb) if nb is not None else ["?"]
            if missing:
                err = {"kind": "unverified", "cell": missing[0] if isinstance(missing[0], int) else None,
                       "ename": "NotebookNotExecuted", "evalue": f"这些单元格没有运行：{missing}"}
    run.result = result
    if err is None and task.get("expects_package", True):
        package = result.get("package")
        if not package or not package_complete(package):
            err = {"kind": "unverified", "cell": None, "ename": "PackageIncomplete",
                   "evalue": f"申报包不完整或不存在：{package}"}
        else:
            package = Path(package)
            out_root = Path(task["output"]).resolve()
            if package.resolve() != out_root and out_root not in package.resolve().parents:
                err = {"kind": "unverified", "cell": None, "ename": "PackageOutside",
                       "evalue": f"申报包不在输出文件夹内：{package}"}
            else:
                run.package = str(package)
                keep = package / task["notebook_name"]
                _place(out_nb, keep)
                run.notebook = str(keep)
    elif err is None:
        keep = Path(task["keep_notebook"])
        keep.parent.mkdir(parents=True, exist_ok=True)
        _place(out_nb, keep)
        run.notebook = str(keep)

    if err is None:
        run.status = OK
        for stale in (f"{run.client_id}.ipynb", f"{run.client_id}.kernel.log"):  # from an earlier failed run
            (Path(task["failed_dir"]) / stale).unlink(missing_ok=True)
    else:
        run.status = FAILED
        run.cell = err.get("cell")
        run.cell_heading = _cell_heading(nb, run.cell)
        run.ename, run.evalue = err.get("ename", ""), err.get("evalue", "")
        run.reason = _reason(err, run, task["timeout"])
        if out_nb.exists():
            failed_dir = Path(task["failed_dir"])
            failed_dir.mkdir(parents=True, exist_ok=True)
            keep = failed_dir / out_nb.name
            _place(out_nb, keep)
            run.notebook = str(keep)
    result_file.unlink(missing_ok=True)
    if run.status == FAILED and log.is_file() and log.stat().st_size:
        keep = Path(task["failed_dir"]) / log.name  # the kernel's console output, for diagnosis
        keep.parent.mkdir(parents=True, exist_ok=True)
        _place(log, keep)
    log.unlink(missing_ok=True)
    try:
        work.rmdir()
    except OSError:
        pass
    run.duration = round(time.monotonic() - t0, 3)
    return run.to_dict()


def _reason(err: dict, run: ClientRun, timeout: float) -> str:
    where = ""
    if run.cell is not None:  # run.cell is papermill's 0-based index; people count from 1
        where = (f"「{run.cell_heading}」一步（执行后笔记本第 {run.cell + 1} 格）" if run.cell_heading
                 else f"执行后笔记本第 {run.cell + 1} 格")
    kind = err.get("kind")
    msg = f"{run.ename}: {run.evalue}".strip(": ")
    if kind == "cell":
        return f"在{where}出错：{msg}"
    if kind == "timeout":
        return f"超时：超过 {timeout:g} 秒仍未完成，已停止内核" + (f"（停在{where}）" if where else "")
    if kind == "start":
        return f"内核启动失败（已重试 {run.attempts} 次）：{msg}"
    if kind == "kernel":
        return f"内核在{where or '运行中'}意外退出（崩溃或被终止）：{msg}"
    return f"笔记本未完整运行：{msg}"


# -- one client on a Dask worker -----------------------------------------------------------------

TASK_PID_ENV = "CLUSTERKIT_TASK_PID"  # the process running the client's task (a test kills it by this)
_worker_server = None  # a Dask worker's kernel server, started with its first client, kept for its life


def _worker_kernel(kernel_name: str) -> str:
    """The kernel a client gets on this Dask worker: the worker's own preloading server's where it can
    run one (started once, with the worker's first client), else the ordinary one."""
    global _worker_server
    from toolkit.run import kernels

    if kernel_name != kernels.KERNEL_NAME:
        return kernel_name
    if _worker_server is not None and (_worker_server is False or _worker_server.process.poll() is None):
        return kernel_name if _worker_server else "python3"
    server = kernels.ForkServer().start() if kernels.supported() else None
    if server is not None and server.wait_ready(120):
        import atexit

        atexit.register(server.stop)
        _worker_server = server
        return kernel_name
    if server is not None:
        server.stop()
    _worker_server = False
    return "python3"


def run_client_task(task: dict) -> dict:
    """One client as a task on a ``dask.distributed`` worker (``toolkit.run.cluster``): the same
    ``run_client`` as the local pool — a fresh kernel, the same notebook and package writer.

    A worker lost mid-run: the task leaves a mark per attempt beside its work folder (on the shared
    output), so a client whose worker died twice is reported on its third start instead of run
    again, whatever the scheduler's own retry count. The kernel knows this worker as the batch it
    works for (``OWNER_ENV``): a kernel left behind by a lost worker puts no package in place."""
    marks = Path(task["work_dir"] + ".attempts")
    marks.mkdir(parents=True, exist_ok=True)
    earlier = sorted(marks.glob("attempt-*"))
    if len(earlier) >= 2:
        where = "；".join(p.read_text(encoding="utf-8", errors="replace") for p in earlier)
        shutil.rmtree(marks, ignore_errors=True)
        return ClientRun(client=task["client"], client_id=task["client_id"], fingerprint=task["fingerprint"],
                         attempts=len(earlier), ename="WorkerCrashed",
                         reason=f"运行这个客户的 Dask 工作进程在运行中丢失了两次（{where}），没有写出申报包").to_dict()
    (marks / f"attempt-{len(earlier) + 1}").write_text(f"{socket.gethostname()} 进程 {os.getpid()}", encoding="utf-8")
    os.environ[OWNER_ENV] = owner_token()
    os.environ[TASK_PID_ENV] = str(os.getpid())
    from toolkit.documents import office

    office.start_for_process(own=True)   # the worker's LibreOffice, kept for its later clients
    try:
        return run_client({**task, "kernel_name": _worker_kernel(task["kernel_name"])})
    finally:
        shutil.rmtree(marks, ignore_errors=True)
