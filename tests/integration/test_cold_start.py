"""Each handler, imported in a fresh interpreter with the environment Lambda gives it (active tracing on),
loads only what its path needs: the index function no article parser or publishing decisions, a media upload neither the parser nor
Jinja, and no function the X-Ray SDK unless TraceAwsCalls asks for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pressroom.local import Stack
from pressroom.local.lambda_process import ColdStart, captured, cold_start
from tests.conftest import article

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PARSER = {"ctypes", "nh3", "yaml"}  # ctypes loads cmark-gfm, the Markdown renderer
TEMPLATES = {"jinja2"}
TRACING = {"aws_xray_sdk"}
ARTICLE_PATH = {"pressroom.content", "pressroom.publish.core", "pressroom.publish.lambda_shell"}
# the sanitizer, the YAML reader and the S3 event parser: a listings rebuild reads stored settings and stream records
UPLOAD_PATH = {"pressroom.markup", "pressroom.yamlsafe", "pressroom.events"}


@pytest.fixture(scope="module")
def server_stack() -> Iterator[Stack]:
    with Stack(server_port=0) as stack:
        yield stack


def _top_level(names: tuple[str, ...]) -> set[str]:
    return {name.split(".")[0] for name in names}


def _first_event(stack: Stack, key: str, body: bytes) -> ColdStart:
    """The render function's first event in a fresh interpreter: the upload of `key` (stream records left
    from earlier runs are taken as handled on the way)."""
    with captured(stack) as seen:
        stack.upload(key, body)
    (event,) = [event for function, event in seen if function == "RenderFunction"]
    return cold_start(stack.functions["RenderFunction"], event)


def test_the_render_function_publishes_an_article_without_the_xray_sdk(server_stack: Stack) -> None:
    run = _first_event(server_stack, "articles/cold.md", article("Cold start", "2026-03-01", tags=["port"]))
    assert run.result == {"batchItemFailures": []}
    assert server_stack.site_object("posts/cold/index.html") is not None
    assert not _top_level(run.imported) & (PARSER | TEMPLATES | TRACING)  # the import alone loads none of them
    assert not _top_level(run.modules) & TRACING
    assert "pressroom.publish.lambda_shell" in run.modules


def test_the_index_function_loads_no_article_parser(server_stack: Stack) -> None:
    _first_event(server_stack, "articles/listed.md", article("Listed", "2026-03-02", tags=["port"]))
    with captured(server_stack) as seen:
        server_stack.settle()
    ((function, event),) = seen
    run = cold_start(server_stack.functions[function], event)
    assert run.result["written"] > 0
    assert b"Listed" in (server_stack.site_object("index.html") or b"")
    assert not _top_level(run.modules) & (PARSER | TRACING)
    assert not set(run.modules) & ARTICLE_PATH  # nor the article's model and decisions
    assert not set(run.modules) & UPLOAD_PATH


def test_a_media_upload_loads_neither_the_parser_nor_jinja(server_stack: Stack) -> None:
    run = _first_event(server_stack, "media/cold.png", PNG)
    assert run.result == {"batchItemFailures": []}
    assert server_stack.site_object("media/cold.png") == PNG
    assert not _top_level(run.modules) & (PARSER | TEMPLATES | TRACING)
    assert "pressroom.render" not in run.modules


def test_trace_aws_calls_loads_the_xray_sdk(server_stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    function = server_stack.functions["RenderFunction"]
    monkeypatch.setitem(function.environment, "PRESSROOM_TRACE_CALLS", "true")
    run = _first_event(server_stack, "media/traced.png", PNG)
    assert run.result == {"batchItemFailures": []}
    assert "aws_xray_sdk" in _top_level(run.imported)
