"""A scheduler that runs invocations in threads and lets exactly one of them make its next AWS call at a time."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.client

from pressroom import parallel

Actor = Callable[[], Any]

WRITES = ("Put", "Delete", "Update", "Transact", "Copy", "Send", "Create", "Change", "BatchWrite")


def is_write(call: str) -> bool:
    """Whether a call ("service.Operation") changes something (a read never needs to be a switching point
    of its own: the reads before a write are what makes it stale)."""
    return call.rsplit(".", 1)[-1].startswith(WRITES)


@dataclass
class Walk:
    """One run of the actors: the schedule that chose the order, and the calls in the order they ran."""

    schedule: str
    trace: list[tuple[str, str]] = field(default_factory=list)  # (actor, "service.Operation")
    errors: dict[str, BaseException] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    stalled: str = ""  # set when an actor blocked outside an AWS call while another held what it waited on
    preempted: bool = True  # False: a preemption point the victim never reached (the walk was serial)

    def switches(self) -> int:
        """How often the walk went from one actor to another."""
        return sum(1 for before, after in zip(self.trace, self.trace[1:], strict=False) if before[0] != after[0])

    def describe(self, last: int = 40) -> str:
        calls = " ".join(f"{actor}:{call.split('.', 1)[1]}" for actor, call in self.trace[-last:])
        return (f"{self.schedule}: calls={len(self.trace)} switches={self.switches()}"
                f"{' stalled: ' + self.stalled if self.stalled else ''}\n    last calls: {calls}")


class Chooser:
    """Picks which of the actors waiting at a call makes it next."""

    name = ""

    def pick(self, waiting: dict[str, str]) -> str:
        raise NotImplementedError


class RandomWalk(Chooser):
    """Uniformly at each call, from a seed: fine-grained interleavings."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.name = f"seed {seed} (random walk)"

    def pick(self, waiting: dict[str, str]) -> str:
        return self.rng.choice(sorted(waiting))


class Priorities(Chooser):
    """Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010): random priorities, the highest
    waiting actor runs, and at `depth - 1` random steps the one running drops below every other. It reaches
    orders where one invocation runs a long stretch in the middle of another, which a uniform walk rarely does.
    """

    def __init__(self, seed: int, names: list[str], *, expected_steps: int, depth: int = 3) -> None:
        self.rng = random.Random(seed)
        self.name = f"seed {seed} (priorities, depth {depth})"
        order = sorted(names)
        self.rng.shuffle(order)
        self.priority = {name: len(order) - i for i, name in enumerate(order)}  # higher runs first
        span = max(expected_steps, depth)
        self.change_points = set(self.rng.sample(range(1, span + 1), k=min(depth - 1, span)))
        self.step = 0
        self.lowest = 0

    def pick(self, waiting: dict[str, str]) -> str:
        self.step += 1
        chosen = max(waiting, key=lambda name: self.priority[name])
        if self.step in self.change_points:
            self.lowest -= 1
            self.priority[chosen] = self.lowest
            chosen = max(waiting, key=lambda name: self.priority[name])
        return chosen


class Preempt(Chooser):
    """One switch, at a chosen write: `victim` runs alone until it is about to make its `at_write`-th write,
    then every other actor runs to its end (in `others` order), then the victim finishes. Enumerating every
    (victim, write) is bounded systematic exploration: each write made stale, and each committed state seen
    half-done, by whole invocations of the others."""

    def __init__(self, victim: str, at_write: int, others: list[str]) -> None:
        self.victim, self.at_write = victim, at_write
        self.order = [victim, *others]
        self.name = f"preempt {victim!r} at its write {at_write}"
        self.writes = 0
        self.fired = False

    def pick(self, waiting: dict[str, str]) -> str:
        call = waiting.get(self.victim)
        if not self.fired and call is not None and is_write(call):
            if self.writes + 1 == self.at_write:
                self.fired = True
                self.order = [*self.order[1:], self.victim]
            else:
                self.writes += 1
        return next(name for name in self.order if name in waiting)


