"""The batch runner (toolkit.run.batch): isolation, verification, resume, lock, bad input.

How the kernel is killed mid-run: the crash tests run a copy of notebooks/client_report.ipynb whose
package cell starts by sending its own kernel SIGKILL, exactly as a crash would, when the environment
variable ``CRASH_AT_PACKAGE`` names that client's folder (the batch passes its environment to every
kernel, so the test sets the variable around run_batch). The toolkit itself has no such hook.

The slow part (three real clients through the real notebook, then a re-run) is one module-scoped
fixture; the other tests use ``tests/notebooks/stub_client.ipynb``, which declares the same
parameters and writes a tiny package. A stub imports nothing heavy, so it runs in the ordinary
``python3`` kernel: starting the preloading fork server (a few seconds of imports) for each small
batch would cost more than its notebooks. The fork server has its own tests (tests/test_kernels.py)
and one batch here goes through it (``test_each_notebook_runs_in_a_fresh_kernel_process``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from openpyxl import load_workbook

from toolkit.run.batch import FAILED, OK, SKIPPED, package_complete, run_batch
from toolkit.run.fingerprint import rulebook_files
from toolkit.core.errors import BatchError

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "examples" / "clients"
STUB = ROOT / "tests" / "notebooks" / "stub_client.ipynb"
CRASH_ENV = "CRASH_AT_PACKAGE"


def _copy(tmp: Path, *names: str) -> list[Path]:
    out = []
    for n in names:
        shutil.copytree(DEMO / n, tmp / n)
        out.append(tmp / n)
    return out


def _leftovers(output: Path) -> list[Path]:
    return [p for p in output.rglob(".*") if ".tmp" in p.name or p.name.endswith(".old")]


# -- the real notebook: a killed kernel and a corrupt workbook --------------------------------------

def _crashing_notebook(folder: Path) -> Path:
    """The real client notebook, its package cell prefixed with a SIGKILL of its own kernel for the client
    named by $CRASH_AT_PACKAGE (same name, so the package keeps ``client_report.ipynb``)."""
    nb = nbformat.read(ROOT / "notebooks" / "client_report.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "write_package(" in c.source)
    cell.source = ("import os, signal\n"
                   f"if os.environ.get({CRASH_ENV!r}) == os.path.basename(os.fspath(client_dir)):\n"
                   "    os.kill(os.getpid(), signal.SIGKILL)\n" + cell.source)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "client_report.ipynb")
    return folder / "client_report.ipynb"


@pytest.fixture(scope="module")
def crash_runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("batch")
    clients = _copy(tmp / "clients", "qingchuan", "linquan", "minshan")
    notebook = _crashing_notebook(tmp / "notebook")
    good_linquan = (clients[1] / "intake.xlsx").read_bytes()
    (clients[1] / "intake.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    output = tmp / "out"
    mp = pytest.MonkeyPatch()
    mp.setenv(CRASH_ENV, "minshan")
    try:
        first = run_batch([str(c) for c in clients], round=2025, output=output, jobs=2, timeout=180, progress=False,
                          notebook=notebook)
    finally:
        mp.undo()
    after_first = {
        "leftovers": _leftovers(output),
        "minshan_dirs": list((output / "2025").rglob("minshan")),
        "failed_notebooks": sorted(p.name for p in (output / "batch" / "failed").glob("*.ipynb")),
        "manifest": json.loads(first.manifest.read_text(encoding="utf-8")),
        "summary": [[c.value for c in row] for row in load_workbook(first.summary)["运行明细"].iter_rows()],
    }
    # Repair the workbook; no kernel is killed this time.
    (clients[1] / "intake.xlsx").write_bytes(good_linquan)
    second = run_batch([str(c) for c in clients], round=2025, output=output, jobs=2, timeout=180,
                       progress=False, province_notebook=False, notebook=notebook)
    return first, after_first, second, output


def test_other_packages_complete_when_one_kernel_dies_and_one_workbook_is_corrupt(crash_runs):
    first, after, _, output = crash_runs
    by = {r.client_id: r for r in first.runs}
    assert by["qingchuan"].status == OK
    assert package_complete(by["qingchuan"].package)
    pkg = Path(by["qingchuan"].package)
    assert pkg.is_relative_to(output / "2025")
    # the executed notebook is kept inside its package, and it really ran
    nb = nbformat.read(pkg / "client_report.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
               for c in code for o in c.outputs)
    assert first.failed


def test_both_failures_reported_with_reasons(crash_runs):
    first, after, _, _ = crash_runs
    by = {r.client_id: r for r in first.runs}
    corrupt, killed = by["linquan"], by["minshan"]
    assert corrupt.status == FAILED and killed.status == FAILED
    assert corrupt.ename == "IntakeError" and "intake.xlsx" in corrupt.evalue
    assert "填报表内容摘要" in corrupt.cell_heading  # check_workbook lists, require_client stops
    assert killed.ename == "DeadKernelError" and "内核" in killed.reason
    assert "生成申报材料包" in killed.cell_heading
    # failed notebooks are kept for diagnosis, outside any package
    assert "failed" in Path(killed.notebook).parts
    assert after["failed_notebooks"] == ["linquan.ipynb", "minshan.ipynb"]
    # the run manifest and the summary workbook carry both failures
    rows = {c["client_id"]: c for c in after["manifest"]["clients"]}
    assert rows["linquan"]["status"] == rows["minshan"]["status"] == FAILED
    assert rows["minshan"]["cell"] is not None and rows["linquan"]["evalue"]
    summary = {r[0]: r for r in after["summary"][1:]}
    assert summary["minshan"][1] == "失败" and "内核" in summary["minshan"][6]
    assert summary["qingchuan"][1] == "完成"
    # the province summary still ran on the packages there are
    assert first.province is not None and first.province.status == OK


def test_no_partial_package_left_behind(crash_runs):
    _, after, _, _ = crash_runs
    assert after["leftovers"] == []
    assert after["minshan_dirs"] == []  # under output/2025


def test_rerun_completes_only_what_is_missing(crash_runs):
    _, _, second, _ = crash_runs
    status = {r.client_id: r.status for r in second.runs}
    assert status == {"qingchuan": SKIPPED, "linquan": OK, "minshan": OK}
    assert not second.failed
    for r in second.runs:
        assert package_complete(r.package)
        assert Path(r.notebook).name == "client_report.ipynb"


def test_every_xlsx_of_the_demo_run_holds_only_the_templates_formulas(crash_runs):
    from xlsx_scan import live_formulas, unquoted_risky_text

    *_, output = crash_runs
    written = sorted(output.rglob("*.xlsx"))
    assert {p.name for p in written} >= {"summary.xlsx", "附件2_推荐汇总表.xlsx"}
    for path in written:
        assert live_formulas(path) == [], path
        assert unquoted_risky_text(path) == [], path


# -- bad input and guarantees, with the stub notebook ----------------------------------------------------

def _stub_batch(clients, output, **kw):
    kw.setdefault("province_notebook", False)
    kw.setdefault("progress", False)
    kw.setdefault("timeout", 60)
    kw.setdefault("kernel", "python3")
    kw.setdefault("notebook", STUB)
    return run_batch([str(c) for c in clients], round=2025, output=output, **kw)


def test_missing_folder_and_unsafe_names_stay_inside_output(tmp_path):
    good = _copy(tmp_path, "qingchuan")[0]
    odd = tmp_path / "a;rm -rf ~ $(echo x)"
    shutil.copytree(DEMO / "qingchuan", odd)
    (tmp_path / "sub").mkdir()
    dotted = tmp_path / "sub" / ".." / "..minshan.."
    shutil.copytree(DEMO / "minshan", tmp_path / "..minshan..")
    output = tmp_path / "out"
    result = _stub_batch([good, odd, dotted, tmp_path / "does-not-exist"], output, jobs=2)
    by = {r.client: r for r in result.runs}
    missing = by[str(tmp_path / "does-not-exist")]
    assert missing.status == FAILED and "不存在" in missing.reason
    for r in result.runs:
        if r is not missing:
            assert r.status == OK, r.reason
            assert Path(r.package).resolve().is_relative_to(output.resolve())
            assert all(ch not in Path(r.package).name for ch in ";$() ~")
    written = {p.resolve() for p in tmp_path.rglob("*") if p.is_file()}
    outside = {p for p in written if not p.is_relative_to(output.resolve())
               and not any(p.is_relative_to(d.resolve()) for d in (good, odd, tmp_path / "..minshan.."))}
    assert outside == set()
    assert result.failed


def test_two_clients_with_one_name_are_refused(tmp_path):
    a = _copy(tmp_path, "qingchuan")[0]
    shutil.copytree(DEMO / "qingchuan", tmp_path / "x" / "qingchuan")
    result = _stub_batch([a, tmp_path / "x" / "qingchuan"], tmp_path / "out")
    assert [r.status for r in result.runs] == [OK, FAILED]
    assert "重复" in result.runs[1].reason


def test_undeclared_parameter_is_an_error(tmp_path):
    client = _copy(tmp_path, "qingchuan")[0]
    with pytest.raises(BatchError, match="没有声明参数 clinet_dir"):
        _stub_batch([client], tmp_path / "out", parameters={"clinet_dir": "x"})
    assert not (tmp_path / "out" / "2025").exists()


def test_second_batch_on_same_output_refuses(tmp_path):
    from filelock import FileLock

    client = _copy(tmp_path, "qingchuan")[0]
    output = tmp_path / "out"
    output.mkdir()
    with FileLock(str(output / ".batch.lock")):
        with pytest.raises(BatchError, match="正被另一个批处理使用"):
            _stub_batch([client], output, wait=0.2)
    assert not (output / "2025").exists()


def test_a_batch_with_nothing_to_run_loads_no_notebook_or_chart_machinery(tmp_path):
    """Every client up to date: the batch imports what deciding that takes (and what its summary
    needs), not papermill or nbformat (for running notebooks) nor matplotlib (for drawing packages)."""
    import subprocess
    import sys

    clients = _copy(tmp_path, "qingchuan")
    output = tmp_path / "out"
    assert [r.status for r in _stub_batch(clients, output).runs] == [OK]
    code = (
        "import sys\n"
        "from toolkit.cli import _print_batch\n"
        "from toolkit.run.batch import run_batch\n"
        f"r = run_batch([{str(clients[0])!r}], round=2025, output={str(output)!r}, province_notebook=False,\n"
        f"              progress=False, timeout=60, kernel='python3', notebook={str(STUB)!r})\n"
        "_print_batch(r)\n"
        "print('STATUS', [x.status for x in r.runs])\n"
        "print('LOADED', sorted(m for m in ('papermill', 'nbformat', 'nbclient', 'matplotlib') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if line.startswith(("STATUS", "LOADED")))
    assert lines["STATUS"] == repr([SKIPPED])
    assert lines["LOADED"] == "[]"
    assert "跳过 1 个" in done.stdout


def test_resume_notices_changed_evidence_and_force(tmp_path):
    clients = _copy(tmp_path, "qingchuan", "linquan")
    output = tmp_path / "out"
    assert [r.status for r in _stub_batch(clients, output, jobs=2).runs] == [OK, OK]
    assert [r.status for r in _stub_batch(clients, output).runs] == [SKIPPED, SKIPPED]
    evidence = next((clients[1] / "evidence").iterdir())
    evidence.write_bytes(evidence.read_bytes() + b"\n")
    assert [r.status for r in _stub_batch(clients, output).runs] == [SKIPPED, OK]
    # an incomplete package is not skipped
    pkg = Path(_stub_batch(clients, output).runs[0].package)
    (pkg / "a.txt").unlink()
    assert [r.status for r in _stub_batch(clients, output).runs] == [OK, SKIPPED]
    assert [r.status for r in _stub_batch(clients, output, force=True, jobs=2).runs] == [OK, OK]


def test_the_fingerprint_never_reads_a_file_through_a_link(tmp_path):
    from toolkit.run.fingerprint import inputs_sha256

    secret = tmp_path / "secret.txt"
    secret.write_text("one", encoding="utf-8")
    linked, hard, folder_link = _copy(tmp_path / "clients", "qingchuan", "linquan", "minshan")
    (linked / "evidence" / "link.pdf").symlink_to(secret)
    (linked / "evidence" / "sub").symlink_to(tmp_path, target_is_directory=True)
    os.link(secret, hard / "evidence" / "hard.pdf")
    shutil.rmtree(folder_link / "evidence")
    (folder_link / "evidence").symlink_to(tmp_path, target_is_directory=True)  # evidence/ itself a link out
    before = [inputs_sha256(c) for c in (linked, hard, folder_link)]
    secret.write_text("two", encoding="utf-8")  # what the links reach changes; the client's own files do not
    assert [inputs_sha256(c) for c in (linked, hard, folder_link)] == before


def test_a_restyled_template_makes_the_next_run_redo_the_package(tmp_path, monkeypatch):
    import toolkit.run.fingerprint as fingerprint

    templates = tmp_path / "templates"
    shutil.copytree(Path(fingerprint.templates_dir()), templates)
    monkeypatch.setattr(fingerprint, "templates_dir", lambda: templates)
    clients = _copy(tmp_path, "qingchuan")
    output = tmp_path / "out"
    assert [r.status for r in _stub_batch(clients, output).runs] == [OK]
    assert [r.status for r in _stub_batch(clients, output).runs] == [SKIPPED]
    memo = templates / "memo.docx"
    memo.write_bytes(memo.read_bytes() + b"\0")  # a consultancy's restyled memo
    assert [r.status for r in _stub_batch(clients, output).runs] == [OK]


def test_an_edited_base_rulebook_beside_a_custom_one_makes_the_next_run_redo_the_package(tmp_path):
    """A consultancy's rulebook extends the national criteria it keeps beside it (found there first):
    editing that base changes the rulebook, so the packages it shapes are made again."""
    rules = tmp_path / "rules"
    rules.mkdir()
    base = rules / "national-2022.yaml"
    shutil.copy(ROOT / "data" / "criteria" / "national-2022.yaml", base)
    custom = rules / "custom.yaml"
    custom.write_text("id: custom\nextends: national-2022\nversion: '2025.1'\n", encoding="utf-8")
    assert rulebook_files(custom) == [base.resolve(), custom.resolve()]
    clients = _copy(tmp_path, "qingchuan")
    output = tmp_path / "out"
    assert [r.status for r in _stub_batch(clients, output, rulebook=str(custom)).runs] == [OK]
    assert [r.status for r in _stub_batch(clients, output, rulebook=str(custom)).runs] == [SKIPPED]
    text = base.read_text(encoding="utf-8")
    assert text.count("threshold: 40\n") == 1
    base.write_text(text.replace("threshold: 40\n", "threshold: 45\n"), encoding="utf-8")  # 1.2 raised
    assert [r.status for r in _stub_batch(clients, output, rulebook=str(custom)).runs] == [OK]
    assert [r.status for r in _stub_batch(clients, output, rulebook=str(custom)).runs] == [SKIPPED]


def test_an_edited_toolkit_source_file_makes_the_next_run_redo_the_package(tmp_path, monkeypatch):
    """The toolkit's own code is part of what a package is made from: a changed measure (here in a copy
    of the package the fingerprint is pointed at) re-runs the clients, though the version is the same."""
    import toolkit.run.fingerprint as fingerprint

    code = tmp_path / "toolkit"
    shutil.copytree(ROOT / "toolkit", code, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(fingerprint, "source_dir", lambda: code)
    clients = _copy(tmp_path, "qingchuan", "linquan")
    output = tmp_path / "out"
    assert [r.status for r in _stub_batch(clients, output, jobs=2).runs] == [OK, OK]
    assert [r.status for r in _stub_batch(clients, output).runs] == [SKIPPED, SKIPPED]
    measures = code / "assess" / "measures.py"
    measures.write_text(measures.read_text(encoding="utf-8") + "\n# a changed measure\n", encoding="utf-8")
    assert [r.status for r in _stub_batch(clients, output, jobs=2).runs] == [OK, OK]
    assert [r.status for r in _stub_batch(clients, output).runs] == [SKIPPED, SKIPPED]


def _variant(tmp_path: Path, name: str, edit) -> Path:
    nb = nbformat.read(STUB, as_version=4)
    edit(nb)
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_a_notebook_that_did_not_finish_is_a_failure(tmp_path):
    """papermill #552: a notebook returned without error but not (fully) executed must not pass."""
    client = _copy(tmp_path, "qingchuan")[0]
    no_result = _variant(tmp_path, "no_result.ipynb", lambda nb: nb.cells.pop())  # drops record_result
    result = _stub_batch([client], tmp_path / "out", notebook=no_result)
    r = result.runs[0]
    assert r.status == FAILED and r.ename == "NotebookNotFinished"
    assert result.failed


