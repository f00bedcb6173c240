"""The anti-entropy pass: drift made by hand in a local stack is found and repaired, the site ends as a clean run
leaves it, a second pass finds nothing, and successive runs cover every key."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from pressroom.events import REPAIR_TASK, parse_body
from pressroom.local import Stack
from tests.conftest import article
from tests.pipeline.test_faults import observed


def _site(stack: Stack) -> None:
    stack.upload("articles/a.md", article("A", "2026-03-02", tags=["port"], aliases=["/old-a/"]))
    stack.upload("articles/b.md", article("B", "2026-02-03", tags=["council"]))
    stack.upload("articles/c.md", article("C", "2026-03-04", tags=["port"]))
    stack.upload("articles/c.md", article("C", "2026-03-04", tags=["port"], slug="c-renamed"))
    stack.upload("articles/d.md", article("D", "2026-03-05"))
    stack.delete("articles/d.md")
    stack.upload("media/photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)


def _s3(stack: Stack) -> Any:
    return stack.client("s3")


def _asset_key(name: str) -> str:
    from pressroom.render import load_theme

    return load_theme().assets[name].key


DRIFT: dict[str, tuple[Callable[[Stack], None], str]] = {
    "a page deleted by hand": (
        lambda s: _s3(s).delete_object(Bucket=s.site_bucket, Key="posts/a/index.html"), "missing page"),
    "a page edited by hand": (
        lambda s: _s3(s).put_object(Bucket=s.site_bucket, Key="posts/b/index.html", Body=b"defaced",
                                    Metadata=_s3(s).head_object(Bucket=s.site_bucket,
                                                                Key="posts/b/index.html")["Metadata"]),
        "missing page"),
    "a redirect deleted by hand": (
        lambda s: _s3(s).delete_object(Bucket=s.site_bucket, Key="old-a/index.html"), "missing page"),
    "an orphan page": (
        lambda s: _s3(s).put_object(Bucket=s.site_bucket, Key="posts/ghost/index.html", Body=b"<h1>Ghost</h1>",
                                    Metadata={"content-sha256": "0" * 64}), "orphan page"),
    "an orphan redirect": (
        lambda s: _s3(s).put_object(Bucket=s.site_bucket, Key="stale/index.html", Body=b"moved",
                                    Metadata={"location": "/posts/a/"}), "orphan redirect"),
    "a month page deleted by hand": (
        lambda s: _s3(s).delete_object(Bucket=s.site_bucket, Key="archive/2026/02/index.html"), "listing"),
    "home left behind": (
        lambda s: _s3(s).put_object(Bucket=s.site_bucket, Key="index.html", Body=b"old home",
                                    Metadata={"content-sha256": "1" * 64}), "listing"),
    "a listing page of a month with no posts": (
        lambda s: _s3(s).put_object(Bucket=s.site_bucket, Key="archive/2025/01/index.html", Body=b"old",
                                    Metadata={"content-sha256": "2" * 64}), "listing"),
    "a report deleted by hand": (
        lambda s: _s3(s).delete_object(Bucket=s.content_bucket, Key="_reports/articles/b.md.json"), "report"),
    "a report left by a lost delete": (
        lambda s: _s3(s).put_object(Bucket=s.content_bucket, Key="_reports/articles/gone.md.json",
                                    Body=json.dumps({"status": "published"}).encode()), "report"),
    "an upload whose event was lost": (
        lambda s: _s3(s).put_object(Bucket=s.content_bucket, Key="articles/lost.md",
                                    Body=article("Lost", "2026-03-06")), "unpublished upload"),
    "a media file deleted by hand": (
        lambda s: _s3(s).delete_object(Bucket=s.site_bucket, Key="media/photo.png"), "media"),
    "a theme asset deleted by hand": (
        lambda s: _s3(s).delete_object(Bucket=s.site_bucket, Key=_asset_key("style.css")), "listing"),
    "a tombstone deleted by hand": (
        lambda s: _s3(s).delete_object(Bucket=s.site_bucket, Key="posts/d/index.html"), "missing page"),
}


@pytest.mark.parametrize("name", sorted(DRIFT))
def test_drift_made_by_hand_is_repaired_to_the_clean_run(stack: Stack, name: str) -> None:
    # given: the site published cleanly, and one drift made by hand
    make, kind = DRIFT[name]
    _site(stack)
    if name == "an upload whose event was lost":
        stack.upload("articles/lost.md", article("Lost", "2026-03-06"))
        expected = observed(stack)
        stack.reset()
        _site(stack)
        stack.take_events()
    else:
        expected = observed(stack)
    make(stack)
    stack.take_events()  # the hand-made change's own events are lost: only the repair may fix it

    # when
    dry = stack.run_repair(dry_run=True, whole=True)
    found = stack.run_repair(whole=True)

    # then: a dry run lists the drift and changes nothing; the repair ends where the clean run did
    assert dry["drift"].get(kind), dry
    assert found["drift"].get(kind), found
    assert observed(stack) == expected
    assert stack.run_repair(whole=True)["total"] == 0


def test_a_clean_site_has_no_drift(stack: Stack) -> None:
    _site(stack)
    found = stack.run_repair(whole=True)
    assert (found["drift"], found["total"], found["repairs"], found["runs"], found["wrapped"]) == ({}, 0, [], 1, True)
    assert found["covered"] == {"site": len(stack.site_keys()), "content": len(stack._keys(stack.content_bucket))}


def test_successive_scheduled_runs_cover_every_key(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: a slice of 4 keys, and drift everywhere in both buckets
    from pressroom.publish import repair as repair_module

    monkeypatch.setattr(repair_module, "MIN_SLICE", 4)
    _site(stack)
    site_keys, content_keys = stack.site_keys(), stack._keys(stack.content_bucket)
    looked: set[str] = set()
    real_slice = repair_module.Reconciler._slice

    def slice_(self: Any, bucket: str, after: str, size: int) -> Any:
        keys, following = real_slice(self, bucket, after, size)
        looked.update(k for k, _ in keys)
        assert len(keys) <= 4
        return keys, following

    monkeypatch.setattr(repair_module.Reconciler, "_slice", slice_)

    # when: scheduled runs, each one slice after the stored cursor
    runs = 0
    while not looked >= set(site_keys) | set(content_keys):
        stack.run_repair()
        runs += 1
        assert runs <= 40

    # then: every key of both buckets was looked at, in about (keys / slice) runs
    assert runs <= max(len(site_keys), len(content_keys)) // 4 + 2


def test_a_pass_of_scheduled_runs_walks_each_bucket_once_whatever_their_sizes(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: slices of 4 keys, a content bucket much smaller than the site bucket
    from pressroom.publish import repair as repair_module

    monkeypatch.setattr(repair_module, "MIN_SLICE", 4)
    stack.upload("articles/a.md", article("A", "2026-03-02", tags=["port", "council", "weather"]))
    looked: dict[str, list[str]] = {"site": [], "content": []}
    real_slice = repair_module.Reconciler._slice

    def slice_(self: Any, bucket: str, after: str, size: int) -> Any:
        keys, following = real_slice(self, bucket, after, size)
        looked["site" if bucket == stack.site_bucket else "content"] += [k for k, _ in keys]
        return keys, following

    monkeypatch.setattr(repair_module.Reconciler, "_slice", slice_)
    assert len(stack.site_keys()) > 3 * len(stack._keys(stack.content_bucket))

    # when: scheduled runs until the stored cursor starts a new pass
    stack.run_repair()
    runs = 1
    while looked["site"][-1:] != [max(stack.site_keys())]:
        stack.run_repair()
        runs += 1
        assert runs <= 40

    # then: each key of each bucket was looked at once in the pass, and the next run starts both over
    assert sorted(looked["site"]) == sorted(stack.site_keys())
    assert sorted(looked["content"]) == sorted(stack._keys(stack.content_bucket))
    before = len(looked["content"])
    stack.run_repair()
    assert looked["content"][before:][:1] == [min(stack._keys(stack.content_bucket))]


# --- the schedule ---------------------------------------------------------------------------------------------


def _repair_schedule(stack: Stack) -> dict[str, Any]:
    (schedule,) = stack.repair_schedules()
    return schedule


def test_the_repair_schedule_sends_the_repair_task_to_the_render_queue_hourly(stack: Stack) -> None:
    schedule = _repair_schedule(stack)
    assert schedule["ScheduleExpression"] == "rate(1 hour)"
    assert schedule["GroupName"] == f"{stack.stack_name}-repair"
    assert schedule["Target"]["Arn"].endswith(":" + stack.queue_url("RenderQueue").rsplit("/", 1)[-1])
    assert schedule["Target"]["Input"] == REPAIR_TASK
    event = parse_body(schedule["Target"]["Input"])
    assert event is not None and (event.action, event.key) == ("repair", "*")


def test_a_reset_keeps_the_repair_schedule_and_run_schedules_never_fires_it(stack: Stack) -> None:
    # given: a publish schedule beside the repair schedule
    stack.upload("articles/later.md", article("Later", "2026-03-20T08:00:00+00:00"))
    assert len(stack.schedules()) == 1
    before = _repair_schedule(stack)

    # when: the publish schedule fires, then the stack is reset
    fired = stack.run_schedules(datetime(2026, 3, 20, 8, 0, 1, tzinfo=UTC))
    stack.reset()

    # then: only the publish schedule fired and was deleted; the repair schedule is still there
    assert fired == 1 and stack.schedules() == []
    assert _repair_schedule(stack)["Arn"] == before["Arn"]


def test_the_scheduled_task_repairs_a_slice_and_moves_the_stored_cursor(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: a slice of 4 keys, and a page deleted by hand
    from pressroom.publish import repair as repair_module

    monkeypatch.setattr(repair_module, "MIN_SLICE", 4)
    stack.upload("articles/a.md", article("A", "2026-03-02"))
    stack.client("s3").delete_object(Bucket=stack.site_bucket, Key="posts/a/index.html")
    stack.take_events()
    sqs = stack.client("sqs")

    # when: the schedule's own message is delivered, as EventBridge Scheduler sends it, until a pass is done
    cursors = []
    for _ in range(40):
        sqs.send_message(QueueUrl=stack.queue_url("RenderQueue"), MessageBody=_repair_schedule(stack)["Target"]["Input"])
        stack.settle()
        cursor = stack.client("dynamodb").get_item(TableName=stack.posts_table, Key={
            "pk": {"S": "REPAIR"}, "sk": {"S": "CURSOR"}}, ConsistentRead=True)["Item"]
        cursors.append((cursor["site"]["S"], cursor["content"]["S"]))
        if cursors[-1] == ("", ""):
            break

    # then: each run moved the cursor on, the pass came back to the start, and the page is back
    assert cursors[-1] == ("", "") and len(set(cursors)) == len(cursors) > 1
    assert stack.site_object("posts/a/index.html") is not None


def test_a_repair_emits_the_metric_the_drift_alarm_watches(stack: Stack) -> None:
    # given: a page deleted by hand
    from tests.template.conftest import load_template

    stack.upload("articles/a.md", article("A", "2026-03-02"))
    stack.client("s3").delete_object(Bucket=stack.site_bucket, Key="posts/a/index.html")
    stack.log.seek(0)
    stack.log.truncate()

    # when
    found = stack.run_repair(whole=True)

    # then: the render function's embedded metric is the one the alarm names, namespace and dimensions included
    lines = [json.loads(line) for line in stack.log.getvalue().splitlines() if line.startswith("{")]
    (emitted,) = [line for line in lines if "DriftRepaired" in line and "kind" not in line]
    by_kind = {line["kind"]: line["DriftRepaired"] for line in lines if "DriftRepaired" in line and "kind" in line}
    assert by_kind == {kind: [float(n)] for kind, n in found["drift"].items()}
    (directive,) = emitted["_aws"]["CloudWatchMetrics"]
    (alarm,) = [r["Properties"] for r in load_template()["Resources"].values()
                if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"]["MetricName"] == "DriftRepaired"]
    assert directive["Namespace"] == alarm["Namespace"]
    assert directive["Dimensions"] == [[d["Name"] for d in alarm["Dimensions"]]]
    assert [emitted[d["Name"]] for d in alarm["Dimensions"]] == [d["Value"] for d in alarm["Dimensions"]]
    assert emitted["DriftRepaired"] == [float(found["total"])] and found["total"] > 0


def test_a_whole_pass_walks_each_bucket_once_whatever_their_sizes(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    # given: slices of 4 keys, and a site bucket with many more keys than the content bucket
    from pressroom.publish import repair as repair_module

    monkeypatch.setattr(repair_module, "MIN_SLICE", 4)
    _site(stack)
    site, content = len(stack.site_keys()), len(stack._keys(stack.content_bucket))
    assert site > content + 8

    # when
    found = stack.run_repair(whole=True, dry_run=True)

    # then: every key looked at once, in as many runs as the bigger bucket needs
    assert found["wrapped"] and found["covered"] == {"site": site, "content": content}
    assert -(-site // 4) <= found["runs"] <= -(-site // 4) + 1


def test_a_run_asked_for_a_slice_looks_at_that_many_keys_of_each_bucket(stack: Stack) -> None:
    # given: a site with more keys in each bucket than the slice asked for
    _site(stack)
    site, content = len(stack.site_keys()), len(stack._keys(stack.content_bucket))
    assert min(site, content) > 3

    # when: a whole pass of runs of 3 keys
    found = stack.run_repair(whole=True, dry_run=True, size=3)

    # then: every key looked at once, three at a time
    assert found["wrapped"] and found["covered"] == {"site": site, "content": content}
    assert -(-max(site, content) // 3) <= found["runs"] <= -(-max(site, content) // 3) + 1
