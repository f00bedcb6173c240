"""The local stack: the project's own template deployed into an embedded moto, with events delivered in-process."""

from __future__ import annotations

import collections
import contextlib
import contextvars
import importlib.util
import io
import itertools
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from pressroom.local.template import EventMapping, LocalTemplate, prepare, translate

REGION = "us-east-1"
_ACCOUNT = "123456789012"  # moto's default account
_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
}
_FUNCTION_PREFIXES = ("AWS_", "POWERTOOLS_", "PRESSROOM_")  # what a function's environment takes from the template only
_stack_numbers = itertools.count(1)
_load_lock = threading.Lock()  # a handler module is imported under its function's environment, one at a time


class _InvocationOutput:
    """Standard output while local functions run: what an invocation prints (Powertools writes its metrics and
    logs there) goes to the log of its stack; anything else goes where standard output went before."""

    def __init__(self, through: Any = None) -> None:
        self.through = through  # None: whatever sys.stdout is when written to

    def _stream(self) -> Any:
        target = _invocation_log.get()
        if target is not None:
            return target
        stream = self.through if self.through is not None else sys.stdout
        return stream.through if isinstance(stream, _InvocationOutput) else stream

    def write(self, text: str) -> int:
        return int(self._stream().write(text) or 0)

    def flush(self) -> None:
        self._stream().flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream(), name)


_invocation_log: contextvars.ContextVar[Any] = contextvars.ContextVar("pressroom_invocation_log", default=None)
_running_function: contextvars.ContextVar[Function | None] = contextvars.ContextVar("pressroom_running_function",
                                                                                    default=None)


def running_function() -> Function | None:
    """The function whose invocation runs in this thread (the process environment does not say: it is shared)."""
    return _running_function.get()
_output_lock = threading.Lock()
_NO_METRICS = ("ignore", re.compile("No application metrics to publish", re.I), UserWarning,
               re.compile(r"aws_lambda_powertools\."), 0)


def _route_output() -> None:
    """Put `_InvocationOutput` in front of sys.stdout, and ignore Powertools' warning about an invocation that
    emitted no metric (normal for the index function), unless that is done already.

    Checked on each invocation, since a test runner replaces sys.stdout and the warning filters per test.
    """
    with _output_lock:
        if not isinstance(sys.stdout, _InvocationOutput):
            sys.stdout = _InvocationOutput(sys.stdout)
        if _NO_METRICS not in warnings.filters:
            warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning,
                                    module=r"aws_lambda_powertools\.")


@contextlib.contextmanager
def _output_to(log: Any) -> Iterator[None]:
    """What this thread prints inside goes to `log`."""
    token = _invocation_log.set(log)
    try:
        yield
    finally:
        _invocation_log.reset(token)


def find_root(start: Path | None = None) -> Path:
    """The folder holding template.yaml: the given/current folder, else the copy that ships with pressroom."""
    start = Path(start or Path.cwd())
    if (start / "template.yaml").is_file():
        return start
    shipped = Path(__file__).resolve().parents[4]  # the project checkout of an editable install
    if (shipped / "template.yaml").is_file():
        return shipped
    bundled = Path(__file__).resolve().parent / "project"
    if (bundled / "template.yaml").is_file():
        return bundled
    raise FileNotFoundError(f"no template.yaml in {start} and none shipped with pressroom")


@dataclass
class _LambdaContext:
    function_name: str
    memory_limit_in_mb: int = 1024
    aws_request_id: str = ""
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = "local"
    function_version: str = "$LATEST"
    timeout_seconds: float = 60.0
    clock: Callable[[], float] = time.monotonic
    started: float | None = None

    def __post_init__(self) -> None:
        self.started = self.clock() if self.started is None else self.started

    def get_remaining_time_in_millis(self) -> int:
        """Like Lambda's: the function's timeout less the time this invocation has run."""
        return max(int(((self.started or 0.0) + self.timeout_seconds - self.clock()) * 1000), 0)


