"""A batch beyond one machine: each client a task on a ``dask.distributed`` cluster.

    clusterkit batch clients/*/ --scheduler tcp://10.0.0.5:8786   # a cluster that is already running
    clusterkit batch clients/*/ --scheduler local:4                # a LocalCluster of 4 workers, to try it

The local pool (``--jobs``) stays the default; this is for a portfolio that outgrows one machine — a
provincial authority screening all its counties, a firm running several provinces. What stays the
same: every client runs the batch's own client task (``toolkit.run.worker.run_client_task``) — a
fresh kernel (from the worker's own preloading server), the same notebook, the same package writer.
What stays here, in the process that started the batch: the lock on the output folder, the resume
state, the run manifest and the summary.

Before any client runs, every worker is checked (``worker_check``): it must see each client folder
(the same ``intake.xlsx``, by size and modification time), be able to write into the output folder
— and it must be the same one: a file it writes there is looked for here — and run the same toolkit
code (the hash of its source). A worker that fails is named with why and gets no client; when none
passes, the batch stops with the list. Tasks are submitted impure (``pure=False``: the same client
twice is run twice, never taken from a cache). A worker lost mid-run leaves no package in place (its
kernel puts nothing in place once its worker is gone); the scheduler gives the client to another
worker, and a client whose worker was lost twice is reported (``run_client_task`` counts the
attempts on the shared output folder; on an existing cluster this needs the scheduler's
``distributed.scheduler.allowed-failures`` to be at least 1 — its default is 3 — or the client is
reported at the first loss). No process pool is started inside a worker (Dask's workers are
daemonic processes): the task runs the kernel as a plain child process.

Workers should run one client at a time (``--nthreads 1``; ``--nworkers`` as many as the machine has
cores): a kernel does the work, and the task's environment is the worker process's own.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import sys
import uuid
from pathlib import Path

from toolkit.core.errors import BatchError

LOCAL = "local"
_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|inproc|ucx)://[^\s/]+(:\d+)?/?$")


def parse_scheduler(text: str) -> tuple[str, int | str]:
    """``"local:N"`` → ("local", N); ``"tcp://HOST:8786"`` → ("address", text). Anything else is a
    ``BatchError`` saying what to write."""
    text = str(text).strip()
    m = re.fullmatch(r"local(?::(\d+))?", text)
    if m:
        n = int(m.group(1) or (os.cpu_count() or 1))
        if n < 1:
            raise BatchError(f"--scheduler {text}：工作进程数至少为 1，如 --scheduler local:2")
        return LOCAL, n
    if _ADDRESS.match(text):
        return "address", text
    raise BatchError(f"--scheduler {text}：不是调度器地址。写 tcp://主机:8786（已运行的 dask scheduler），"
                     "或 local:N（在本机启动 N 个工作进程试用）")


def worker_check(folders: list[tuple[str, int, int]], output: str, toolkit_sha256: str, notebook: str,
                 probe: str) -> dict:
    """Run on each worker before any client: what it cannot see or do (in Chinese), and what it is."""
    problems: list[str] = []
    host = socket.gethostname()
    missing = []
    for folder, size, mtime_ns in folders:
        try:
            st = os.stat(Path(folder) / "intake.xlsx")
        except OSError:
            missing.append(folder)
            continue
        if (st.st_size, st.st_mtime_ns) != (size, mtime_ns):
            missing.append(f"{folder}（intake.xlsx 与发起批处理的机器上的不同）")
    if missing:
        problems.append(f"看不到 {len(missing)} 个客户文件夹，如 {missing[0]}")
    try:
        target = Path(output) / probe
        target.write_text(host, encoding="utf-8")
    except OSError as exc:
        problems.append(f"无法写入输出文件夹 {output}（{exc.strerror or exc}）")
    try:
        from toolkit.run.fingerprint import toolkit_sha256 as code_sha

        if code_sha() != toolkit_sha256:
            problems.append("运行的 toolkit 代码与发起批处理的机器上的不同（请在每台机器上安装同一版本）")
        if not Path(notebook).is_file():
            problems.append(f"找不到客户笔记本 {notebook}")
    except Exception as exc:  # an old toolkit without the function, a broken install
        problems.append(f"无法核对 toolkit 代码（{type(exc).__name__}: {exc}）")
    nthreads = None
    with contextlib.suppress(Exception):
        from distributed import get_worker

        nthreads = get_worker().state.nthreads
    return {"host": host, "pid": os.getpid(), "python": sys.version.split()[0], "problems": problems,
            "nthreads": nthreads}


def _host(address: str) -> str:
    """tcp://10.0.0.5:40123 → 10.0.0.5"""
    rest = address.split("://", 1)[-1]
    return rest.rsplit(":", 1)[0] if ":" in rest else rest


