"""Atomic writes: a path that cannot be written is a named ToolkitError, never an OSError traceback."""

from __future__ import annotations

import pytest

from toolkit.core import atomic
from toolkit.core.errors import ToolkitError


def test_a_file_in_the_way_of_a_folder_is_named(tmp_path):
    blocker = tmp_path / "output"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ToolkitError, match="output 是文件，不是文件夹"):
        atomic.make_dirs(blocker / "2025" / "浙江省")
    with pytest.raises(ToolkitError, match="是文件，不是文件夹"):
        atomic.write_text(blocker / "2025" / "a.json", "{}")
    with pytest.raises(ToolkitError, match="是文件，不是文件夹"):
        with atomic.atomic_dir(blocker):
            pass
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_folder_given_where_a_file_is_written_is_named_and_left_alone(tmp_path):
    folder = tmp_path / "assessment.json"
    folder.mkdir()
    (folder / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ToolkitError, match="是文件夹，不能写成文件"):
        atomic.write_text(folder, "{}")
    assert (folder / "keep.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["assessment.json"]  # no temporary file left


# -- folders that cannot be written: read-only, missing under a read-only parent, a full disk ----------
#
# Tests run as root, and chmod does not stop root. ``read_only`` makes a folder really unwritable: chmod
# for an ordinary user, ``chattr +i`` (immutable: refused even to root) when running as root; where
# neither holds (root without CAP_LINUX_IMMUTABLE), writes into the folder are refused at the system-call
# boundary (os.open, os.mkdir, os.replace, open for writing) with EACCES, as a read-only folder would.
# ``disk_full`` refuses opening any file for writing under a folder with ENOSPC.

import builtins
import errno
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

from toolkit.cli import main
from toolkit.core.paths import examples_dir

QINGCHUAN = examples_dir() / "clients" / "qingchuan"


def _under(path, folder: Path) -> bool:
    try:
        p = Path(os.path.abspath(os.fsdecode(path)))
    except TypeError:
        return False
    return p == folder or folder in p.parents


def _refuse_writes(monkeypatch, folder: Path, code: int) -> None:
    """Every way a command creates or replaces a file or folder under ``folder`` fails with ``code``."""
    folder = Path(os.path.abspath(folder))

    def fail(path):
        raise OSError(code, os.strerror(code), os.fsdecode(path))

    real_open, real_os_open, real_mkdir, real_replace = io.open, os.open, os.mkdir, os.replace

    def fake_open(file, mode="r", *a, **k):
        if isinstance(file, (str, bytes, os.PathLike)) and set(mode) & set("wax+") and _under(file, folder):
            fail(file)
        return real_open(file, mode, *a, **k)

    def fake_os_open(path, flags, *a, **k):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and _under(path, folder):
            fail(path)
        return real_os_open(path, flags, *a, **k)

    def fake_mkdir(path, *a, **k):  # a missing parent is still ENOENT, as on disk
        if _under(path, folder) and os.path.isdir(os.path.dirname(os.path.abspath(path))) and not os.path.isdir(path):
            fail(path)
        return real_mkdir(path, *a, **k)

    def fake_replace(src, dst, *a, **k):
        if _under(dst, folder):
            fail(dst)
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(io, "open", fake_open)
    monkeypatch.setattr(builtins, "open", fake_open)
    if code != errno.ENOSPC:  # a full disk still lets a file be created empty (mkstemp), then not written
        monkeypatch.setattr(os, "open", fake_os_open)
        monkeypatch.setattr(os, "mkdir", fake_mkdir)
        monkeypatch.setattr(os, "replace", fake_replace)


def _denied(folder: Path) -> bool:
    try:
        (folder / ".probe").write_bytes(b"")
    except OSError:
        return True
    (folder / ".probe").unlink()
    return False


@pytest.fixture
def read_only(monkeypatch):
    """``read_only(folder)`` makes ``folder`` unwritable for this test (see above); undone afterwards."""
    undo = []

    def make(folder: Path) -> str:
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            folder.chmod(0o555)
            undo.append(lambda: folder.chmod(0o755))
            if _denied(folder):
                return "chmod"
        elif shutil.which("chattr") and subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0:
            undo.append(lambda: subprocess.run(["chattr", "-i", str(folder)], check=True))
            if _denied(folder):
                return "chattr +i"
        _refuse_writes(monkeypatch, folder, errno.EACCES)
        assert _denied(folder)
        return "refused system calls"

    yield make
    for step in reversed(undo):
        step()


@pytest.fixture
def disk_full(monkeypatch):
    return lambda folder: _refuse_writes(monkeypatch, folder, errno.ENOSPC)


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*") if ".tmp" in p.name or p.name.endswith(".old")] if folder.is_dir() else []


def test_a_read_only_folder_is_named_and_nothing_is_left(tmp_path, read_only):
    ro = tmp_path / "ro"
    read_only(ro)
    with pytest.raises(ToolkitError, match=f"无法写入文件夹 {ro}.*只读") as exc:
        atomic.write_text(ro / "assessment.json", "{}")
    assert "Errno" not in str(exc.value)
    with pytest.raises(ToolkitError, match=f"无法写入文件夹 {ro}（建立文件夹 2025）.*只读"):
        atomic.make_dirs(ro / "2025" / "浙江省")
    with pytest.raises(ToolkitError, match=f"无法写入文件夹 {ro}"):
        with atomic.atomic_dir(ro / "qingchuan"):
            pass
    assert list(ro.iterdir()) == []


def test_a_full_disk_is_named_and_the_old_output_is_kept(tmp_path, disk_full):
    out = tmp_path / "out"
    atomic.write_text(out / "assessment.json", "old")
    (out / "pkg").mkdir()
    (out / "pkg" / "a.txt").write_text("old", encoding="utf-8")
    disk_full(out)
    with pytest.raises(ToolkitError, match=f"无法写入文件夹 {out}（assessment.json）：磁盘空间已满"):
        atomic.write_text(out / "assessment.json", "new")
    with pytest.raises(ToolkitError, match="磁盘空间已满"):
        with atomic.atomic_dir(out / "pkg") as tmp:
            (tmp / "a.txt").write_text("new", encoding="utf-8")
    assert (out / "assessment.json").read_text(encoding="utf-8") == "old"
    assert (out / "pkg" / "a.txt").read_text(encoding="utf-8") == "old"
    assert _leftovers(out) == []


def test_an_error_reading_elsewhere_is_not_called_an_output_problem(tmp_path):
    err = PermissionError(errno.EACCES, "Permission denied", "/somewhere/template.docx")
    assert atomic.output_error(err, tmp_path / "out") is None
    assert atomic.output_error(FileNotFoundError(errno.ENOENT, "x", str(tmp_path / "out" / "a")), tmp_path / "out") is None


@pytest.fixture(scope="module")
def built_package(tmp_path_factory):
    """One package of the demo client (briefing left out: not what these tests are about)."""
    from toolkit.package import writer

    out = tmp_path_factory.mktemp("built") / "output"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(writer, "write_brief", lambda *a, **k: {})
        writer.build_package(QINGCHUAN, round=2025, output=out)
    return out


def _command(name: str, where: str, tmp_path: Path, built_package: Path) -> tuple[list[str], Path]:
    """(argv, the folder to make unwritable) for ``name`` writing its output at ``where``:
    ``folder`` (an existing output folder), ``missing`` (a missing one under it), ``batch`` (its batch/)."""
    client = tmp_path / "clients" / "qingchuan"
    shutil.copytree(QINGCHUAN, client)
    ro = tmp_path / "ro"
    ro.mkdir()
    out = ro / "missing" if where == "missing" else ro
    if name == "check":
        return ["check", str(client), "--annotated", str(out / "intake.checked.xlsx")], ro
    if name == "assess":
        return ["assess", str(client), "--round", "2025", "--json", str(out / "assessment.json")], ro
    if name == "new-client":
        target = out / "某某县" if where == "missing" else out
        return ["new-client", str(target), "--name", "某某县智能小家电产业集群"], ro
    if name == "province":  # it writes beside the packages it reads: into output/<round>/<推荐单位>/
        shutil.rmtree(ro)
        shutil.copytree(built_package, ro)
        return ["province", str(ro), "--round", "2025"], ro / "2025" / "浙江省"
    if name == "batch" and where == "batch":
        return ["batch", str(client), "--output", str(ro), "--round", "2025"], ro / "batch"
    return [name, str(client), "--round", "2025", "--output", str(out)], ro


COMMANDS = ["check", "assess", "package", "brief", "province", "batch", "new-client"]
CASES = ([(c, "folder", "read-only") for c in COMMANDS] + [(c, "folder", "full") for c in COMMANDS]
         + [(c, "missing", "read-only") for c in COMMANDS if c != "province"] + [("batch", "batch", "read-only")])


@pytest.mark.parametrize("name, where, fault", CASES, ids=["-".join(c) for c in CASES])
def test_every_command_names_an_output_folder_it_cannot_write(name, where, fault, tmp_path, built_package,
                                                               read_only, disk_full, capsys):
    argv, folder = _command(name, where, tmp_path, built_package)
    (read_only if fault == "read-only" else disk_full)(folder)
    code = main(argv)  # an OSError would escape main() and fail the test with its traceback
    err = capsys.readouterr().err
    assert f"无法写入文件夹 {folder if where != 'missing' else tmp_path / 'ro'}" in err, err
    assert ("磁盘空间已满" if fault == "full" else "只读") in err and "Errno" not in err
    assert code == (0 if name == "check" else 2)  # check still reports the workbook (no errors: 0)
    assert _leftovers(tmp_path / "ro") == []


def test_nothing_is_put_in_place_for_a_batch_that_is_gone(tmp_path, monkeypatch):
    """A kernel or worker of a killed batch: its outputs (a file, a package folder) are not written."""
    gone = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    token = atomic.owner_token(gone.pid)
    gone.kill()
    gone.wait()
    monkeypatch.setenv(atomic.OWNER_ENV, token)
    with pytest.raises(ToolkitError, match="批处理已经结束"):
        atomic.write_text(tmp_path / "a.json", "{}")
    with pytest.raises(ToolkitError, match="批处理已经结束"):
        with atomic.atomic_dir(tmp_path / "pkg") as tmp:
            (tmp / "manifest.json").write_text("{}", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    if not atomic.owner_token().endswith(":"):  # (/proc) a later process given the same pid is not the batch
        monkeypatch.setenv(atomic.OWNER_ENV, f"{os.getppid()}:1")
        assert not atomic.owner_alive()
    # the batch alive (here: this test's parent), or no batch at all: written as usual
    monkeypatch.setenv(atomic.OWNER_ENV, atomic.owner_token(os.getppid()))
    atomic.write_text(tmp_path / "a.json", "{}")
    monkeypatch.delenv(atomic.OWNER_ENV)
    with atomic.atomic_dir(tmp_path / "pkg") as tmp:
        (tmp / "manifest.json").write_text("{}", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "pkg"]
