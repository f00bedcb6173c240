"""Independent AWS calls of one invocation, made at once on a small bounded thread pool.

A function's time goes mostly to waiting on AWS: listing pages written one after the other, the month and tag
queries, assets, reports. `run_all` starts such calls together and waits for every one, so a step costs one
round trip instead of one per call. boto3 clients are thread-safe (resources are not: none is used here), and
their connection pools hold `POOL_SIZE` connections (`pressroom.aws`).

Each task runs in a copy of the caller's context: the configuration of a local invocation, the CDN batch that
collects changed paths (`cdn.note_changed`) and the local stack's running function are context variables,
which pool threads do not inherit otherwise.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

POOL_SIZE = 32  # threads, and connections per client: a publish's index reads and stored-page reads fit in one round
_lock = threading.Lock()
_pool: list[ThreadPoolExecutor] = []
_inside = threading.local()  # set in pool threads: a task that runs tasks of its own runs them in line
_in_line: contextvars.ContextVar[bool] = contextvars.ContextVar("pressroom_in_line", default=False)
# told (started, ended) of every concurrent run: the local stack's latency mode, which counts round trips
observers: list[Callable[[float, float], None]] = []


def _executor() -> ThreadPoolExecutor:
    with _lock:
        if not _pool:
            _pool.append(ThreadPoolExecutor(max_workers=POOL_SIZE, thread_name_prefix="pressroom-aws",
                                            initializer=_mark_inside))
        return _pool[0]


def _mark_inside() -> None:
    _inside.active = True


def run_all(tasks: Iterable[Callable[[], T]]) -> list[T]:
    """Run `tasks` at once and return their results in order, once every one has finished.

    When any fails, the first failure (in task order) is raised after all of them ended, so nothing started
    here is still running when the caller goes on (the order guarantees of what follows rely on it). Inside a
    task, or with one task, the tasks run in line: a task never waits for the pool it occupies.
    """
    work = list(tasks)
    if len(work) <= 1 or getattr(_inside, "active", False) or _in_line.get():
        return [task() for task in work]
    executor = _executor()
    started = time.perf_counter()
    futures = [executor.submit(contextvars.copy_context().run, task) for task in work]
    results: list[Any] = []
    failure: BaseException | None = None
    for future in futures:
        try:
            results.append(future.result())
        except BaseException as exc:  # noqa: BLE001 - raised below, once every task has ended
            results.append(None)
            failure = failure or exc
    for observer in observers:
        observer(started, time.perf_counter())
    if failure is not None:
        raise failure
    return results


@contextmanager
def in_line() -> Iterator[None]:
    """Inside (in this context only), tasks run one after the other in task order, in the caller's thread: for
    a harness that schedules every AWS call of an invocation itself, one at a time."""
    token = _in_line.set(True)
    try:
        yield
    finally:
        _in_line.reset(token)


def shutdown() -> None:
    """Stop the pool's threads (a new pool starts with the next `run_all`)."""
    with _lock:
        pools, _pool[:] = list(_pool), []
    for pool in pools:
        pool.shutdown(wait=True)
