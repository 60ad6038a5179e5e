"""A real install: the built wheel (not editable) in a fresh virtual environment works from any folder,
with the rulebooks, rounds, schema, templates and notebooks it carries."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A new venv with the wheel installed; the dependencies come from this environment's
    site-packages through a path entry (no .pth of it is processed, so its editable toolkit is not seen)."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(dist)],
                           capture_output=True, text=True, timeout=600)
    if build.returncode != 0 and "Could not find a version" in (build.stderr + build.stdout):
        pytest.skip("no package index to build the wheel with")
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(dist.glob("clusterkit-*.whl"))
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "clusterkit-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    return py, tmp


def _env(cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CLUSTERKIT_HOME", "CLUSTERKIT_CACHE")}
    env["HOME"] = str(cwd)          # the user cache goes under the test's folder
    return env


def _run(py, cwd, *args):
    return subprocess.run([str(py), "-m", "toolkit", *args], cwd=cwd, capture_output=True, text=True, env=_env(cwd),
                          timeout=300)


def test_the_wheel_carries_its_resources_and_runs_from_any_folder(installed):
    py, tmp = installed
    work = tmp / "anywhere"
    work.mkdir()
    where = subprocess.run([str(py), "-c", "import toolkit, toolkit.core.paths as p; print(toolkit.__file__); "
                            "print(p.shipped_root()); print(p.criteria_dir())"], cwd=work, capture_output=True,
                           text=True, check=True, env=_env(work)).stdout.split("\n")
    assert str(tmp / "venv") in where[0] and where[1].endswith("_shipped") and where[2].endswith("criteria")
    r = _run(py, work, "new-client", "clients/某县", "--name", "某县智能小家电产业集群")
    assert r.returncode == 0, r.stderr
    assert (work / "clients" / "某县" / "intake.xlsx").is_file()
    demo = Path(where[1]) / "data" / "examples" / "clients" / "qingchuan"
    r = _run(py, work, "check", str(demo), "--annotated", str(work / "checked.xlsx"))
    assert r.returncode == 0, r.stdout + r.stderr
    r = _run(py, work, "assess", str(demo), "--round", "2025", "--json", str(work / "assessment.json"))
    assert r.returncode == 0 and "符合条件" in r.stdout, r.stdout + r.stderr
    r = _run(py, work, "package", str(demo), "--round", "2025", "--output", str(work / "output"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert list((work / "output").rglob("manifest.json"))
