"""Packaging hook: the wheel carries template.yaml and functions/, so the CLI works from any folder, and the
default theme's catalogs compiled (messages.mo beside each messages.po)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithProject(build_py):
    """Copy the stack's template and handlers into pressroom/local/project inside the built package, and compile
    the theme's catalogs (in the source tree for an editable install, which runs from there)."""

    def run(self) -> None:
        super().run()
        sys.path.insert(0, str(ROOT / "layers" / "pressroom"))
        from pressroom.i18n import compile_catalogs

        built = Path(self.build_lib) / "pressroom" / "theme"
        compile_catalogs(ROOT / "layers" / "pressroom" / "pressroom" / "theme" if self.editable_mode else built)
        target = Path(self.build_lib) / "pressroom" / "local" / "project"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / "template.yaml", target / "template.yaml")
        shutil.copytree(ROOT / "functions", target / "functions", dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithProject})
