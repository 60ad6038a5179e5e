"""A running LibreOffice that converts Word documents to PDF on request (started by ``office.py``).

This file runs under the Python that LibreOffice's own ``uno`` module belongs to (Debian's
``python3`` with ``python3-uno``, or the ``python`` inside LibreOffice's program folder on Windows
and macOS), not the toolkit's: it imports only the standard library and ``uno``, never the toolkit.

    PYTHON office_server.py --soffice PATH --profile DIR --address-file FILE [--remove-folder]

1. starts ``soffice.bin`` headless with a private profile, listening on a named pipe;
2. connects to it (retrying while it starts) and serves XML-RPC on 127.0.0.1, on a free port, at a
   random path: ``convert(src, dst)`` loads a document hidden and read-only and stores it as PDF
   (``writer_pdf_Export``, the filter ``soffice --convert-to pdf`` uses), ``ping()``;
3. writes the address (``http://127.0.0.1:PORT/TOKEN``) into the address file, atomically, once it
   can convert; a start that fails writes ``failed: why`` instead;
4. ends, killing LibreOffice, when its standard input closes: the process that started it keeps
   the pipe open and its death (even SIGKILL) closes it. On Linux this server and LibreOffice also
   get a parent-death signal, so neither outlives its parent.

A conversion that breaks the connection (LibreOffice crashed on a document) restarts LibreOffice
once and is reported as failed: the caller converts that document the ordinary way. LibreOffice is
also restarted, before the next call, once its memory has grown past ``RECYCLE_MIB``; its profile
keeps its glyph cache small (``PROFILE_SETTINGS``), which keeps that memory from growing.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import xmlrpc.server
from pathlib import Path

START_TIMEOUT = 90.0
# LibreOffice keeps the glyphs it has laid out in a cache of 20 MB by its own count, which on our
# CJK documents grew its resident memory by about 0.85 MiB with every document (190 MiB after twenty
# of a batch's documents, 274 after 120, restarted twice in 400). The private profile sets that cache
# to 5 MB (PROFILE_SETTINGS): the memory levels off near 225 MiB (228 after 400 documents, peak 241),
# the time and the PDFs are the same (text of 120, pixels of 30 pages compared). Past RECYCLE_MIB of
# resident memory (read from /proc, Linux) or RECYCLE_DOCS documents (elsewhere) it is still restarted
# before the next call, should another document grow it.
PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Cache/Font">\
<prop oor:name="GlyphsCacheSize" oor:op="fuse"><value>5000000</value></prop></item>
</oor:items>
"""
RECYCLE_MIB = int(os.environ.get("CLUSTERKIT_OFFICE_RECYCLE_MIB") or 300)
RECYCLE_DOCS = 60
RESTART = 81  # soffice.bin's exit code for "start me again"


