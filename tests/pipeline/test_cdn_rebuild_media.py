"""CDN invalidation, full rebuilds, media files, and the log line and metric of each outcome."""

from __future__ import annotations

import json

import pytest

from pressroom import cdn, config, publish
from pressroom.events import ObjectEvent
from pressroom.index import PostsIndex
from pressroom.local import Stack
from tests.conftest import article

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class FakeCloudFront:
    """Records invalidations; fails with Throttling a given number of times first."""

    def __init__(self, throttle: int = 0) -> None:
        self.batches: list[dict] = []
        self.throttle = throttle

    def create_invalidation(self, DistributionId: str, InvalidationBatch: dict) -> dict:
        if self.throttle:
            self.throttle -= 1
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "CreateInvalidation")
        self.batches.append({"DistributionId": DistributionId, **InvalidationBatch})
        return {"Invalidation": {"Id": f"I{len(self.batches)}"}}


def test_changed_article_pages_are_invalidated_once_per_batch() -> None:
    # given
    front = FakeCloudFront()
    flushed: list[list[str]] = []

    # when: a batch changes two article pages, one twice, and listings
    with cdn.batch(flushed.append):
        cdn.note_changed(["posts/a/index.html", "index.html", "feed.xml"])
        cdn.note_changed(["posts/b/index.html", "posts/a/index.html", "assets/style.1.css"])
    for paths in flushed:
        cdn.invalidate(front, "E123", paths)

    # then: one invalidation with the article paths only
    assert len(front.batches) == 1
    assert front.batches[0]["Paths"] == {"Quantity": 2, "Items": ["/posts/a/index.html", "/posts/b/index.html"]}


def test_invalidation_is_retried_on_throttling_with_one_caller_reference() -> None:
    front = FakeCloudFront(throttle=2)
    waits: list[float] = []
    assert cdn.invalidate(front, "E123", ["/posts/a/index.html"], sleep=waits.append) == "I1"
    assert len(waits) == 2 and waits[0] < waits[1]
    assert front.batches[0]["CallerReference"].startswith("pressroom-")


def test_each_invalidation_has_a_unique_caller_reference() -> None:
    front = FakeCloudFront()
    cdn.invalidate(front, "E1", ["/posts/a/index.html"])
    cdn.invalidate(front, "E1", ["/posts/a/index.html"])
    assert front.batches[0]["CallerReference"] != front.batches[1]["CallerReference"]


def test_without_a_distribution_nothing_is_invalidated() -> None:
    front = FakeCloudFront()
    assert cdn.invalidate(front, "", ["/posts/a/index.html"]) is None
    assert cdn.invalidate(front, None, ["/posts/a/index.html"]) is None
    assert front.batches == []


def test_a_huge_batch_becomes_one_wildcard() -> None:
    front = FakeCloudFront()
    cdn.invalidate(front, "E1", [f"/posts/p{i}/index.html" for i in range(cdn.MAX_PATHS + 1)])
    assert front.batches[0]["Paths"]["Items"] == ["/*"]


def _services(stack: Stack, front: FakeCloudFront) -> publish.Services:
    env = dict(stack.functions["RenderFunction"].environment, DISTRIBUTION_ID="E123",
               PRESSROOM_NOW="2026-03-10T12:00:00+00:00")
    return publish.Services(config.from_environ(env), s3=stack.client("s3"), dynamodb=stack.client("dynamodb"),
                             sqs=stack.client("sqs"), cloudfront=front)


def test_a_publish_batch_invalidates_its_article_page(stack: Stack) -> None:
    # given: the content is uploaded, its events taken, and the publisher runs with a distribution
    stack.upload("articles/a.md", article("A story", "2026-03-02"), wait=False)
    stack.take_events()
    front = FakeCloudFront()
    svc = _services(stack, front)

    # when
    with cdn.batch(lambda paths: cdn.invalidate(front, "E123", paths)):
        publish.Publisher(svc).handle(ObjectEvent("articles/a.md", "put", sequencer="1".zfill(32)))

    # then
    assert [b["Paths"]["Items"] for b in front.batches] == [["/posts/a/index.html"]]


