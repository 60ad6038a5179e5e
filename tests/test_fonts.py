"""Chinese text draws with the project's own font: any 'Glyph missing' warning fails."""

import subprocess
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from toolkit.core import fonts  # noqa: E402

SAMPLE = "中小企业特色产业集群 专精特新“小巨人” 集群工业总产值（亿元）−5 ≥40亿元 ％"


def test_font_files_are_open_licence_noto():
    files = fonts.font_files()
    assert {p.name for p in files.values()} == {fonts.SANS_FILE, fonts.SERIF_FILE}
    assert all(p.stat().st_size > 1_000_000 for p in files.values())


def test_chinese_text_has_every_glyph(tmp_path):
    fonts.use_in_matplotlib()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph N missing from font(s)" is a UserWarning
        fig, ax = plt.subplots()
        ax.set_title(SAMPLE)
        ax.set_xlabel("年度")
        ax.plot([2022, 2023, 2024], [-1, 2, 3])
        fig.savefig(tmp_path / "t.png")
        fig.savefig(tmp_path / "t.svg")
        plt.close(fig)


def test_missing_glyphs_are_caught_without_the_font(tmp_path):
    """The check above can fail: with the default font the same text warns."""
    with matplotlib.rc_context({"font.family": "DejaVu Sans", "font.sans-serif": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title(SAMPLE)
        with pytest.warns(UserWarning, match="missing from font"):
            fig.savefig(tmp_path / "t.png")
        plt.close(fig)


def test_registration_writes_nothing_into_matplotlib(tmp_path):
    before = sorted(p.name for p in __import__("pathlib").Path(matplotlib.get_data_path(), "fonts", "ttf").iterdir())
    fonts.use_in_matplotlib()
    after = sorted(p.name for p in __import__("pathlib").Path(matplotlib.get_data_path(), "fonts", "ttf").iterdir())
    assert before == after


def test_fontconfig_finds_the_fonts_for_libreoffice():
    env = fonts.fontconfig_env()
    for name, family in (("仿宋", fonts.SERIF_FAMILY), ("黑体", fonts.SANS_FAMILY), (":lang=zh-cn", None)):
        out = subprocess.run(["fc-match", "-f", "%{family}", name], env=env, capture_output=True, text=True).stdout
        assert "CJK" in out, (name, out)
        if family:
            assert family in out
