"""With a delay at every AWS call, as in AWS: two versions of a key delivered at once still end as the newest,
calls made at once overlap, and the round-trip count follows the calls that waited for each other."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from pressroom.local import Stack
from pressroom.local.latency import Call, latency, sequential_round_trips
from tests.conftest import article
from tests.pipeline.helpers import site_state, table_state


def _deliver_at_once(stack: Stack, bodies: list[str]) -> None:
    errors: list[BaseException] = []

    def deliver(body: str) -> None:
        try:
            stack.deliver([body])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and not any(thread.is_alive() for thread in threads)


def test_two_versions_of_a_key_delivered_at_once_end_as_the_newest(stack: Stack) -> None:
    # given: two versions of one article, uploaded one after the other, their events taken
    stack.upload("articles/a.md", article("First draft", "2026-03-02", tags=["port"]), wait=False)
    stack.upload("articles/a.md", article("Final text", "2026-03-02", tags=["port", "rail"]), wait=False)
    bodies = stack.take_events()
    assert len(bodies) == 2

    # when: both are delivered at once, each call answered 5 ms late, newest first
    with latency(0.005) as log:
        _deliver_at_once(stack, list(reversed(bodies)))
        stack.settle()

    # then: the site is what the newest version alone gives
    assert len(log.of("RenderFunction")) >= 2
    page = stack.site_object("posts/a/index.html") or b""
    assert b"Final text" in page and b"First draft" not in page
    assert b"Final text" in (stack.site_object("tags/rail/index.html") or b"")
    got = (_posts(stack), site_state(stack))
    stack.reset()
    stack.upload("articles/a.md", article("Final text", "2026-03-02", tags=["port", "rail"]))
    assert got == (_posts(stack), site_state(stack))


def _posts(stack: Stack) -> dict:
    """The table but for the upload's own state, whose version and sequencer differ between uploads."""
    return {key: item for key, item in table_state(stack).items() if not key[0].startswith("SRC#")}


def test_a_publish_makes_its_independent_calls_at_once(stack: Stack) -> None:
    stack.upload("articles/warm.md", article("Warm-up", "2026-03-01", tags=["port"]))
    with latency(0.01) as log:
        stack.upload("articles/new.md", article("New story", "2026-03-02", tags=["port", "rail"]))
    (render,), (index,) = log.of("RenderFunction"), log.of("IndexFunction")
    assert log.sequential_round_trips(render) < len(log.calls_of(render))
    assert log.sequential_round_trips(index) < len(log.calls_of(index)) / 3
    threads = {call.thread for call in log.calls_of(index)}
    assert len(threads) > 2  # pool threads: the listing pages were written together


def test_a_listings_pass_reads_what_is_stored_at_its_pages_with_the_index(stack: Stack) -> None:
    # given: a site with its settings and a tag
    stack.upload("site.yaml", "name: Port Times\n")
    stack.upload("articles/warm.md", article("Warm-up", "2026-03-01", tags=["port"]))

    # when: a post with two tags is published, each call answered 10 ms late
    with latency(0.01) as log:
        stack.upload("articles/new.md", article("New story", "2026-03-02", tags=["port", "rail"]))

    # then: the stored pages' metadata is read in the round of the index queries, not in one of its own
    (index,) = log.of("IndexFunction")
    calls = log.calls_of(index)
    heads = [call for call in calls if call.operation == "s3.HeadObject"]
    queries = [call for call in calls if call.operation == "dynamodb.Query"]
    writes = [call for call in calls if call.operation == "s3.PutObject"]
    assert heads and queries and writes
    assert max(call.start for call in heads) < min(call.start for call in writes)
    assert min(call.start for call in heads) < max(call.end for call in queries)
    # the version with the settings, the reads, the writes, the version again
    assert log.sequential_round_trips(index) == 4
    assert b"New story" in (stack.site_object("tags/rail/index.html") or b"")


