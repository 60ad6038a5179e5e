"""Safe names: whatever people typed, a file name the file system accepts, inside the output folder."""

from __future__ import annotations

import pytest

from toolkit.core.errors import ToolkitError
from toolkit.core.naming import MAX_BYTES, inside, safe_name


@pytest.mark.parametrize("text", ["集" * 5000, "青川县" * 40 + "产业集群", "a" * 300, "集a" * 100])
def test_a_long_name_fits_a_file_name_with_room_for_suffixes(text, tmp_path):
    name = safe_name(text)
    assert name and len(name.encode("utf-8")) <= MAX_BYTES
    # a memo named after it, under its temporary name, can be created
    (tmp_path / f".{name}_申报服务方案.abcdefgh.tmp.docx").write_bytes(b"")


@pytest.mark.parametrize("text,expected", [("../..", "client"), ("青川/../..县", "青川_县"), ("  ", "client")])
def test_unsafe_text_becomes_a_plain_name(text, expected):
    assert safe_name(text) == expected


def test_inside_refuses_to_leave_the_base(tmp_path):
    with pytest.raises(ToolkitError):
        inside(tmp_path, "..", "x")
