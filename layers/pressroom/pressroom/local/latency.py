"""Latency mode: the local stack's functions wait a fixed time at every AWS call, as they would in AWS.

moto answers in microseconds, so locally a function's calls cost nothing and their order shows nowhere in its
wall time. With a delay per call (20 ms is a typical in-region round trip), the wall time of an invocation
is set by its chains of calls one after the other: calls made at once overlap, calls made in turn add up.
`sequential_round_trips` counts the longest such chain.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

_invocation: contextvars.ContextVar[int] = contextvars.ContextVar("pressroom_latency_invocation", default=0)


@dataclass(frozen=True)
class Call:
    function: str  # logical id of the function that made it
    invocation: int  # which invocation of that function, counted from the start of the mode
    operation: str  # service.Operation
    start: float
    end: float
    thread: int = 0


@dataclass
class Invocation:
    function: str
    number: int
    start: float
    end: float = 0.0
    thread: int = 0  # the thread the invocation ran in (its calls made at once run in pool threads)

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class CallLog:
    """What the functions did while the latency mode was on."""

    delay: float
    calls: list[Call] = field(default_factory=list)
    invocations: list[Invocation] = field(default_factory=list)
    phases: list[tuple[float, float]] = field(default_factory=list)  # runs of calls made at once

    def of(self, function: str) -> list[Invocation]:
        return [i for i in self.invocations if i.function == function]

    def calls_of(self, invocation: Invocation) -> list[Call]:
        return [c for c in self.calls if c.function == invocation.function and c.invocation == invocation.number]

    def sequential_round_trips(self, invocation: Invocation) -> int:
        """The longest chain of the invocation's calls each of which had to wait for the one before."""
        phases = [p for p in self.phases if invocation.start <= p[0] <= invocation.end]
        return sequential_round_trips(self.calls_of(invocation), invocation.thread, phases)


def sequential_round_trips(calls: list[Call], main_thread: int, phases: list[tuple[float, float]]) -> int:
    """The length of the longest chain of calls that waited for each other.

    A thread makes its calls one after another. The invocation's own thread waits for every call made at
    once (`run_all` returns when all have answered). A call in a pool thread waited for the calls its thread
    made before it (its task waited for a free thread) and for every call that had answered when its run of
    tasks started (`phases`: when each began and ended). Start and end times alone would not do: moto answers
    a wave of calls one after the other, so the wave's last calls start after its first ones ended.
    """
    ordered = sorted(calls, key=lambda c: c.start)
    depth: list[int] = []
    last_in_thread: dict[int, int] = {}
    for i, call in enumerate(ordered):
        before = [depth[last_in_thread[call.thread]]] if call.thread in last_in_thread else []
        if call.thread == main_thread:
            began = call.start
        else:
            began = max((start for start, end in phases if start <= call.start <= end), default=call.start)
        before += [depth[j] for j in range(i) if ordered[j].end <= began]
        depth.append(1 + max(before, default=0))
        last_in_thread[call.thread] = i
    return max(depth, default=0)


@contextmanager
def latency(seconds: float) -> Iterator[CallLog]:
    """Inside, every AWS call made by a local stack's function (in its own thread or a pool thread it started)
    waits `seconds` before it is made; yields the log of calls and invocations."""
    import botocore.client

    from pressroom import parallel
    from pressroom.local import Function, running_function

    log = CallLog(seconds)
    lock = threading.Lock()
    numbers: dict[str, int] = {}
    real_call, real_invoke = botocore.client.BaseClient._make_api_call, Function.invoke

    def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        function = running_function()
        if function is None:
            return real_call(client, operation, params)
        start = time.perf_counter()
        time.sleep(seconds)
        try:
            return real_call(client, operation, params)
        finally:
            with lock:
                name = f"{client.meta.service_model.service_name}.{operation}"
                log.calls.append(Call(function.logical_id, _invocation.get(), name, start, time.perf_counter(),
                                      threading.get_ident()))

    def invoke(function: Function, event: dict[str, Any]) -> Any:
        with lock:
            numbers[function.logical_id] = number = numbers.get(function.logical_id, 0) + 1
            record = Invocation(function.logical_id, number, time.perf_counter(), thread=threading.get_ident())
            log.invocations.append(record)
        token = _invocation.set(number)  # pool threads read it from the context they are given
        try:
            return real_invoke(function, event)
        finally:
            _invocation.reset(token)
            record.end = time.perf_counter()

    def phase(started: float, ended: float) -> None:
        with lock:
            log.phases.append((started, ended))

    botocore.client.BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
    Function.invoke = invoke  # type: ignore[method-assign]
    parallel.observers.append(phase)
    try:
        yield log
    finally:
        parallel.observers.remove(phase)
        botocore.client.BaseClient._make_api_call = real_call  # type: ignore[method-assign]
        Function.invoke = real_invoke  # type: ignore[method-assign]

