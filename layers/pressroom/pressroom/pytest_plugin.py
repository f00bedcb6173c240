"""pytest plugin: a `pressroom_stack` fixture, one local Stack per test session, emptied before each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pressroom.local import Stack


@pytest.fixture(scope="session")
def pressroom_stack_options(pytestconfig: pytest.Config) -> dict[str, Any]:
    """The keyword arguments of the session's `Stack`; override this fixture in conftest.py to change them.

    The default deploys the template.yaml of the rootdir (else the one shipped with pressroom) on real time.
    Pass `now=` for a fixed clock, or `root=` for another project folder.
    """
    return {"root": pytestconfig.rootpath}


@pytest.fixture(scope="session")
def pressroom_session_stack(pressroom_stack_options: dict[str, Any]) -> Iterator[Stack]:
    """The one local stack of the test session (deploying takes seconds; resetting it, milliseconds)."""
    from pressroom.local import Stack

    with Stack(**pressroom_stack_options) as stack:
        yield stack


@pytest.fixture
def pressroom_stack(pressroom_session_stack: Stack, pressroom_stack_options: dict[str, Any]) -> Stack:
    """The session's local stack, empty as after a fresh deploy, with the session's clock."""
    stack = pressroom_session_stack
    stack.reset()
    # a test may have moved the clock with set_time(): every test starts on the session's own clock
    stack.set_time(None)
    return stack
