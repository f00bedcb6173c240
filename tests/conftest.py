"""Shared fixtures: one local stack per test session, reset before each test that uses it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pressroom.local import Stack

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


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
