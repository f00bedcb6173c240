"""The installed package carries what the CLI needs to run from any folder."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pressroom.local import find_root

ROOT = Path(__file__).resolve().parents[2]


def test_a_folder_without_a_template_uses_the_shipped_one(tmp_path: Path) -> None:
    assert (find_root(tmp_path) / "template.yaml").is_file()
    assert find_root(ROOT) == ROOT


@pytest.mark.slow
def test_the_wheel_ships_template_functions_theme_and_the_pytest_plugin(tmp_path: Path) -> None:
    # when
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True)

    # then
    wheel = next(tmp_path.glob("pressroom-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(archive.read(n).decode() for n in names if n.endswith("entry_points.txt"))
    assert {"pressroom/local/project/template.yaml", "pressroom/local/project/functions/render/app.py",
            "pressroom/local/project/functions/index/app.py", "pressroom/theme/templates/base.html"} <= names
    assert "pressroom = pressroom.pytest_plugin" in entry_points
    assert "pressroom = pressroom.cli:main" in entry_points
