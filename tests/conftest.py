"""Shared fixtures: one local stack per test session, reset before each test that uses it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from botocore.client import BaseClient

from pressroom.local import Stack
from tests.s3keys import S3KeyLog

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session", autouse=True)
def s3_key_log() -> Iterator[S3KeyLog]:
    """Every object key handed to S3 during the session (see tests/s3keys.py)."""
    log = S3KeyLog()
    original = BaseClient._make_api_call

    def record(client: BaseClient, operation: str, params: dict) -> object:
        if client.meta.service_model.service_name == "s3":
            log.add(operation, params)
        return original(client, operation, params)

    BaseClient._make_api_call = record  # type: ignore[method-assign]
    yield log
    BaseClient._make_api_call = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def no_encoded_s3_keys(s3_key_log: S3KeyLog) -> Iterator[None]:
    """A test fails when any of its S3 calls names a key still URL-encoded (an event's key passed on as is)."""
    start = len(s3_key_log.calls)
    yield
    mistakes = s3_key_log.mistakes(since=start)
    assert not mistakes, f"S3 was handed URL-encoded keys that no upload was named: {mistakes[:5]}"


@pytest.fixture(scope="session")
def session_stack() -> Iterator[Stack]:
    with Stack(root=ROOT, now=NOW) as stack:
        yield stack


@pytest.fixture
def stack(session_stack: Stack) -> Stack:
    session_stack.reset()
    session_stack.set_time(None)  # back to NOW, whatever the previous test did
    return session_stack


def article(title: str, date: str = "2026-03-01", body: str = "Body text of the article.", **fields: object) -> bytes:
    """A Markdown article with front matter."""
    import yaml

    meta = {"title": title, "date": date, **fields}
    return f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{body}\n".encode()
