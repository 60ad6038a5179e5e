"""Fresh notebook kernels that start in a few hundredths of a second.

Every client's notebook runs in a fresh kernel: a new process with a new IPython, as papermill
intends. What makes a fresh kernel slow is not the kernel but what it imports — Python, IPython,
ipykernel, pandas, matplotlib, python-docx, the toolkit — about 2 s of CPU, more than the client's
work itself. The batch therefore starts one *fork server* per run: a process that imports all that
once and then forks a new kernel process for each notebook. The forked kernel is fresh (nothing has
run in it; its namespace is empty), but its imports are already paid.

How jupyter_client sees it: a kernel spec ``clusterkit-fork`` (written into the run's work folder and
found through ``JUPYTER_PATH``) whose command is ``toolkit/run/kernel_launcher.py``, a stdlib-only
process that asks the fork server for a kernel, passes it its standard streams, environment and
working folder, forwards signals (interrupt, terminate) and exits with the kernel's exit code. When
the launcher is killed the kernel exits too; when the fork server is not there the launcher starts an
ordinary ipykernel, so the kernel spec always works (only slower).

Nothing outlives the batch: the server, its kernels and the launchers each end when their parent
dies, even by SIGKILL (``die_with_parent``: Linux's parent-death signal, and a watchdog elsewhere).

Linux and macOS only (``fork``); elsewhere the batch uses the ordinary ``python3`` kernel.

    server = ForkServer(work_dir); server.start(); ... kernel_name=server.kernel_name ...; server.stop()
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

KERNEL_NAME = "clusterkit-fork"
TEMP_PREFIX = "ck-kernels-"
LAUNCHER = Path(__file__).resolve().parent / "kernel_launcher.py"

# Imported once by the fork server. One that fails to import is reported (``ForkServer.preload_failures``
# and a line on the batch's terminal) and not preloaded: a notebook that needs it imports it itself and
# meets the error in its own cell.
PRELOAD = (
    "numpy", "pandas", "openpyxl", "yaml", "jinja2", "PIL.Image",
    "matplotlib", "matplotlib.pyplot", "docx", "docxtpl",
    "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.comm",
    "matplotlib_inline.backend_inline", "debugpy", "ipykernel.debugger", "ipykernel.eventloops",
    "IPython.core.completer", "jedi", "sqlite3", "pdb", "psutil", "faulthandler",
    "jinja2.ext", "pandas.io.formats.html", "pandas.io.formats.string", "encodings.cp437", "encodings.unicode_escape",
    "toolkit.core.errors", "toolkit.intake.model", "toolkit.core.formatting", "toolkit.core.naming", "toolkit.core.atomic",
    "toolkit.core.fonts", "toolkit.documents.render", "toolkit.intake.schema", "toolkit.intake.reader", "toolkit.assess.rounds",
    "toolkit.assess.rulebook", "toolkit.assess.readiness", "toolkit.assess.assessment", "toolkit.documents.narrative",
    "toolkit.documents.forms", "toolkit.documents.charts", "toolkit.documents.briefing", "toolkit.package.writer", "toolkit.province.tables",
    "toolkit.province.reference", "toolkit.notebook",
    # the package's PDFs, its calendar and the province's tables (each kernel paid about 0.25 s for these)
    "pikepdf", "reportlab.pdfgen.canvas", "icalendar", "toolkit.documents.pdf", "toolkit.documents.office",
    "toolkit.package.bound", "toolkit.package.diagnosis", "toolkit.documents.calendar", "toolkit.documents.authorities",
    "toolkit.province.briefing", "toolkit.province.internal", "toolkit.province.uncertainty",
)


def set_parent_death_signal(signum: int = signal.SIGKILL) -> bool:
    """Ask Linux to send ``signum`` to this process the moment its parent dies (prctl
    PR_SET_PDEATHSIG). False where that is not available (other systems): use ``die_with_parent``."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(1, int(signum), 0, 0, 0) == 0  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError, TypeError):
        return False


