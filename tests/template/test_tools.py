"""The template through the tools a deployment uses: `sam validate --lint`, `sam build`, cfn-lint and checkov.

The tools live in their own venvs under .tools/ (scripts/install-tools.sh, run by `make test`); a test whose
tool is missing is skipped and says how to install it. No test needs Docker or an AWS account.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.template.conftest import ROOT

pytestmark = pytest.mark.slow

TOOLS = ROOT / ".tools"
SAM = TOOLS / "sam" / "bin" / "sam"
CHECKOV = TOOLS / "checkov" / "bin" / "checkov"
CFN_LINT_CANDIDATES = (TOOLS / "cfn-lint" / "bin" / "cfn-lint", TOOLS / "sam" / "bin" / "cfn-lint")
LAYER_GOAL_BYTES = 5 * 1024 * 1024  # zipped
INSTALL_HINT = "run `bash scripts/install-tools.sh` (part of `make test`)"
# Provided by the Lambda Python runtime; the layer must not shadow them.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
# Development-side parts of the pressroom package, never deployed.
DEV_SUBPACKAGES = ("local", "cli", "preview")
ELF_MACHINE_AARCH64 = 183


def _tool_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "VIRTUAL_ENV"))}
    env.update({"SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"})
    return env


def _run(command: list[str], *, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, env=_tool_env(), capture_output=True, text=True, timeout=timeout,
                          check=False)


def _require(path: Path, what: str) -> Path:
    if not path.is_file():
        pytest.skip(f"{what} is not installed at {path.relative_to(ROOT)}; {INSTALL_HINT}")
    return path


# --- SAM CLI ---------------------------------------------------------------------------------------------

def test_sam_validate_with_lint() -> None:
    sam = _require(SAM, "the AWS SAM CLI")
    run = _run([str(sam), "validate", "--lint", "--template-file", "template.yaml"])
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`sam build` into a temporary folder, as `sam deploy` would use it; no Docker."""
    sam = _require(SAM, "the AWS SAM CLI")
    out = tmp_path_factory.mktemp("sam-build")
    run = _run([str(sam), "build", "--template-file", "template.yaml", "--build-dir", str(out / "build"),
                "--cache-dir", str(out / "cache"), "--no-cached", "--parallel"])
    assert run.returncode == 0, run.stdout + run.stderr
    yield out / "build"


def _layer_files(built: Path) -> dict[str, Path]:
    root = built / "PressroomLayer"
    return {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}


def test_built_layer_holds_the_runtime_package_and_theme(built: Path) -> None:
    files = _layer_files(built)
    assert "python/pressroom/urls.py" in files
    assert "python/pressroom/handlers.py" in files
    assert any(name.startswith("python/pressroom/theme/templates/") for name in files)
    for module in ("jinja2", "markupsafe", "cmarkgfm", "nh3", "yaml", "aws_lambda_powertools", "aws_xray_sdk"):
        assert {f"python/{module}/__init__.py", f"python/{module}/__init__.pyc"} & set(files), module


def test_built_layer_leaves_out_dev_code_runtime_packages_and_bytecode(built: Path) -> None:
    names = list(_layer_files(built))
    for sub in DEV_SUBPACKAGES:
        assert not [n for n in names if n.startswith(f"python/pressroom/{sub}/")], sub
    assert "python/pressroom/pytest_plugin.py" not in names
    for package in RUNTIME_PROVIDED:
        assert not [n for n in names if n.startswith(f"python/{package}/")], package
    # cmark-gfm's compiled library without the cffi bindings nothing imports (pressroom.markup uses ctypes)
    assert [n for n in names if n.startswith("python/cmarkgfm/_cmark") and n.endswith(".so")]
    assert not [n for n in names if n.startswith(("python/cffi", "python/_cffi_backend", "python/pycparser"))]
    # bytecode only from the runtime's Python (build_layer.py), never from the build machine's
    assert not [n for n in names if n.endswith(".pyc") and "__pycache__" in n and ".cpython-313." not in n]


def _runtime_python() -> str:
    sys.path.insert(0, str(ROOT / "layers" / "pressroom"))
    try:
        from build_layer import runtime_python
    finally:
        sys.path.pop(0)
    found = runtime_python("3.13")
    if found is None:
        pytest.skip("no Python 3.13 on this machine (the Lambda runtime's version): the layer ships sources only, "
                    "and its bytecode is not checked")
    return found


