"""Word documents to PDF with LibreOffice, headless.

Each document goes to this process's running converter (``toolkit.documents.office``: started with
the first PDF and kept, or the batch worker's that started this kernel); where there is none, one
``soffice --convert-to pdf`` call takes every document of a client (starting LibreOffice costs about
a second; each further document a fraction of that). Both use LibreOffice's ``writer_pdf_Export``
with its defaults, so the PDFs are the same. A private profile per call keeps parallel runs apart;
the Chinese fonts come from ``toolkit.core.fonts`` through fontconfig, so the PDFs look the same on
every machine. When LibreOffice is missing, ``OfficeMissing`` says how to get it: the Word documents
are written regardless.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from toolkit.core import fonts
from toolkit.core.errors import ToolkitError
from toolkit.documents import office


class OfficeMissing(ToolkitError):
    """LibreOffice is not installed: the PDFs cannot be made (the Word documents are)."""


INSTALL_HINT = ("未找到 LibreOffice，已生成 Word 文件，未生成 PDF。安装 LibreOffice 后重新运行即可得到 PDF："
                "Debian/Ubuntu 运行 bash scripts/system-deps（make demo 与 make test 会自动安装）；"
                "Windows 请安装 LibreOffice 并确认 soffice 在 PATH 中")


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(docs: list[Path | str], outdir: Path | str, *, timeout: float = 300) -> dict[Path, Path]:
    """Convert ``docs`` to PDF into ``outdir`` in one LibreOffice call; returns document → PDF.
    Documents must have distinct file stems (LibreOffice names each PDF after its document)."""
    exe = soffice()
    if exe is None:
        raise OfficeMissing(INSTALL_HINT)
    docs = [Path(d) for d in docs]
    if not docs:
        return {}
    stems = [d.stem for d in docs]
    if len(set(stems)) != len(stems):
        raise ToolkitError(f"转换为 PDF 的文件名重复：{'、'.join(s for s in stems if stems.count(s) > 1)}")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    out: dict[Path, Path] = {}
    office.start_for_process()   # this process's converter, started with its first PDF and kept
    if os.environ.get(office.OFFICE_ENV) != office.OFF:
        for d in docs:
            try:
                office.convert(d, outdir / (d.stem + ".pdf"), timeout=timeout)
            except office.Unavailable:
                break   # LibreOffice failed on it or is gone: this and the rest go the ordinary way
            out[d] = outdir / (d.stem + ".pdf")
        docs = [d for d in docs if d not in out]
        if not docs:
            return out
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(outdir), *map(str, docs)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=fonts.fontconfig_env())
        except subprocess.TimeoutExpired:
            raise ToolkitError(f"LibreOffice 转换 PDF 超过{timeout:g}秒未完成（{len(docs)}个文件）；"
                               f"请关闭其他 LibreOffice 窗口后重试") from None
    missing = []
    for d in docs:
        pdf = outdir / (d.stem + ".pdf")
        if pdf.is_file() and pdf.stat().st_size > 0:
            out[d] = pdf
        else:
            missing.append(d.name)
    if missing or proc.returncode != 0:
        detail = (proc.stderr or proc.stdout or "").strip()[-300:]
        raise ToolkitError(f"LibreOffice 未能把 {'、'.join(missing) or '文件'} 转换为 PDF"
                           + (f"（{detail}）" if detail else "") + "；请在 Word 或 WPS 中打开检查后重试")
    return out


def page_count(pdf: Path | str) -> int:
    import pikepdf

    with pikepdf.open(pdf) as doc:
        return len(doc.pages)