def die_with_parent(parent_pid: int, *, signum: int = signal.SIGKILL, cleanup=None, interval: float = 0.5) -> None:
    """End this process when its parent ``parent_pid`` dies, even by SIGKILL: at once through the
    parent-death signal on Linux, and anywhere through a watchdog thread polling ``os.getppid()``
    (a dead parent's children are handed to another process). ``cleanup`` runs before the watchdog
    ends the process (e.g. to kill this process's own children)."""
    set_parent_death_signal(signum)

    def gone() -> None:
        if cleanup is not None:
            try:
                cleanup()
            except Exception:
                pass
        os._exit(1)

    if os.getppid() != parent_pid:  # it died before we asked
        gone()

    import threading

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(interval)
        gone()

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def supported() -> bool:
    return hasattr(os, "fork") and hasattr(socket, "send_fds") and sys.platform != "win32"


def write_kernel_spec(jupyter_dir: Path, socket_path: Path) -> Path:
    """Write ``<jupyter_dir>/kernels/clusterkit-fork/kernel.json``; put ``jupyter_dir`` on JUPYTER_PATH."""
    spec_dir = Path(jupyter_dir) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-I", "-S", str(LAUNCHER), str(socket_path), "{connection_file}"],
        "display_name": "Python 3 (clusterkit, preloaded)",
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {"debugger": False},
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return spec_dir


class ForkServer:
    """Runs the fork server for one batch and provides the ``clusterkit-fork`` kernel spec."""

    kernel_name = KERNEL_NAME

    def __init__(self, work_dir: Path | str | None = None):
        # A UNIX socket path must stay short (about 100 bytes): keep it in the system temp folder.
        self._tmp = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
        self.socket_path = self._tmp / "fork.sock"
        self.jupyter_dir = Path(work_dir) if work_dir else self._tmp / "jupyter"
        self.process: subprocess.Popen | None = None
        self._old_jupyter_path: str | None = None
        self.preload_failures: dict[str, str] = {}  # module or warm-up step → "ErrorType: message"

    def start(self) -> "ForkServer":
        write_kernel_spec(self.jupyter_dir, self.socket_path)
        self._old_jupyter_path = os.environ.get("JUPYTER_PATH")
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            p for p in (str(self.jupyter_dir), self._old_jupyter_path) if p)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "toolkit.run.kernels", "serve", str(self.socket_path), str(os.getpid())],
            stdin=subprocess.DEVNULL,
        )
        return self

    def wait_ready(self, timeout: float = 60) -> bool:
        """Wait until the server accepts connections (its imports done). False if it died or took
        longer than ``timeout``. What did not preload is in ``preload_failures`` and said on stderr."""
        deadline = time.monotonic() + timeout
        ready = self._tmp / "ready"
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                code = None if self.process is None else self.process.returncode
                print(f"预加载内核服务没有启动（退出码 {code}），改用普通内核（每个笔记本多用约 2 秒）", file=sys.stderr)
                return False
            if ready.exists():
                try:
                    self.preload_failures = dict(json.loads(ready.read_text(encoding="utf-8")).get("failed") or {})
                except (OSError, ValueError, AttributeError):
                    self.preload_failures = {"(预加载记录)": f"无法读取 {ready}"}
                if self.preload_failures:
                    listed = "；".join(f"{name}（{error}）" for name, error in self.preload_failures.items())
                    print(f"注意：预加载内核时这些没有成功，笔记本用到时会自己导入，出错会在该单元格报告：{listed}",
                          file=sys.stderr)
                return True
            time.sleep(0.02)
        print(f"预加载内核服务 {timeout:g} 秒内没有就绪，改用普通内核", file=sys.stderr)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
        if self._old_jupyter_path is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = self._old_jupyter_path
        import shutil

        shutil.rmtree(self._tmp, ignore_errors=True)  # socket, ready flag and (by default) the kernel spec

    def __enter__(self) -> "ForkServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# -- the server process ------------------------------------------------------------------------

