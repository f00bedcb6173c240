"""Packaging hook: the wheel carries template.yaml and functions/, so the CLI works from any folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithProject(build_py):
    """Copy the stack's template and handlers into pressroom/local/project inside the built package."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "pressroom" / "local" / "project"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / "template.yaml", target / "template.yaml")
        shutil.copytree(ROOT / "functions", target / "functions", dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildWithProject})
