"""LibreOffice, headless: .docx → PDF, and the PDF's text read back (how the tests meet a document).

Test support: only the tests convert documents today. It depends on nothing of tests/ (only on
``toolkit.core``), so when the package itself produces PDFs it moves back to ``toolkit/documents/office.py``
unchanged.

LibreOffice and poppler come from Debian's packages (`.ci/run` and `scripts/system-deps` install them);
the Chinese fonts come from ``toolkit.core.fonts`` through fontconfig.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from toolkit.core import fonts
from toolkit.core.errors import ToolkitError


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: Path | str, outdir: Path | str, timeout: float = 180) -> Path:
    """Convert one document to PDF with a private LibreOffice profile (parallel runs don't clash)."""
    exe = soffice()
    if exe is None:
        raise ToolkitError("LibreOffice is not installed; run `bash scripts/system-deps` (Debian) to install it.")
    docx, outdir = Path(docx), Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(outdir), str(docx)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=fonts.fontconfig_env())
    pdf = outdir / (docx.stem + ".pdf")
    if proc.returncode != 0 or not pdf.exists():
        raise ToolkitError(f"LibreOffice could not convert {docx.name}: {proc.stderr.strip() or proc.stdout.strip()}")
    return pdf


def pdf_text(pdf: Path | str) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        raise ToolkitError("pdftotext (poppler-utils) is not installed; run `bash scripts/system-deps`.")
    proc = subprocess.run([exe, "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True)
    return proc.stdout


def pdf_pages(pdf: Path | str) -> int:
    exe = shutil.which("pdfinfo")
    proc = subprocess.run([exe, str(pdf)], capture_output=True, text=True, check=True)
    for line in proc.stdout.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return 0


def pdf_fonts(pdf: Path | str) -> str:
    exe = shutil.which("pdffonts")
    return subprocess.run([exe, str(pdf)], capture_output=True, text=True, check=True).stdout
