"""Every AWS call a function makes is allowed by the role the template gives it.

moto does not enforce IAM, so the local stack alone never notices a missing permission: a call the pipeline
starts making would work locally and fail in AWS. This test records the calls each function makes while the
local stack goes through a newsroom's day (settings, articles, renames, media, drafts, rejections,
schedules, deletes, a full rebuild) and through repair passes over drift made by hand, and checks each
against the role's statements as deployed.
"""

from __future__ import annotations

import ast
import fnmatch
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
from botocore.client import BaseClient

from pressroom.local import Stack, running_function
from tests.conftest import article
from tests.template.conftest import ROOT


@dataclass(frozen=True)
class Call:
    function: str  # logical id
    service: str
    operation: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Need:
    """One permission a call needs: an IAM action on a resource, with the request's condition context."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()


# --- what a call needs ---------------------------------------------------------------------------------

def _s3_object(bucket: str, key: str) -> str:
    return f"arn:aws:s3:::{bucket}/{key}"


def _copy_source(source: Any) -> tuple[str, str, bool]:
    if isinstance(source, dict):
        return source["Bucket"], source["Key"], bool(source.get("VersionId"))
    path, _, query = str(source).lstrip("/").partition("?")
    bucket, _, key = path.partition("/")
    return bucket, unquote(key), "versionId=" in query


def _s3(operation: str, p: dict[str, Any]) -> list[Need]:
    bucket = p.get("Bucket", "")
    versioned = bool(p.get("VersionId"))
    if operation in ("GetObject", "HeadObject"):
        return [Need("s3:GetObjectVersion" if versioned else "s3:GetObject", _s3_object(bucket, p["Key"]))]
    if operation == "PutObject":
        return [Need("s3:PutObject", _s3_object(bucket, p["Key"]))]
    if operation == "DeleteObject":
        return [Need("s3:DeleteObjectVersion" if versioned else "s3:DeleteObject", _s3_object(bucket, p["Key"]))]
    if operation == "DeleteObjects":
        return [Need("s3:DeleteObject", _s3_object(bucket, o["Key"])) for o in p["Delete"]["Objects"]]
    if operation == "CopyObject":
        source_bucket, source_key, source_versioned = _copy_source(p["CopySource"])
        read = "s3:GetObjectVersion" if source_versioned else "s3:GetObject"
        return [Need("s3:PutObject", _s3_object(bucket, p["Key"])), Need(read, _s3_object(source_bucket, source_key))]
    if operation in ("ListObjectsV2", "ListObjects", "HeadBucket"):
        return [Need("s3:ListBucket", f"arn:aws:s3:::{bucket}")]
    if operation == "ListObjectVersions":
        return [Need("s3:ListBucketVersions", f"arn:aws:s3:::{bucket}")]
    if operation in ("GetObjectTagging", "PutObjectTagging"):
        return [Need(f"s3:{operation}", _s3_object(bucket, p["Key"]))]
    raise KeyError(operation)


def _table(name: str, index: str | None = None) -> str:
    arn = f"arn:aws:dynamodb:us-east-1:123456789012:table/{name}"
    return f"{arn}/index/{index}" if index else arn


_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def _dynamodb(operation: str, p: dict[str, Any]) -> list[Need]:
    if operation in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Scan", "Query", "DescribeTable"):
        return [Need(f"dynamodb:{operation}", _table(p["TableName"], p.get("IndexName")))]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [Need(f"dynamodb:{operation}", _table(name)) for name in p["RequestItems"]]
    if operation in ("TransactWriteItems", "TransactGetItems"):
        needs = []
        for item in p["TransactItems"]:
            ((kind, body),) = item.items()
            needs.append(Need(f"dynamodb:{_TRANSACT_ACTIONS[kind]}", _table(body["TableName"])))
        return needs
    raise KeyError(operation)


def _queue_arn(url: str) -> str:
    account, name = urlparse(url).path.strip("/").split("/")[-2:]
    return f"arn:aws:sqs:us-east-1:{account}:{name}"


def _sqs(operation: str, p: dict[str, Any]) -> list[Need]:
    if operation in ("SendMessage", "SendMessageBatch"):
        return [Need("sqs:SendMessage", _queue_arn(p["QueueUrl"]))]
    if operation == "GetQueueUrl":
        owner = p.get("QueueOwnerAWSAccountId", "123456789012")
        return [Need("sqs:GetQueueUrl", f"arn:aws:sqs:us-east-1:{owner}:{p['QueueName']}")]
    if operation in ("GetQueueAttributes", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility"):
        return [Need(f"sqs:{operation}", _queue_arn(p["QueueUrl"]))]
    raise KeyError(operation)


def _scheduler(operation: str, p: dict[str, Any]) -> list[Need]:
    if operation in ("CreateSchedule", "UpdateSchedule", "DeleteSchedule", "GetSchedule"):
        group = p.get("GroupName") or "default"
        needs = [Need(f"scheduler:{operation}",
                      f"arn:aws:scheduler:us-east-1:123456789012:schedule/{group}/{p['Name']}")]
        if "Target" in p:
            needs.append(Need("iam:PassRole", p["Target"]["RoleArn"],
                              (("iam:PassedToService", "scheduler.amazonaws.com"),)))
        return needs
    raise KeyError(operation)


def _cloudfront(operation: str, p: dict[str, Any]) -> list[Need]:
    if operation == "CreateInvalidation":
        return [Need("cloudfront:CreateInvalidation", f"arn:aws:cloudfront::123456789012:distribution/{p['DistributionId']}")]
    raise KeyError(operation)


_SERVICES = {"s3": _s3, "dynamodb": _dynamodb, "sqs": _sqs, "scheduler": _scheduler, "cloudfront": _cloudfront}


def needs_of(call: Call) -> list[Need]:
    """The permissions a call needs; an operation this table does not know fails the test, naming it."""
    try:
        return _SERVICES[call.service](call.operation, call.params)
    except KeyError:
        pytest.fail(f"{call.function} calls {call.service}.{call.operation}, which this test cannot map to IAM "
                    "actions yet: add it to the table in tests/template/test_permissions.py")


# --- what a role allows --------------------------------------------------------------------------------

def _matches(patterns: Any, value: str, *, ignore_case: bool = False) -> bool:
    items = patterns if isinstance(patterns, list) else [patterns]
    if ignore_case:
        return any(fnmatch.fnmatchcase(value.lower(), str(p).lower()) for p in items)
    return any(fnmatch.fnmatchcase(value, str(p)) for p in items)


def _conditions_hold(conditions: dict[str, Any], context: dict[str, str]) -> bool:
    for operator, tests in conditions.items():
        if operator not in ("StringEquals", "StringLike", "ArnEquals", "ArnLike"):
            return False  # an operator this evaluator does not know never counts as met
        for key, expected in tests.items():
            if key not in context or not _matches(expected, context[key]):
                return False
    return True


def allowed(statements: list[dict[str, Any]], need: Need) -> bool:
    context = dict(need.context)
    return any(s["Effect"] == "Allow" and _matches(s["Action"], need.action, ignore_case=True)
               and _matches(s["Resource"], need.resource) and _conditions_hold(s.get("Condition", {}), context)
               for s in statements)


def role_statements(stack: Stack, role_logical_id: str) -> list[dict[str, Any]]:
    """The inline statements of a role as moto deployed it, every intrinsic resolved to real names."""
    iam = stack.client("iam")
    name = stack.resources[role_logical_id]
    statements: list[dict[str, Any]] = []
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
        if isinstance(document, str):  # moto returns the document as text, JSON or a Python literal
            try:
                document = json.loads(document)
            except json.JSONDecodeError:
                document = ast.literal_eval(document)
        found = document["Statement"]
        statements += found if isinstance(found, list) else [found]
    return statements


# --- recording -----------------------------------------------------------------------------------------

@pytest.fixture
def calls(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Call]]:
    """Calls made while a function runs (the local stack names the function running in the calling thread)."""
    recorded: list[Call] = []
    original = BaseClient._make_api_call

    def record(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        function = running_function()
        if function is not None and stack.functions.get(function.logical_id) is function:
            recorded.append(Call(function.logical_id, client.meta.service_model.service_name, operation, params))
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    yield recorded


def _newsroom_day(stack: Stack) -> None:
    site = (ROOT / "examples" / "site" / "site.yaml").read_bytes()
    stack.upload("site.yaml", site)
    stack.upload("articles/harbour.md", article("Harbour reopens", "2026-03-02", tags=["port"]))
    stack.upload("articles/harbour.md", article("Harbour reopens", "2026-03-02", tags=["port"],
                                                slug="harbour-reopens", aliases=["/2026/harbour/"]))
    stack.upload("articles/market.md", article("Market hall", "2026-03-03", tags=["town"]))
    stack.upload("media/photos/logo.png", (ROOT / "examples" / "site" / "media" / "logo.png").read_bytes())
    stack.delete("media/photos/logo.png")
    stack.upload("articles/draft.md", article("Not yet", "2026-03-04", draft=True))
    stack.upload("articles/market.md", b"---\ntitle: [unclosed\n---\nBody\n")
    stack.upload("articles/later.md", article("Later story", "2026-03-20T08:00:00+00:00"))
    stack.run_schedules(datetime(2026, 3, 20, 8, 0, 1, tzinfo=UTC))
    stack.upload("articles/gone.md", article("Gone story", "2026-03-05", tags=["port"]))
    stack.delete("articles/gone.md")
    stack.upload("site.yaml", site + b"\n# edited\n")  # a changed site.yaml re-renders every article


def test_every_call_of_a_newsroom_day_is_allowed_by_the_functions_role(stack: Stack, calls: list[Call]) -> None:
    # given
    roles = {logical: role_statements(stack, f"{logical}Role") for logical in stack.functions}

    # when
    _newsroom_day(stack)

    # then: the day exercised what each function does
    made = {(c.function, c.service, c.operation) for c in calls}
    assert {("RenderFunction", "s3", "PutObject"), ("RenderFunction", "scheduler", "CreateSchedule"),
            ("IndexFunction", "s3", "PutObject")} <= made, sorted(made)
    # and: every one of those calls is allowed
    refused = sorted({f"{c.function}: {c.service}.{c.operation} needs {n.action} on {n.resource}"
                      for c in calls for n in needs_of(c) if not allowed(roles[c.function], n)})
    assert not refused, "\n".join(refused)


def _drift_by_hand(stack: Stack) -> None:
    """Drift of every kind the repair pass knows, made outside the pipeline (events lost)."""
    s3 = stack.client("s3")
    site, content = stack.site_bucket, stack.content_bucket
    stack.upload("media/photos/logo.png", (ROOT / "examples" / "site" / "media" / "logo.png").read_bytes())
    s3.delete_object(Bucket=site, Key="posts/harbour-reopens/index.html")
    s3.delete_object(Bucket=site, Key="media/photos/logo.png")
    s3.put_object(Bucket=site, Key="posts/ghost/index.html", Body=b"ghost", Metadata={"content-sha256": "0" * 64})
    s3.put_object(Bucket=site, Key="stale/index.html", Body=b"moved", Metadata={"location": "/posts/later/"})
    s3.put_object(Bucket=site, Key="index.html", Body=b"old home", Metadata={"content-sha256": "1" * 64})
    s3.delete_object(Bucket=content, Key="_reports/articles/later.md.json")
    s3.put_object(Bucket=content, Key="_reports/articles/lost-delete.md.json", Body=b'{"status": "published"}')
    s3.put_object(Bucket=content, Key="articles/lost.md", Body=article("Lost event", "2026-03-06"))
    stack.take_events()


def test_every_call_of_a_repair_pass_is_allowed_by_the_render_functions_role(stack: Stack,
                                                                             calls: list[Call]) -> None:
    # given: a newsroom's day, then drift of every kind made by hand
    roles = {logical: role_statements(stack, f"{logical}Role") for logical in stack.functions}
    _newsroom_day(stack)
    _drift_by_hand(stack)
    calls.clear()

    # when: a dry run, a scheduled slice (the stored cursor) and a whole pass that repairs
    stack.run_repair(dry_run=True, whole=True)
    stack.run_repair()
    repaired = stack.run_repair(whole=True)

    # then: the runs listed both buckets, read reports and the table by key, and repaired
    assert repaired["runs"] >= 1
    made = {(c.function, c.service, c.operation) for c in calls}
    assert {("RenderFunction", "s3", op) for op in ("ListObjectsV2", "GetObject", "DeleteObject", "PutObject")} | {
        ("RenderFunction", "dynamodb", op) for op in ("GetItem", "PutItem", "Query")} <= made, sorted(made)
    listed = {c.params["Bucket"] for c in calls if c.operation == "ListObjectsV2"}
    assert {stack.site_bucket, stack.content_bucket} <= listed
    # and: every call is allowed, none is a Scan
    assert not any(c.operation == "Scan" for c in calls)
    refused = sorted({f"{c.function}: {c.service}.{c.operation} needs {n.action} on {n.resource}"
                      for c in calls for n in needs_of(c) if not allowed(roles[c.function], n)})
    assert not refused, "\n".join(refused)


def test_functions_run_under_their_template_roles(stack: Stack) -> None:
    lam = stack.client("lambda")
    for logical, function in stack.functions.items():
        role = lam.get_function_configuration(FunctionName=function.name)["Role"]
        assert role.endswith("/" + stack.resources[f"{logical}Role"])


def test_the_evaluator_refuses_what_a_role_does_not_grant(stack: Stack) -> None:
    render = role_statements(stack, "RenderFunctionRole")
    content = f"arn:aws:s3:::{stack.content_bucket}"
    assert allowed(render, Need("s3:PutObject", f"{content}/_reports/articles/a.md.json"))
    assert not allowed(render, Need("s3:PutObject", f"{content}/articles/a.md"))
    assert not allowed(render, Need("dynamodb:Scan", _table(stack.posts_table)))
    scheduler_role = f"arn:aws:iam::123456789012:role/{stack.resources['SchedulerRole']}"
    assert allowed(render, Need("iam:PassRole", scheduler_role, (("iam:PassedToService", "scheduler.amazonaws.com"),)))
    assert not allowed(render, Need("iam:PassRole", scheduler_role, (("iam:PassedToService", "lambda.amazonaws.com"),)))
