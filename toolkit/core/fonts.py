"""Chinese fonts that travel with the project.

The fonts are the OFL-licensed Noto Sans CJK SC and Noto Serif CJK SC files shipped inside the
``mplfonts`` wheel (a dependency in pyproject.toml). We use them by path only: we never run
``mplfonts init`` (it writes into matplotlib's install folder) and never touch its SimHei file, whose
licence is unclear.

- ``use_in_matplotlib()`` registers them with ``fontManager.addfont`` for this process (call it in
  every process and notebook kernel before drawing; ``toolkit.documents.charts`` does).
- ``fontconfig_env()`` gives the environment under which LibreOffice finds them: a ``fonts.conf`` in
  the project's cache folder that adds the font folder and maps the Word templates' font names
  (仿宋, 黑体, 宋体 …) to them.
"""

from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from pathlib import Path

from toolkit.core.errors import ToolkitError
from toolkit.core.paths import cache_dir

SANS_FILE = "NotoSansCJKsc-Regular.otf"
SERIF_FILE = "NotoSerifCJKsc-Regular.otf"
SANS_FAMILY = "Noto Sans CJK SC"
SERIF_FAMILY = "Noto Serif CJK SC"

# Names the Word templates use, and the open font each stands for.
SERIF_ALIASES = ("仿宋", "仿宋_GB2312", "FangSong", "FangSong_GB2312", "宋体", "SimSun", "楷体", "楷体_GB2312", "KaiTi",
                 "方正小标宋简体", "方正小标宋_GBK", "FZXiaoBiaoSong-B05S", "华文中宋", "STZhongsong")
SANS_ALIASES = ("黑体", "SimHei", "微软雅黑", "Microsoft YaHei", "等线", "DengXian")


@lru_cache(maxsize=1)
def font_dir() -> Path:
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise ToolkitError(
            "The Chinese fonts are missing: the package 'mplfonts' is not installed. "
            "Run `make test` or `make demo` once, or `pip install -e .`, to install the project's dependencies."
        )
    folder = Path(list(spec.submodule_search_locations)[0]) / "fonts"
    for name in (SANS_FILE, SERIF_FILE):
        if not (folder / name).is_file():
            raise ToolkitError(f"Font file {folder / name} is missing; reinstall the project's dependencies.")
    return folder


def font_files() -> dict[str, Path]:
    folder = font_dir()
    return {SANS_FAMILY: folder / SANS_FILE, SERIF_FAMILY: folder / SERIF_FILE}


_registered = False


def use_in_matplotlib() -> str:
    """Register the CJK fonts with matplotlib for this process; returns the sans family name."""
    global _registered
    import matplotlib
    from matplotlib import font_manager

    if not _registered:
        for path in font_files().values():
            font_manager.fontManager.addfont(str(path))
        _registered = True
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [SANS_FAMILY, "DejaVu Sans"]
    matplotlib.rcParams["font.serif"] = [SERIF_FAMILY, "DejaVu Serif"]
    # Noto CJK has U+2212, but axis labels read better with a plain hyphen-minus in Chinese reports.
    matplotlib.rcParams["axes.unicode_minus"] = False
    return SANS_FAMILY


def _alias(names: tuple[str, ...], family: str) -> str:
    return "".join(
        f"  <alias binding=\"same\"><family>{n}</family><prefer><family>{family}</family></prefer></alias>\n"
        for n in names
    )


def fontconfig_file() -> Path:
    """Write (if needed) and return a fonts.conf that makes the CJK fonts visible to fontconfig."""
    base = cache_dir() / "fontconfig"
    files = base / "fonts"
    files.mkdir(parents=True, exist_ok=True)
    for family, path in font_files().items():
        link = files / path.name
        if not link.exists():
            try:
                link.symlink_to(path)
            except OSError:  # file systems without symlinks
                import shutil

                shutil.copyfile(path, link)
    conf = base / "fonts.conf"
    text = (
        "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig>\n"
        "  <include ignore_missing=\"yes\">/etc/fonts/fonts.conf</include>\n"
        f"  <dir>{files}</dir>\n"
        f"  <cachedir>{base / 'cache'}</cachedir>\n"
        + _alias(SERIF_ALIASES, SERIF_FAMILY)
        + _alias(SANS_ALIASES, SANS_FAMILY)
        + "</fontconfig>\n"
    )
    if not conf.exists() or conf.read_text(encoding="utf-8") != text:
        tmp = conf.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, conf)
    return conf


def fontconfig_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of ``env`` (default: os.environ) with FONTCONFIG_FILE set for LibreOffice."""
    out = dict(os.environ if env is None else env)
    out["FONTCONFIG_FILE"] = str(fontconfig_file())
    return out
