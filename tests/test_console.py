"""Where consultants work: a Chinese-locale console (GBK) never ends a command in a traceback, the
command line speaks Chinese, and a project folder's settings and own templates are used."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.cli import main
from toolkit.core import paths
from toolkit.core.errors import ToolkitError
from toolkit.core.settings import init_project, load

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = ROOT / "data" / "examples" / "clients"
BROKEN = ROOT / "data" / "examples" / "broken"


def _gbk(args, cwd, timeout=300):
    env = {**os.environ, "PYTHONIOENCODING": "gbk", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "toolkit", *args], cwd=cwd, env=env, capture_output=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gbk")
    for c in ("qingchuan", "dongtang"):
        shutil.copytree(CLIENTS / c, tmp / "clients" / c)
    shutil.copytree(BROKEN, tmp / "clients" / "broken")
    return tmp


COMMANDS = [
    ["--help"], ["batch", "--help"], ["frobnicate"], ["check"],
    ["new-client", "clients/新县", "--name", "新县智能家电产业集群"],
    ["check", "clients/qingchuan"], ["check", "clients/broken"],
    ["assess", "clients/qingchuan", "--round", "2025"], ["assess", "clients/broken", "--round", "2025"],
    ["package", "clients/dongtang", "--round", "2025", "--output", "out"],
    ["brief", "clients/qingchuan", "--round", "2025", "--output", "out", "--today", "2025-05-10"],
    ["province", "out", "--round", "2025"],
    ["rulebook", "check"], ["templates", "check"], ["reference", "list"],
    ["init", "项目"], ["assess", "clients/没有这个客户"],
    ["status", "clients/qingchuan", "--output", "out"], ["report", "out"],
    ["annual-report", "clients/dongtang", "--year", "2024", "--output", "out"],
    ["annual-report", "clients/qingchuan", "--year", "2024"],
    ["new-client", "clients/东塘下一轮", "--from", "clients/dongtang"],
    ["rulebook", "diff", "national-2022", "yunnan", "clients/qingchuan"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a)[:40])
def test_every_command_survives_a_gbk_console(work, args):
    r = _gbk(args, work)
    err = r.stderr.decode("gbk", "replace")
    assert "Traceback" not in err and "UnicodeEncodeError" not in err, err[-2000:]
    assert r.returncode in (0, 1, 2), err[-500:]
    out = r.stdout.decode("gbk")            # what the console shows is valid GBK
    assert out or err


def test_a_batch_finishing_in_a_gbk_console_prints_its_marks(work):
    r = _gbk(["batch", "clients/qingchuan", "--round", "2025", "--output", "batch-out", "--jobs", "1"], work, 600)
    out, err = r.stdout.decode("gbk"), r.stderr.decode("gbk", "replace")
    assert r.returncode == 0, err[-2000:]
    assert "Traceback" not in err and "完成 1 个" in out and "?" in out   # ✓ became ?, the line survived


def test_help_and_errors_read_in_chinese(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法：clusterkit") and "显示本帮助并退出" in out and "建立客户文件夹" in out
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    out = capsys.readouterr().out
    assert "同时运行的客户数" in out and "usage" not in out and "show this help" not in out
    with pytest.raises(SystemExit) as exc:
        main(["batch"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "缺少必须给出的参数：客户文件夹" in err and "required" not in err


def test_init_lays_out_a_project_whose_settings_and_templates_are_used(tmp_path, monkeypatch):
    made = init_project(tmp_path / "咨询项目")
    root = tmp_path / "咨询项目"
    assert (root / "clusterkit.toml").is_file() and (root / "templates" / "memo.docx").is_file()
    assert (root / "data" / "criteria" / "national-2022.yaml").is_file() and root / "clients" in made
    with pytest.raises(ToolkitError, match="已存在"):
        init_project(root)
    (root / "clusterkit.toml").write_text('[consultancy]\nname = "某某咨询有限公司"\n[defaults]\njobs = 3\n'
                                          'round = 2025\noutput = "材料包"\n', encoding="utf-8")
    monkeypatch.chdir(root / "clients")
    s = load()
    assert (s.consultancy, s.jobs, s.round, s.output) == ("某某咨询有限公司", 3, 2025, root / "材料包")
    assert paths.templates_dir() == root / "templates"          # the project's own copy comes first
    assert paths.schema_dir() == paths.shipped_root() / "data" / "schema"   # what it lacks comes from the toolkit
    from toolkit.cli import build_parser

    args = build_parser().parse_args(["batch", "x"])
    assert args.jobs == 3 and args.output == str(root / "材料包")


@pytest.mark.parametrize("text, match", [
    ("[defaults]\njobs = \"两个\"\n", "defaults.jobs: 应为整数"),
    ("[defaults]\nthreads = 2\n", "defaults.threads: 未知的设置"),
    ("[consultancy\nname = 1\n", "格式错误"),
    ("[people]\nname = \"x\"\n", "people: 未知的设置节"),
])
def test_a_mistaken_settings_file_is_named(tmp_path, monkeypatch, text, match):
    (tmp_path / "clusterkit.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ToolkitError, match=match):
        load()
    assert main(["check", "x"]) == 2      # the command says so instead of a traceback


def test_a_project_made_while_the_process_runs_is_found(tmp_path, monkeypatch):
    """Resource lookups remember the project folder found for the current folder; a clusterkit.toml
    made in it later, removed, or made by ``init_project`` in a folder above is still seen."""
    from toolkit.core import paths
    from toolkit.core.settings import init_project

    work = tmp_path / "proj" / "notebooks"
    work.mkdir(parents=True)
    monkeypatch.delenv("CLUSTERKIT_HOME", raising=False)
    monkeypatch.chdir(work)
    assert paths.project_dir() is None
    (work / paths.SETTINGS_FILE).write_text("", encoding="utf-8")
    assert paths.project_dir() == work.resolve()
    (work / paths.SETTINGS_FILE).unlink()
    assert paths.project_dir() is None
    init_project(tmp_path / "proj")
    assert paths.project_dir() == (tmp_path / "proj").resolve()
    assert paths.templates_dir() == (tmp_path / "proj" / "templates").resolve()