def test_a_new_site_yaml_rebuilds_every_page_and_ends_with_one_wildcard(stack: Stack) -> None:
    # given
    stack.upload("articles/a.md", article("A story", "2026-03-02", tags=["port"]))
    stack.upload("articles/b.md", article("B story", "2026-02-02"))

    # when
    stack.upload("site.yaml", b"name: The Harbour Herald\nabout: Renamed.\n")

    # then: every article and listing page carries the new settings
    for key in ("posts/a/index.html", "posts/b/index.html", "index.html", "archive/2026/02/index.html",
                "tags/port/index.html", "tags/port/2026/index.html"):
        assert b"The Harbour Herald" in stack.site_object(key), key
    assert b"The Harbour Herald" in stack.site_object("feed.xml")
    assert stack.report("site.yaml")["status"] == "published"
    # and: the rebuild counted down to zero
    index = PostsIndex(stack.client("dynamodb"), stack.posts_table)
    rows = stack.client("dynamodb").query(TableName=stack.posts_table, KeyConditionExpression="pk = :p",
                                          ExpressionAttributeValues={":p": {"S": "SITE"}})["Items"]
    assert rows
    rebuilds = [i for i in _all_items(stack) if i["pk"]["S"].startswith("REBUILD#") and i["sk"]["S"] == "COUNT"]
    assert len(rebuilds) == 1
    left, total = index.rebuild_left(rebuilds[0]["pk"]["S"].split("#", 1)[1])
    assert (left, total) == (0, 3)


def _all_items(stack: Stack) -> list[dict]:
    db = stack.client("dynamodb")
    return [i for page in db.get_paginator("scan").paginate(TableName=stack.posts_table) for i in page["Items"]]


def test_a_full_rebuild_sends_one_wildcard_invalidation(stack: Stack) -> None:
    stack.upload("articles/a.md", article("A story", "2026-03-02"))
    stack.upload("articles/b.md", article("B story", "2026-03-03"))
    front = FakeCloudFront()
    svc = _services(stack, front)
    rebuild_id, tasks = publish.fan_out_rebuild(svc)
    assert tasks == 3
    bodies = stack.take_events()
    publisher = publish.Publisher(svc)
    for body in bodies + bodies[:1]:  # a duplicate delivery is counted once
        with cdn.batch(lambda paths: cdn.invalidate(front, "E123", paths)):
            from pressroom.events import parse_body

            publisher.handle(parse_body(body))
    assert [b["Paths"]["Items"] for b in front.batches] == [["/*"]]
    assert svc.index.rebuild_left(rebuild_id) == (0, 3)


def test_an_invalid_site_yaml_is_reported_and_changes_nothing(stack: Stack) -> None:
    stack.upload("articles/a.md", article("A story", "2026-03-02"))
    before = stack.site_object("posts/a/index.html")
    stack.upload("site.yaml", b"name: X\ncolour: blue\n")
    report = stack.report("site.yaml")
    assert report["status"] == "rejected" and "colour" in report["errors"][0]["message"]
    assert stack.site_object("posts/a/index.html") == before


def test_media_is_published_with_its_type_and_long_caching_and_unpublished_on_delete(stack: Stack) -> None:
    # given / when
    stack.upload("media/photos/harbour.png", PNG)

    # then
    head = stack.client("s3").head_object(Bucket=stack.site_bucket, Key="media/photos/harbour.png")
    assert head["ContentType"] == "image/png"
    assert "max-age=" in head["CacheControl"] and int(head["CacheControl"].split("max-age=")[1].split(",")[0]) >= 86400
    assert stack.report("media/photos/harbour.png")["url"] == "/media/photos/harbour.png"

    stack.delete("media/photos/harbour.png")
    assert stack.site_object("media/photos/harbour.png") is None


