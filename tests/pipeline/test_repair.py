"""The anti-entropy pass: drift made by hand in a local stack is found and repaired, the site ends as a clean run
leaves it, a second pass finds nothing, and successive runs cover every key."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from pressroom.events import task_message
from pressroom.local import Stack
from tests.conftest import article
from tests.pipeline.test_faults import observed


def repair(stack: Stack, *, dry_run: bool = False, whole: bool = True) -> dict[str, Any]:
    """Run repair tasks through the render function (the whole site, or one scheduled slice): their results."""
    from pressroom import handlers

    index = handlers.services(stack.services().config).index
    cursor: dict[str, str] | None = {"site": "", "content": ""} if whole else None
    found: dict[str, Any] = {"drift": {}, "total": 0, "repairs": [], "runs": 0}
    while True:
        request = uuid.uuid4().hex
        options: dict[str, Any] = {"request": request, "dry_run": dry_run}
        if cursor is not None:
            options["cursor"] = cursor
        stack.deliver([task_message("*", "repair", **options)])
        stack.settle()
        result = index.repair_result(request)
        assert result is not None
        found["runs"] += 1
        found["total"] += result["total"]
        found["repairs"] += result["repairs"]
        for kind, n in result["drift"].items():
            found["drift"][kind] = found["drift"].get(kind, 0) + n
        if not whole or result["wrapped"]:
            return found
        cursor = result["cursor"]


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
    dry = repair(stack, dry_run=True)
    found = repair(stack)

    # then: a dry run lists the drift and changes nothing; the repair ends where the clean run did
    assert dry["drift"].get(kind), dry
    assert found["drift"].get(kind), found
    assert observed(stack) == expected
    assert repair(stack)["total"] == 0


def test_a_clean_site_has_no_drift(stack: Stack) -> None:
    _site(stack)
    assert repair(stack) == {"drift": {}, "total": 0, "repairs": [], "runs": 1}


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
        repair(stack, whole=False)
        runs += 1
        assert runs <= 40

    # then: every key of both buckets was looked at, in about (keys / slice) runs
    assert runs <= max(len(site_keys), len(content_keys)) // 4 + 2