def test_a_listings_pass_looks_for_the_theme_assets_only_until_the_home_page_names_them(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    from pressroom.render import load_theme
    from pressroom.storage import ASSETS_META, SiteBucket

    assets = {asset.key for asset in load_theme().assets.values()}
    read: list[str] = []
    stored_metadata = SiteBucket.stored_metadata

    def spied(self: SiteBucket, key: str) -> dict[str, str] | None:
        read.append(key)
        return stored_metadata(self, key)

    monkeypatch.setattr(SiteBucket, "stored_metadata", spied)
    s3 = stack.client("s3")

    # given: a first post (its listings pass stores the assets, then a home page that names them)
    stack.upload("articles/a.md", article("First", "2026-03-01", tags=["port"]))
    assert s3.head_object(Bucket=stack.site_bucket, Key="index.html")["Metadata"].get(ASSETS_META)

    # when: the next post's listings pass
    read.clear()
    with latency(0.0) as log:
        stack.upload("articles/b.md", article("Second", "2026-03-02", tags=["port"]))

    # then: the render function looked for the assets its page links to, the listings pass did not
    assert sorted(k for k in read if k in assets) == sorted(assets)
    (index,) = log.of("IndexFunction")
    assert len([c for c in log.calls_of(index) if c.operation == "s3.HeadObject"]) == 12

    # when: the assets are gone and the home page names none (a site from before), the next pass stores them
    for key in assets:
        s3.delete_object(Bucket=stack.site_bucket, Key=key)
    home = s3.get_object(Bucket=stack.site_bucket, Key="index.html")
    s3.put_object(Bucket=stack.site_bucket, Key="index.html", Body=home["Body"].read(), ContentType="text/html",
                  Metadata={k: v for k, v in home["Metadata"].items() if k != ASSETS_META})
    stack.delete("articles/b.md")

    # then
    assert all(stack.site_object(key) is not None for key in assets)
    assert s3.head_object(Bucket=stack.site_bucket, Key="index.html")["Metadata"].get(ASSETS_META)


def test_every_key_a_listings_pass_writes_or_deletes_was_read_with_the_index(stack: Stack,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # given: a month and a tag that lost their last post (their pages are deleted), and pages of every other
    # kind
    stack.upload("articles/a.md", article("Kept", "2026-03-02", tags=["port", "Rail"]))
    stack.upload("articles/b.md", article("Gone", "2026-01-05", tags=["ferry"]))
    stack.delete("articles/b.md")
    from pressroom.publish import listings_for
    from pressroom.storage import SiteBucket

    unread: list[str] = []
    put, delete = SiteBucket.put, SiteBucket.delete

    def put_unread(self: SiteBucket, page: Any, **options: Any) -> bool:
        unread.append(page.key)
        return put(self, page, **options)

    def delete_unread(self: SiteBucket, key: str, **options: Any) -> None:
        unread.append(key)
        delete(self, key, **options)

    monkeypatch.setattr(SiteBucket, "put", put_unread)
    monkeypatch.setattr(SiteBucket, "delete", delete_unread)

    # when: every listing page is rendered again
    listings_for(stack.services()).rebuild_all()

    # then: no write needed a read of its own
    assert unread == []
    assert stack.site_object("tags/ferry/index.html") is None
    assert b"Kept" in (stack.site_object("tags/rail/index.html") or b"")


def _call(start: float, end: float, thread: int) -> Call:
    return Call("F", 1, "s3.PutObject", start, end, thread)


def test_round_trips_count_the_calls_that_waited_for_each_other() -> None:
    main = 1
    calls = [
        _call(0.0, 1.0, main),  # a read
        # a run of three tasks started at 1.0; moto answers them one after the other (1.5, 2.0, 2.5)
        _call(1.0, 1.5, 2), _call(1.0, 2.0, 3), _call(1.0, 2.5, 4),
        _call(1.6, 2.6, 2),  # the first task's second call: it waited for its first
        _call(2.6, 3.6, 4),  # a fourth task, run by the thread the third one left
        _call(3.7, 4.7, main),  # after the run: it waited for all of them
    ]
    phases = [(1.0, 3.6)]
    assert sequential_round_trips(calls, main, phases) == 4  # the read, a task, the call after it, the last
    assert sequential_round_trips(calls[:4], main, phases) == 2