def test_timeout_stops_the_client(tmp_path):
    client = _copy(tmp_path, "qingchuan")[0]

    def slow(nb):
        nb.cells.insert(3, nbformat.v4.new_code_cell("import time\ntime.sleep(60)"))

    result = _stub_batch([client], tmp_path / "out", notebook=_variant(tmp_path, "slow.ipynb", slow), timeout=3)
    r = result.runs[0]
    assert r.status == FAILED and r.reason.startswith("超时") and r.duration < 30


def test_kernel_start_failure_is_retried_then_reported(tmp_path, monkeypatch):
    # A kernel that is installed but dies at start (an unknown name is refused before the batch starts).
    spec = tmp_path / "jupyter" / "kernels" / "dies-at-start"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({"argv": ["false", "{connection_file}"],
                                                  "display_name": "dies", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    client = _copy(tmp_path, "qingchuan")[0]
    result = _stub_batch([client], tmp_path / "out", kernel="dies-at-start", retries=2)
    r = result.runs[0]
    assert r.status == FAILED and r.attempts == 2
    assert r.reason.startswith("内核启动失败")


def test_each_notebook_runs_in_a_fresh_kernel_process(tmp_path):
    """Forked from a preloaded server, yet fresh: its own process, an empty namespace, its own env."""
    clients = _copy(tmp_path, "qingchuan", "linquan", "minshan")

    def probe(nb):
        nb.cells.insert(3, nbformat.v4.new_code_cell(
            "import os, sys\nfrom pathlib import Path\n"
            "assert 'leftover' not in globals(), 'namespace of an earlier notebook'\n"
            "leftover = 1\n"
            "assert 'pandas' in sys.modules  # preloaded by the server\n"
            "assert os.environ.get('CLUSTERKIT_RESULT_FILE', '').endswith(Path(client_dir).name + '.result.json')\n"
            "(Path(output) / ('pid-' + str(os.getpid()))).touch()"))

    output = tmp_path / "out"
    output.mkdir()
    result = run_batch([str(c) for c in clients], output=output, notebook=_variant(tmp_path, "probe.ipynb", probe),
                       province_notebook=False, progress=False, jobs=2)
    assert [r.status for r in result.runs] == [OK, OK, OK], [r.reason for r in result.runs]
    assert len(list(output.glob("pid-*"))) == 3


@pytest.mark.parametrize("argv,text", [
    (["--round", "abc"], "“abc”不是年度"),
    (["--round", "2099"], "远在已知申报年度"),  # 2030 is projected (预计); a year this far is a mistake
    (["--rulebook", "nosuch"], "未找到规则库“nosuch”"),
    (["--jobs", "0"], "--jobs 至少为 1"),
    (["--jobs", "-1"], "--jobs 至少为 1"),
    (["--timeout", "0"], "--timeout 应为大于 0 的秒数"),
    (["--timeout", "-5"], "--timeout 应为大于 0 的秒数"),
    (["--kernel", "no-such-kernel"], "没有这个 Jupyter 内核"),
    (["--output", "FILE"], "是文件，不是文件夹"),
])
def test_bad_shared_arguments_stop_the_batch_before_anything_is_written(tmp_path, capsys, argv, text):
    # A misspelt round or rulebook is one clear error up front, not the same failure in every
    # client's notebook; nothing is written to the output folder, no kernel is started.
    from toolkit.cli import main

    client = _copy(tmp_path, "qingchuan")[0]
    out = tmp_path / "out"
    if "FILE" in argv:
        (tmp_path / "FILE").write_text("x", encoding="utf-8")
        argv = [str(tmp_path / "FILE") if a == "FILE" else a for a in argv]
    assert main(["batch", str(client), "--output", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and text in err and "Traceback" not in err
    assert not out.exists()


# -- the batch killed with SIGKILL -----------------------------------------------------------------

def _tagged(tag: str) -> dict[int, str]:
    """Processes (pid → command line) whose environment carries ``tag``: every process of one batch
    (pool workers, fork server, kernel launchers, kernels), whatever session or group they moved to."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if tag.encode() in (proc / "environ").read_bytes():
                found[int(proc.name)] = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            pass
    return found


def _recorded(output: Path) -> set[str]:
    try:
        return set(json.loads((output / "batch" / "state.json").read_text(encoding="utf-8"))["clients"])
    except (OSError, ValueError, KeyError):
        return set()


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("kernel", ["auto", "python3"])  # the preloading fork server (the default), the ordinary one
def test_a_batch_killed_with_sigkill_leaves_no_process_and_the_rerun_does_only_the_rest(tmp_path, kernel):
    import signal
    import subprocess
    import sys
    import time
    import uuid

    clients = []
    for n in range(10):
        shutil.copytree(DEMO / "qingchuan", tmp_path / "clients" / f"c{n:02d}")
        clients.append(tmp_path / "clients" / f"c{n:02d}")
    # about a second per client, so that the kill lands while two notebooks are running
    slow = _variant(tmp_path, "slow_stub.ipynb",
                    lambda nb: nb.cells.insert(3, nbformat.v4.new_code_cell("import time\ntime.sleep(1.0)")))
    output = tmp_path / "out"
    tag = f"CLUSTERKIT_TEST_BATCH_TAG={uuid.uuid4().hex}"
    script = ("import sys\nfrom toolkit.run.batch import run_batch\n"
              "run_batch(sys.argv[4:], output=sys.argv[1], notebook=sys.argv[2], kernel=sys.argv[3],"
              " province_notebook=False, progress=False, jobs=2, timeout=120)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), tag.split("=")[0]: tag.split("=")[1]}
    batch = subprocess.Popen([sys.executable, "-c", script, str(output), str(slow), kernel, *map(str, clients)],
                             env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 180
        while len(_recorded(output)) < 3 and batch.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert batch.poll() is None, "the batch ended before 3 clients were recorded: progress is saved only at the end"
        assert len(_recorded(output)) >= 3
        os.kill(batch.pid, signal.SIGKILL)
        batch.wait()
        gone = time.monotonic() + 5
        while _tagged(tag) and time.monotonic() < gone:
            time.sleep(0.1)
        assert _tagged(tag) == {}, "still running 5 s after the batch was killed"
    finally:
        if batch.poll() is None:
            batch.kill()
        for pid in _tagged(tag):  # leave nothing behind for the next test
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
    done = _recorded(output)
    assert 3 <= len(done) < 10, f"{len(done)} clients recorded when killed: progress must be saved client by client"
    rerun = run_batch([str(c) for c in clients], output=output, notebook=slow, province_notebook=False,
                      progress=False, jobs=2, timeout=120, kernel=kernel)
    status = {str(Path(r.client).resolve()): r.status for r in rerun.runs}
    assert {c for c, s in status.items() if s == SKIPPED} == done
    assert {c for c, s in status.items() if s == OK} == set(status) - done
    assert _leftovers(output) == []


# -- parameters, typed by their declaration ----------------------------------------------------------

def _probe_parameters(tmp_path: Path) -> Path:
    def probe(nb):
        nb.cells.insert(3, nbformat.v4.new_code_cell(
            "import json\nfrom pathlib import Path\n"
            "(Path(output) / ('params-' + Path(client_dir).name + '.json')).write_text(json.dumps("
            "{'western_relaxation': western_relaxation, 'round': round, 'rulebook': rulebook}))"))

    return _variant(tmp_path, "probe_params.ipynb", probe)


@pytest.mark.parametrize("given, expected", [("否", False), ("false", False), ("0", False), ("No", False),
                                             ("是", True), ("true", True), ("1", True), ("yes", True)])
def test_a_switch_given_as_text_is_passed_as_its_declared_type(tmp_path, given, expected):
    client = _copy(tmp_path, "qingchuan")[0]
    output = tmp_path / "out"
    result = _stub_batch([client], output, notebook=_probe_parameters(tmp_path),
                         parameters={"western_relaxation": given, "rulebook": "yunnan"})
    assert result.runs[0].status == OK, result.runs[0].reason
    seen = json.loads((output / "params-qingchuan.json").read_text(encoding="utf-8"))
    assert seen == {"western_relaxation": expected, "round": 2025, "rulebook": "yunnan"}
    assert result.runs[0].fingerprint["western_relaxation"] is expected


@pytest.mark.parametrize("argv,text", [
    (["-p", "western_relaxation", "nan"], "“nan”不是开关的值"),
    (["-p", "western_relaxation", "也许"], "写 true 或 false"),
    (["-p", "rulebook", "nosuch"], "未找到规则库“nosuch”"),
    (["-p", "round", "abc"], "“abc”不是年度"),
    (["--round", "2025", "-p", "round", "2024"], "--round 2025 与 -p round 2024 不一致"),
    (["-p", "output", "elsewhere"], "由批处理自己设定"),
])
def test_a_parameter_not_of_its_type_or_for_an_option_is_checked_up_front(tmp_path, capsys, argv, text):
    from toolkit.cli import main

    client = _copy(tmp_path, "qingchuan")[0]
    out = tmp_path / "out"
    assert main(["batch", str(client), "--output", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and text in err and "Traceback" not in err
    assert not out.exists()


def test_a_resume_reads_no_unchanged_evidence_and_one_changed_byte_reruns_that_client(tmp_path, monkeypatch):
    """The resume check keeps a stat cache (size, times, inode → sha256), as git's index does: unchanged
    evidence is not read again; a byte changed in place, its modification time set back, is still caught."""
    import toolkit.core.hashing as hashing
    import toolkit.run.batch as batch

    monkeypatch.setattr(hashing.StatCache, "RACY_NS", 0)  # the copies are seconds old; trust them at once
    clients = _copy(tmp_path, "qingchuan", "linquan")
    scan = clients[1] / "evidence" / "扫描件.pdf"
    scan.write_bytes(os.urandom(1 << 20))
    output = tmp_path / "out"
    assert [r.status for r in _stub_batch(clients, output).runs] == [OK, OK]

    read = []
    real = hashing.sha256_file
    counting = lambda f: read.append(getattr(f, "name", f)) or real(f)  # noqa: E731
    monkeypatch.setattr(hashing, "sha256_file", counting)
    monkeypatch.setattr(batch, "sha256_file", counting, raising=False)  # an older batch hashed by itself
    assert [r.status for r in _stub_batch(clients, output).runs] == [SKIPPED, SKIPPED]
    assert read == []  # no evidence, no workbook, no template or source file read again

    st = scan.stat()
    with open(scan, "r+b") as f:  # one byte, same size
        f.seek(12345)
        b = f.read(1)
        f.seek(12345)
        f.write(bytes([b[0] ^ 1]))
    os.utime(scan, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert [r.status for r in _stub_batch(clients, output).runs] == [SKIPPED, OK]
    assert [r.status for r in _stub_batch(clients, output).runs] == [SKIPPED, SKIPPED]


# -- on a Dask cluster ---------------------------------------------------------------------------------

WORKER_CRASH_ENV = "CRASH_WORKER_AT_PACKAGE"


def _worker_crashing_notebook(folder: Path) -> Path:
    """The real client notebook, its package cell prefixed with a SIGKILL of the process running the
    client's task (a Dask worker) for the client named by $CRASH_WORKER_AT_PACKAGE; the kernel then
    goes on writing the package, as one left behind by a lost worker would."""
    nb = nbformat.read(ROOT / "notebooks" / "client_report.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "write_package(" in c.source)
    cell.source = ("import os, signal, time\n"
                   f"if os.environ.get({WORKER_CRASH_ENV!r}) == os.path.basename(os.fspath(client_dir)):\n"
                   "    os.kill(int(os.environ['CLUSTERKIT_TASK_PID']), signal.SIGKILL)\n"
                   "    time.sleep(1)\n" + cell.source)
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "client_report.ipynb")
    return folder / "client_report.ipynb"


def _document_texts(package: Path) -> dict:
    """The text of every document of a package (Word paragraphs and table cells, the narrative, the
    assessment), keyed by file: what must not depend on where the package was made."""
    import docx

    out = {}
    for p in sorted(package.rglob("*")):
        rel = p.relative_to(package).as_posix()
        if p.suffix == ".docx":
            d = docx.Document(str(p))
            out[rel] = [x.text for x in d.paragraphs] + [c.text for t in d.tables for row in t.rows for c in row.cells]
        elif p.suffix == ".md":
            out[rel] = p.read_text(encoding="utf-8")
        elif p.name == "assessment.json":
            out[rel] = {k: v for k, v in json.loads(p.read_text(encoding="utf-8")).items() if k != "generated_at"}
        elif p.suffix == ".png":
            out[rel] = "png"
    return out


def test_on_a_dask_local_cluster_the_documents_are_the_local_pools_and_a_lost_worker_leaves_no_package(
        crash_runs, tmp_path, monkeypatch):
    """``--scheduler local:2``: the same client task on Dask workers gives the documents the local pool
    gave; a worker killed while its client is being packaged leaves no package (nor a temporary one),
    the client is tried once more and then reported, and the others are not affected."""
    _, _, local, _ = crash_runs
    clients = _copy(tmp_path / "clients", "qingchuan", "linquan", "minshan")
    monkeypatch.setenv(WORKER_CRASH_ENV, "minshan")
    output = tmp_path / "out"
    result = run_batch([str(c) for c in clients], round=2025, output=output, scheduler="local:2", timeout=180,
                       progress=False, province_notebook=False, notebook=_worker_crashing_notebook(tmp_path / "nb"))
    by = {r.client_id: r for r in result.runs}
    assert [by[c].status for c in ("qingchuan", "linquan")] == [OK, OK], [r.reason for r in result.runs]
    assert by["minshan"].status == FAILED and by["minshan"].ename == "WorkerCrashed", by["minshan"].reason
    assert not list((output / "2025").rglob("minshan")) and not _leftovers(output)
    assert json.loads(result.manifest.read_text(encoding="utf-8"))["scheduler"].startswith("本机 LocalCluster")
    pool = {r.client_id: Path(r.package) for r in local.runs}
    for cid in ("qingchuan", "linquan"):
        assert _document_texts(Path(by[cid].package)) == _document_texts(pool[cid])
    # the next run on the cluster skips what is done and makes the lost client's package
    monkeypatch.delenv(WORKER_CRASH_ENV)
    again = run_batch([str(c) for c in clients], round=2025, output=output, scheduler="local:2", timeout=180,
                      progress=False, province_notebook=False, notebook=_worker_crashing_notebook(tmp_path / "nb"))
    assert [r.status for r in again.runs] == [SKIPPED, SKIPPED, OK]
