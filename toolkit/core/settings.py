"""A consultancy's project settings: one file, ``clusterkit.toml``, at the project folder's root.

``clusterkit init DIR`` writes it with every setting explained; ``load()`` reads the one of the
project folder the current folder is in (``toolkit.core.paths.project_dir``), or the defaults when
there is none::

    [consultancy]
    name = "某某咨询有限公司"     # shown on the memo and proposal, never on a submission document

    [defaults]
    output = "output"              # where packages go (relative to the project folder)
    round = 2027                   # a round to plan for instead of the one today's date decides
    jobs = 2                       # clients run at once by `clusterkit batch`

A file that is not valid TOML, a key the toolkit does not know or a value of the wrong kind is a
``ToolkitError`` naming the file, the key and what to write.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from toolkit.core.errors import ToolkitError
from toolkit.core.paths import SETTINGS_FILE, project_dir

KNOWN = {"consultancy": {"name": str}, "defaults": {"output": str, "round": int, "jobs": int}}

TEMPLATE = '''# 集群申报工具箱的项目设置（clusterkit.toml）。修改后保存即可，下次运行命令时生效。

[consultancy]
# 咨询机构名称：显示在简报和申报服务方案上，不会出现在报送省里的申报材料中
name = ""

[defaults]
# 申报材料包的输出文件夹（相对于本文件所在的文件夹）
output = "output"
# 申报年度：不写时按今天的日期取下一个尚未截止的年度；需要固定某一年度时去掉行首的 # 并改写年份
# round = 2027
# clusterkit batch 同时运行的客户数（双核电脑建议 2）
jobs = 2
'''


@dataclass(frozen=True)
class Settings:
    consultancy: str = ""
    output: Path = Path("output")
    round: int | None = None
    jobs: int = 2
    path: Path | None = None      # the file read, None when there is none


def load(start: Path | str | None = None) -> Settings:
    """The settings of the project folder holding ``start`` (default: the current folder)."""
    folder = project_dir(start)
    if folder is None:
        return Settings()
    path = folder / SETTINGS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ToolkitError(f"{path}: 格式错误（{exc}）；照 clusterkit init 生成的样式改正，文字须加英文双引号") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ToolkitError(f"{path}: 无法读取（{type(exc).__name__}）；请另存为 UTF-8 文本") from None
    values: dict = {}
    for section, content in data.items():
        if section not in KNOWN or not isinstance(content, dict):
            raise ToolkitError(f"{path} › {section}: 未知的设置节；可用：{'、'.join(KNOWN)}")
        for key, value in content.items():
            kind = KNOWN[section].get(key)
            if kind is None:
                raise ToolkitError(f"{path} › {section}.{key}: 未知的设置；可用：{'、'.join(KNOWN[section])}")
            if not isinstance(value, kind) or isinstance(value, bool):
                what = "整数，如 2" if kind is int else "文字，加英文双引号"
                raise ToolkitError(f"{path} › {section}.{key}: 应为{what}，实际为 {value!r}")
            values[key] = value
    jobs = values.get("jobs", 2)
    if jobs < 1:
        raise ToolkitError(f"{path} › defaults.jobs: 至少为 1，实际为 {jobs}")
    output = Path(values.get("output", "output"))
    return Settings(consultancy=values.get("name", "").strip(), output=output if output.is_absolute() else folder / output,
                    round=values.get("round"), jobs=jobs, path=path)


def init_project(folder: Path | str) -> list[Path]:
    """Lay out a consultancy's project folder: clusterkit.toml, clients/, output/, and its own copies of
    the templates, rulebooks and rounds to restyle and extend. Never overwrites a file."""
    import shutil

    from toolkit.core import atomic
    from toolkit.core.paths import forget, shipped_root

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ToolkitError(f"{folder} 是文件，不是文件夹：换一个文件夹名")
    settings = folder / SETTINGS_FILE
    if settings.exists():
        raise ToolkitError(f"{settings} 已存在：这个文件夹已是项目文件夹，未做改动")
    made = []
    for sub in ("clients", "output"):
        atomic.make_dirs(folder / sub)
        made.append(folder / sub)
    src = shipped_root()
    for rel in ("templates", "data/criteria", "data/rounds"):
        target = folder / rel
        if not target.exists():
            atomic.make_dirs(target.parent)
            try:
                shutil.copytree(src / rel, target)
            except OSError as exc:
                raise (atomic.output_error(exc, target) or ToolkitError(f"{target}: 无法复制（{exc}）")) from exc
            made.append(target)
    with atomic.atomic_path(settings) as tmp:
        Path(tmp).write_text(TEMPLATE, encoding="utf-8")
    made.append(settings)
    forget()   # this process finds the new project from now on
    return made