@pytest.mark.parametrize("key, data", [
    ("media/page.html", b"<html><script>alert(1)</script></html>"),
    ("media/logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
    ("media/data.bin", b"\x00\x01\x02"),
    ("media/fake.png", b"<script>alert(1)</script>"),
    ("media/noext", b"GIF89a"),
])
def test_media_that_could_carry_script_or_is_unknown_is_rejected(stack: Stack, key: str, data: bytes) -> None:
    stack.upload(key, data)
    assert stack.site_object(key) is None
    report = stack.report(key)
    assert report["status"] == "rejected" and report["errors"][0]["message"]


@pytest.mark.parametrize("key, data", [
    ("media/page.webm", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
    ("media/clip.mp3", b"ID3<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
    ("media/song.wav", b"RIFF\x00\x00\x00\x00WAVE<html><script>alert(1)</script>"),
])
def test_media_holding_markup_is_rejected_for_the_markup(stack: Stack, key: str, data: bytes) -> None:
    # the mp3 and wav heads pass for their types, the page would fail the webm check: the reason is the markup
    stack.upload(key, data)
    assert stack.site_object(key) is None
    report = stack.report(key)
    assert report["status"] == "rejected" and report["errors"][0]["message"] == "the file contains markup"


def test_media_of_another_type_than_its_extension_is_rejected_and_says_what_it_looks_like(stack: Stack) -> None:
    webm = b"\x1aE\xdf\xa3\x9fB\x86\x81\x01B\xf7\x81\x01B\xf2\x81\x04B\xf3\x81\x08B\x82\x84webmB\x87\x81\x04B\x85\x81\x02"
    stack.upload("media/clip.webm", webm)
    stack.upload("media/still.webm", PNG)

    head = stack.client("s3").head_object(Bucket=stack.site_bucket, Key="media/clip.webm")
    assert head["ContentType"] == "video/webm"
    assert stack.site_object("media/still.webm") is None
    report = stack.report("media/still.webm")
    assert report["status"] == "rejected"
    assert report["errors"][0]["message"] == "the file does not look like video/webm (it looks like image/png)"


def test_a_rejection_writes_one_structured_log_line_and_a_metric(stack: Stack) -> None:
    stack.log.seek(0)
    stack.log.truncate()
    stack.upload("articles/bad.md", b"---\ntitle: Bad\ndate: not-a-date\n---\nBody\n")
    lines = [json.loads(line) for line in stack.log.getvalue().splitlines() if line.startswith("{")]
    logged = [line for line in lines if line.get("message") == "rejected"]
    assert len(logged) == 1 and logged[0]["key"] == "articles/bad.md" and logged[0]["errors"][0]["field"] == "date"
    metrics = [line for line in lines if "ArticlesRejected" in line]
    assert metrics and metrics[0]["ArticlesRejected"] == [1.0]


def test_a_full_rebuild_publishes_media_again_and_still_ends_with_one_wildcard(stack: Stack) -> None:
    # given: a media file whose site copy was lost
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    stack.upload("articles/a.md", article("A story", "2026-03-02"))
    stack.upload("media/photo.png", png)
    stack.client("s3").delete_object(Bucket=stack.site_bucket, Key="media/photo.png")
    front = FakeCloudFront()
    svc = _services(stack, front)

    # when
    rebuild_id, tasks = publish.fan_out_rebuild(svc)
    publisher = publish.Publisher(svc)
    for body in stack.take_events():
        with cdn.batch(lambda paths: cdn.invalidate(front, "E123", paths)):
            from pressroom.events import parse_body

            publisher.handle(parse_body(body))

    # then
    assert tasks == 3 and svc.index.rebuild_left(rebuild_id) == (0, 3)
    assert stack.site_object("media/photo.png") == png
    assert [b["Paths"]["Items"] for b in front.batches] == [["/*"]]


@pytest.mark.parametrize("fresh", [True, False])
def test_invalidate_listings_keeps_the_home_page_fresh_at_the_edge(stack: Stack, fresh: bool) -> None:
    # given: a new post, rendered, whose stream record the index function is about to handle
    from pressroom import handlers

    stack.upload("articles/a.md", article("A story", "2026-03-02"), wait=False)
    stack.deliver(stack.take_events())
    item = stack.client("dynamodb").get_item(TableName=stack.posts_table,
                                             Key={"pk": {"S": "POST#a"}, "sk": {"S": "POST"}})["Item"]
    stack.skip_stream()
    env = dict(stack.functions["IndexFunction"].environment, DISTRIBUTION_ID="E123",
               INVALIDATE_LISTINGS="true" if fresh else "false")
    front = FakeCloudFront()
    handlers.reset()
    handlers._services[config.from_environ(env)] = publish.Services(
        config.from_environ(env), s3=stack.client("s3"), dynamodb=stack.client("dynamodb"), cloudfront=front)

    # when: the index function rebuilds the listings
    with config.invocation_environ(env):
        handlers.rebuild_listings([{"eventName": "INSERT", "dynamodb": {"NewImage": item}}])
    handlers.reset()

    # then: with InvalidateListings, one invalidation of the home page and recent.json; without, none
    assert b"A story" in stack.site_object("index.html")
    expected = [["/", "/recent.json"]] if fresh else []
    assert [batch["Paths"]["Items"] for batch in front.batches] == expected
