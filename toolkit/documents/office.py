"""A LibreOffice kept running for a worker's many documents, instead of one started per call.

Starting LibreOffice costs about 1.5 s, converting a client's form a few tenths of a second: a batch
that starts one per call spends most of a client's time waiting for LibreOffice. So a process that
converts documents starts one converter with its first PDF (``start_for_process``; a batch's pool
and Dask workers start theirs at once, while their first kernel starts), and
``toolkit.documents.pdf.convert`` uses it from then on, also from the notebook kernels the process
starts, which find it through ``CLUSTERKIT_OFFICE`` (the path of a file holding its address) in
their environment. ``CLUSTERKIT_OFFICE=off`` makes every conversion start LibreOffice itself.

The converter is ``office_server.py`` run under the Python that has LibreOffice's ``uno`` module
(``python_with_uno()``: Debian's python3 with python3-uno, LibreOffice's own python on Windows and
macOS). It ends with the process that started it (its standard input is that process's pipe).
Where no such Python exists, nothing changes: each conversion starts LibreOffice as before.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from functools import lru_cache
from pathlib import Path

from toolkit.core import fonts

OFFICE_ENV = "CLUSTERKIT_OFFICE"          # the address file of the converter this process and its kernels use
OFF = "off"                                # …or this: every conversion starts LibreOffice itself
PYTHON_ENV = "CLUSTERKIT_OFFICE_PYTHON"   # a Python with LibreOffice's uno module, where it is not found
SERVER_SCRIPT = Path(__file__).with_name("office_server.py")


class Unavailable(Exception):
    """No converter could take the document: the caller starts LibreOffice itself."""


def _soffice() -> str | None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        return None
    real = Path(exe).resolve()
    binary = real.with_name("soffice.bin")  # the program itself: the wrapper script would not pass on a parent-death signal
    return str(binary) if sys.platform.startswith("linux") and binary.is_file() else str(real)


@lru_cache(maxsize=1)
def python_with_uno() -> str | None:
    """A Python that can import LibreOffice's ``uno``: ``CLUSTERKIT_OFFICE_PYTHON``, LibreOffice's own,
    the system's python3, or this one."""
    soffice = _soffice()
    candidates = [os.environ.get(PYTHON_ENV)]
    if soffice:
        program = Path(soffice).parent
        candidates += [str(program / "python.exe"), str(program / "python"),
                       str(program.parent / "Resources" / "python")]
    candidates += ["/usr/bin/python3", shutil.which("python3"), sys.executable]
    seen = set()
    for exe in candidates:
        if not exe or exe in seen or not Path(exe).is_file():
            continue
        seen.add(exe)
        try:
            ok = subprocess.run([exe, "-c", "import uno"], capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            return exe
    return None


class Converter:
    """A started ``office_server.py``; ``address()`` waits until it can convert."""

    def __init__(self, proc: subprocess.Popen, folder: Path):
        self.proc = proc
        self.folder = folder
        self.address_file = folder / "address"

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()   # the server's signal to stop LibreOffice and end
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
        shutil.rmtree(self.folder, ignore_errors=True)
        if os.environ.get(OFFICE_ENV) == str(self.address_file):
            os.environ.pop(OFFICE_ENV, None)


def _term_with_parent() -> None:
    """In the converter before exec (Linux): SIGTERM when its parent dies; it then kills its
    LibreOffice and removes its folder (its closed standard input says the same, everywhere)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def start() -> Converter | None:
    """Start a converter for this process and its kernels (returns at once; it gets ready in the
    background); None where LibreOffice or a Python with its ``uno`` is missing."""
    soffice, python = _soffice(), python_with_uno()
    if soffice is None or python is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="clusterkit-office-"))  # private (0700): the address holds its token
    # Run from a copy in that folder: a script's folder comes first on its path, and this one holds a
    # calendar.py that is not the standard library's (and -I or -P is not in every LibreOffice's Python).
    script = folder / SERVER_SCRIPT.name
    shutil.copyfile(SERVER_SCRIPT, script)
    linux = sys.platform.startswith("linux")
    proc = subprocess.Popen([python, str(script), "--soffice", soffice, "--profile", str(folder / "profile"),
                             "--address-file", str(folder / "address"), "--remove-folder"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=fonts.fontconfig_env(), close_fds=True,
                            preexec_fn=_term_with_parent if linux else None)
    (folder / "pid").write_text(str(proc.pid), encoding="ascii")
    conv = Converter(proc, folder)
    os.environ[OFFICE_ENV] = str(conv.address_file)
    return conv


_mine: Converter | None = None
_starts = 0


def start_for_process(own: bool = False) -> None:
    """One converter for the life of this process, stopped at its exit, and named in its environment
    unless another already is (a kernel uses its worker's); ``own``: this process's own even so (a
    batch worker, whose parent may have one). Started again at most once if it ends."""
    global _mine, _starts
    running = _mine is not None and _mine.proc.poll() is None
    named = os.environ.get(OFFICE_ENV)
    if named == OFF or (named and (not own or (running and named == str(_mine.address_file)))):
        return
    if not running:
        if _starts >= 2:
            os.environ[OFFICE_ENV] = OFF
            return
        _starts += 1
        _mine = start()
        if _mine is None:
            os.environ[OFFICE_ENV] = OFF
            return
        atexit.register(_mine.stop)
    os.environ[OFFICE_ENV] = str(_mine.address_file)


class serving:
    """``with office.serving():`` — a converter for the documents converted inside the block."""

    def __enter__(self):
        self.previous = os.environ.get(OFFICE_ENV)
        self.conv = start()
        return self.conv

    def __exit__(self, *exc):
        if self.conv is not None:
            self.conv.stop()
        if self.previous is not None:
            os.environ[OFFICE_ENV] = self.previous
        return False


def _address(wait: float) -> str:
    """The address of this process's converter (from ``CLUSTERKIT_OFFICE``), waiting while it starts."""
    path = os.environ.get(OFFICE_ENV)
    if not path or path == OFF:
        raise Unavailable("no converter")
    file = Path(path)
    deadline = time.monotonic() + wait
    while True:
        try:
            text = file.read_text(encoding="utf-8").strip()
        except OSError:
            text = ""
            if not file.parent.is_dir():
                raise Unavailable("converter gone") from None
        if text.startswith("http://"):
            return text
        if text.startswith("failed"):
            raise Unavailable(text)
        if not _alive(file.parent / "pid"):
            raise Unavailable("converter ended while starting")
        if time.monotonic() > deadline:
            raise Unavailable("converter not ready")
        time.sleep(0.05)


def _alive(pid_file: Path) -> bool:
    try:
        pid = int(pid_file.read_text(encoding="ascii"))
    except FileNotFoundError:
        return True   # the starter writes it just after starting the converter: still starting
    except (OSError, ValueError):
        return False
    if sys.platform == "win32":
        return True   # os.kill(pid, 0) would send it CTRL_C_EVENT there: the wait's time limit decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True   # exists, not ours to signal
    return True


class _Transport(xmlrpc.client.Transport):
    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self.timeout
        return conn


def convert(doc: Path, pdf: Path, *, timeout: float = 300, wait: float = 60) -> None:
    """``doc`` to ``pdf`` on this process's converter; ``Unavailable`` when there is none or it fails
    (the caller then converts the ordinary way)."""
    address = _address(wait)
    try:
        with xmlrpc.client.ServerProxy(address, transport=_Transport(timeout), allow_none=True) as proxy:
            proxy.convert(str(Path(doc).resolve()), str(Path(pdf).resolve()))
    except (OSError, xmlrpc.client.Error) as exc:
        raise Unavailable(str(exc)) from None
    if not Path(pdf).is_file() or Path(pdf).stat().st_size == 0:
        raise Unavailable("no PDF written")