class Function:
    """One Lambda function of the template, run in-process under its own environment.

    As in Lambda, an invocation runs in an execution environment of its own: a copy of the handler module,
    loaded on the first invocation that finds none free (a cold start) and reused by later ones. Invocations
    of any functions, and of the same one, can run at once from several threads.
    """

    def __init__(self, stack: Stack, logical_id: str, folder: Path, config: dict[str, Any]) -> None:
        self.stack = stack
        self.logical_id = logical_id
        self.folder = folder
        self.name = config["FunctionName"]
        self.arn = config["FunctionArn"]
        self.environment = {k: str(v) for k, v in config.get("Environment", {}).get("Variables", {}).items()}
        self.timeout_seconds = float(config.get("Timeout", 3))
        self.memory_mb = int(config.get("MemorySize", 128))
        handler = str(config.get("Handler", "app.lambda_handler"))
        self.module_name, self.handler_name = handler.rsplit(".", 1)
        self._idle: list[ModuleType] = []  # warm execution environments no invocation is using
        self._loaded: list[str] = []  # the module names of every environment made
        self._pool_lock = threading.Lock()
        self.invocations = 0

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_FUNCTION_PREFIXES)}
        env.update(_FAKE_CREDENTIALS)
        env.update(self.environment)
        if self.stack.theme:
            env["PRESSROOM_THEME_DIR"] = self.stack.theme
        env.update({"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "false",
                    "AWS_LAMBDA_FUNCTION_NAME": self.name})
        now = self.stack.now()
        if now is not None:
            env["PRESSROOM_NOW"] = now.isoformat()
        return env

    def _load(self, env: dict[str, str]) -> ModuleType:
        """A new execution environment: the handler module, imported under the function's environment.

        Powertools reads its settings (service, namespace, tracing) from the process environment when the
        module makes its Logger, Tracer and Metrics, so the import alone changes the process environment:
        only the variables the function sets differently, never removing the others a running invocation
        may read (credentials, region).
        """
        path = self.folder / f"{self.module_name}.py"
        with _load_lock:
            unique = f"pressroom_local_{self.stack.number}_{self.logical_id}"
            if self._loaded:
                unique += f"_{len(self._loaded) + 1}"
            spec = importlib.util.spec_from_file_location(unique, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[unique] = module
            changed = {k: os.environ.get(k) for k in env if os.environ.get(k) != env[k]}
            changed.update({k: os.environ[k] for k in os.environ if k.startswith("POWERTOOLS_") and k not in env})
            try:
                for name in changed:
                    if name in env:
                        os.environ[name] = env[name]
                    else:
                        del os.environ[name]
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(unique, None)
                raise
            finally:
                for name, value in changed.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
            self._loaded.append(unique)
        self._log_to_stack()
        return module

    def _log_to_stack(self) -> None:
        """Powertools binds its log handler to the stdout of the first import: records go to the log of the
        invocation's stack instead (outside an invocation, to this stack's)."""
        service = self.environment.get("POWERTOOLS_SERVICE_NAME", "")
        for handler in logging.getLogger(service).handlers if service else []:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(_InvocationOutput(self.stack.log))

    @contextlib.contextmanager
    def _environment(self, env: dict[str, str]) -> Iterator[ModuleType]:
        """A free execution environment (or a new one) for one invocation, given back after it."""
        with self._pool_lock:
            module = self._idle.pop() if self._idle else None
            self.invocations += 1
        if module is None:
            module = self._load(env)
        try:
            yield module
        finally:
            with self._pool_lock:
                self._idle.append(module)

    def unload(self) -> None:
        """Forget every execution environment (the stack is stopped)."""
        with self._pool_lock:
            for name in self._loaded:
                sys.modules.pop(name, None)
            self._idle.clear()
            self._loaded.clear()

    def invoke(self, event: dict[str, Any]) -> Any:
        """Run the handler once on `event` in this thread, with this function's configuration; returns its result.

        The configuration goes with the invocation (`pressroom.config.invocation_environ`), and what the
        function prints (Powertools' metrics) goes to the stack's log: nothing is shared with invocations
        running at the same time in other threads.
        """
        from pressroom.config import invocation_environ

        _route_output()
        env = self._env()
        with self.stack._running(), self._environment(env) as module, invocation_environ(env), \
                _output_to(self.stack.log):
            handler = getattr(module, self.handler_name)
            context = _LambdaContext(self.name, memory_limit_in_mb=self.memory_mb, aws_request_id=str(uuid.uuid4()),
                                     invoked_function_arn=self.arn, timeout_seconds=self.timeout_seconds,
                                     clock=self.stack.lambda_clock)
            token = _running_function.set(self)
            try:
                return handler(event, context)
            finally:
                _running_function.reset(token)


class Stack:
    """The project's template deployed into moto; see the README for the API."""

    def __init__(self, root: str | Path = ".", *, clock: Callable[[], datetime] | None = None,
                 now: datetime | None = None, server_port: int | None = None, log: Any = None,
                 theme: str | Path | None = None) -> None:
        self.root = find_root(Path(root))
        self.theme = str(Path(theme).resolve()) if theme else None
        self.lambda_clock: Callable[[], float] = time.monotonic  # what the functions' time left is read from
        self.number = next(_stack_numbers)
        self.stack_name = f"pressroom-local-{self.number}"
        self._clock = clock
        if now is not None:
            self.set_time(now)
        self._initial_clock = self._clock
        self.server_port = server_port
        self.endpoint_url: str | None = None
        self.log = log if log is not None else io.StringIO()
        self._mock: Any = None
        self._warnings: Any = None
        self._server: Any = None
        self._saved_env: dict[str, str] | None = None
        self.template: LocalTemplate | None = None
        self.resources: dict[str, str] = {}
        self._clients: dict[str, Any] = {}
        self._stream_arns: dict[str, str] = {}
        self.resource_types: dict[str, str] = {}
        self.outputs: dict[str, str] = {}
        self.functions: dict[str, Function] = {}
        self._stream_iterators: dict[str, str] = {}
        # Guards the delivery bookkeeping (receipts, stream positions), never a function's run; notified
        # whenever an invocation ends, for a settle() waiting on invocations running in other threads.
        self._deliver_lock = threading.Condition(threading.RLock())
        self._running_in: collections.Counter[int] = collections.Counter()  # thread id -> invocations running
        self._stream_locks: dict[str, threading.RLock] = {}  # a shard's batches go one at a time, in order
        self.dead_letters: list[dict[str, Any]] = []

    # --- time ------------------------------------------------------------------------------------------

    def now(self) -> datetime | None:
        """The pipeline's clock as the functions see it (None: real time)."""
        if self._clock is None:
            return None
        value = self._clock()
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def set_time(self, when: datetime | None) -> None:
        """Fix the pipeline's clock at `when`; None goes back to the clock the stack was made with."""
        if when is None:
            self._clock = self._initial_clock
            return
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        self._clock = lambda: when

    # --- lifecycle -------------------------------------------------------------------------------------

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        from pressroom.local import moto_gaps

        moto_gaps.apply()
        self._saved_env = dict(os.environ)
        # The functions run in this process and read it (botocore, Powertools): it gets their AWS settings
        for name in [k for k in os.environ if k.startswith(_FUNCTION_PREFIXES[:2])]:
            del os.environ[name]
        os.environ.update(_FAKE_CREDENTIALS)
        if self.server_port is not None:
            from moto.server import ThreadedMotoServer

            logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
            self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.server_port, verbose=False)
            self._server.start()
            self.endpoint_url = f"http://127.0.0.1:{self._server._server.server_port}"
            os.environ["AWS_ENDPOINT_URL"] = self.endpoint_url
        from moto import mock_aws

        # The stack's own calls and its functions' stay in this process, on the backends the server serves
        # to other programs: a request over HTTP to moto's server costs ten times more.
        self._mock = mock_aws()
        self._mock.start(reset=self.server_port is None)
        self._reset_caches()
        self._own_endpoint_in_process()
        self.deploy()

    def _own_endpoint_in_process(self) -> None:
        """In server mode the process environment names the server (for the AWS CLI and the commands run
        here), and the functions read it too: their clients for it are the stack's in-process ones, so that
        their calls do not go through HTTP back into this process (twice the time of a publish)."""
        from pressroom import aws

        if self.endpoint_url is None:
            return
        for service in ("s3", "dynamodb", "sqs", "scheduler"):
            aws._clients[(service, REGION, self.endpoint_url)] = self.client(service)

    def stop(self) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        self._reset_caches()
        if self._saved_env is not None:
            os.environ.clear()
            os.environ.update(self._saved_env)
            self._saved_env = None
        for function in self.functions.values():
            function.unload()

    def client(self, service: str) -> Any:
        """A client of this stack's moto, cached per service."""
        found = self._clients.get(service)
        if found is None:
            found = self._clients[service] = self._new_client(service)
        return found

    def _new_client(self, service: str) -> Any:
        import boto3

        # An explicit AWS endpoint, so that AWS_ENDPOINT_URL (set for other programs in server mode) is not
        # used: moto answers in-process. botocore sends ARN-bearing stream calls to an account endpoint that
        # moto does not route, hence the plain one for streams.
        host = "streams.dynamodb" if service == "dynamodbstreams" else service
        endpoint = f"https://{host}.{REGION}.amazonaws.com"
        return boto3.session.Session().client(service, region_name=REGION, endpoint_url=endpoint,
                                              aws_access_key_id="testing", aws_secret_access_key="testing")

    @staticmethod
    def _reset_caches(*, clients: bool = True) -> None:
        from pressroom import aws, handlers, render

        if clients:  # a client is bound to a deployment's endpoint; a reset keeps the deployment
            aws.reset_clients()
        handlers.reset()
        render.load_theme.cache_clear()

    # --- deployment ------------------------------------------------------------------------------------

    def deploy(self) -> None:
        """Translate the SAM template, create it in moto's CloudFormation and apply what moto skips."""
        local = prepare(self.root / "template.yaml")
        self.template = local
        s3 = self.client("s3")
        code_bucket = f"pressroom-local-code-{self.number}-{uuid.uuid4().hex[:8]}"
        s3.create_bucket(Bucket=code_bucket)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("placeholder.txt", "the local stack runs the code from the project folder")
        s3.put_object(Bucket=code_bucket, Key="code.zip", Body=buffer.getvalue())
        translated = translate(local.sam, REGION, code_bucket)
        cfn = self.client("cloudformation")
        with _quiet_moto():
            cfn.create_stack(StackName=self.stack_name, TemplateBody=json.dumps(translated),
                             Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"])
        with _quiet_moto():
            status = cfn.describe_stacks(StackName=self.stack_name)["Stacks"][0]
        if status["StackStatus"] != "CREATE_COMPLETE":  # pragma: no cover - moto reports failures by raising
            raise RuntimeError(f"local stack failed: {status['StackStatus']} {status.get('StackStatusReason', '')}")
        self.outputs = {o["OutputKey"]: o["OutputValue"] for o in status.get("Outputs", [])}
        paginator = cfn.get_paginator("list_stack_resources")
        with _quiet_moto():
            pages = list(paginator.paginate(StackName=self.stack_name))
        for page in pages:
            for res in page["StackResourceSummaries"]:
                self.resources[res["LogicalResourceId"]] = res["PhysicalResourceId"]
                self.resource_types[res["LogicalResourceId"]] = res["ResourceType"]
        self._apply_bucket_settings(local)
        self._create_schedule_groups(local)
        self._create_schedules(local)
        lam = self.client("lambda")
        for logical, folder in local.functions.items():
            config = lam.get_function_configuration(FunctionName=self.resources[logical])
            self.functions[logical] = Function(self, logical, folder, config)

    def _apply_bucket_settings(self, local: LocalTemplate) -> None:
        s3 = self.client("s3")
        for logical, props in local.buckets.items():
            bucket = self.resources[logical]
            if props.get("VersioningConfiguration", {}).get("Status") == "Enabled":
                s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
            notification = props.get("NotificationConfiguration", {})
            if notification.get("EventBridgeConfiguration", {}).get("EventBridgeEnabled"):
                s3.put_bucket_notification_configuration(
                    Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})

    def _create_schedule_groups(self, local: LocalTemplate) -> None:
        """moto's CloudFormation skips schedule groups: create them with the name the template gives."""
        scheduler = self.client("scheduler")
        for res in local.sam["Resources"].values():
            if res.get("Type") == "AWS::Scheduler::ScheduleGroup":
                name = res.get("Properties", {}).get("Name", {})
                if isinstance(name, dict) and "Fn::Sub" in name:
                    name = str(name["Fn::Sub"]).replace("${AWS::StackName}", self.stack_name)
                scheduler.create_schedule_group(Name=str(name))

    def _create_schedules(self, local: LocalTemplate) -> None:
        """moto's CloudFormation skips schedules too: create the template's recurring ones (the repair pass) in
        their groups, so that the local stack holds them as AWS would. moto never fires them: `run_repair`."""
        scheduler = self.client("scheduler")
        for res in local.sam["Resources"].values():
            if res.get("Type") != "AWS::Scheduler::Schedule":
                continue
            props = {k: self._resolve(v, local) for k, v in res.get("Properties", {}).items()}
            target = props["Target"]
            scheduler.create_schedule(
                Name=str(props.get("Name") or f"{self.stack_name}-{uuid.uuid4().hex[:12]}"),
                GroupName=str(props.get("GroupName") or "default"),
                ScheduleExpression=str(props["ScheduleExpression"]),
                ScheduleExpressionTimezone=str(props.get("ScheduleExpressionTimezone", "UTC")),
                FlexibleTimeWindow=props["FlexibleTimeWindow"], State=str(props.get("State", "ENABLED")),
                Target={"Arn": target["Arn"], "RoleArn": target["RoleArn"], "Input": target.get("Input", "")})

    def _resolve(self, value: Any, local: LocalTemplate) -> Any:
        """A property with the intrinsics a schedule uses (Ref, Fn::GetAtt .Arn, Fn::Sub) resolved as AWS would."""
        if isinstance(value, list):
            return [self._resolve(v, local) for v in value]
        if not isinstance(value, dict):
            return value
        if "Ref" in value:
            name = str(value["Ref"])
            parameter = local.sam.get("Parameters", {}).get(name)
            if parameter is not None:
                return parameter.get("Default", "")
            group = local.sam["Resources"].get(name, {})
            if group.get("Type") == "AWS::Scheduler::ScheduleGroup":
                return self._resolve(group["Properties"]["Name"], local)
            return self.resources[name]
        if "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
            return str(value["Fn::Sub"]).replace("${AWS::StackName}", self.stack_name)
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            name, attribute = target if isinstance(target, list) else str(target).split(".", 1)
            kind = self.resource_types.get(name)
            if attribute == "Arn" and kind == "AWS::SQS::Queue":
                return self.client("sqs").get_queue_attributes(
                    QueueUrl=self.resources[name], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            if attribute == "Arn" and kind == "AWS::IAM::Role":
                return self.client("iam").get_role(RoleName=self.resources[name])["Role"]["Arn"]
            raise ValueError(f"the local stack cannot resolve {name}.{attribute} in a schedule")
        return {k: self._resolve(v, local) for k, v in value.items()}

    def serve_site_at(self, url: str) -> None:
        """Make the stack's SiteUrl output `url` (the preview's address, in `pressroom dev`), as a deployed
        stack's names its domain: a command that reads the outputs, `pressroom publish`, links there.

        moto resolves no CloudFront output (the distribution is left out): the value is set in its
        CloudFormation backend (moto 5.x lists the outputs of `output_map._output_json_map` and keeps their
        values in `output_map._parsed_outputs`); the local template holds no SiteUrl, as it names the CDN."""
        from moto.cloudformation import cloudformation_backends
        from moto.cloudformation.parsing import Output

        backend = cloudformation_backends[_ACCOUNT][REGION]
        stack = next(s for s in backend.stacks.values() if s.name == self.stack_name and s.status != "DELETE_COMPLETE")
        outputs = stack.output_map
        if outputs._output_json_map is None:
            outputs._output_json_map = {}
        outputs._output_json_map["SiteUrl"] = {"Value": url}
        outputs._parsed_outputs["SiteUrl"] = Output("SiteUrl", url, "The site's address (the preview).")
        self.outputs["SiteUrl"] = url

    @property
    def left_out(self) -> dict[str, str]:
        """Resources of the template the local stack does not create (logical id -> type)."""
        return dict(self.template.left_out) if self.template else {}

    # --- names ------------------------------------------------------------------------------------------

    def _env_of(self, name: str) -> str:
        for function in self.functions.values():
            if name in function.environment:
                return function.environment[name]
        raise KeyError(name)

    @property
    def content_bucket(self) -> str:
        return self._env_of("CONTENT_BUCKET")

    @property
    def site_bucket(self) -> str:
        return self._env_of("SITE_BUCKET")

    @property
    def posts_table(self) -> str:
        return self._env_of("POSTS_TABLE")

    def queue_url(self, logical_id: str) -> str:
        return self.resources[logical_id]

    # --- the API users and tests drive ------------------------------------------------------------------

    def upload(self, key: str, data: bytes | str, *, wait: bool = True) -> None:
        """Put an object into the content bucket; with `wait`, returns after every resulting event was handled."""
        body = data.encode("utf-8") if isinstance(data, str) else data
        self.client("s3").put_object(Bucket=self.content_bucket, Key=key, Body=body)
        if wait:
            self.settle()

    def delete(self, key: str, *, wait: bool = True) -> None:
        self.client("s3").delete_object(Bucket=self.content_bucket, Key=key)
        if wait:
            self.settle()

    def site_object(self, key: str) -> bytes | None:
        from pressroom.storage import SiteBucket

        return SiteBucket(self.client("s3"), self.site_bucket).get(key)

    def site_keys(self) -> list[str]:
        return self._keys(self.site_bucket)

    def report(self, key: str) -> dict[str, Any] | None:
        """The `_reports/<key>.json` the pipeline wrote for an upload."""
        from pressroom.storage import ContentBucket
        from pressroom.urls import report_key

        found = ContentBucket(self.client("s3"), self.content_bucket).get(report_key(key))
        return json.loads(found.body) if found is not None else None

    def _keys(self, bucket: str) -> list[str]:
        keys: list[str] = []
        for page in self.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys += [o["Key"] for o in page.get("Contents", [])]
        return keys

    def export(self, folder: str | Path) -> list[Path]:
        """Write every object of the site bucket under `folder`; returns the files written."""
        out = Path(folder)
        s3 = self.client("s3")
        written = []
        for key in self.site_keys():
            target = (out / key).resolve()
            if not str(target).startswith(str(out.resolve())):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(s3.get_object(Bucket=self.site_bucket, Key=key)["Body"].read())
            written.append(target)
        return written

    def reset(self) -> None:
        """Empty buckets, table, queues and stream position; forget caches. The deployment stays."""
        with self._deliver_lock:
            s3 = self.client("s3")
            for logical in self.template.buckets if self.template else {}:
                bucket = self.resources[logical]
                paginator = s3.get_paginator("list_object_versions")
                for page in paginator.paginate(Bucket=bucket):
                    entries = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                               for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
                    for start in range(0, len(entries), 1000):
                        s3.delete_objects(Bucket=bucket, Delete={"Objects": entries[start : start + 1000]})
            db = self.client("dynamodb")
            for page in db.get_paginator("scan").paginate(TableName=self.posts_table):
                for item in page.get("Items", []):
                    db.delete_item(TableName=self.posts_table, Key={"pk": item["pk"], "sk": item["sk"]})
            sqs = self.client("sqs")
            for logical, kind in self.resource_types.items():
                if kind == "AWS::SQS::Queue":
                    self._empty_queue(sqs, self.resources[logical])
            self._drain_stream_records()  # the deletes above are not news
            self._delete_schedules()
            self.dead_letters.clear()
            self._reset_caches(clients=False)

    @staticmethod
    def _empty_queue(sqs: Any, url: str) -> None:
        # PurgeQueue is rate-limited to once a minute; receiving and deleting is not
        while True:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
            if not messages:
                return
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])

    # --- delivery ---------------------------------------------------------------------------------------

    def settle(self, max_rounds: int = 1000) -> int:
        """Deliver everything queued, then the stream's records, until nothing is left; returns invocations.

        Nothing is left once no invocation runs in another thread either (what it is doing may send more):
        several threads may settle at once, each returning when the stack is quiet.
        """
        total = 0
        rounds = 0
        while True:
            done = 0
            for mapping in self.template.mappings if self.template else []:
                if mapping.kind == "SQS":
                    done += self._deliver_queue(mapping)
            for mapping in self.template.mappings if self.template else []:
                if mapping.kind == "DynamoDB":
                    done += self._deliver_stream(mapping)
            total += done
            if done:
                rounds += 1
                if rounds >= max_rounds:
                    raise RuntimeError("events kept coming after many rounds; is something re-queueing itself?")
                continue
            with self._deliver_lock:
                if not self._running_elsewhere():
                    return total
                self._deliver_lock.wait(timeout=1.0)

    def _running_elsewhere(self) -> bool:
        me = threading.get_ident()
        return any(count for thread, count in self._running_in.items() if thread != me)

    @contextlib.contextmanager
    def _running(self) -> Iterator[None]:
        """Around one invocation of a function of this stack, in this thread."""
        me = threading.get_ident()
        with self._deliver_lock:
            self._running_in[me] += 1
        try:
            yield
        finally:
            with self._deliver_lock:
                self._running_in[me] -= 1
                if not self._running_in[me]:
                    del self._running_in[me]
                self._deliver_lock.notify_all()

    def take_events(self) -> list[str]:
        """Remove what waits in the render queue and return the message bodies, as AWS would deliver them.

        For tests that deliver events explicitly (shuffled, duplicated) with `deliver()`.
        """
        sqs = self.client("sqs")
        url = self.queue_url(self._render_mapping().source)
        bodies: list[str] = []
        with self._deliver_lock:
            while True:
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30)
                found = messages.get("Messages", [])
                if not found:
                    return bodies
                for message in found:
                    bodies.append(message["Body"])
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def deliver(self, bodies: list[str]) -> dict[str, Any]:
        """Invoke the render function once with these message bodies as its batch; returns its response.

        Each body becomes an SQS record as Lambda hands it over, first receive. S3 events must be in the
        shape S3 sends (what `take_events()` returns): one in moto's shape is refused, since it would test
        the pipeline against a shape AWS never sends.
        """
        from pressroom.local.moto_gaps import check_s3_event_shape

        mapping = self._render_mapping()
        now = str(int(datetime.now(UTC).timestamp() * 1000))
        attributes = {"ApproximateReceiveCount": "1", "SentTimestamp": now, "SenderId": _SENDER_ID,
                      "ApproximateFirstReceiveTimestamp": now}
        for body in bodies:
            check_s3_event_shape(body)
        records = [_sqs_record(str(uuid.uuid4()), uuid.uuid4().hex, body, attributes, self.queue_url(mapping.source))
                   for body in bodies]
        return self.functions[mapping.function].invoke({"Records": records}) or {}

    def _render_mapping(self) -> EventMapping:
        assert self.template is not None
        return next(m for m in self.template.mappings if m.kind == "SQS")

    def _deliver_queue(self, mapping: EventMapping) -> int:
        sqs = self.client("sqs")
        url = self.queue_url(mapping.source)
        function = self.functions[mapping.function]
        invocations = 0
        while True:
            with self._deliver_lock:  # two settling threads never receive the same message
                response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(mapping.batch_size, 10),
                                               AttributeNames=["All"], VisibilityTimeout=30)
            messages = response.get("Messages", [])
            if not messages:
                return invocations
            records = [_sqs_record(m["MessageId"], m["ReceiptHandle"], m["Body"], m.get("Attributes", {}), url)
                       for m in messages]
            failed: set[str] = set()
            started = self.lambda_clock()
            try:
                result = function.invoke({"Records": records}) or {}
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            except Exception as exc:  # noqa: BLE001 - as on AWS, any failure of the function fails the batch
                print(f"{function.logical_id} failed: {exc!r}", file=self.log)
                failed = {r["messageId"] for r in records}
            if self.lambda_clock() - started > function.timeout_seconds:
                # Lambda would have stopped the invocation at its timeout: the whole batch fails
                print(f"{function.logical_id} ran past its {function.timeout_seconds:.0f} s timeout", file=self.log)
                failed = {r["messageId"] for r in records}
            invocations += 1
            with self._deliver_lock:
                for message in messages:
                    if message["MessageId"] in failed:
                        self._retry_or_dead_letter(sqs, url, message)
                    else:
                        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def _retry_or_dead_letter(self, sqs: Any, url: str, message: dict[str, Any]) -> None:
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]
        policy = json.loads(attributes.get("RedrivePolicy", "{}") or "{}")
        receives = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        if policy and receives >= int(policy.get("maxReceiveCount", 1)):
            dlq_name = str(policy["deadLetterTargetArn"]).rsplit(":", 1)[-1]
            dlq_url = sqs.get_queue_url(QueueName=dlq_name)["QueueUrl"]
            sqs.send_message(QueueUrl=dlq_url, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            self.dead_letters.append({"queue": url, "body": message["Body"]})
        else:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)

    def _stream_arn(self, table_logical: str) -> str:
        if table_logical not in self._stream_arns:
            db = self.client("dynamodb")
            table = db.describe_table(TableName=self.resources[table_logical])["Table"]
            self._stream_arns[table_logical] = table["LatestStreamArn"]
        return self._stream_arns[table_logical]

    def _read_stream(self, table_logical: str) -> list[dict[str, Any]]:
        streams = self.client("dynamodbstreams")
        arn = self._stream_arn(table_logical)
        records: list[dict[str, Any]] = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            iterator = self._stream_iterators.get(shard_id)
            if iterator is None:
                iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id,
                                                      ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while iterator:
                page = streams.get_records(ShardIterator=iterator)
                iterator_next = page.get("NextShardIterator")
                records += [_as_lambda_record(r, arn) for r in page.get("Records", [])]
                if not page.get("Records") or iterator_next is None:
                    iterator = iterator_next
                    break
                iterator = iterator_next
            if iterator:
                self._stream_iterators[shard_id] = iterator
        return records

    def drain(self) -> None:
        """Drop what waits on the functions' queues and streams (after writing their outcome directly)."""
        with self._deliver_lock:
            sqs = self.client("sqs")
            for mapping in self.template.mappings if self.template else []:
                if mapping.kind == "SQS":
                    self._empty_queue(sqs, self.queue_url(mapping.source))
            self._drain_stream_records()

    def services(self) -> Any:
        """The library's Services over this stack, configured as the render function is."""
        from pressroom import config
        from pressroom.publish import Services

        env = dict(self.functions[self._render_mapping().function].environment)
        now = self.now()
        if now is not None:
            env["PRESSROOM_NOW"] = now.isoformat()
        if self.theme:
            env["PRESSROOM_THEME_DIR"] = self.theme
        return Services(config.from_environ(env), s3=self.client("s3"), dynamodb=self.client("dynamodb"),
                        sqs=self.client("sqs"), scheduler=self.client("scheduler"))

    def load(self, built: Any, progress: Any = None, *, replace_all: bool = False) -> Any:
        """Bring the stack to the state of a built content folder in bulk (see `pressroom.local.bulk`)."""
        from pressroom.local import bulk

        return bulk.load(self, built, progress=progress, replace_all=replace_all)

    def skip_stream(self) -> None:
        """Move past every stream record without delivering it (for tests that write the table directly)."""
        with self._deliver_lock:
            self._drain_stream_records()

    def _drain_stream_records(self) -> None:
        """Move every shard's position to its end (LATEST), without reading what lies before it."""
        streams = self.client("dynamodbstreams")
        for mapping in self.template.mappings if self.template else []:
            if mapping.kind != "DynamoDB":
                continue
            arn = self._stream_arn(mapping.source)
            for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
                self._stream_iterators[shard["ShardId"]] = streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST")["ShardIterator"]

    @contextlib.contextmanager
    def notifications_paused(self) -> Iterator[None]:
        """The buckets send no events inside (a bulk load writes the outcome of its uploads itself)."""
        s3 = self.client("s3")
        local = self.template
        buckets = [self.resources[logical] for logical, props in (local.buckets.items() if local else [])
                   if props.get("NotificationConfiguration", {}).get("EventBridgeConfiguration", {})
                   .get("EventBridgeEnabled")]
        for bucket in buckets:
            s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
        try:
            yield
        finally:
            for bucket in buckets:
                s3.put_bucket_notification_configuration(
                    Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})

    def _deliver_stream(self, mapping: EventMapping) -> int:
        # As in Lambda, a shard's batches are handed to the function one at a time, in stream order: a
        # settle() in another thread delivering this stream now is waited for (it delivers what is there).
        with self._deliver_lock:
            lock = self._stream_locks.setdefault(mapping.source, threading.RLock())
        with lock:
            with self._deliver_lock:
                records = [r for r in self._read_stream(mapping.source) if _matches_filters(r, mapping.filters)]
            invocations = 0
            for start in range(0, len(records), mapping.batch_size):
                invocations += self._invoke_stream_batch(mapping, records[start : start + mapping.batch_size])
            return invocations

    def _invoke_stream_batch(self, mapping: EventMapping, batch: list[dict[str, Any]]) -> int:
        function = self.functions[mapping.function]
        attempts = 0
        while True:
            attempts += 1
            try:
                function.invoke({"Records": batch})
                return attempts
            except Exception as exc:  # noqa: BLE001 - as on AWS, any failure of the function fails the batch
                print(f"{function.logical_id} failed on {len(batch)} records: {exc!r}", file=self.log)
                if mapping.bisect and len(batch) > 1:
                    half = len(batch) // 2
                    return attempts + self._invoke_stream_batch(mapping, batch[:half]) + \
                        self._invoke_stream_batch(mapping, batch[half:])
                if attempts > mapping.max_retries:
                    self._stream_failure(mapping, batch, exc)
                    return attempts

    def _stream_failure(self, mapping: EventMapping, batch: list[dict[str, Any]], exc: Exception) -> None:
        record = {"requestContext": {"condition": "RetryAttemptsExhausted", "functionArn":
                                     self.functions[mapping.function].arn},
                  "DDBStreamBatchInfo": {"batchSize": len(batch),
                                         "startSequenceNumber": batch[0]["dynamodb"].get("SequenceNumber"),
                                         "endSequenceNumber": batch[-1]["dynamodb"].get("SequenceNumber")},
                  "responseContext": {"functionError": repr(exc)}}
        self.dead_letters.append(record)
        if mapping.on_failure:
            self.client("sqs").send_message(QueueUrl=self.queue_url(mapping.on_failure),
                                            MessageBody=json.dumps(record, default=str))

    # --- schedules --------------------------------------------------------------------------------------

    def _schedule_group(self) -> str | None:
        for function in self.functions.values():
            if function.environment.get("SCHEDULER_GROUP"):
                return function.environment["SCHEDULER_GROUP"]
        return None

    def schedules(self) -> list[dict[str, Any]]:
        """The one-time schedules waiting in the stack's group."""
        group = self._schedule_group()
        if not group:
            return []
        scheduler = self.client("scheduler")
        names = [s["Name"] for s in scheduler.list_schedules(GroupName=group).get("Schedules", [])]
        return [scheduler.get_schedule(Name=n, GroupName=group) for n in names]

    def run_schedules(self, at: datetime) -> int:
        """Fire every schedule due at `at` (moto stores schedules but never fires them); the clock moves to `at`."""
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        self.set_time(at)
        sqs = self.client("sqs")
        scheduler = self.client("scheduler")
        fired = 0
        for schedule in self.schedules():
            expression = schedule["ScheduleExpression"]
            due = datetime.fromisoformat(expression[3:-1]).replace(tzinfo=UTC)
            if due > at:
                continue
            target = schedule["Target"]
            queue_name = target["Arn"].rsplit(":", 1)[-1]
            sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName=queue_name)["QueueUrl"], MessageBody=target["Input"])
            scheduler.delete_schedule(Name=schedule["Name"], GroupName=schedule.get("GroupName") or self._schedule_group())
            fired += 1
        self.settle()
        return fired

    def repair_schedules(self) -> list[dict[str, Any]]:
        """The template's recurring schedules (the repair pass), in their own groups: `reset()` leaves them and
        `run_schedules` never fires them (moto fires nothing; `run_repair` does what they would)."""
        scheduler = self.client("scheduler")
        publish_group = self._schedule_group()
        found = []
        for group in scheduler.list_schedule_groups().get("ScheduleGroups", []):
            name = group["Name"]
            if name == publish_group or not name.startswith(self.stack_name + "-"):
                continue
            for schedule in scheduler.list_schedules(GroupName=name).get("Schedules", []):
                found.append(scheduler.get_schedule(Name=schedule["Name"], GroupName=name))
        return found

    def run_repair(self, *, dry_run: bool = False, whole: bool = False, settle: bool = True,
                   cancelled: Callable[[], bool] | None = None,
                   pace: Callable[[], None] | None = None, size: int | None = None) -> dict[str, Any]:
        """Run the repair pass through the render function, as its schedule does, and return what it found.

        One run covers one slice after the cursor stored in the table and moves that cursor on (what each
        scheduled run does). `whole`: slices from the start of both buckets until a whole pass is complete,
        the stored cursor left alone (`pressroom repair --all`); the results are summed, with `runs` counted.
        `dry_run`: the drift is found and listed, nothing is changed. `settle` False: each task is left on the
        render queue for whoever delivers the stack's events (`pressroom dev`'s delivery) and its result
        waited for. `cancelled` is asked between runs: when it says so, the pass ends there (`wrapped` False).
        `pace` is called before each run is sent (it may wait there, for other work to go first). `size`: the
        keys of each bucket a run looks at, instead of the slice the site's size gives.
        """
        from pressroom.events import task_message
        from pressroom.index import PostsIndex

        sqs = self.client("sqs")
        url = self.queue_url(self._render_mapping().source)
        index = PostsIndex(self.client("dynamodb"), self.posts_table)
        cursor: dict[str, str] | None = {"site": "", "content": ""} if whole else None
        total: dict[str, Any] = {"dry_run": dry_run, "drift": {}, "total": 0, "repairs": [], "runs": 0,
                                 "covered": {"site": 0, "content": 0}, "cursor": {}, "wrapped": False}
        stop = cancelled or (lambda: False)
        while True:
            if pace is not None:
                pace()
                if stop():
                    return total
            request = uuid.uuid4().hex
            options: dict[str, Any] = {"request": request, "dry_run": dry_run}
            if size is not None:
                options["slice"] = size
            if cursor is not None:
                options["cursor"] = cursor
            sqs.send_message(QueueUrl=url, MessageBody=task_message("*", "repair", **options))
            if settle:
                self.settle()
            result = index.repair_result(request)
            while result is None and not settle and not stop():
                time.sleep(0.05)
                result = index.repair_result(request)
            if result is None:
                if stop():
                    return total
                raise RuntimeError(f"the repair task {request} left no result (see the stack's log)")
            add_repair_result(total, result)
            cursor = next_repair_cursor(result) if whole else None
            if cursor is None or stop():
                total["wrapped"] = whole and cursor is None
                return total

    def _delete_schedules(self) -> None:
        group = self._schedule_group()
        if not group:
            return
        scheduler = self.client("scheduler")
        for schedule in scheduler.list_schedules(GroupName=group).get("Schedules", []):
            scheduler.delete_schedule(Name=schedule["Name"], GroupName=group)