class Engine:
    """One batch's connection to a cluster: ``start`` (connect, check every worker), ``run`` the
    clients, ``run_one`` the province summary, ``close``."""

    def __init__(self, scheduler: str, *, stream=None):
        self.kind, self.target = parse_scheduler(scheduler)
        self.scheduler = scheduler
        self.stream = stream or sys.stderr
        self.client = None
        self.cluster = None
        self.workers: list[str] = []

    def describe(self) -> str:
        where = f"本机 LocalCluster（{self.target} 个工作进程）" if self.kind == LOCAL else f"Dask 集群 {self.target}"
        return f"{where}，{len(self.workers)} 个工作进程通过检查"

    # -- connecting --------------------------------------------------------------------------
    def start(self, *, folders: list[str], output: Path, toolkit_sha256: str, notebook: Path) -> "Engine":
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise BatchError(f"--scheduler 需要 dask.distributed（{exc}）：pip install dask distributed") from None
        # A worker lost is a client retried by the scheduler; run_client_task reports one lost twice.
        dask.config.set({"distributed.scheduler.allowed-failures": 3})
        try:
            if self.kind == LOCAL:
                self.cluster = LocalCluster(n_workers=int(self.target), threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
                self.client.wait_for_workers(int(self.target), timeout=120)
            else:
                self.client = Client(self.target, timeout="20s")
                self.client.wait_for_workers(1, timeout=60)
        except BatchError:
            raise
        except Exception as exc:
            self.close()
            raise BatchError(f"无法连接 Dask 调度器 {self.scheduler}（{type(exc).__name__}: {exc}）。"
                             "确认 dask scheduler 已启动、地址和端口正确，且至少有一个 dask worker 连上它") from None
        self.workers = self._preflight(folders, output, toolkit_sha256, notebook)
        return self

    def _preflight(self, folders: list[str], output: Path, toolkit_sha256: str, notebook: Path) -> list[str]:
        stamps = []
        for f in folders:
            try:
                st = os.stat(Path(f) / "intake.xlsx")
                stamps.append((f, st.st_size, st.st_mtime_ns))
            except OSError:  # gone since it was fingerprinted: the client's notebook will say so
                continue
        probe = f".worker-check-{uuid.uuid4().hex}"
        try:
            answers = self.client.run(worker_check, stamps, str(output), toolkit_sha256, str(notebook), probe)
        except Exception as exc:
            raise BatchError(f"Dask 工作进程检查失败（{type(exc).__name__}: {exc}）") from None
        seen_here = (Path(output) / probe).is_file()
        (Path(output) / probe).unlink(missing_ok=True)
        good, bad = [], []
        for address, info in sorted(answers.items()):
            problems = list(info.get("problems") or [])
            if not problems and not seen_here:
                problems.append(f"写入的输出文件夹 {output} 与本机的不是同一个（请用共享存储，两边路径相同）")
            if problems:
                bad.append(f"{address}（{info.get('host')}）：{'；'.join(problems)}")
            else:
                good.append(address)
                if info.get("nthreads") and info["nthreads"] > 1:
                    print(f"提示：Dask 工作进程 {address} 有 {info['nthreads']} 个线程；每个工作进程一次只运行一个客户，"
                          "启动时用 --nthreads 1 --nworkers 核数", file=self.stream)
        for line in bad:
            print(f"Dask 工作进程未通过检查，不分配客户：{line}", file=self.stream)
        if not good:
            raise BatchError("没有可用的 Dask 工作进程：\n" + "\n".join(bad))
        # Clients go to the machines that passed, by host name: a worker that is lost and started again
        # (a nanny does that) comes back on another port, on the same machine, files and code. A
        # machine with a worker that failed gets clients only on its workers that passed.
        failed_hosts = {_host(line.split("（")[0]) for line in bad}
        return sorted({_host(a) if _host(a) not in failed_hosts else a for a in good})

    # -- running -----------------------------------------------------------------------------
    def _submit(self, task: dict):
        from toolkit.run.worker import run_client_task

        return self.client.submit(run_client_task, task, pure=False, workers=self.workers,
                                  allow_other_workers=False, key=f"clusterkit-{task['client_id']}-{uuid.uuid4().hex[:8]}")

    @staticmethod
    def _outcome(fut, task: dict) -> dict:
        from distributed import KilledWorker

        try:
            return fut.result()
        except KilledWorker:
            return {"client": task["client"], "client_id": task["client_id"], "fingerprint": task["fingerprint"],
                    "status": "failed", "ename": "WorkerCrashed",
                    "reason": "运行这个客户的 Dask 工作进程多次在运行中丢失，调度器已放弃，没有写出申报包"}
        except Exception as exc:  # a bug in the batch itself: that client fails, others go on
            return {"client": task["client"], "client_id": task["client_id"], "fingerprint": task["fingerprint"],
                    "status": "failed", "ename": type(exc).__name__, "evalue": str(exc),
                    "reason": f"批处理内部错误：{exc}"}

    def run(self, tasks: dict[int, dict], runs: dict, *, progress: bool = True, on_done=None) -> None:
        """Every task on the cluster; ``runs[i]`` is replaced by each outcome as it arrives."""
        if not tasks:
            return
        from distributed import as_completed
        from tqdm import tqdm

        from toolkit.run.worker import FAILED, ClientRun

        futures = {self._submit(t): i for i, t in tasks.items()}
        bar = tqdm(total=len(tasks), desc="客户", unit="个", file=self.stream, disable=not progress, dynamic_ncols=True)
        try:
            for fut in as_completed(list(futures)):
                i = futures[fut]
                run = ClientRun(**self._outcome(fut, tasks[i]))
                # Released at once: a result kept in a worker's memory is computed again when that
                # worker is lost, and a client's package must not be rewritten behind the batch's back.
                fut.release()
                runs[i] = run
                if on_done is not None:
                    on_done(run)
                bar.update(1)
                if run.status == FAILED:
                    bar.write(f"✗ {run.client_id}: {run.reason}", file=self.stream)
        except KeyboardInterrupt:
            with contextlib.suppress(Exception):
                self.client.cancel(list(futures), force=True)
            raise
        finally:
            bar.close()

    def run_one(self, task: dict):
        from toolkit.run.worker import ClientRun

        fut = self._submit(task)
        try:
            return ClientRun(**self._outcome(fut, task))
        finally:
            fut.release()

    def close(self) -> None:
        for thing in (self.client, self.cluster):
            if thing is not None:
                with contextlib.suppress(Exception):
                    thing.close()
        self.client = self.cluster = None
