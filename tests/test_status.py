"""clusterkit status: up to date, or which input changed, without running anything."""

from __future__ import annotations

import shutil
from pathlib import Path

from toolkit.cli import main
from toolkit.run.batch import run_batch
from toolkit.run.status import client_status

ROOT = Path(__file__).resolve().parents[1]


def test_status_names_what_changed_and_runs_nothing(tmp_path, capsys):
    client = tmp_path / "clients" / "qingchuan"
    shutil.copytree(ROOT / "data" / "examples" / "clients" / "qingchuan", client)
    out = tmp_path / "out"
    assert client_status(client, out).changes == ["尚未在这个输出文件夹中成功运行过"]
    result = run_batch([str(client)], round=2025, output=out, jobs=1, progress=False, province_notebook=False,
                       kernel="python3", timeout=300)
    assert not result.failed
    assert client_status(client, out).up_to_date
    before = sorted(p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file())
    evidence = next((client / "evidence").glob("*.pdf"))
    evidence.write_bytes(evidence.read_bytes() + b"\n%changed")
    (client / "evidence" / "新增说明.pdf").write_bytes(b"%PDF-1.4\n")
    st = client_status(client, out)
    assert f"佐证材料 evidence/{evidence.name} 已改动" in st.changes
    assert "佐证材料文件夹中新增 evidence/新增说明.pdf" in st.changes
    assert main(["status", str(client), "--output", str(out)]) == 0
    text = capsys.readouterr().out
    assert "qingchuan：需要重跑" in text and "未运行任何内容" in text
    assert sorted(p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()) == before   # nothing written
