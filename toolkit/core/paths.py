"""Where the project's data, templates and notebooks live, and where a consultancy's own copies are.

The shipped resources — rulebooks, rounds, the intake schema, reference data, the demo clients
(``data/``), the Word and text templates (``templates/``) and the notebooks (``notebooks/``) — are
found in this order:

1. ``CLUSTERKIT_HOME``, when set: a folder holding them;
2. a consultancy's project folder (``clusterkit init DIR`` lays one out): the folder holding
   ``clusterkit.toml``, the current folder or one above it; each of its resource folders that exists
   (``templates/``, ``data/criteria/``, ``data/rounds/`` …) is used in place of the shipped one, the
   others come from the toolkit;
3. the development checkout the package was installed from (``make`` installs it editable): the
   folders beside ``toolkit/``;
4. an installed wheel's own copy, ``toolkit/_shipped/`` (``setup.py`` puts it there).
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent
SHIPPED_DIR = PACKAGE_DIR / "_shipped"        # a wheel's copy of data/, templates/, notebooks/
CHECKOUT_DIR = PACKAGE_DIR.parent             # a development checkout
SETTINGS_FILE = "clusterkit.toml"


def source_dir() -> Path:
    """The ``toolkit`` package folder itself: the code (the batch hashes it to know when to re-run)."""
    return PACKAGE_DIR


@lru_cache(maxsize=1)
def shipped_root() -> Path:
    """The toolkit's own resources: the checkout's folders in development, else the wheel's copy
    (fixed for the life of the process: the package does not move)."""
    if (CHECKOUT_DIR / "data" / "schema").is_dir() and (CHECKOUT_DIR / "templates").is_dir():
        return CHECKOUT_DIR
    return SHIPPED_DIR


# The current folder → its project folder (or None), as last found: every resource lookup asks,
# hundreds of times per client, and the walk up resolves the whole path. Each use checks again that
# the found clusterkit.toml is still there, or, where none was found, that none has appeared in the
# current folder; one made in a folder above it while the process runs is seen after ``forget()``
# (``clusterkit init`` calls it) or in the next process.
_found: dict[str, str | None] = {}


def forget() -> None:
    """Forget the project folders found so far (after ``clusterkit init`` made one)."""
    _found.clear()


def project_dir(start: Path | str | None = None) -> Path | None:
    """The consultancy's project folder: the nearest folder from ``start`` (the current folder) up
    that holds ``clusterkit.toml``; None when there is none."""
    if start:
        found = _walk_up(os.fspath(start))
        return Path(found) if found else None
    cwd = os.getcwd()
    if cwd in _found:
        found = _found[cwd]
        if os.path.isfile(os.path.join(found or cwd, SETTINGS_FILE)) != (found is None):
            return Path(found) if found else None
    found = _found[cwd] = _walk_up(cwd)
    return Path(found) if found else None


def _walk_up(start: str) -> str | None:
    here = os.path.realpath(start)
    while True:
        if os.path.isfile(os.path.join(here, SETTINGS_FILE)):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def project_root() -> Path:
    """The folder the resources are read from first (see the module docstring)."""
    env = os.environ.get("CLUSTERKIT_HOME")
    if env:
        return Path(env).resolve()
    return project_dir() or shipped_root()


def _resource(*parts: str) -> Path:
    """A resource folder: the project's own where it has one, else the toolkit's."""
    root, shipped = project_root(), shipped_root()
    own = root.joinpath(*parts)
    if root == shipped or os.environ.get("CLUSTERKIT_HOME") or os.path.isdir(own):
        return own
    return shipped.joinpath(*parts)


def data_dir() -> Path:
    return _resource("data")


def schema_dir() -> Path:
    return _resource("data", "schema")


def criteria_dir() -> Path:
    return _resource("data", "criteria")


def rounds_dir() -> Path:
    return _resource("data", "rounds")


def reference_dir() -> Path:
    return _resource("data", "reference")


def examples_dir() -> Path:
    return _resource("data", "examples")


def templates_dir() -> Path:
    return _resource("templates")


def notebooks_dir() -> Path:
    return _resource("notebooks")


def workplan_file() -> Path:
    return data_dir() / "workplan.yaml"


def _user_cache() -> Path:
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "clusterkit"


def cache_dir() -> Path:
    """A scratch folder (git-ignored), e.g. for the generated fontconfig file: the checkout's or the
    project's ``.cache``, else the user's cache folder (an installed package's folder may be read-only)."""
    env = os.environ.get("CLUSTERKIT_CACHE")
    if env:
        path = Path(env)
    elif project_root() == SHIPPED_DIR:
        path = _user_cache()
    else:
        path = project_root() / ".cache"
    path.mkdir(parents=True, exist_ok=True)
    return path
