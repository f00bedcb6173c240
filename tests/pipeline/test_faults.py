"""One failure at any AWS call the functions make, before the call takes effect or after it, and the retry ends
exactly where a clean run ends: the same site, the same table, the same reports, the same schedules."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import botocore.client
import pytest
from botocore.exceptions import ClientError

from pressroom.local import Function, Stack
from tests.conftest import article
from tests.pipeline.helpers import report_state, site_state, table_state

Step = Callable[[Stack], None]


@dataclass
class Fault:
    """Fail the functions' AWS call number `at` (1-based), once: before it reaches AWS, or after it took effect."""

    at: int = 0
    after: bool = False
    calls: int = 0
    fired: str = ""


@contextmanager
def injecting(fault: Fault) -> Iterator[Fault]:
    inside = {"depth": 0}
    counting = threading.Lock()
    real_call = botocore.client.BaseClient._make_api_call
    real_invoke = Function.invoke

    def make_api_call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if not inside["depth"]:
            return real_call(self, operation, params)
        with counting:  # calls made at once (pressroom.parallel) are numbered one by one
            fault.calls += 1
            number = fault.calls
        name = f"{self.meta.service_model.service_name}.{operation}"
        error = ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, operation)
        if number == fault.at and not fault.after:
            fault.fired = name
            raise error
        result = real_call(self, operation, params)
        if number == fault.at:
            fault.fired = name
            raise error
        return result

    def invoke(self: Function, event: dict[str, Any]) -> Any:
        inside["depth"] += 1
        try:
            return real_invoke(self, event)
        finally:
            inside["depth"] -= 1

    botocore.client.BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
    Function.invoke = invoke  # type: ignore[method-assign]
    try:
        yield fault
    finally:
        botocore.client.BaseClient._make_api_call = real_call  # type: ignore[method-assign]
        Function.invoke = real_invoke  # type: ignore[method-assign]


def observed(stack: Stack) -> tuple[Any, ...]:
    """The stack's whole observable state, with what differs between two runs by design left out: event
    sequencers (per process, always increasing) and the ids of full rebuilds."""
    table: dict[Any, Any] = {("REBUILD", "COUNT"): []}
    for (pk, sk), item in table_state(stack).items():
        if pk.startswith("REBUILD#"):
            if sk == "COUNT":
                table[("REBUILD", "COUNT")].append((item["n"], item.get("finished", False)))
            continue
        if pk == "REPAIR":
            continue  # where the anti-entropy pass is, and its runs' results
        if pk.startswith("SRC#"):
            item["effects carried out"] = item.pop("applied", "") == item.pop("sequencer", "")
        table[(pk, sk)] = item
    return table, site_state(stack), report_state(stack), sorted(s["Name"] for s in stack.schedules())


SCENARIOS: dict[str, tuple[Step, Step]] = {
    # name: (what is there before, the change the faults are injected into)
    "publish": (
        lambda s: s.upload("articles/warm.md", article("Warm-up", "2026-03-05", tags=["port"])),
        lambda s: s.upload("articles/new.md", article("New story", "2026-03-06", tags=["port", "council"])),
    ),
    "edit": (
        lambda s: s.upload("articles/new.md", article("New story", "2026-03-06", tags=["port"])),
        lambda s: s.upload("articles/new.md", article("New story, edited", "2026-02-06", tags=["council"])),
    ),
    "rename with an alias": (
        lambda s: s.upload("articles/new.md", article("New story", "2026-03-06", tags=["port"])),
        lambda s: s.upload("articles/new.md", article("New story", "2026-03-06", tags=["port"], slug="renamed",
                                                      aliases=["/old/"])),
    ),
    "delete": (
        lambda s: s.upload("articles/new.md", article("New story", "2026-03-06", tags=["port"], aliases=["/old/"])),
        lambda s: s.delete("articles/new.md"),
    ),
    "displacement": (
        lambda s: s.upload("articles/b.md", article("B", "2026-03-04", slug="same")),
        lambda s: s.upload("articles/a.md", article("A", "2026-03-05", slug="same")),
    ),
    "release": (
        lambda s: [s.upload(k, article(k[9].upper(), "2026-03-05", slug="same")) for k in ("articles/a.md",
                                                                                          "articles/b.md")],
        lambda s: s.delete("articles/a.md"),
    ),
    "moved story": (
        lambda s: [s.upload(k, article("Fire", "2026-03-05", id="fire", tags=["port"])) for k in ("articles/fire.md",
                                                                                                "articles/fire-2.md")],
        lambda s: s.delete("articles/fire.md"),
    ),
    "settings and a full rebuild": (
        lambda s: [s.upload(f"articles/{n}.md", article(n.upper(), "2026-03-05", tags=["port"])) for n in "ab"],
        lambda s: s.upload("site.yaml", "name: Renamed Gazette\n"),
    ),
    "schedule": (
        lambda s: s.upload("articles/warm.md", article("Warm-up", "2026-03-05")),
        lambda s: s.upload("articles/later.md", article("Later", "2026-06-01")),
    ),
}