def _pdeathsig():
    """In the child before exec: SIGKILL when this server dies (Linux; elsewhere the stdin watch)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):
        pass


class Office:
    def __init__(self, soffice: str, profile: Path):
        self.soffice = soffice
        self.profile = profile
        self.pipe = f"clusterkit-office-{os.getpid()}-{secrets.token_hex(4)}"
        self.proc: subprocess.Popen | None = None
        self.desktop = None
        self.lock = threading.Lock()
        self.served = 0      # documents since LibreOffice (re)started
        self.due = False     # to be restarted before the next document
        self.restarts = 0

    def start(self) -> None:
        import uno

        settings = Path(self.profile) / "user" / "registrymodifications.xcu"
        if not settings.exists():  # a new profile: LibreOffice adds its own settings to this file
            settings.parent.mkdir(parents=True, exist_ok=True)
            settings.write_text(PROFILE_SETTINGS, encoding="utf-8")
        cmd = [self.soffice, f"-env:UserInstallation={Path(self.profile).resolve().as_uri()}", "--headless",
               "--invisible", "--nocrashreport", "--nodefault", "--nologo", "--nofirststartwizard", "--norestore",
               f"--accept=pipe,name={self.pipe};urp;StarOffice.ComponentContext"]
        linux = sys.platform.startswith("linux")

        def launch():
            return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, preexec_fn=_pdeathsig if linux else None)

        self.proc = launch()
        restarts = 0
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if self.proc.poll() == RESTART and restarts < 2:
                    # soffice.bin asks to be started again once it has set up a new profile (the
                    # soffice wrapper does this for a desktop user)
                    restarts += 1
                    self.proc = launch()
                    continue
                if self.proc.poll() is not None:
                    raise RuntimeError(f"LibreOffice exited while starting (code {self.proc.returncode})")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"LibreOffice did not start within {START_TIMEOUT:g} s")
                time.sleep(0.1)
        self.ctx = ctx
        self.desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.desktop.terminate()
            except Exception:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def convert(self, src: str, dst: str) -> bool:
        import uno
        from com.sun.star.beans import PropertyValue

        def props(**kw):
            return tuple(PropertyValue(Name=k, Value=v) for k, v in kw.items())

        with self.lock:
            if self.due:   # grown past its limit after the last call, and not yet restarted
                self._restart()
            try:
                doc = self.desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(src)), "_blank", 0,
                                                        props(Hidden=True, ReadOnly=True))
            except Exception as exc:
                self._recover(exc)
                raise
            if doc is None:
                raise RuntimeError(f"LibreOffice could not open {src}")
            try:
                doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(dst)),
                               props(FilterName="writer_pdf_Export", Overwrite=True))
            except Exception as exc:
                self._recover(exc)
                raise
            finally:
                try:
                    doc.close(True)
                except Exception:
                    pass
            self.served += 1
            # Restarted before the next call, in this thread: LibreOffice's parent-death signal is tied
            # to the thread that started it, so a short-lived thread must never start it.
            self.due = self._grown()
        return True

    def glyph_cache(self) -> int | None:
        """The glyph cache size the running LibreOffice has read from its profile (bytes)."""
        from com.sun.star.beans import PropertyValue

        with self.lock:
            provider = self.ctx.ServiceManager.createInstanceWithContext(
                "com.sun.star.configuration.ConfigurationProvider", self.ctx)
            node = provider.createInstanceWithArguments(
                "com.sun.star.configuration.ConfigurationAccess",
                (PropertyValue(Name="nodepath", Value="/org.openoffice.Office.Common/Cache/Font"),))
            return int(node.getByName("GlyphsCacheSize"))

    def _grown(self) -> bool:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) > RECYCLE_MIB * 1024
        except (OSError, ValueError, IndexError):
            pass
        return self.served >= RECYCLE_DOCS

    def _restart(self) -> None:
        self.stop()
        try:
            self.start()
        except Exception:
            os._exit(3)   # the callers' conversions then start LibreOffice themselves
        self.served, self.due = 0, False
        self.restarts += 1

    def _recover(self, exc: Exception) -> None:
        """After a failed call: when LibreOffice itself is gone, start a fresh one for the next call."""
        if self.proc is None or self.proc.poll() is None:
            try:
                self.desktop.getComponents()
                return
            except Exception:
                pass
        try:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.kill()
            self.start()
        except Exception:
            os._exit(3)


class _Quiet(xmlrpc.server.SimpleXMLRPCRequestHandler):
    def log_message(self, *args):  # no request log on the console of a batch
        pass


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--soffice", required=True)
    ap.add_argument("--profile", required=True)
    ap.add_argument("--address-file", required=True)
    ap.add_argument("--remove-folder", action="store_true", help="remove the address file's folder on exit")
    args = ap.parse_args(argv)
    address_file = Path(args.address_file)
    office = Office(args.soffice, Path(args.profile))

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(1):
                pass
        except (OSError, ValueError):
            pass
        end()

    def end(*_):
        # The starter is gone (or asks us to end): LibreOffice is killed at once, not asked — asking
        # waits for a conversion in flight, and a killed batch must leave no process behind.
        if office.proc is not None and office.proc.poll() is None:
            office.proc.kill()
        if args.remove_folder:   # the folder the starter made for it (profile, address): gone with it
            shutil.rmtree(address_file.parent, ignore_errors=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, end)   # the parent-death signal the starter asked for (Linux)
    threading.Thread(target=watch_stdin, daemon=True).start()
    try:
        office.start()
    except Exception as exc:
        _write(address_file, f"failed: {exc}")
        office.stop()
        return 2
    token = secrets.token_urlsafe(16)
    _Quiet.rpc_paths = (f"/{token}",)
    server = xmlrpc.server.SimpleXMLRPCServer(("127.0.0.1", 0), requestHandler=_Quiet, allow_none=True,
                                              logRequests=False)
    server.register_function(office.convert, "convert")
    server.register_function(lambda: True, "ping")
    server.register_function(lambda: {"served": office.served, "restarts": office.restarts,
                                      "pid": office.proc.pid if office.proc else None,
                                      "glyph_cache": office.glyph_cache()}, "state")
    _write(address_file, f"http://127.0.0.1:{server.server_address[1]}/{token}")
    try:
        server.serve_forever()
    finally:
        office.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