def test_built_layer_ships_bytecode_for_the_runtime_and_imports_under_it(built: Path, tmp_path: Path) -> None:
    python = _runtime_python()
    files = _layer_files(built)
    magic = subprocess.run([python, "-c", "import importlib.util, sys; sys.stdout.write(importlib.util.MAGIC_NUMBER.hex())"],
                           capture_output=True, text=True, check=True).stdout
    third_party = [n for n in files if n.startswith("python/") and not n.startswith("python/pressroom/")]
    assert not [n for n in third_party if n.endswith(".py")]  # bytecode in place of the sources
    for name in ("python/jinja2/environment.pyc", "python/yaml/__init__.pyc", "python/cmarkgfm/cmark.pyc",
                 "python/babel/dates.pyc", "python/aws_lambda_powertools/logging/logger.pyc"):
        assert files[name].read_bytes()[:4].hex() == magic, name
    for source in (n for n in files if n.startswith("python/pressroom/") and n.endswith(".py")):
        folder, _, module = source.rpartition("/")
        assert f"{folder}/__pycache__/{module[:-3]}.cpython-313.pyc" in files, source
    assert not [n for n in files if n.startswith("python/aws_lambda_powertools/event_handler/")]
    assert [n for n in files if n.startswith("python/pressroom/theme/bytecode/") and n.endswith(".jbc")]
    # Python 3.13 imports what the handlers load from the layer (its native code is arm64, so nh3 is left out;
    # jmespath comes with the runtime, as boto3 does)
    import jmespath

    smoke = (
        "import sys; sys.path.insert(0, sys.argv[1]); sys.path.append(sys.argv[2])\n"
        "import jinja2, yaml, babel.dates, anyascii, puremagic\n"
        "from aws_lambda_powertools import Logger, Metrics, Tracer\n"
        "from aws_lambda_powertools.metrics import MetricUnit, single_metric\n"
        "from aws_lambda_powertools.utilities.data_classes.s3_event import S3EventBridgeNotificationEvent\n"
        "from aws_lambda_powertools.utilities.typing import LambdaContext\n"
        "from datetime import datetime, UTC\n"
        "from pressroom import render\n"
        "theme = render.load_theme(None)\n"
        "for name in ('article.html', 'list.html', '404.html', 'gone.html'): theme.env.get_template(name)\n"
        # the default theme's templates come compiled for this Python (nothing is compiled on a cold start)
        "env = theme.env; source = env.loader.get_source(env, 'base.html')[0]\n"
        "assert env.bytecode_cache.get_bucket(env, 'base.html', None, source).code is not None\n"
        "assert render.human_date(datetime(2026, 12, 3, tzinfo=UTC), 'az') == '3 dekabr 2026'\n"
        "Logger(service='smoke').info('imported'); Metrics(namespace='smoke')\n"
        "assert render.__cached__.endswith('.cpython-313.pyc') and jinja2.__file__.endswith('.pyc')\n"
    )
    runtime_only = tmp_path / "runtime"
    shutil.copytree(Path(jmespath.__file__).parent, runtime_only / "jmespath")
    run = subprocess.run([python, "-c", smoke, str(built / "PressroomLayer" / "python"), str(runtime_only)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr


def test_built_layer_carries_compiled_catalogs_and_the_documented_locales_only_trimmed(built: Path) -> None:
    from pressroom.i18n import LAYER_LOCALES

    files = _layer_files(built)
    for language in ("en", "az", "ru"):
        assert f"python/pressroom/theme/locale/{language}/LC_MESSAGES/messages.mo" in files, language
    kept = {n.rsplit("/", 1)[1][: -len(".dat")] for n in files
            if n.startswith("python/babel/locale-data/") and n.endswith(".dat")}
    assert kept == {"root", *LAYER_LOCALES}
    assert not [n for n in files if n.startswith("python/babel/messages/")]
    # each locale with what dates read only (pressroom.i18n.trim_babel)
    import pickle

    from pressroom.i18n import LAYER_GLOBAL_KEYS, LAYER_LOCALE_KEYS

    for name in ("root", "en", "az", "ru"):
        data = pickle.loads(files[f"python/babel/locale-data/{name}.dat"].read_bytes())
        assert "months" in data and set(data) <= LAYER_LOCALE_KEYS, name
    assert set(pickle.loads(files["python/babel/global.dat"].read_bytes())) == LAYER_GLOBAL_KEYS


def test_built_layer_native_code_is_for_arm64(built: Path) -> None:
    libraries = [p for name, p in _layer_files(built).items() if name.endswith(".so")]
    assert libraries  # MarkupSafe, PyYAML, nh3 and wrapt ship compiled code
    for library in libraries:
        header = library.read_bytes()[:20]
        assert header[:4] == b"\x7fELF", library
        assert int.from_bytes(header[18:20], "little") == ELF_MACHINE_AARCH64, library
        assert "x86_64" not in library.name and "cpython-311" not in library.name, library


def test_built_layer_zips_within_the_size_goal(built: Path, record_property: pytest.RecordProperty) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, path in sorted(_layer_files(built).items()):
            archive.write(path, name)
    size = buffer.tell()
    record_property("layer_zipped_bytes", size)
    assert size <= LAYER_GOAL_BYTES, f"layer is {size / 1024 / 1024:.2f} MB zipped"


def test_built_functions_carry_only_their_handler(built: Path) -> None:
    for function in ("RenderFunction", "IndexFunction"):
        files = sorted(p.relative_to(built / function).as_posix() for p in (built / function).rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts)
        assert files == ["app.py"], function


# --- linters ---------------------------------------------------------------------------------------------

def test_cfn_lint_is_clean() -> None:
    found = next((p for p in CFN_LINT_CANDIDATES if p.is_file()), None)
    cfn_lint = _require(found or CFN_LINT_CANDIDATES[0], "cfn-lint")
    run = _run([str(cfn_lint), "--", "template.yaml"])
    assert run.returncode == 0, run.stdout + run.stderr


def test_checkov_finds_no_failed_check() -> None:
    checkov = _require(CHECKOV, "checkov")
    run = _run([str(checkov), "--file", "template.yaml", "--framework", "cloudformation", "--skip-download",
                "--output", "json", "--quiet"])
    report = json.loads(run.stdout)
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in report["results"].get("failed_checks", [])]
    assert report["summary"]["failed"] == 0, "\n".join(failed)
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["passed"] > 0
