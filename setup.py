"""The shipped data (rulebooks, rounds, schema, reference data, demo clients), the Word and text
templates and the notebooks live at the project's top level for consultants to read and restyle;
a wheel carries them inside the package as ``toolkit/_shipped/`` (see ``toolkit.core.paths``)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("data", "templates", "notebooks")


class BuildWithShipped(build_py):
    def run(self):
        super().run()
        here = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "toolkit" / "_shipped"
        for name in SHIPPED:
            dest = target / name
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(here / name, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints",
                                                                         "intake.checked.xlsx", "~$*"))


setup(cmdclass={"build_py": BuildWithShipped})
