"""The client-facing report of a client's executed notebook: HTML with the code hidden.

``write_report(package_or_notebook, out=None)`` renders the executed ``client_report.ipynb`` the batch
keeps inside a client's package (or any executed notebook given directly) with nbconvert, inputs and
prompts left out: what remains is the notebook's headings and text, the parameter table in plain
Chinese, the tables in the house number style and the charts inline — something a consultant can
open in front of a county. It is written beside the notebook as ``客户报告.html`` unless ``out`` says
otherwise; a notebook that was never run (no outputs) is refused with what to do.
"""

from __future__ import annotations

import re
from pathlib import Path

from toolkit.core.atomic import write_text
from toolkit.core.errors import ToolkitError

REPORT_FILE = "客户报告.html"
# A county's Windows or WPS machine has one of these faces; the tables read without the index column
# pandas adds, and short cells (结论, 单位) do not break a character per line.
STYLE = """<style>
body, .jp-RenderedHTMLCommon { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC",
  "Source Han Sans SC", "SimHei", sans-serif; }
.jp-RenderedHTMLCommon table.dataframe tbody th, .jp-RenderedHTMLCommon table.dataframe thead th:first-child,
table.dataframe tbody th, table.dataframe thead th:first-child { display: none; }
table.dataframe td, table.dataframe th { text-align: left; vertical-align: top; min-width: 3.5em; }
</style>"""
NOTEBOOK = "client_report.ipynb"


def find_notebook(path: Path | str) -> Path:
    """The executed client notebook: ``path`` itself, or the one inside a package folder."""
    path = Path(path)
    if path.suffix == ".ipynb":
        if not path.is_file():
            raise ToolkitError(f"找不到笔记本 {path}")
        return path
    if not path.is_dir():
        raise ToolkitError(f"找不到 {path}：给出客户的材料包文件夹（clusterkit batch 写出的）或执行后的笔记本")
    found = sorted(path.rglob(NOTEBOOK))
    if not found:
        raise ToolkitError(f"{path} 中没有执行后的 {NOTEBOOK}：先用 clusterkit batch 为这个客户运行一次，"
                           f"材料包中会保留执行后的笔记本")
    return found[0]


def render_html(notebook: Path | str) -> str:
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(notebook), as_version=4)
    if not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
        raise ToolkitError(f"{notebook} 没有运行结果：先用 clusterkit batch（或在 JupyterLab 中运行全部单元格）再生成报告")
    title = next((c.source.lstrip("# ").splitlines()[0] for c in nb.cells if c.cell_type == "markdown"), "客户报告")
    nb.metadata["title"] = title
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    body = re.sub(r"<html( lang=\"[^\"]*\")?>", '<html lang="zh-CN">', body, count=1)
    return body.replace("</head>", STYLE + "\n</head>", 1)


def write_report(path: Path | str, out: Path | str | None = None) -> Path:
    notebook = find_notebook(path)
    target = Path(out) if out else notebook.with_name(REPORT_FILE)
    return write_text(target, render_html(notebook))
