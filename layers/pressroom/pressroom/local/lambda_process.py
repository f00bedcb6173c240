"""A function's handler run once in a fresh interpreter, as Lambda starts a new execution environment.

The local stack runs its functions in-process, where every module is already imported. A cold start is
measured here instead: a new interpreter with the environment Lambda gives the function (active tracing on)
imports the handler module and handles one event, against the stack's moto server. The benchmark's cold-start
figures and the test of what each handler imports both come from `cold_start`.

The layer ships bytecode (layers/pressroom/build_layer.py), so the pressroom package is compiled here first, as
the installed packages already are; the function's own module is compiled on import, as on Lambda. Babel comes
with its data cut down, as the layer ships it (`layer_packages`).
"""

from __future__ import annotations

import compileall
import contextlib
import functools
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pressroom.local import Function, Stack

# What Lambda sets in a function's environment with active tracing, beside the template's variables
# (Lambda developer guide, "Defined runtime environment variables"); the daemon address is a local port
# nothing listens on, so the X-Ray SDK's UDP segments go nowhere.
_LAMBDA_ENVIRONMENT = {
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
    "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR", "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
}

_CHILD = r"""
import json, sys, time
start, cpu = time.perf_counter(), time.process_time()
spec = json.loads(sys.argv[1])
out = {}
if spec["mode"] == "baseline":
    import boto3
    session = boto3.session.Session()
    for name in spec["clients"]:
        session.client(name)
    out["import_s"] = out["total_s"] = time.perf_counter() - start
    out["cpu_s"] = time.process_time() - cpu
else:
    import importlib
    sys.path.insert(0, spec["folder"])
    module = importlib.import_module(spec["module"])
    out["import_s"] = time.perf_counter() - start
    out["imported"] = sorted(sys.modules)
    # the event's AWS calls, timed: botocore is imported here rather than at the first client, as it would be
    import botocore.client
    spans = []
    make_call = botocore.client.BaseClient._make_api_call

    def timed(self, operation, params):
        began = time.perf_counter()
        try:
            return make_call(self, operation, params)
        finally:
            spans.append((began, time.perf_counter()))

    botocore.client.BaseClient._make_api_call = timed

    class Context:
        function_name = spec["name"]
        memory_limit_in_mb = spec["memory"]
        invoked_function_arn = spec["arn"]
        aws_request_id = "cold-start"
        log_group_name = "/aws/lambda/" + spec["name"]
        log_stream_name = "local"
        function_version = "$LATEST"
        _deadline = time.monotonic() + spec["timeout"]

        def get_remaining_time_in_millis(self):
            return max(int((self._deadline - time.monotonic()) * 1000), 0)

    result = getattr(module, spec["handler"])(spec["event"], Context())
    out["total_s"] = time.perf_counter() - start
    out["cpu_s"] = time.process_time() - cpu
    out["result"] = result
    waited, end = 0.0, 0.0
    for began, ended in sorted(spans):  # time with at least one call in flight
        if ended > end:
            waited += ended - max(began, end)
            end = ended
    out["aws_calls"], out["aws_s"] = len(spans), waited
    out["modules"] = sorted(sys.modules)
    from pressroom import aws
    out["clients"] = sorted({key[0] for key in aws._clients})
with open(spec["output"], "w") as f:
    json.dump(out, f, default=str)
"""


@dataclass(frozen=True)
class ColdStart:
    """One fresh interpreter's run: wall times from its first line, its CPU time, what it imported."""

    import_s: float
    total_s: float  # import and the first event (client creation included)
    cpu_s: float
    imported: tuple[str, ...] = ()  # sys.modules after the handler module's import
    modules: tuple[str, ...] = ()  # sys.modules after the first event
    clients: tuple[str, ...] = ()  # the AWS services it made clients for
    result: Any = None
    aws_calls: int = 0  # the first event's AWS calls
    aws_s: float = 0.0  # the time at least one of them was in flight


def lambda_environment(function: Function) -> dict[str, str]:
    """The process environment Lambda would give `function`, pointed at its stack's moto server."""
    stack = function.stack
    if stack.endpoint_url is None:
        raise RuntimeError("a function runs in its own process only against a stack started with server_port")
    env = function._env()
    env.pop("POWERTOOLS_TRACE_DISABLED", None)  # the local stack turns tracing off in-process; Lambda does not
    env.update(_LAMBDA_ENVIRONMENT)
    env.update({"AWS_ENDPOINT_URL": stack.endpoint_url, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
                "LAMBDA_TASK_ROOT": str(function.folder), "PYTHONPATH": str(layer_packages())})
    return env


def _run(spec: dict[str, Any], env: dict[str, str]) -> ColdStart:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "out.json"
        done = subprocess.run([sys.executable, "-c", _CHILD, json.dumps({**spec, "output": str(output)})], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0 or not output.exists():
            raise RuntimeError(f"the fresh interpreter failed ({done.returncode}): {done.stderr[-2000:]}")
        found = json.loads(output.read_text())
    return ColdStart(found["import_s"], found["total_s"], found["cpu_s"], tuple(found.get("imported", ())),
                     tuple(found.get("modules", ())), tuple(found.get("clients", ())), found.get("result"),
                     found.get("aws_calls", 0), found.get("aws_s", 0.0))


@functools.cache
def _package_compiled() -> None:
    """The pressroom package's bytecode and its compiled templates, as in the layer (checked against the
    sources, which may change here)."""
    import pressroom
    from pressroom.render import write_template_bytecode

    compileall.compile_dir(Path(pressroom.__file__).parent, quiet=1)
    write_template_bytecode()


@functools.cache
def layer_packages() -> Path:
    """A folder of this process holding the third-party packages the layer ships changed: Babel, with its data
    cut down as the layer build cuts it (`pressroom.i18n.trim_babel`), compiled. A fresh interpreter finds it
    first on its path, and the rest where it is installed."""
    import atexit
    import shutil

    import babel

    from pressroom.i18n import trim_babel

    folder = Path(tempfile.mkdtemp(prefix="pressroom-layer-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    package = folder / "babel"
    shutil.copytree(Path(babel.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__", "messages"))
    trim_babel(package)
    compileall.compile_dir(package, quiet=1)
    return folder


def cold_start(function: Function, event: dict[str, Any]) -> ColdStart:
    """Import `function`'s handler in a fresh interpreter and handle `event` there, against its stack."""
    _package_compiled()
    spec = {"mode": "handler", "folder": str(function.folder), "module": function.module_name,
            "handler": function.handler_name, "event": event, "name": function.name, "arn": function.arn,
            "memory": function.memory_mb, "timeout": function.timeout_seconds}
    return _run(spec, lambda_environment(function))


def boto3_baseline(function: Function, clients: tuple[str, ...]) -> ColdStart:
    """A fresh interpreter that imports boto3 and creates `clients`, in `function`'s environment."""
    return _run({"mode": "baseline", "clients": list(clients)}, lambda_environment(function))


@contextlib.contextmanager
def captured(stack: Stack) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """The events the stack hands its functions, kept instead of handled (each counts as handled): the
    events a fresh interpreter is then given."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def keep(function: Function) -> Any:
        def invoke(event: dict[str, Any]) -> Any:
            seen.append((function.logical_id, event))
            return {}
        return invoke

    for function in stack.functions.values():
        function.invoke = keep(function)  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        for function in stack.functions.values():
            del function.invoke

