"""The CloudFront Functions of template.yaml, run under Node.js against the shared table of URL cases."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.template.conftest import load_template

HERE = Path(__file__).resolve().parent
CASES_FILE = HERE / "url_cases.json"
HARNESS = HERE / "run_cf_function.js"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))
NODE = shutil.which("node")

needs_node = pytest.mark.skipif(NODE is None, reason="Node.js (`node`) is not installed; apt-get install nodejs")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every case run once through the functions' code as it stands in template.yaml, by case name."""
    folder = tmp_path_factory.mktemp("cloudfront-functions")
    resources = load_template()["Resources"]
    paths = []
    for name in ("ViewerRequestFunction", "ViewerResponseFunction"):
        path = folder / f"{name}.js"
        path.write_text(resources[name]["Properties"]["FunctionCode"], encoding="utf-8")
        paths.append(str(path))
    run = subprocess.run([str(NODE), str(HARNESS), *paths, str(CASES_FILE)],
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    output = json.loads(run.stdout)
    return {kind: {item["name"]: item for item in output[kind]} for kind in ("request", "response")}


def test_case_names_are_unique() -> None:
    for kind in ("request", "response"):
        names = [case["name"] for case in CASES[kind]]
        assert len(names) == len(set(names)), kind


@needs_node
@pytest.mark.parametrize("case", CASES["request"], ids=lambda case: case["name"])
def test_viewer_request(results: dict[str, dict[str, Any]], case: dict[str, Any]) -> None:
    assert results["request"][case["name"]]["actual"] == case["expect"]


@needs_node
@pytest.mark.parametrize("case", CASES["response"], ids=lambda case: case["name"])
def test_viewer_response(results: dict[str, dict[str, Any]], case: dict[str, Any]) -> None:
    result = results["response"][case["name"]]
    assert result["actual"] == case["expect"]
    assert not [h for h in result["headers"] if h.startswith("x-amz-meta-")]


@pytest.mark.parametrize("name", ["ViewerRequestFunction", "ViewerResponseFunction"])
def test_functions_fit_the_cloudfront_functions_quotas(name: str) -> None:
    # CloudFront refuses a function over 10 KB of code, and a FunctionConfig comment over 128 characters
    props = load_template()["Resources"][name]["Properties"]
    assert len(props["FunctionCode"].encode("utf-8")) <= 10 * 1024
    assert len(props["FunctionConfig"]["Comment"]) <= 128
