"""How the tests meet a document: a .docx converted to PDF, and the PDF's text and fonts read back.

Test support. The conversion itself is the package's (``toolkit.documents.pdf``, LibreOffice headless
with the project's fonts); what is here only reads a PDF back with poppler (``pdftotext``,
``pdffonts``), which the toolkit never needs. LibreOffice and poppler come from Debian's packages
(`.ci/run` and `scripts/system-deps` install them).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from toolkit.core.errors import ToolkitError
from toolkit.documents import pdf as converter

soffice = converter.soffice
pdf_pages = converter.page_count


def to_pdf(docx: Path | str, outdir: Path | str) -> Path:
    """One document to PDF in ``outdir`` (``toolkit.documents.pdf.convert``)."""
    return converter.convert([Path(docx)], outdir)[Path(docx)]


def pdf_text(pdf: Path | str) -> str:
    exe = shutil.which("pdftotext")
    if exe is None:
        raise ToolkitError("pdftotext (poppler-utils) is not installed; run `bash scripts/system-deps`.")
    proc = subprocess.run([exe, "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True)
    return proc.stdout


def pdf_fonts(pdf: Path | str) -> str:
    exe = shutil.which("pdffonts")
    return subprocess.run([exe, str(pdf)], capture_output=True, text=True, check=True).stdout