@dataclass
class Snapshot:
    """What a scenario's setup leaves in the buckets and the table, to start each faulty run from it quickly."""

    site: list[dict[str, Any]]
    content: dict[str, bytes]
    items: list[dict[str, Any]]


def snapshot(stack: Stack) -> Snapshot:
    s3 = stack.client("s3")
    site = []
    for key in stack.site_keys():
        found = s3.get_object(Bucket=stack.site_bucket, Key=key)
        site.append({"Key": key, "Body": found["Body"].read(), "ContentType": found.get("ContentType", ""),
                     "CacheControl": found.get("CacheControl", ""), "Metadata": found.get("Metadata", {})})
    content = {key: s3.get_object(Bucket=stack.content_bucket, Key=key)["Body"].read()
               for key in stack._keys(stack.content_bucket)}
    db = stack.client("dynamodb")
    items = [item for page in db.get_paginator("scan").paginate(TableName=stack.posts_table)
             for item in page.get("Items", [])]
    assert not stack.schedules(), "a setup with schedules cannot be restored from a snapshot"
    return Snapshot(site, content, items)


def restore(stack: Stack, snap: Snapshot) -> None:
    """The stack as the setup left it: same objects and items, nothing queued, the stream past them."""
    stack.reset()
    s3, db = stack.client("s3"), stack.client("dynamodb")
    for obj in snap.site:
        s3.put_object(Bucket=stack.site_bucket, **{k: v for k, v in obj.items() if v != ""})
    for key, body in snap.content.items():
        s3.put_object(Bucket=stack.content_bucket, Key=key, Body=body)
    for item in snap.items:
        db.put_item(TableName=stack.posts_table, Item=item)
    stack.take_events()
    stack.skip_stream()


def _run(stack: Stack, setup: Step | Snapshot, change: Step, fault: Fault | None = None) -> tuple[Any, ...]:
    if isinstance(setup, Snapshot):
        restore(stack, setup)
    else:
        stack.reset()
        setup(stack)
    if fault is None:
        change(stack)
    else:
        with injecting(fault):
            change(stack)
    stack.settle()
    return observed(stack)


# Faulty runs a scenario gets in the tests: a sample of its calls, evenly spread over the whole change, failed
# before and after in turn. `make bench` (section faults) and PRESSROOM_FAULTS=all fail every call both ways.
SAMPLE = 24


