"""Where the project's data, templates and notebooks live.

The package is installed in editable mode from the project folder (``make`` does this), so the data
folders sit beside the package. ``CLUSTERKIT_HOME`` points elsewhere, e.g. to a consultancy's own copy
of ``data/`` and ``templates/``.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def source_dir() -> Path:
    """The ``toolkit`` package folder itself: the code (the batch hashes it to know when to re-run)."""
    return PACKAGE_DIR


def project_root() -> Path:
    env = os.environ.get("CLUSTERKIT_HOME")
    return Path(env).resolve() if env else PACKAGE_DIR.parent


def data_dir() -> Path:
    return project_root() / "data"


def schema_dir() -> Path:
    return data_dir() / "schema"


def criteria_dir() -> Path:
    return data_dir() / "criteria"


def rounds_dir() -> Path:
    return data_dir() / "rounds"


def reference_dir() -> Path:
    return data_dir() / "reference"


def examples_dir() -> Path:
    return data_dir() / "examples"


def templates_dir() -> Path:
    return project_root() / "templates"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def cache_dir() -> Path:
    """A project-local scratch folder (git-ignored), e.g. for the generated fontconfig file."""
    env = os.environ.get("CLUSTERKIT_CACHE")
    path = Path(env) if env else project_root() / ".cache"
    path.mkdir(parents=True, exist_ok=True)
    return path
