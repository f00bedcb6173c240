"""Calls made at once: results in order, every task ended before a failure is raised, and the caller's context
(the CDN batch collecting changed paths, a local invocation's configuration) seen by every task."""

from __future__ import annotations

import threading
import time

import pytest

from pressroom import cdn, config, parallel


def test_results_come_back_in_task_order() -> None:
    def task(n: int, delay: float):
        return lambda: (time.sleep(delay), n)[1]

    assert parallel.run_all([task(1, 0.05), task(2, 0.0), task(3, 0.02)]) == [1, 2, 3]


def test_tasks_run_at_once() -> None:
    barrier = threading.Barrier(4, timeout=5)  # only met when four tasks are running together
    assert parallel.run_all([barrier.wait for _ in range(4)]) is not None


def test_no_invalidation_path_is_lost_in_pool_threads() -> None:
    # given: a batch collecting changed pages, as the render function's
    flushed: list[list[str]] = []
    keys = [f"posts/p{i}/index.html" for i in range(40)]

    # when: the page writes note their keys from pool threads
    with cdn.batch(flushed.append):
        parallel.run_all([lambda key=key: cdn.note_changed([key]) for key in keys])

    # then: one invalidation names every page
    assert flushed == [sorted(f"/{key}" for key in keys)]


def test_tasks_read_the_configuration_of_the_invocation_that_started_them() -> None:
    env = {"CONTENT_BUCKET": "c", "SITE_BUCKET": "s", "POSTS_TABLE": "t-of-this-invocation"}
    with config.invocation_environ(env):
        tables = parallel.run_all([lambda: config.from_environ().posts_table] * 3)
    assert tables == ["t-of-this-invocation"] * 3


def test_a_failure_is_raised_once_every_task_has_ended() -> None:
    ended: list[str] = []

    def fails() -> None:
        raise RuntimeError("first")

    def slow() -> None:
        time.sleep(0.1)
        ended.append("slow")

    with pytest.raises(RuntimeError, match="first"):
        parallel.run_all([fails, slow])
    assert ended == ["slow"]


def test_a_task_that_runs_tasks_runs_them_in_line() -> None:
    # a task waiting on the pool it occupies could wait for ever once every thread does the same
    def outer() -> list[str]:
        return parallel.run_all([threading.current_thread, threading.current_thread])  # type: ignore[list-item]

    for inner in parallel.run_all([outer] * (parallel.POOL_SIZE + 2)):
        assert len({thread.name for thread in inner}) == 1
