"""A LibreOffice kept running for many conversions (``toolkit.documents.office``): the same PDFs as
one ``soffice --convert-to`` call, gone with the process that started it, and never the reason a
PDF is missing (a converter that cannot start or fails on a document hands it to the ordinary way)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import docx
import pytest

from office import pdf_text
from toolkit.core.errors import ToolkitError
from toolkit.documents import office, pdf

pytestmark = pytest.mark.skipif(pdf.soffice() is None or office.python_with_uno() is None,
                                reason="needs LibreOffice and its Python bridge (bash scripts/system-deps)")


def _doc(path: Path, text: str) -> Path:
    d = docx.Document()
    d.add_heading("中小企业特色产业集群申报表", 1)
    for i in range(40):
        d.add_paragraph(f"{text} 第{i + 1}段：主导产业产值 38.5 亿元，同比增长 10.0%。")
    d.save(path)
    return path


def _page_image(pdf_file: Path, prefix: Path) -> bytes:
    """The first page rendered to pixels (pdftoppm, 60 dpi, raw PPM: no encoder metadata)."""
    subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", str(pdf_file), str(prefix)], check=True)
    (page,) = prefix.parent.glob(prefix.name + "-*.ppm")
    data = page.read_bytes()
    page.unlink()
    return data


def _office_processes(folder: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if str(folder) in cmd:
                found.append(cmd)
    return found


def test_the_running_converter_gives_the_same_pdf_as_a_soffice_call(tmp_path, monkeypatch):
    docs = [_doc(tmp_path / "附件1_申报表.docx", "青川县"), _doc(tmp_path / "佐证材料清单.docx", "林泉县")]
    monkeypatch.setenv(office.OFFICE_ENV, office.OFF)   # every conversion starts LibreOffice itself
    plain = pdf.convert(docs, tmp_path / "plain")
    monkeypatch.delenv(office.OFFICE_ENV)
    with office.serving() as conv:
        assert conv is not None and os.environ[office.OFFICE_ENV] == str(conv.address_file)
        served = pdf.convert(docs, tmp_path / "served")
        assert conv.address_file.read_text(encoding="utf-8").startswith("http://127.0.0.1:")
        again = pdf.convert(docs, tmp_path / "again")   # the same LibreOffice, a second time
    assert office.OFFICE_ENV not in os.environ   # as before the block
    for d in docs:
        assert pdf.page_count(served[d]) == pdf.page_count(plain[d]) == pdf.page_count(again[d])
        assert pdf_text(served[d]) == pdf_text(plain[d]) == pdf_text(again[d])
        assert _page_image(served[d], tmp_path / "s") == _page_image(plain[d], tmp_path / "p")  # the same type, the same place
    assert not conv.folder.exists() and conv.proc.poll() is not None


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads /proc (Linux)")
def test_the_converter_and_its_libreoffice_end_with_a_killed_starter(tmp_path):
    doc = _doc(tmp_path / "a.docx", "东塘县")
    script = textwrap.dedent(f"""
        import os
        import time
        from pathlib import Path
        from toolkit.documents import office, pdf
        pdf.convert([Path({str(doc)!r})], {str(tmp_path / 'out')!r})   # the first PDF starts the converter
        print(Path(os.environ[office.OFFICE_ENV]).parent, flush=True)
        time.sleep(120)
    """)
    env = {k: v for k, v in os.environ.items() if k != office.OFFICE_ENV}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[1], env=env)
    folder = Path(proc.stdout.readline().strip())
    assert (tmp_path / "out" / "a.pdf").is_file()
    assert any("soffice" in cmd for cmd in _office_processes(folder))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    gone = time.monotonic() + 5
    while (_office_processes(folder) or folder.exists()) and time.monotonic() < gone:
        time.sleep(0.1)
    assert _office_processes(folder) == [], "LibreOffice still running 5 s after its starter was killed"
    assert not folder.exists()


def test_a_converter_that_cannot_start_leaves_the_pdfs_to_a_soffice_call(tmp_path, monkeypatch):
    doc = _doc(tmp_path / "b.docx", "岷山县")
    broken = tmp_path / "converter"
    broken.mkdir()
    (broken / "address").write_text("failed: LibreOffice exited while starting", encoding="utf-8")
    monkeypatch.setenv(office.OFFICE_ENV, str(broken / "address"))
    out = pdf.convert([doc], tmp_path / "out")
    assert "岷山县" in pdf_text(out[doc])
    (broken / "address").unlink()        # gone altogether (its folder removed by a dying converter)
    broken.rmdir()
    assert "岷山县" in pdf_text(pdf.convert([doc], tmp_path / "out2")[doc])


def test_a_document_libreoffice_cannot_open_is_named_as_without_a_converter(tmp_path):
    bad = tmp_path / "附件1_申报表.docx"
    bad.write_bytes(b"PK\x03\x04 not really a Word document")
    good = _doc(tmp_path / "佐证材料清单.docx", "青川县")
    with office.serving():
        with pytest.raises(ToolkitError, match="附件1_申报表.docx"):
            pdf.convert([bad, good], tmp_path / "out")
        # and the converter still serves the next document
        assert "青川县" in pdf_text(pdf.convert([good], tmp_path / "out2")[good])


def test_libreoffice_grown_past_its_memory_limit_is_restarted_between_documents(tmp_path, monkeypatch):
    import xmlrpc.client

    monkeypatch.setenv("CLUSTERKIT_OFFICE_RECYCLE_MIB", "1")   # every LibreOffice is past 1 MiB
    names = ["青川县", "林泉县", "岷山县"]
    docs = [_doc(tmp_path / f"{i}.docx", name) for i, name in enumerate(names)]
    with office.serving() as conv:
        out = pdf.convert(docs, tmp_path / "out")
        address = conv.address_file.read_text(encoding="utf-8")
        state = xmlrpc.client.ServerProxy(address).state()
    assert [name in pdf_text(out[d]) for name, d in zip(names, docs)] == [True] * 3
    assert state["restarts"] >= 1   # a fresh LibreOffice took the later documents


def test_the_running_libreoffice_keeps_a_small_glyph_cache_after_a_restart_too(tmp_path, monkeypatch):
    """Its default 20 MB glyph cache grew LibreOffice's memory with every CJK document of a batch; the
    private profile sets 5 MB, and LibreOffice itself reports that value, before and after a restart."""
    import xmlrpc.client

    from toolkit.documents.office_server import PROFILE_SETTINGS

    assert "<value>5000000</value>" in PROFILE_SETTINGS
    monkeypatch.setenv("CLUSTERKIT_OFFICE_RECYCLE_MIB", "1")   # restarted after every document
    docs = [_doc(tmp_path / f"{i}.docx", name) for i, name in enumerate(["青川县", "林泉县"])]
    with office.serving() as conv:
        pdf.convert(docs[:1], tmp_path / "out")
        proxy = xmlrpc.client.ServerProxy(conv.address_file.read_text(encoding="utf-8"))
        first = proxy.state()
        pdf.convert(docs[1:], tmp_path / "out")
        second = proxy.state()
    assert first["restarts"] == 0 and first["glyph_cache"] == 5_000_000
    assert second["restarts"] >= 1 and second["glyph_cache"] == 5_000_000
