"""Atomic writes: a path that cannot be written is a named ToolkitError, never an OSError traceback."""

from __future__ import annotations

import pytest

from toolkit.core import atomic
from toolkit.core.errors import ToolkitError


def test_a_file_in_the_way_of_a_folder_is_named(tmp_path):
    blocker = tmp_path / "output"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ToolkitError, match="output 是文件，不是文件夹"):
        atomic.make_dirs(blocker / "2025" / "浙江省")
    with pytest.raises(ToolkitError, match="是文件，不是文件夹"):
        atomic.write_text(blocker / "2025" / "a.json", "{}")
    with pytest.raises(ToolkitError, match="是文件，不是文件夹"):
        with atomic.atomic_dir(blocker):
            pass
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_folder_given_where_a_file_is_written_is_named_and_left_alone(tmp_path):
    folder = tmp_path / "assessment.json"
    folder.mkdir()
    (folder / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ToolkitError, match="是文件夹，不能写成文件"):
        atomic.write_text(folder, "{}")
    assert (folder / "keep.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["assessment.json"]  # no temporary file left
