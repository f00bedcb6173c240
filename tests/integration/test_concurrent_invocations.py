"""Local invocations run at once in several threads, each with its own function's configuration and log."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.client import BaseClient

from pressroom import config
from pressroom.local import Function, Stack, _sqs_record
from tests.conftest import article

WAIT = 10.0  # seconds: bounded, so that invocations that cannot overlap fail the test instead of hanging it


def _render_event(stack: Stack, body: str) -> dict[str, Any]:
    assert stack.template is not None
    url = stack.queue_url(next(m.source for m in stack.template.mappings if m.kind == "SQS"))
    attributes = {"ApproximateReceiveCount": "1"}
    return {"Records": [_sqs_record("m-" + str(abs(hash(body))), "r", body, attributes, url)]}


def _copy_of_render(stack: Stack, **variables: str) -> Function:
    """The render function deployed a second time with other settings (as another stack's would be)."""
    render = stack.functions["RenderFunction"]
    deployed = {"FunctionName": render.name, "FunctionArn": render.arn, "Timeout": render.timeout_seconds,
                "MemorySize": render.memory_mb, "Handler": f"{render.module_name}.{render.handler_name}",
                "Environment": {"Variables": {**render.environment, **variables}}}
    return Function(stack, "RenderFunctionCopy", render.folder, deployed)


def test_an_invocation_runs_while_another_waits_on_aws_each_with_its_own_settings(
        stack: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # given: two uploads' events, and a render function deployed twice with different upload limits
    stack.upload("articles/first.md", article("First", "2026-03-02"), wait=False)
    stack.upload("articles/second.md", article("Second", "2026-03-03"), wait=False)
    bodies = {("first" if "first.md" in body else "second"): body for body in stack.take_events()}
    copy = _copy_of_render(stack, MAX_UPLOAD_BYTES="12345")
    render = stack.functions["RenderFunction"]
    template_limit = int(render.environment["MAX_UPLOAD_BYTES"])
    assert template_limit != 12345

    first_waiting, second_done = threading.Event(), threading.Event()
    seen: dict[str, int] = {}
    released: dict[str, bool] = {}
    original = BaseClient._make_api_call
    first_thread: dict[str, int] = {}

    def call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if threading.get_ident() == first_thread.get("id") and "first" not in released:
            # the first invocation stops in its first AWS call until the second one has run whole
            seen["first"] = config.from_environ().max_upload_bytes
            first_waiting.set()
            released["first"] = second_done.wait(WAIT)
        elif threading.get_ident() != first_thread.get("id") and "second" not in seen:
            seen["second"] = config.from_environ().max_upload_bytes
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", call)
    results: dict[str, Any] = {}
    log_before = len(stack.log.getvalue())

    def first() -> None:
        first_thread["id"] = threading.get_ident()
        results["first"] = copy.invoke(_render_event(stack, bodies["first"]))

    def second() -> None:
        assert first_waiting.wait(WAIT)
        results["second"] = render.invoke(_render_event(stack, bodies["second"]))
        second_done.set()

    # when: the second invocation starts while the first is inside an AWS call
    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(3 * WAIT)

    # then: the second ran whole while the first waited, and each read its own function's settings
    assert not any(thread.is_alive() for thread in threads)
    assert released == {"first": True}, "the second invocation could not run while the first one was running"
    assert seen == {"first": 12345, "second": template_limit}
    assert results == {"first": {"batchItemFailures": []}, "second": {"batchItemFailures": []}}
    # and: both articles are published
    assert b"<h1>First</h1>" in (stack.site_object("posts/first/index.html") or b"")
    assert b"<h1>Second</h1>" in (stack.site_object("posts/second/index.html") or b"")
    # and: what the functions printed (metrics, logs) went to the stack's log, none to this test's output
    assert '"_aws"' in stack.log.getvalue()[log_before:]
    assert capsys.readouterr().out == ""
    copy.unload()


def test_settle_waits_for_an_invocation_running_in_another_thread(stack: Stack) -> None:
    # given: an event being handled in another thread, which stops inside the render function
    stack.upload("articles/slow.md", article("Slow", "2026-03-02"), wait=False)
    (body,) = stack.take_events()
    inside, go_on = threading.Event(), threading.Event()
    render = stack.functions["RenderFunction"]
    original = BaseClient._make_api_call
    other: dict[str, int] = {}

    def call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if threading.get_ident() == other.get("id") and not inside.is_set():
            inside.set()
            go_on.wait(WAIT)
        return original(client, operation, params)

    def handle() -> None:
        other["id"] = threading.get_ident()
        render.invoke(_render_event(stack, body))

    BaseClient._make_api_call = call  # type: ignore[method-assign]
    try:
        thread = threading.Thread(target=handle)
        thread.start()
        assert inside.wait(WAIT)

        # when: this thread settles while the other's invocation runs
        settled = threading.Event()
        settler = threading.Thread(target=lambda: (stack.settle(), settled.set()))
        settler.start()
        early = settled.wait(0.5)
        go_on.set()
        thread.join(WAIT)
        settler.join(WAIT)
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]

    # then: settle returned only after that invocation, and with what it sent delivered
    assert not early
    assert settled.is_set()
    assert b"<h1>Slow</h1>" in (stack.site_object("posts/slow/index.html") or b"")
    assert b"Slow" in (stack.site_object("index.html") or b"")
