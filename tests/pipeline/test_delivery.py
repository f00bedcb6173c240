"""Failures, bursts and cost: what AWS's delivery does to the pipeline, and what one publish costs."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.client
import pytest

from pressroom import publish
from pressroom.index import PostsIndex, SourceState
from pressroom.local import Function, Stack
from pressroom.model import Post
from tests.conftest import article


def _queue_depth(stack: Stack, logical_id: str) -> int:
    attributes = stack.client("sqs").get_queue_attributes(QueueUrl=stack.queue_url(logical_id),
                                                          AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_a_poison_message_ends_in_the_dead_letter_queue_without_blocking_others(stack: Stack) -> None:
    # given: a message the render function cannot read, queued with a good upload
    stack.client("sqs").send_message(QueueUrl=stack.queue_url("RenderQueue"), MessageBody="{not json")
    stack.upload("articles/good.md", article("Good story", "2026-03-02"), wait=False)

    # when
    stack.settle()

    # then: the good one is published, the poison one is in the DLQ after the template's maxReceiveCount
    assert stack.site_object("posts/good/index.html") is not None
    assert _queue_depth(stack, "RenderDeadLetterQueue") == 1
    assert [d["body"] for d in stack.dead_letters] == ["{not json"]
    assert _queue_depth(stack, "RenderQueue") == 0


def test_the_render_function_reports_partial_batch_failures(stack: Stack) -> None:
    stack.upload("articles/a.md", article("A story", "2026-03-02"), wait=False)
    events = stack.take_events()
    response = stack.deliver(["{not json", *events])
    assert len(response["batchItemFailures"]) == 1
    assert stack.site_object("posts/a/index.html") is not None


def test_a_poison_stream_record_is_bisected_out_and_sent_to_the_failure_queue(stack: Stack, monkeypatch) -> None:
    # given: the index function fails on one post, whatever batch it is in
    real = publish.affected_by

    def fragile(records):
        records = list(records)
        found = real(records)
        if any("poison" in json.dumps(r) for r in records):
            raise RuntimeError("cannot index this one")
        return found

    monkeypatch.setattr("pressroom.publish.listings.affected_by", fragile)
    stack.upload("articles/a.md", article("Fine one", "2026-03-01"), wait=False)
    stack.upload("articles/poison.md", article("Bad one", "2026-03-02"), wait=False)
    stack.upload("articles/c.md", article("Fine two", "2026-03-03"), wait=False)

    # when
    stack.settle()

    # then: the others made it to the home page; the poison record went to the on-failure destination
    home = stack.site_object("index.html").decode()
    assert "Fine one" in home and "Fine two" in home
    assert _queue_depth(stack, "IndexFailureQueue") == 1
    failure = stack.dead_letters[-1]
    assert failure["DDBStreamBatchInfo"]["batchSize"] == 1


def test_a_burst_causes_one_index_rebuild(stack: Stack) -> None:
    index_function = stack.functions["IndexFunction"]
    before = index_function.invocations
    for i in range(25):
        stack.upload(f"articles/burst-{i:02d}.md", article(f"Burst {i}", "2026-03-02"), wait=False)
    stack.settle()
    assert index_function.invocations - before == 1
    home = stack.site_object("index.html").decode()
    assert home[home.index("<main"):home.index("</main>")].count(">Burst ") == 10


@contextmanager
def _counting_calls() -> Iterator[Counter]:
    """Count the AWS calls the functions make (not the local stack's own delivery calls)."""
    calls: Counter = Counter()
    inside = {"depth": 0}
    real_call = botocore.client.BaseClient._make_api_call
    real_invoke = Function.invoke

    def make_api_call(self, operation, params):
        if inside["depth"]:
            calls[f"{self.meta.service_model.service_name}.{operation}"] += 1
        return real_call(self, operation, params)

    def invoke(self, event):
        inside["depth"] += 1
        try:
            return real_invoke(self, event)
        finally:
            inside["depth"] -= 1

    botocore.client.BaseClient._make_api_call = make_api_call
    Function.invoke = invoke
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = real_call
        Function.invoke = real_invoke


def _seed(stack: Stack, count: int) -> None:
    """`count` published posts spread over months and tags, written straight into the index."""
    index = PostsIndex(stack.client("dynamodb"), stack.posts_table)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for i in range(count):
        post = Post(slug=f"seed-{i}", title=f"Seeded {i}", date=start + timedelta(days=i * 2), summary="Seeded.",
                    tags=("port", f"topic-{i % 7}"), source_key=f"articles/seed-{i}.md")
        state = SourceState(post.source_key, status="published", slug=post.slug, first_published=post.date.isoformat())
        assert index.commit(state, expected_sequencer=None, new=post)
    stack.skip_stream()  # the seeded posts' own listing pages are not what is measured


@pytest.mark.slow
def test_one_publish_costs_the_same_aws_calls_at_10_and_1000_posts(stack: Stack) -> None:
    counts = []
    for size in (10, 1000):
        stack.reset()
        _seed(stack, size)
        stack.upload("articles/warm.md", article("Warm-up", "2026-03-05", tags=["port"]))
        with _counting_calls() as calls:
            stack.upload("articles/new.md", article("New story", "2026-03-06", tags=["port", "topic-1"]))
        assert b"New story" in stack.site_object("index.html")
        counts.append(calls)
    small, large = counts
    assert sum(small.values()) == sum(large.values()), (small, large)
    assert small == large
    assert not any(name.endswith(".Scan") for name in large)


# What the render and index functions called for each change before the publishing rules moved into a pure
# core (measured on that code with the scenario below): the Lambda shell must not cost more.
CALLS_BEFORE_THE_CORE = {
    "publish": {"dynamodb.GetItem": 5, "dynamodb.PutItem": 1, "dynamodb.Query": 11, "dynamodb.TransactWriteItems": 1,
                "s3.GetObject": 1, "s3.HeadObject": 19, "s3.PutObject": 15, "scheduler.DeleteSchedule": 1},
    "rename": {"dynamodb.DeleteItem": 1, "dynamodb.GetItem": 6, "dynamodb.PutItem": 1, "dynamodb.Query": 11,
               "dynamodb.TransactWriteItems": 1, "s3.DeleteObject": 2, "s3.GetObject": 1, "s3.HeadObject": 19,
               "s3.PutObject": 15, "scheduler.DeleteSchedule": 1},
    "delete": {"dynamodb.DeleteItem": 1, "dynamodb.GetItem": 3, "dynamodb.Query": 7, "dynamodb.TransactWriteItems": 1,
               "s3.DeleteObject": 5, "s3.GetObject": 1, "s3.HeadObject": 16, "s3.PutObject": 10,
               "scheduler.DeleteSchedule": 1},
}


# What convergence after failures and races adds to each change: one write that marks the committed state's
# effects as all carried out; for a retired page, one read of who is published at its URL now; the two reads
# of the listings version around the listings' render; and a read of each listing page that goes away (the
# rename empties a tag), as a newer render may have written it. A delete writes a tombstone (410 Gone) at each
# of its URLs where it deleted the object: a write for a delete, the site settings the tombstone page is
# rendered with, a read of who is published at each post URL among them (and, in the same round trip, of the
# articles whose alias waits for that URL: they redirect there once it is free), and a table item per tombstone
# (the anti-entropy pass finds a missing one by key range). Races add reads, never writes: a read after each write
# at another post's URL (a tombstone or a retired page: did a post take it meanwhile?), and after any change,
# one read of the key's state (did another key's change overtake it?). A tag left with no posts (the rename
# empties one) costs one read of its name: did its URL move under new slug rules? The listings read every tag's
# years together with the other reads, before they know whether the tag still has posts, so a tag left empty
# costs that read too (one more Query, and one round trip less for every publish).
CALLS_ADDED_FOR_CONVERGENCE = {
    "publish": {"dynamodb.UpdateItem": 1, "dynamodb.GetItem": 2},
    "rename": {"dynamodb.UpdateItem": 1, "dynamodb.GetItem": 3, "s3.HeadObject": 2, "dynamodb.Query": 2},
    "delete": {"dynamodb.UpdateItem": 1, "dynamodb.GetItem": 8, "s3.PutObject": 3, "s3.HeadObject": 1,
               "dynamodb.PutItem": 3, "dynamodb.Query": 2},
}


def test_the_lambda_shell_makes_no_more_aws_calls_than_before_the_core(stack: Stack) -> None:
    # given
    stack.upload("articles/warm.md", article("Warm-up", "2026-03-05", tags=["port"]))

    # when: a publish, a rename with an alias, and a delete
    with _counting_calls() as publish:
        stack.upload("articles/new.md", article("New story", "2026-03-06", tags=["port", "topic-1"]))
    with _counting_calls() as rename:
        stack.upload("articles/new.md", article("New story", "2026-03-06", tags=["port"], slug="renamed",
                                                 aliases=["/old/"]))
    with _counting_calls() as delete:
        stack.delete("articles/new.md")

    # then: no operation is called more often than before, but for the convergence marks
    for name, calls in (("publish", publish), ("rename", rename), ("delete", delete)):
        before, added = CALLS_BEFORE_THE_CORE[name], CALLS_ADDED_FOR_CONVERGENCE[name]
        more = {op: n for op, n in calls.items() if n > before.get(op, 0) + added.get(op, 0)}
        assert not more, (name, more, sorted(calls.items()))


def _poison(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    """The render function fails on `key` at every delivery, whatever the event (a bug, a lost dependency)."""
    real = publish.Publisher._dispatch

    def failing(self: publish.Publisher, event: Any) -> Any:
        if event.key == key:
            raise RuntimeError("cannot render this one")
        return real(self, event)

    monkeypatch.setattr(publish.Publisher, "_dispatch", failing)


def test_the_last_delivery_of_a_failing_upload_writes_a_failed_report(stack: Stack,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    _poison(monkeypatch, "articles/poison.md")

    # when
    stack.upload("articles/poison.md", article("Poison", "2026-03-02"), wait=False)
    stack.upload("articles/fine.md", article("Fine", "2026-03-02"))

    # then: the newsroom is told, the message is in the dead-letter queue, and the rest is published
    report = stack.report("articles/poison.md")
    assert report["status"] == "failed" and report["error"] == "RuntimeError"
    assert report["message_id"] and report["dead_letter_queue"].endswith(":" + stack.resources[
        "RenderDeadLetterQueue"].rsplit("/", 1)[-1])
    assert "cannot render this one" in report["errors"][0]["message"]
    assert _queue_depth(stack, "RenderDeadLetterQueue") == 1
    assert b"Fine" in stack.site_object("index.html")


def test_a_full_rebuild_with_a_failing_task_still_ends(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    stack.upload("articles/a.md", article("A", "2026-03-02"))
    stack.upload("articles/poison.md", article("Poison", "2026-03-02"))
    _poison(monkeypatch, "articles/poison.md")

    # when: a settings change rebuilds everything
    stack.upload("site.yaml", "name: Renamed Times\n")

    # then: the rebuild counted the dead-lettered task, so it ended
    rows = stack.client("dynamodb").scan(TableName=stack.posts_table)["Items"]
    counters = [r for r in rows if r["pk"]["S"].startswith("REBUILD#") and r["sk"]["S"] == "COUNT"]
    assert [int(c["n"]["N"]) for c in counters] == [0]
    assert stack.report("articles/poison.md")["status"] == "failed"
    assert b"Renamed Times" in stack.site_object("posts/a/index.html")


def _slow(monkeypatch: pytest.MonkeyPatch, stack: Stack, key: str, seconds: float) -> None:
    """Reading `key` takes `seconds` of the functions' clock, at every delivery."""
    elapsed = [0.0]
    stack.lambda_clock = lambda: elapsed[0]
    real = publish.Publisher._dispatch

    def slow(self: publish.Publisher, event: Any) -> Any:
        if event.key == key:
            elapsed[0] += seconds
        return real(self, event)

    monkeypatch.setattr(publish.Publisher, "_dispatch", slow)


def test_the_render_function_sees_its_timeout_from_the_template(stack: Stack) -> None:
    function = stack.functions["RenderFunction"]
    assert function.timeout_seconds == 60 and function.memory_mb == 1024


def test_a_task_too_slow_for_the_time_left_fails_alone_and_reports_on_its_last_delivery(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: one upload whose reading takes 57 of the function's 60 seconds, in a batch with nine others
    _slow(monkeypatch, stack, "articles/slow.md", 57)
    keys = ["articles/before.md", "articles/slow.md", *(f"articles/after-{i}.md" for i in range(8))]

    # when
    for key in keys:
        stack.upload(key, article(key.rsplit("/", 1)[1][:-3].title(), "2026-03-02"), wait=False)
    stack.settle()

    # then: the slow one stopped before its writes, was retried, and its last delivery wrote a failed report;
    # the tasks the invocation had no time to start went back to the queue whole and were all published
    report = stack.report("articles/slow.md")
    assert report["status"] == "failed" and report["error"] == "OutOfTime"
    assert "too little to write" in report["errors"][0]["message"]
    assert [json.loads(d["body"])["detail"]["object"]["key"] for d in stack.dead_letters] == ["articles/slow.md"]
    for key in keys:
        if key != "articles/slow.md":
            assert stack.report(key)["status"] == "published", key
    assert stack.site_object("posts/slow/index.html") is None


def test_an_invocation_past_its_timeout_fails_its_whole_batch_as_on_lambda(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: no time checks in the function, and one task that takes longer than the timeout
    monkeypatch.setattr(publish.Publisher, "_in_time", lambda self, *args, **kwargs: None)
    _slow(monkeypatch, stack, "articles/slow.md", 61)

    # when
    stack.upload("articles/slow.md", article("Slow", "2026-03-02"), wait=False)
    stack.settle()

    # then: every delivery counted as failed, whatever it had done before the timeout, and the message was
    # dead-lettered: the early stop of the test above is what gives such a task its report
    assert [json.loads(d["body"])["detail"]["object"]["key"] for d in stack.dead_letters] == ["articles/slow.md"]