def faulty_calls(calls: int, *, every: bool) -> list[tuple[int, bool]]:
    """The (call, after) faults to inject into a change of `calls` AWS calls."""
    if every:
        return [(at, after) for at in range(1, calls + 1) for after in (False, True)]
    stride = max(1, -(-calls // SAMPLE))
    return [(at, n % 2 == 1) for n, at in enumerate(range(1, calls + 1, stride))]


def wrong_calls(stack: Stack, name: str, *, every: bool) -> tuple[int, int, list[tuple[int, str, str]]]:
    """Run scenario `name` once cleanly, then once per injected fault: (calls, runs, the faults whose retry
    did not end where the clean run did)."""
    setup_step, change = SCENARIOS[name]
    stack.reset()
    setup_step(stack)
    setup = snapshot(stack)
    counter = Fault()
    expected = _run(stack, setup, change, counter)
    calls = counter.calls
    assert calls > 5
    assert _run(stack, setup_step, change) == expected  # the snapshot starts runs where the setup leaves them
    wrong = []
    faults = faulty_calls(calls, every=every)
    for at, after in faults:
        fault = Fault(at=at, after=after)
        if _run(stack, setup, change, fault) != expected:
            wrong.append((at, "after" if after else "before", fault.fired))
    return calls, len(faults), wrong


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_one_failure_at_any_call_converges_to_the_clean_run(stack: Stack, name: str) -> None:
    # given / when: the scenario run cleanly, then with one failure at each sampled call, before the call
    # takes effect and after it
    calls, runs, wrong = wrong_calls(stack, name, every=os.environ.get("PRESSROOM_FAULTS") == "all")

    # then: every retry ended where the clean run did, and nothing was dead-lettered
    assert runs >= min(calls, SAMPLE) // 2
    assert wrong == []
    assert stack.dead_letters == []


def test_the_sample_of_faults_spreads_over_the_change_and_both_sides() -> None:
    for calls in (3, 12, 48, 97):
        sample = faulty_calls(calls, every=False)
        ats = [at for at, _ in sample]
        assert len(sample) <= SAMPLE and ats[0] == 1 and ats[-1] > calls - calls // SAMPLE - 2
        assert {after for _, after in sample} == {False, True}
    assert len(faulty_calls(48, every=True)) == 96


# --- mutants the tests above must kill --------------------------------------------------------------------


def test_an_older_version_that_read_before_a_newer_one_committed_cannot_overwrite_it(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: a published article and two new versions of it, their events taken in order
    from pressroom import handlers
    from pressroom.index import PostsIndex

    stack.upload("articles/a.md", article("Version zero", "2026-03-05"))
    stack.upload("articles/a.md", article("Version one", "2026-03-05"), wait=False)
    stack.upload("articles/a.md", article("Version two", "2026-03-05"), wait=False)
    first, second = stack.take_events()
    real_commit = PostsIndex.commit
    interleaved = []

    def commit(self: PostsIndex, state: Any, **kwargs: Any) -> bool:
        if not interleaved:  # version one has read the table; version two publishes whole before it commits
            interleaved.append(state.key)
            handlers.render_record(second)
        return real_commit(self, state, **kwargs)

    monkeypatch.setattr(PostsIndex, "commit", commit)

    # when
    stack.deliver([first])
    stack.settle()

    # then: the compare-and-set refused version one's commit, and its retry found a newer version stored
    assert interleaved == ["articles/a.md"]
    assert b"Version two" in stack.site_object("posts/a/index.html")
    assert b"Version two" in stack.site_object("index.html")
    assert stack.report("articles/a.md")["etag"] == hashlib.md5(article("Version two", "2026-03-05")).hexdigest()


def test_a_duplicate_of_a_fully_carried_out_event_changes_nothing(stack: Stack) -> None:
    # given
    stack.upload("articles/a.md", article("A", "2026-03-05"), wait=False)
    (event,) = stack.take_events()
    stack.deliver([event])
    stack.settle()
    before = observed(stack)

    # when
    with injecting(Fault()) as counter:
        stack.deliver([event])

    # then: one read of the key's state, and nothing written
    assert counter.calls == 1
    assert observed(stack) == before


def test_a_commit_expecting_an_older_sequencer_is_refused(stack: Stack) -> None:
    # given: a key committed at sequencer 2
    from pressroom.index import PostsIndex, SourceState

    index = PostsIndex(stack.client("dynamodb"), stack.posts_table)
    assert index.commit(SourceState("articles/a.md", sequencer="1", status="draft"), expected_sequencer=None)
    assert index.commit(SourceState("articles/a.md", sequencer="2", status="draft"), expected_sequencer="1")

    # when: a delivery that read sequencer 1 commits, and one that read nothing commits
    stale = index.commit(SourceState("articles/a.md", sequencer="1", status="rejected"), expected_sequencer="1")
    blind = index.commit(SourceState("articles/a.md", sequencer="3", status="rejected"), expected_sequencer=None)

    # then: both are refused, and the stored state is the one committed at 2
    assert (stale, blind) == (False, False)
    assert index.source("articles/a.md").sequencer == "2"


# --- races: another delivery runs whole at a chosen point of this one ------------------------------------


def _between_commit_and_page(monkeypatch: pytest.MonkeyPatch, key: str, other: Callable[[], None],
                             status: str = "published") -> list[str]:
    """Run `other` right after `key`'s first successful commit of a state with `status`."""
    from pressroom.index import PostsIndex

    real_commit = PostsIndex.commit
    done: list[str] = []

    def commit(self: PostsIndex, state: Any, **kwargs: Any) -> bool:
        committed = real_commit(self, state, **kwargs)
        if committed and state.key == key and state.status == status and not done:
            done.append(key)
            other()
        return committed

    monkeypatch.setattr(PostsIndex, "commit", commit)
    return done


def _whole(stack: Stack, key: str, body: bytes | None = None) -> Callable[[], None]:
    """A change to the content bucket (a put of `body`, or a delete) and the delivery of its events."""
    from pressroom import handlers

    def run() -> None:
        s3 = stack.client("s3")
        if body is None:
            s3.delete_object(Bucket=stack.content_bucket, Key=key)
        else:
            s3.put_object(Bucket=stack.content_bucket, Key=key, Body=body)
        for message in stack.take_events():
            handlers.render_record(message)

    return run


def test_a_delete_landing_between_a_commit_and_its_page_write_leaves_no_page(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: an upload's event, and a delete of the same key that will run whole in the middle of it
    stack.upload("articles/a.md", article("A", "2026-03-05"), wait=False)
    (upload,) = stack.take_events()
    done = _between_commit_and_page(monkeypatch, "articles/a.md", _whole(stack, "articles/a.md"))

    # when: the delete runs whole after the upload's commit, before the upload writes its page
    stack.deliver([upload])
    stack.settle()

    # then: the page the upload wrote late is taken back
    assert done == ["articles/a.md"]
    assert stack.site_object("posts/a/index.html") is None
    assert stack.report("articles/a.md") is None
    assert b"posts/a/" not in (stack.site_object("index.html") or b"")


def test_a_held_article_is_published_when_the_owner_is_deleted_in_the_middle_of_an_edit(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: A owns /posts/same/, B is held behind it, and A is being edited
    stack.upload("articles/a.md", article("A", "2026-03-05", slug="same"))
    stack.upload("articles/b.md", article("B", "2026-03-05", slug="same"))
    assert stack.report("articles/b.md")["status"] == "held"
    stack.upload("articles/a.md", article("A, edited", "2026-03-05", slug="same"), wait=False)
    (edit,) = stack.take_events()
    done = _between_commit_and_page(monkeypatch, "articles/a.md", _whole(stack, "articles/a.md"))

    # when: A's delete runs whole between the edit's commit and its page write
    stack.deliver([edit])
    stack.settle()

    # then: B owns the URL, with its page and its report
    assert done == ["articles/a.md"]
    page = stack.site_object("posts/same/index.html") or b""
    assert b"<h1>B</h1>" in page, re.findall(rb"<h1[^>]*>[^<]*", page)
    assert stack.report("articles/b.md")["status"] == "published"
    assert stack.report("articles/a.md") is None


def test_a_page_retired_by_a_rename_is_left_to_a_post_published_there_in_the_meantime(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: A online at /posts/x/ and being renamed to /posts/y/; B will take /posts/x/ in between
    stack.upload("articles/a.md", article("A", "2026-03-05", slug="x"))
    stack.upload("articles/a.md", article("A", "2026-03-05", slug="y"), wait=False)
    (rename,) = stack.take_events()
    done = _between_commit_and_page(monkeypatch, "articles/a.md",
                                    _whole(stack, "articles/b.md", article("B", "2026-03-06", slug="x")))
    writes = _watch_writes(monkeypatch, "posts/x/index.html")

    # when: B publishes at /posts/x/ after A's rename commits, before A retires its old page
    stack.deliver([rename])
    stack.settle()

    # then: B's page stays online; A is at /posts/y/
    assert done == ["articles/a.md"]
    page = stack.site_object("posts/x/index.html") or b""
    assert b"<h1>B</h1>" in page, re.findall(rb"<h1[^>]*>[^<]*", page)
    assert b"<h1>A</h1>" in (stack.site_object("posts/y/index.html") or b"")
    # and once B's page was written, it was never deleted or replaced, not even for a moment
    first = writes.index(("put", True))
    assert writes[first:] == [("put", True)] * (len(writes) - first), writes


@pytest.mark.parametrize("change", ["draft", "deleted"])
def test_a_url_given_up_is_left_to_a_post_that_took_it_in_the_meantime(
        stack: Stack, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    # given: A online at /posts/x/ and being turned into a draft (its page retired) or deleted (a tombstone
    # written); B, whose key sorts first, will take /posts/x/ in between
    stack.upload("articles/a.md", article("A", "2026-03-05", slug="x"))
    if change == "draft":
        stack.upload("articles/a.md", article("A", "2026-03-05", slug="x", draft=True), wait=False)
    else:
        stack.delete("articles/a.md", wait=False)
    (given_up,) = stack.take_events()
    done = _between_commit_and_page(monkeypatch, "articles/a.md",
                                    _whole(stack, "articles/0.md", article("B", "2026-03-06", slug="x")), change)
    writes = _watch_writes(monkeypatch, "posts/x/index.html")

    # when: B publishes at /posts/x/ after A's commit, before A writes or deletes anything there
    stack.deliver([given_up])
    stack.settle()

    # then: B's page was written once and never deleted or covered, not even to be written again
    assert done == ["articles/a.md"]
    assert writes == [("put", True)], writes
    assert stack.report("articles/0.md")["status"] == "published"


def _watch_writes(monkeypatch: pytest.MonkeyPatch, key: str) -> list[tuple[str, bool]]:
    """Every write to the site bucket at `key`, in order: ("put", whether the body is B's page) or ("delete", False).

    It wraps whatever `_make_api_call` is at the time, so it sees the calls of any other wrapper too."""

    seen: list[tuple[str, bool]] = []
    real = botocore.client.BaseClient._make_api_call

    def call(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if params.get("Key") == key and operation == "PutObject":
            seen.append(("put", b"<h1>B</h1>" in bytes(params["Body"])))
        elif params.get("Key") == key and operation == "DeleteObject":
            seen.append(("delete", False))
        return real(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
    return seen


def test_marking_an_older_state_carried_out_leaves_a_newer_one_pending(stack: Stack) -> None:
    # given: a key committed at 1, then at 2 with a page still to retire
    from pressroom.index import PostsIndex, SourceState

    index = PostsIndex(stack.client("dynamodb"), stack.posts_table)
    index.commit(SourceState("articles/a.md", sequencer="1", status="draft"), expected_sequencer=None)
    index.commit(SourceState("articles/a.md", sequencer="2", status="draft", retire={"pages": ["posts/a/index.html"]}),
                 expected_sequencer="1")

    # when: the delivery of 1 finishes late
    index.mark_applied("articles/a.md", "1")

    # then: 2 is still pending, with what it retires
    stored = index.source("articles/a.md")
    assert stored.applied == "" and stored.pending == {"pages": ["posts/a/index.html"]}
