#!/usr/bin/env python
"""Write the real-world bad files the intake reader must refuse with a clear message:

- data/examples/broken/encrypted.xlsx — the qingchuan workbook with an opening password (密码 demo),
  encrypted as Excel does (an OLE file holding EncryptionInfo and EncryptedPackage);
- data/examples/broken/old-format.xls — an Excel 97-2003 workbook.

Needs two packages the toolkit itself does not use: ``pip install msoffcrypto-tool xlwt``
(e.g. ``pip install --target /tmp/tools …`` and ``PYTHONPATH=/tmp/tools``). The encryption uses a
random salt, so re-running changes the bytes of encrypted.xlsx; the files are committed once.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "examples" / "broken"


def main() -> int:
    import xlwt
    from msoffcrypto.format.ooxml import OOXMLFile

    OUT.mkdir(parents=True, exist_ok=True)
    src = ROOT / "data" / "examples" / "clients" / "qingchuan" / "intake.xlsx"
    plain = OOXMLFile(io.BytesIO(src.read_bytes()))
    out = io.BytesIO()
    plain.encrypt("demo", out)
    (OUT / "encrypted.xlsx").write_bytes(out.getvalue())

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("基本信息")
    for r, (k, v) in enumerate([("项目", "填写内容"), ("集群名称", "青川县智能小家电产业集群"), ("所在省份", "浙江省")]):
        sheet.write(r, 0, k)
        sheet.write(r, 1, v)
    book.save(str(OUT / "old-format.xls"))
    print("wrote", OUT / "encrypted.xlsx", OUT / "old-format.xls")
    return 0


if __name__ == "__main__":
    sys.exit(main())