def next_repair_cursor(result: dict[str, Any]) -> dict[str, str] | None:
    """Where the next run of a whole pass starts after `result`; None when both buckets are walked."""
    from pressroom.publish.repair import WALKED

    following = {bucket: str(result["cursor"].get(bucket, "")) or WALKED for bucket in ("site", "content")}
    return None if all(after == WALKED for after in following.values()) else following


def add_repair_result(total: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """Add one repair run's result to the sum of a pass's runs (`Stack.run_repair`, `pressroom repair --all`)."""
    from pressroom.publish.repair import MAX_LISTED

    total["runs"] = int(total.get("runs", 0)) + 1
    total["total"] = int(total.get("total", 0)) + int(result["total"])
    total["repairs"] = (list(total.get("repairs", [])) + list(result["repairs"]))[:MAX_LISTED]
    drift = total.setdefault("drift", {})
    for kind, n in result["drift"].items():
        drift[kind] = drift.get(kind, 0) + int(n)
    covered = total.setdefault("covered", {})
    for bucket, n in result["covered"].items():
        covered[bucket] = covered.get(bucket, 0) + int(n)
    total["cursor"], total["wrapped"] = result["cursor"], result["wrapped"]
    return total


_SENDER_ID = "AIDAPRESSROOMLOCALSTACK"


def _sqs_record(message_id: str, receipt: str, body: str, attributes: dict[str, str], queue_url: str) -> dict[str, Any]:
    """An SQS message as Lambda hands it to a function (the Lambda developer guide's "Amazon SQS message event")."""
    import hashlib

    return {
        "messageId": message_id, "receiptHandle": receipt, "body": body,
        "attributes": {k: attributes[k] for k in _SQS_ATTRIBUTES if k in attributes}, "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode("utf-8")).hexdigest(), "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:{queue_url.rsplit('/', 1)[-1]}", "awsRegion": REGION,
    }


_SQS_ATTRIBUTES = ("ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp")


def _as_lambda_record(record: dict[str, Any], arn: str) -> dict[str, Any]:
    """A stream record as Lambda hands it over: plain JSON (times as epoch seconds), with its source ARN."""
    def plain(value: Any) -> Any:
        return value.timestamp() if isinstance(value, datetime) else str(value)

    return {**json.loads(json.dumps(record, default=plain)), "eventSourceARN": arn}


@contextlib.contextmanager
def _quiet_moto() -> Iterator[None]:
    """moto names each resource type it does not model (policies, alarms): expected here, so not shown."""
    moto_log = logging.getLogger("moto")
    level = moto_log.level
    moto_log.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            yield
    finally:
        moto_log.setLevel(level)


def _matches_filters(record: dict[str, Any], patterns: list[str]) -> bool:
    """Lambda's event filtering for the pattern forms the template uses (values, prefix); no filter: all pass."""
    if not patterns:
        return True
    return any(_match(json.loads(p), record) for p in patterns)


def _match(pattern: Any, value: Any) -> bool:
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return False
        return all(_match(sub, value.get(name)) for name, sub in pattern.items())
    if isinstance(pattern, list):
        for option in pattern:
            if isinstance(option, dict) and "prefix" in option:
                if isinstance(value, str) and value.startswith(option["prefix"]):
                    return True
            elif option == value:
                return True
        return False
    return pattern == value
