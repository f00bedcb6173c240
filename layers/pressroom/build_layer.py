"""The layer build's last steps, run by the Makefile in the built `python/` folder (outside the package, so it never
ships): the theme's catalogs and Babel's locales (`pressroom.i18n.prepare_layer`), the parts of Powertools no
handler imports left out, and bytecode for the runtime's Python.

Lambda's `/opt` is read-only, so a layer without bytecode compiles every module it imports on every cold start
(about 0.2-0.3 s of CPU for Jinja, Markdown-it, PyYAML, Babel, Powertools and pressroom). The third-party
packages ship their bytecode in place of their sources (the layer stays within 5 MiB zipped); the pressroom
package keeps its sources beside its bytecode, so its tracebacks show their lines, and the default theme's
templates are compiled too (`pressroom.render.write_template_bytecode`). Bytecode is specific to a
Python version: it is compiled by an interpreter of the runtime's version (`RUNTIME_PYTHON`, `python3.13` on
the PATH, or a pyenv install). Without one the layer ships sources only, and the build says so.
"""

from __future__ import annotations

import ast
import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

POWERTOOLS = "aws_lambda_powertools"
# what the handlers use of Powertools (Logger, Metrics, Tracer, LambdaContext, the S3 event data class) and
# what those import; the rest (event handlers, parsers, idempotency, ...) is never loaded
POWERTOOLS_KEPT_UTILITIES = {"typing", "data_classes", "jmespath_utils", "serialization.py", "__init__.py"}
POWERTOOLS_DROPPED = ("event_handler",)
# imports in the kept modules that name a dropped one, made only for Pydantic models (not installed)
POWERTOOLS_ALLOWED_MISSING = {"aws_lambda_powertools.event_handler.openapi.compat"}
OWN_PACKAGE = "pressroom"

_COMPILE = r"""
import compileall, py_compile, sys
root, own = sys.argv[1], sys.argv[2]
import os
ok = True
for name in sorted(os.listdir(root)):
    path = os.path.join(root, name)
    if name.endswith(".dist-info") or name == "__pycache__":
        continue
    if name == own:  # beside the sources, never checked against them (the layer never changes)
        ok &= compileall.compile_dir(path, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    elif os.path.isdir(path) or name.endswith(".py"):
        # in place of the sources: name.pyc where name.py was
        ok &= (compileall.compile_dir(path, quiet=1, legacy=True) if os.path.isdir(path)
               else compileall.compile_file(path, quiet=1, legacy=True))
# the default theme's templates compiled for this Python too (pressroom.render.compiled_templates)
sys.path.insert(0, root)
from pressroom.render import write_template_bytecode
ok &= bool(write_template_bytecode())
sys.exit(0 if ok else 1)
"""


def runtime_python(version: str) -> str | None:
    """An interpreter of Python `version` (e.g. "3.13") on this machine, or None."""
    candidates = [os.environ.get("RUNTIME_PYTHON", ""), shutil.which(f"python{version}") or ""]
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates += sorted(glob.glob(os.path.join(pyenv_root, "versions", f"{version}.*", "bin", f"python{version}")))
    for candidate in filter(None, candidates):
        try:
            found = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                   capture_output=True, text=True, timeout=30, check=False)
        except OSError:
            continue
        if found.returncode == 0 and found.stdout.strip() == version:
            return candidate
    return None


def prune_powertools(root: Path) -> list[str]:
    """Leave out the Powertools packages no handler imports; the modules kept must not import them."""
    package = root / POWERTOOLS
    if not package.is_dir():
        return []
    dropped = [package / name for name in POWERTOOLS_DROPPED]
    dropped += [p for p in sorted((package / "utilities").iterdir()) if p.name not in POWERTOOLS_KEPT_UTILITIES
                and p.name != "__pycache__"]
    kept = [s for s in package.rglob("*.py") if not any(s.is_relative_to(d) for d in dropped)]
    missing = sorted(name for name in _imported(kept, root) if name not in POWERTOOLS_ALLOWED_MISSING
                     and any(_module_path(root, name).is_relative_to(d.with_suffix("")) for d in dropped))
    if missing:
        raise SystemExit(f"the layer's Powertools would import modules the build leaves out: {', '.join(missing)}")
    for path in dropped:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return [p.name for p in dropped]


def _imported(sources: list[Path], root: Path) -> set[str]:
    """Every module the sources import, at any depth of their code (a lazy import counts)."""
    names: set[str] = set()
    for source in sources:
        for node in ast.walk(ast.parse(source.read_bytes())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names
                             if _is_module(root, f"{node.module}.{alias.name}"))
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith(POWERTOOLS + ".")}


def _module_path(root: Path, module: str) -> Path:
    return root.joinpath(*module.split("."))


def _is_module(root: Path, module: str) -> bool:
    path = _module_path(root, module)
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def compile_bytecode(root: Path, interpreter: str) -> None:
    """Bytecode for `interpreter`'s Python: in place of the sources for third-party packages, beside them (in
    `__pycache__`) for the pressroom package."""
    subprocess.run([interpreter, "-c", _COMPILE, str(root), OWN_PACKAGE], check=True, timeout=600)
    for compiled in root.rglob("*.pyc"):
        source = compiled.with_suffix(".py")
        if compiled.parent.name != "__pycache__" and source.is_file():
            source.unlink()


def main(site_packages: str, version: str) -> None:
    root = Path(site_packages)
    sys.dont_write_bytecode = True  # this interpreter's bytecode would be the wrong version for the runtime
    sys.path.insert(0, str(root))
    from pressroom.i18n import prepare_layer

    prepare_layer(str(root))
    prune_powertools(root)
    for record in root.glob("*.dist-info/RECORD"):
        record.unlink()  # pip's list of installed files, which the build has changed (and only pip reads)
    interpreter = runtime_python(version)
    if interpreter is None:
        print(f"layer: no Python {version} on this machine (set RUNTIME_PYTHON), so the layer ships sources "
              "only and every cold start compiles them", file=sys.stderr)
        return
    compile_bytecode(root, interpreter)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
