"""The client-facing report: the executed notebook as HTML with no code, no escaped Chinese, no NaN and
no raw floats, the parameters in plain Chinese and the charts inline."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.cli import main
from toolkit.core.errors import ToolkitError
from toolkit.run.report import REPORT_FILE, render_html

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    client = tmp / "澜石县"
    shutil.copytree(ROOT / "data" / "examples" / "clients" / "qingchuan", client)
    out_nb = tmp / "client_report.ipynb"
    proc = subprocess.run([str(Path(sys.executable).with_name("papermill")), "notebooks/client_report.ipynb",
                           str(out_nb), "-p", "client_dir", str(client), "-p", "output", str(tmp / "out"),
                           "-p", "round", "2025", "--no-progress-bar"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out_nb


def test_the_report_shows_no_code_and_reads_as_chinese(executed, capsys):
    assert "\\u6f9c" in executed.read_text(encoding="utf-8")   # papermill escapes the injected parameter
    assert main(["report", str(executed)]) == 0
    html = (executed.parent / REPORT_FILE).read_text(encoding="utf-8")
    assert "hl-ipython3" not in html and "from toolkit" not in html and "nbk." not in html
    assert "\\u6f9c" not in html and "澜石县" in html
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S))
    assert "NaN" not in text and "None" not in text
    assert not re.search(r"\d\.\d{4,}", text), re.search(r".{40}\d\.\d{4,}.{20}", text)
    assert "客户文件夹" in text and "申报年度" in text and "2025年度" in text and "西部地区放宽" in text
    assert "逐条对照规则库中的认定标准" in text            # the notebook's prose is Chinese
    assert html.count("data:image/png;base64") >= 4       # the charts inline
    assert '<html lang="zh-CN">' in html


def test_a_notebook_that_never_ran_is_refused():
    with pytest.raises(ToolkitError, match="没有运行结果"):
        render_html(ROOT / "notebooks" / "client_report.ipynb")


def test_a_package_without_its_notebook_says_what_to_do(tmp_path):
    with pytest.raises(ToolkitError, match="先用 clusterkit batch"):
        render_html.__globals__["find_notebook"](tmp_path)