def _error(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def preload() -> dict[str, str]:
    """Import PRELOAD and warm the caches; return what failed (name → "ErrorType: message")."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    failed = {}
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception as exc:  # the kernel imports it itself, and meets the error in its cell
            failed[name] = _error(exc)
    return {**failed, **warm()}


def warm() -> dict[str, str]:
    """Fill the caches of static data every notebook reads, and warm matplotlib's drawing path;
    return the steps that failed (step → "ErrorType: message").

    Only data that is the same for every client: the intake schema, the rulebooks and rounds, the
    CJK font registration, the narrative and Word templates compiled, one throw-away chart drawn to
    memory. Nothing of a client is touched.
    """
    steps: list[tuple[str, Any]] = []
    failed: dict[str, str] = {}

    def add(name: str, make) -> None:
        try:
            steps.extend(make())
        except Exception as exc:
            failed[name] = _error(exc)

    def fonts_step():
        from toolkit.core import fonts

        return [("fonts.use_in_matplotlib", fonts.use_in_matplotlib)]

    def schema_step():
        from toolkit.intake.schema import load_schema

        return [("load_schema", load_schema)]

    def rulebook_steps():
        from toolkit.assess import rulebook

        return [(f"load_rulebook({name})", lambda name=name: rulebook.load_rulebook(name))
                for name in rulebook.available_rulebooks()]

    def round_steps():
        from toolkit.assess import rounds

        return [(f"load_round({y})", lambda y=y: rounds.load_round(y)) for y in rounds.available_rounds()]

    def template_steps():
        from toolkit.core.paths import templates_dir
        from toolkit.documents import narrative, render

        return [("narrative.warm", narrative.warm)] + [
            (f"render.warm({p.name})", lambda p=p: render.warm(p))
            for p in sorted(templates_dir().glob("*.docx")) if not p.name.startswith(("~$", "."))]

    add("toolkit.core.fonts", fonts_step)
    add("toolkit.intake.schema", schema_step)
    add("toolkit.assess.rulebook", rulebook_steps)
    add("toolkit.assess.rounds", round_steps)
    add("templates", template_steps)
    steps.append(("matplotlib", _warm_matplotlib))
    for name, step in steps:
        try:
            step()
        except Exception as exc:
            failed[name] = _error(exc)
    return failed


def _warm_matplotlib() -> None:
    import io

    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2), dpi=72)
    ax.barh(["集群", "产值"], [1.0, 2.0])
    ax.set_title("预热 −1.5%")
    for fmt in ("png", "svg"):
        fig.savefig(io.BytesIO(), format=fmt)
    plt.close(fig)


def _read_exact(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return data


def _run_kernel(conn: socket.socket, fds: list[int], request: dict, close: list) -> None:
    """In the forked child: become a fresh ipykernel. Never returns."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for obj in close:
            obj.close()
        # Its own session, as jupyter_client gives an ordinary kernel: a Ctrl-C in the terminal that
        # started the batch goes to the batch, not into every running notebook.
        os.setsid()
        # A kernel never outlives the fork server, which never outlives the batch.
        die_with_parent(request["server_pid"])
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        import random
        random.seed()
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()

        import threading

        def watch_launcher() -> None:
            # The launcher never writes after its request: EOF means it is gone (killed), so are we.
            try:
                conn.recv(1)
            except OSError:
                pass
            os._exit(137)

        threading.Thread(target=watch_launcher, daemon=True, name="launcher-watch").start()
        # parent_handle=1: no parent poller (the launcher watch above does that job), no console banner.
        argv = [*request["argv"], "--IPKernelApp.parent_handle=1"]
        sys.argv = ["ipykernel_launcher", *argv]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass
        os._exit(code)


def serve(socket_path: str, parent_pid: int | None = None) -> None:
    if parent_pid:
        # The batch killed (even by SIGKILL): SIGTERM at once on Linux, which ends the loop below;
        # the loop also notices the parent is gone (any system). Our kernels die with us.
        set_parent_death_signal(signal.SIGTERM)
    # What the server imports stays out of its kernels' garbage collections (Python's advice for a
    # process that forks without exec): no collection while importing (no holes in the pages the
    # kernels share), then what survived frozen, and frozen again before every fork. A kernel's
    # collections walk only what its client made, and never write into (so copy) the shared pages.
    gc.disable()
    failed = preload()
    gc.freeze()
    gc.enable()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    Path(socket_path).unlink(missing_ok=True)
    listener.bind(socket_path)
    listener.listen(64)
    wake_r, wake_w = socket.socketpair()
    wake_r.setblocking(False)
    wake_w.setblocking(False)
    signal.set_wakeup_fd(wake_w.fileno())
    signal.signal(signal.SIGCHLD, lambda *_: None)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    sel.register(wake_r, selectors.EVENT_READ)
    children: dict[int, socket.socket] = {}
    ready = Path(socket_path).with_name("ready")
    tmp = ready.with_name(".ready.tmp")  # written whole, then renamed: the batch never reads half of it
    tmp.write_text(json.dumps({"failed": failed}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, ready)

    while not stop:
        for key, _ in sel.select(timeout=1.0):
            if key.fileobj is wake_r:
                try:
                    while wake_r.recv(512):
                        pass
                except (BlockingIOError, OSError):
                    pass
                continue
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            _serve_one(conn, children, [listener, wake_r, wake_w, sel, *children.values()])
        _reap(children)
        if parent_pid and os.getppid() != parent_pid:
            break
    orphaned = bool(parent_pid) and os.getppid() != parent_pid
    for conn in children.values():
        conn.close()
    listener.close()
    Path(socket_path).unlink(missing_ok=True)
    if orphaned:  # the batch that would have removed our folder (socket, ready flag, kernel spec) is gone
        import shutil

        folder = Path(socket_path).parent
        if folder.name.startswith(TEMP_PREFIX):
            shutil.rmtree(folder, ignore_errors=True)


def _reap(children: dict[int, socket.socket]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = children.pop(pid, None)
        if conn is not None:
            try:
                conn.sendall(b"X" + struct.pack("!i", os.waitstatus_to_exitcode(status)))
            except OSError:
                pass
            conn.close()


def _serve_one(conn: socket.socket, children: dict[int, socket.socket], close: list) -> None:
    """Read one launcher's request, fork a kernel for it, reply with the kernel's pid."""
    fds: list[int] = []
    try:
        conn.settimeout(10)
        header, fds, _, _ = socket.recv_fds(conn, 4, 3)
        if len(header) < 4:
            header += _read_exact(conn, 4 - len(header))
        request = json.loads(_read_exact(conn, struct.unpack("!I", header)[0]))
        conn.settimeout(None)
        if len(fds) != 3:
            raise OSError("expected three file descriptors")
    except (OSError, ValueError):
        for fd in fds:
            os.close(fd)
        conn.close()
        return
    sys.stdout.flush()
    sys.stderr.flush()
    request["server_pid"] = os.getpid()
    gc.freeze()  # what the server made since the last fork, too
    pid = os.fork()
    if pid == 0:
        _run_kernel(conn, fds, request, close)
    for fd in fds:
        os.close(fd)
    try:
        conn.sendall(b"P" + struct.pack("!i", pid))
    except OSError:
        pass
    children[pid] = conn


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) >= 2 and argv[0] == "serve":
        try:
            serve(argv[1], int(argv[2]) if len(argv) > 2 else None)
        except KeyboardInterrupt:  # Ctrl-C in the batch's terminal: the batch stops us too
            return 130
        return 0
    print("usage: python -m toolkit.run.kernels serve SOCKET [PARENT_PID]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
