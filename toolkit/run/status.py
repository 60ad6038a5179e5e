"""What a batch would re-run, and why, without running anything (``clusterkit status``).

For each client folder, the last successful run recorded in ``<output>/batch/state.json`` is compared
with what the client's package is made from now, part by part: the workbook and each evidence file
(against the sha256 the package's manifest lists for them), a file added to or removed from
``evidence/`` or ``passages/``, the round file, the rulebook (its whole chain of bases), the
templates, the notebook and the toolkit's own code. A client never run, or whose package is gone or
incomplete, says so. Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from toolkit.core.hashing import sha256_file


@dataclass
class ClientStatus:
    client: str
    package: str | None
    changes: list[str] = field(default_factory=list)   # empty: up to date

    @property
    def up_to_date(self) -> bool:
        return not self.changes

    def line(self) -> str:
        name = Path(self.client).name
        if self.up_to_date:
            return f"{name}：最新（材料包 {self.package}），batch 会跳过"
        return f"{name}：需要重跑 — " + "；".join(self.changes)


def _input_changes(folder: Path, manifest: dict) -> list[str]:
    from toolkit.intake import evidence

    out = []
    listed = {i.get("path"): i for i in manifest.get("inputs") or [] if i.get("path")}
    for rel, entry in listed.items():
        path = folder / rel
        what = "工作簿" if entry.get("role") == "intake" else "佐证材料"
        if not path.is_file():
            if entry.get("exists", True):
                out.append(f"{what} {rel} 已删除")
        elif entry.get("sha256") and sha256_file(path) != entry["sha256"]:
            out.append(f"{what} {rel} 已改动")
    for sub in ("evidence", "passages"):
        base = folder / sub
        if base.is_dir():
            for p in sorted(base.rglob("*")):
                rel = p.relative_to(folder).as_posix()
                if p.is_file() and not evidence.ignored(p.name) and rel not in listed and sub == "evidence":
                    out.append(f"佐证材料文件夹中新增 {rel}")
    return out


def client_status(folder: Path | str, output: Path | str, *, notebook: Path | None = None) -> ClientStatus:
    from toolkit.core.paths import notebooks_dir
    from toolkit.package.manifest import package_complete, read_manifest
    from toolkit.run import batch, fingerprint

    folder = Path(folder).resolve()
    state = batch.load_state(Path(output))
    entry = (state.get("clients") or {}).get(str(folder))
    if not entry:
        return ClientStatus(str(folder), None, ["尚未在这个输出文件夹中成功运行过"])
    package = entry.get("package")
    st = ClientStatus(str(folder), package)
    if not package or not package_complete(package):
        st.changes.append("材料包缺失或不完整")
        return st
    fp = entry.get("fingerprint") or {}
    manifest = read_manifest(package)
    st.changes += _input_changes(folder, manifest)
    if fp.get("inputs_sha256") and not st.changes and fingerprint.inputs_sha256(folder) != fp["inputs_sha256"]:
        st.changes.append("客户文件夹中的输入文件有改动（如补充段落 passages/）")
    rf = fingerprint.round_file(fp.get("round")) if fp.get("round") else None
    if (sha256_file(rf) if rf else None) != fp.get("round_file_sha256"):
        st.changes.append(f"申报年度文件 data/rounds/{fp.get('round')}.yaml 已改动")
    if fingerprint.rulebook_sha256(fp.get("rulebook_requested")) != fp.get("rulebook_sha256"):
        st.changes.append("规则库（或它所依据的基础规则库）已改动")
    used = entry.get("rulebook") or {}
    if used.get("sha256") and fingerprint.rulebook_sha256(used.get("path") or used.get("id")) != used["sha256"]:
        st.changes.append(f"所用规则库 {used.get('id')} 已改动")
    if fingerprint.templates_sha256() != fp.get("templates_sha256"):
        st.changes.append("模板（templates/）已改动")
    nb = notebook or notebooks_dir() / "client_report.ipynb"
    if fp.get("notebook_sha256") and sha256_file(nb) != fp["notebook_sha256"]:
        st.changes.append("客户笔记本已改动")
    if fp.get("toolkit_sha256") and fingerprint.toolkit_sha256() != fp["toolkit_sha256"]:
        st.changes.append("工具代码已更新")
    return st