class Interleaver:
    """Runs named actors, each in a thread of its own, pausing every one of them at each AWS call it makes
    (`BaseClient._make_api_call`, the one place every boto3 call passes). Between two calls an actor runs
    alone, so a walk is fixed by its seed: the same seed replays the same order.

    Work an actor starts inside its invocation (a held article published by a delete's release, a story
    re-published by its other upload) runs in the same thread and pauses like the rest. Calls made by other
    threads, and calls made while an actor's call is already running, pass through.
    """

    def __init__(self, chooser: Chooser, *, stall_seconds: float = 20.0) -> None:
        self.chooser = chooser
        self.stall_seconds = stall_seconds
        self._cond = threading.Condition()
        self._actor_of: dict[int, str] = {}
        self._state: dict[str, str] = {}  # actor -> "running", "waiting" or "done"
        self._call: dict[str, str] = {}  # actor -> the call it waits at
        self._turn: str | None = None
        self._free = False  # every actor runs unscheduled (after a stall, so that the threads can end)
        self._inside = threading.local()

    def run(self, actors: dict[str, Actor]) -> Walk:
        """Run the actors to their end, one AWS call at a time, and return the walk they took."""
        walk = Walk(self.chooser.name)
        threads = []
        with self._hooked():
            for name, actor in actors.items():
                thread = threading.Thread(target=self._body, args=(name, actor, walk), name=f"actor-{name}",
                                          daemon=True)
                with self._cond:
                    self._state[name] = "running"
                thread.start()
                threads.append(thread)
                self._until_paused(walk)  # each starts alone, up to its first call: the start is fixed too
            while not walk.stalled:
                with self._cond:
                    waiting = {name: self._call[name] for name, state in self._state.items() if state == "waiting"}
                    if not waiting:
                        break
                    chosen = self.chooser.pick(waiting)
                    walk.trace.append((chosen, self._call[chosen]))
                    self._state[chosen] = "running"
                    self._turn = chosen
                    self._cond.notify_all()
                self._until_paused(walk)
            for thread in threads:
                thread.join(self.stall_seconds)
        alive = [thread.name for thread in threads if thread.is_alive()]
        if alive:
            walk.stalled = walk.stalled or f"threads still running: {alive}"
        walk.preempted = getattr(self.chooser, "fired", True)
        return walk

    def _until_paused(self, walk: Walk) -> None:
        """Wait until no actor runs: each waits at a call or has ended. A stall frees every actor."""
        with self._cond:
            done = self._cond.wait_for(lambda: "running" not in self._state.values(), timeout=self.stall_seconds)
            if not done:
                running = [name for name, state in self._state.items() if state == "running"]
                walk.stalled = f"{running} made no AWS call for {self.stall_seconds:.0f} s (blocked on another actor?)"
                self._free = True
                self._cond.notify_all()

    def _body(self, name: str, actor: Actor, walk: Walk) -> None:
        with self._cond:
            self._actor_of[threading.get_ident()] = name
        try:
            with parallel.in_line():  # the calls an invocation makes at once are scheduled one by one too
                walk.results[name] = actor()
        except BaseException as exc:  # noqa: BLE001 - reported with the walk
            walk.errors[name] = exc
        finally:
            with self._cond:
                self._state[name] = "done"
                self._cond.notify_all()

    def _pause(self, name: str, call: str) -> None:
        with self._cond:
            if self._free:
                return
            self._state[name] = "waiting"
            self._call[name] = call
            self._cond.notify_all()
            self._cond.wait_for(lambda: self._turn == name or self._free)
            self._turn = None
            self._state[name] = "running"

    @contextmanager
    def _hooked(self) -> Iterator[None]:
        real = botocore.client.BaseClient._make_api_call
        scheduler = self

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            name = scheduler._actor_of.get(threading.get_ident())
            if name is None or getattr(scheduler._inside, "depth", 0):
                return real(client, operation, params)
            scheduler._pause(name, f"{client.meta.service_model.service_name}.{operation}")
            scheduler._inside.depth = 1
            try:
                return real(client, operation, params)
            finally:
                scheduler._inside.depth = 0

        botocore.client.BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
        try:
            yield
        finally:
            botocore.client.BaseClient._make_api_call = real  # type: ignore[method-assign]
